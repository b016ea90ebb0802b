import type { AddressInfo } from 'node:net';
import { buildApp, DEMO_SMS_APP_KEY } from './app.ts';
import { loadConfig, type HubConfig } from './config.ts';
import { startEmulators, type RunningEmulators } from '../emulators/index.ts';
import type { HubApp, HubServices } from './http/types.ts';

export interface RunningHub {
  readonly app: HubApp;
  readonly services: HubServices;
  readonly url: string;
  readonly config: HubConfig;
  readonly emulators?: RunningEmulators;
  close(): Promise<void>;
}

/**
 * Starts the hub and listens; with `withEmulators`, first starts every emulated department and
 * channel service on loopback and points the hub's configuration at them (demo mode).
 */
export async function startHub(options: { env?: NodeJS.ProcessEnv; withEmulators?: boolean; overrides?: Partial<HubConfig> } = {}): Promise<RunningHub> {
  const env = { ...(options.env ?? process.env) };
  const emulators = options.withEmulators ? await startDemoEmulators(env) : undefined;
  const config = loadConfig(env, options.overrides);
  let app: HubApp;
  let services: HubServices;
  try {
    ({ app, services } = await buildApp(config, { smsAppKey: env.HUTONG_SMS_APP_KEY }));
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await emulators?.close();
    throw error;
  }
  const address = app.server.address() as AddressInfo;
  const url = `http://${config.host.includes(':') ? `[${address.address}]` : address.address}:${address.port}`;
  return {
    app,
    services,
    url,
    config,
    emulators,
    async close() {
      await app.close();
      await emulators?.close();
    },
  };
}

/**
 * Starts every emulated department and channel service on loopback, where `HUTONG_EMULATORS_URL`
 * asks, and points `env` at them in demo mode (it is changed in place).
 */
export async function startDemoEmulators(env: NodeJS.ProcessEnv): Promise<RunningEmulators> {
  const wanted = new URL(env.HUTONG_EMULATORS_URL || 'http://127.0.0.1:4100');
  const emulators = await startEmulators({
    host: wanted.hostname,
    port: Number(wanted.port || 80),
    smsAppKey: env.HUTONG_SMS_APP_KEY || DEMO_SMS_APP_KEY,
    dropDir: loadConfig(env).inboxDir,
  });
  env.HUTONG_EMULATORS_URL = emulators.url;
  env.HUTONG_DEMO ??= '1';
  return emulators;
}
