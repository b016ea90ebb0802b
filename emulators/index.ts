import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mountTrafficPolice, type TrafficPoliceControl } from './departments/traffic-police/server.ts';
import { createSmsGateway } from './channels/sms/sms.gateway.ts';
import { createAlipayOpenPlatform } from './channels/alipay/alipay.open-platform.ts';
import { createWechatPlatform } from './channels/wechat/wechat.platform.ts';
import { createWeiboPlatform } from './channels/weibo/weibo.platform.ts';
import { createTaobaoPlatform } from './channels/taobao/taobao.platform.ts';
import { FaultSwitchboard } from './faults.ts';
import { createUnionpayWallet, type UnionpayWallet } from './wallets/unionpay/unionpay.wallet.ts';
import { createWechatpayWallet, type WechatpayWallet } from './wallets/wechatpay/wechatpay.wallet.ts';
import { createAlipayWallet, type AlipayWallet } from './wallets/alipay/alipay.wallet.ts';
import { sendJson, type EmulatorRoute } from './http-kit.ts';
import { DEPARTMENT_EMULATORS, type EmulatorContext } from './departments/registry.ts';
import { demoResidentsRoute } from './demo-residents.ts';

export interface EmulatorsOptions {
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  /** The "now" that synthetic department data is counted back from. */
  readonly referenceDate?: Date;
  /** App key the SMS gateway expects from the hub. */
  readonly smsAppKey: string;
  /** Where departments that deliver batch files (the water company's CSV) drop them. */
  readonly dropDir?: string;
  /** Households in each city's water bill file (1000 by default; the first 200 are the demo residents'). */
  readonly waterHouseholds?: number;
}

export interface RunningEmulators {
  readonly url: string;
  readonly sms: ReturnType<typeof createSmsGateway>;
  readonly faults: FaultSwitchboard;
  readonly context: EmulatorContext;
  /** The wallets: checkouts, "scan and pay", notifications to the hub, statements. */
  readonly wallets: { readonly alipay: AlipayWallet; readonly wechatpay: WechatpayWallet; readonly unionpay: UnionpayWallet };
  /** The traffic police: record a new camera violation on a plate, look at the fines paid. */
  readonly trafficPolice: TrafficPoliceControl;
  close(): Promise<void>;
}

const SOAP_DEPARTMENTS = new Set(['traffic-police']);
/** Departments whose injected failures are FHIR OperationOutcomes, as their servers answer. */
const FHIR_DEPARTMENTS = new Set(['hospital']);

/**
 * Starts the outside world on loopback: every emulated department system and channel service,
 * under one HTTP server with one path prefix each (`/traffic-police/{city}/ws`, `/hospital/{city}/fhir/…`,
 * `/sms/…`), the fault switches at `/_admin/faults`, each department's request counts at
 * `/_admin/traffic`, the traffic police's violation recorder at
 * `/_admin/traffic-police/{city}/violations` and the demo residents' directory at `/_demo/residents`.
 *
 * @example
 *   const emulators = await startEmulators({ port: 0, smsAppKey: 'k' })
 *   // config: HUTONG_EMULATORS_URL = emulators.url
 */
export async function startEmulators(options: EmulatorsOptions): Promise<RunningEmulators> {
  const sms = createSmsGateway({ appKey: options.smsAppKey });
  const faults = new FaultSwitchboard();
  const departments = new Map<string, EmulatorRoute>();
  const wallets = { alipay: createAlipayWallet(), wechatpay: createWechatpayWallet(), unionpay: createUnionpayWallet() };
  const routes: EmulatorRoute[] = [faults.adminRoute(), faults.traffic.route(), sms.route, wallets.alipay.route, wallets.wechatpay.route, wallets.unionpay.route, createAlipayOpenPlatform().route, createWechatPlatform().route, createWeiboPlatform().route, createTaobaoPlatform().route];
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://emulators.invalid');
    try {
      const department = departments.get(url.pathname.split('/')[1] ?? '');
      if (department) {
        const name = url.pathname.split('/')[1];
        if (await faults.intercept(name, req, res, FHIR_DEPARTMENTS.has(name) ? 'fhir' : 'json')) return;
        if (await department(req, res, url)) return;
      }
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
  const context: EmulatorContext = Object.freeze({
    baseUrl: url,
    referenceDate: options.referenceDate ?? new Date(),
    dropDir: options.dropDir,
    ...(options.waterHouseholds ? { waterHouseholds: options.waterHouseholds } : {}),
  });
  for (const emulator of DEPARTMENT_EMULATORS) departments.set(emulator.department, await emulator.create(context));
  routes.push(demoResidentsRoute(context.referenceDate));

  const trafficPolice = await mountTrafficPolice(server, { baseUrl: url, referenceDate: context.referenceDate });
  routes.push(trafficPolice.adminRoute);
  // soap.listen put its own listener in front; put the fault switches in front of it.
  const soapListener = server.listeners('request')[0] as (req: http.IncomingMessage, res: http.ServerResponse) => void;
  server.removeAllListeners('request');
  server.on('request', async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const department = (req.url ?? '').split('/')[1] ?? '';
    if (SOAP_DEPARTMENTS.has(department) && (await faults.intercept(department, req, res, 'soap'))) return;
    soapListener(req, res);
  });

  return {
    url,
    sms,
    faults,
    context,
    wallets,
    trafficPolice: { payments: trafficPolice.payments, recordViolation: trafficPolice.recordViolation },
    close: () =>
      new Promise<void>((resolve) => {
        for (const wallet of Object.values(wallets)) wallet.close();
        faults.releaseHanging();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
