import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
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

/** A key given as PEM, as bare base64 (as Alipay's key tool prints it), or as a file holding either. */
function keyText(value: string, name: string): string {
  const trimmed = value.trim();
  if (trimmed.includes('-----BEGIN') || /^[A-Za-z0-9+/=\s]{100,}$/.test(trimmed)) return trimmed;
  if (existsSync(trimmed)) return readFileSync(trimmed, 'utf8').trim();
  throw new Error(`${name} is neither a key (PEM or base64) nor a readable file`);
}

function privateKeyObject(text: string, name: string): KeyObject {
  try {
    if (text.includes('-----BEGIN')) return createPrivateKey(text);
    const der = Buffer.from(text.replace(/\s+/g, ''), 'base64');
    try {
      return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    } catch {
      return createPrivateKey({ key: der, format: 'der', type: 'pkcs1' });
    }
  } catch {
    throw new Error(`${name} is not a readable RSA private key`);
  }
}

function publicKeyObject(text: string, name: string): KeyObject {
  try {
    if (text.includes('-----BEGIN')) return createPublicKey(text);
    return createPublicKey({ key: Buffer.from(text.replace(/\s+/g, ''), 'base64'), format: 'der', type: 'spki' });
  } catch {
    throw new Error(`${name} is not a readable public key`);
  }
}

const pkcs8Pem = (text: string, name: string): string => privateKeyObject(text, name).export({ type: 'pkcs8', format: 'pem' }).toString();
const spkiPem = (text: string, name: string): string => publicKeyObject(text, name).export({ type: 'spki', format: 'pem' }).toString();

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
      privateKey: pkcs8Pem(keyText(privateKey as string, 'ALIPAY_APP_PRIVATE_KEY'), 'ALIPAY_APP_PRIVATE_KEY'),
      alipayPublicKey: spkiPem(keyText(publicKey as string, 'ALIPAY_PUBLIC_KEY'), 'ALIPAY_PUBLIC_KEY'),
      endpoint: value('ALIPAY_ENDPOINT') ?? ALIPAY_PRODUCTION_ENDPOINT,
      gateway: value('ALIPAY_GATEWAY') ?? ALIPAY_PRODUCTION_GATEWAY,
    };
  } else if (options.demo && emulators !== '') {
    settings = {
      appId: DEMO_APP_ID,
      privateKey: pkcs8Pem(readFileSync(new URL('app-private.pem', DEMO_KEYS), 'utf8'), 'the demo app key'),
      alipayPublicKey: spkiPem(readFileSync(new URL('platform-public.pem', DEMO_KEYS), 'utf8'), 'the demo platform key'),
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
