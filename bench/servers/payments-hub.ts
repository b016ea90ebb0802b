// The hub with its emulators on free loopback ports, for the payments bench: PGlite in memory, or
// the PostgreSQL database named by BENCH_DATABASE_URL. The wallets notify the hub's own address.
import { startHub } from '../../src/server.ts';

const hub = await startHub({
  withEmulators: true,
  env: {
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    HUTONG_EMULATORS_URL: 'http://127.0.0.1:0',
    HUTONG_DATA_DIR: 'memory://',
    LOG_LEVEL: 'warn',
    DATABASE_URL: process.env.BENCH_DATABASE_URL ?? '',
  },
});
// Demo logins link water accounts, which need the water company's nightly file imported first.
await hub.services.batchSync.runOnce();
process.stdout.write(`READY ${JSON.stringify({ url: hub.url, emulators: hub.emulators?.url })}\n`);
let closing = false;
process.on('SIGTERM', () => {
  if (closing) return;
  closing = true;
  // A hub that does not close in time is ended anyway: the bench is bounded.
  setTimeout(() => process.exit(0), 10_000).unref();
  void hub.close().then(() => process.exit(0), () => process.exit(1));
});
