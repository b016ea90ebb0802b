import { readFileSync } from 'node:fs';
import { keyPem } from '../../key-material.ts';
import { Type, type Static } from '@sinclair/typebox';

/** How the hub reaches Alipay's payment APIs as one merchant app (public-key mode, RSA2). */
export const AlipayPaySettingsSchema = Type.Object(
  {
    appId: Type.String({ minLength: 1, maxLength: 32, description: 'the merchant app id (ALIPAY_APP_ID)' }),
    privateKey: Type.String({ minLength: 1, description: 'the app private key, PKCS#8 PEM (ALIPAY_APP_PRIVATE_KEY)' }),
    alipayPublicKey: Type.String({ minLength: 1, description: 'the platform public key ("支付宝公钥"), SPKI PEM (ALIPAY_PUBLIC_KEY)' }),
    endpoint: Type.String({ pattern: '^https?://', description: 'the v3 API endpoint, https://openapi.alipay.com in production (ALIPAY_ENDPOINT)' }),
    gateway: Type.String({ pattern: '^https?://', description: 'the v2 gateway, https://openapi.alipay.com/gateway.do in production (ALIPAY_GATEWAY)' }),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 120_000, description: 'per-call HTTP timeout of the SDK; 5000 by default' })),
  },
  { additionalProperties: false, title: 'AlipayPaySettings' },
);
export type AlipayPaySettings = Static<typeof AlipayPaySettingsSchema>;

export const ALIPAY_PRODUCTION_ENDPOINT = 'https://openapi.alipay.com';
export const ALIPAY_PRODUCTION_GATEWAY = 'https://openapi.alipay.com/gateway.do';

/** The emulator's demo app and its committed keys (valid against the emulator only). */
const DEMO_APP_ID = '2021000000000001';
const DEMO_KEYS = new URL('../../../emulators/channels/alipay/demo-keys/', import.meta.url);





/**
 * Alipay payment settings from the environment, named as the Alipay channel names them:
 * `ALIPAY_APP_ID`, `ALIPAY_APP_PRIVATE_KEY` (PEM, base64 or a file path), `ALIPAY_PUBLIC_KEY`
 * (likewise), `ALIPAY_ENDPOINT` (v3; default Alipay's production endpoint) and `ALIPAY_GATEWAY` (v2;
 * default Alipay's production gateway). With none of the app's credentials set, demo mode uses the
 * payment emulator (`<emulatorsUrl>/alipay-pay`) with the demo app and keys, and otherwise (or when no
 * emulators URL is known) the result is `undefined`: the wallet is not installed. A half configuration
 * is an error.
 *
 * @example
 *   alipayPaySettingsFromEnv(process.env, { emulatorsUrl: 'http://127.0.0.1:4100', demo: true })
 */
export function alipayPaySettingsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  options: { readonly emulatorsUrl: string; readonly demo: boolean },
): AlipayPaySettings | undefined {
  const value = (name: string): string | undefined => {
    const given = env[name]?.trim();
    return given === undefined || given === '' ? undefined : given;
  };
  const appId = value('ALIPAY_APP_ID');
  const privateKey = value('ALIPAY_APP_PRIVATE_KEY');
  const publicKey = value('ALIPAY_PUBLIC_KEY');
  const emulators = options.emulatorsUrl.replace(/\/+$/, '');
  let settings: AlipayPaySettings;
  if (appId !== undefined || privateKey !== undefined || publicKey !== undefined) {
    for (const [name, given] of [['ALIPAY_APP_ID', appId], ['ALIPAY_APP_PRIVATE_KEY', privateKey], ['ALIPAY_PUBLIC_KEY', publicKey]] as const) {
      if (given === undefined) throw new Error(`${name} is required when Alipay is configured`);
    }
    settings = {
      appId: appId as string,
      privateKey: keyPem(privateKey as string, 'ALIPAY_APP_PRIVATE_KEY', 'private'),
      alipayPublicKey: keyPem(publicKey as string, 'ALIPAY_PUBLIC_KEY', 'public'),
      endpoint: value('ALIPAY_ENDPOINT') ?? ALIPAY_PRODUCTION_ENDPOINT,
      gateway: value('ALIPAY_GATEWAY') ?? ALIPAY_PRODUCTION_GATEWAY,
    };
  } else if (options.demo && emulators !== '') {
    settings = {
      appId: DEMO_APP_ID,
      privateKey: keyPem(readFileSync(new URL('app-private.pem', DEMO_KEYS), 'utf8'), 'the demo app key', 'private'),
      alipayPublicKey: keyPem(readFileSync(new URL('platform-public.pem', DEMO_KEYS), 'utf8'), 'the demo platform key', 'public'),
      endpoint: value('ALIPAY_ENDPOINT') ?? `${emulators}/alipay-pay`,
      gateway: value('ALIPAY_GATEWAY') ?? `${emulators}/alipay/gateway.do`,
    };
  } else {
    return undefined;
  }
  for (const [name, url] of [['ALIPAY_ENDPOINT', settings.endpoint], ['ALIPAY_GATEWAY', settings.gateway]] as const) {
    if (!/^https?:\/\/[^\s/]+/.test(url)) throw new Error(`${name} must be an http(s) URL`);
  }
  return Object.freeze({ ...settings, endpoint: settings.endpoint.replace(/\/+$/, '') });
}
