// The emulated department systems, wallets and entrance platforms alone, on a free loopback port,
// so that hubs in other processes share them and their request counts (/_admin/traffic) see all.
import { startEmulators } from '../../emulators/index.ts';
import { exitWhenParentGoes } from './parent-watch.ts';

exitWhenParentGoes();
const emulators = await startEmulators({
  host: '127.0.0.1',
  port: 0,
  smsAppKey: process.env.HUTONG_SMS_APP_KEY || 'hutong-demo-sms-app-key',
  ...(process.env.HUTONG_INBOX_DIR ? { dropDir: process.env.HUTONG_INBOX_DIR } : {}),
});
process.stdout.write(`READY ${JSON.stringify({ url: emulators.url, pid: process.pid })}\n`);
process.on('SIGTERM', () => {
  setTimeout(() => process.exit(0), 5_000).unref();
  void emulators.close().then(() => process.exit(0), () => process.exit(1));
});
