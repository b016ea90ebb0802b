import { defineConfig, type Connect } from 'vite';
import react from '@vitejs/plugin-react';

// The config is run from the repository root (`vite build --config web/vite.config.ts`); the app lives here.
const webRoot = decodeURIComponent(new URL('.', import.meta.url).pathname);
const hub = 'http://127.0.0.1:3000'; // `npm start`'s hub

// The hub serves the operator console's page for /admin/ and every /admin/*; the dev and preview servers do the same.
const adminPage: Connect.NextHandleFunction = (req, _res, next) => {
  if (req.url && /^\/admin(?:[/?#]|$)/.test(req.url)) req.url = '/app/admin/index.html';
  next();
};

/** The citizen web app (web/index.html, served by the hub at /app/) and the operator console (web/admin/index.html, at /admin/), built into web/dist. */
export default defineConfig({
  root: webRoot,
  base: '/app/',
  plugins: [
    react(),
    {
      name: 'hutong-admin-page',
      configureServer(server) {
        server.middlewares.use(adminPage);
      },
      configurePreviewServer(server) {
        server.middlewares.use(adminPage);
      },
    },
  ],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // In-app browsers of the entrance platforms lag behind desktop browsers.
    target: 'es2020',
    rollupOptions: {
      input: {
        main: `${webRoot}index.html`,
        admin: `${webRoot}admin/index.html`,
      },
    },
  },
  // `vite --config web/vite.config.ts` serves the app with hot reload against a hub running on its own.
  server: {
    proxy: { '/v1': hub, '/l': hub },
  },
});
