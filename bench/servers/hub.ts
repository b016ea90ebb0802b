// The hub on a free loopback port, in memory (PGlite) or on the PostgreSQL database named by
// BENCH_DATABASE_URL. With BENCH_EMULATORS_URL it talks to emulators running in another process
// (demo mode, as `hutong serve` with HUTONG_DEMO=1); without, it starts its own, as `npm start` does.
import { startHub } from '../../src/server.ts';
import { exitWhenParentGoes } from './parent-watch.ts';

exitWhenParentGoes();
const external = process.env.BENCH_EMULATORS_URL;
const hub = await startHub({
  withEmulators: !external,
  env: {
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    HUTONG_EMULATORS_URL: external || 'http://127.0.0.1:0',
    HUTONG_DATA_DIR: 'memory://',
    HUTONG_DEMO: '1',
    LOG_LEVEL: process.env.LOG_LEVEL || 'warn',
    DATABASE_URL: process.env.BENCH_DATABASE_URL ?? '',
  },
});
// Measure the hub at rest: batch files the emulators dropped are imported first.
await hub.services.batchSync.runOnce();
process.stdout.write(`READY ${JSON.stringify({ url: hub.url, emulators: hub.emulators?.url ?? external, pid: process.pid })}\n`);
let closing = false;
process.on('SIGTERM', () => {
  if (closing) return;
  closing = true;
  setTimeout(() => process.exit(0), 8_000).unref();
  void hub.close().then(() => process.exit(0), () => process.exit(1));
});
