import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The config is run from the repository root (`vite build --config web/vite.config.ts`); the app lives here.
const webRoot = decodeURIComponent(new URL('.', import.meta.url).pathname);
const hub = 'http://127.0.0.1:3000'; // `npm start`'s hub

/** The citizen web app: built into web/dist, served by the hub at /app/. */
export default defineConfig({
  root: webRoot,
  base: '/app/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // In-app browsers of the entrance platforms lag behind desktop browsers.
    target: 'es2020',
  },
  // `vite --config web/vite.config.ts` serves the app with hot reload against a hub running on its own.
  server: {
    proxy: { '/v1': hub, '/l': hub },
  },
});
