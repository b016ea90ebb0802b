// The hub with its emulators, in memory, as `npm start` runs it but on free ports.
import { startHub } from '../../src/server.ts';

const hub = await startHub({
  withEmulators: true,
  env: { ...process.env, PORT: '0', HUTONG_EMULATORS_URL: 'http://127.0.0.1:0', HUTONG_DATA_DIR: 'memory://', LOG_LEVEL: 'warn', DATABASE_URL: process.env.BENCH_DATABASE_URL ?? '' },
});
// Measure the hub at rest: the water company's nightly files are imported first.
await hub.services.batchSync.runOnce();
process.stdout.write(`READY ${JSON.stringify({ url: hub.url, emulators: hub.emulators?.url })}\n`);
process.on('SIGTERM', () => void hub.close().then(() => process.exit(0)));
