import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mountTrafficPolice } from './departments/traffic-police/server.ts';
import { createSmsGateway } from './channels/sms/sms.gateway.ts';
import { sendJson, type EmulatorRoute } from './http-kit.ts';

export interface EmulatorsOptions {
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  /** The "now" that synthetic department data is counted back from. */
  readonly referenceDate?: Date;
  /** App key the SMS gateway expects from the hub. */
  readonly smsAppKey: string;
}

export interface RunningEmulators {
  readonly url: string;
  readonly sms: ReturnType<typeof createSmsGateway>;
  close(): Promise<void>;
}

/**
 * Starts the outside world on loopback: every emulated department system and channel service,
 * under one HTTP server with one path prefix each (`/traffic-police/{city}/ws`, `/sms/…`).
 *
 * @example
 *   const emulators = await startEmulators({ port: 0, smsAppKey: 'k' })
 *   // config: HUTONG_EMULATORS_URL = emulators.url
 */
export async function startEmulators(options: EmulatorsOptions): Promise<RunningEmulators> {
  const sms = createSmsGateway({ appKey: options.smsAppKey });
  const routes: EmulatorRoute[] = [sms.route];
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://emulators.invalid');
    try {
      for (const route of routes) if (await route(req, res, url)) return;
      sendJson(res, 404, { code: 'NotFound', message: `no emulator at ${url.pathname}` });
    } catch (error) {
      if (!res.headersSent) sendJson(res, 500, { code: 'EmulatorError', message: (error as Error).message });
    }
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 4100, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.address}:${address.port}`;
  await mountTrafficPolice(server, { baseUrl: url, referenceDate: options.referenceDate });
  return {
    url,
    sms,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
