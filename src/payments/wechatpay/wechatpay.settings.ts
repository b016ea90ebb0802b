import { keyPem } from '../../key-material.ts';
import { Type, type Static } from '@sinclair/typebox';
import { WECHAT_DEMO_APPS } from '../../../emulators/channels/wechat/wechat.apps.ts';
import { readWechatpayDemoKeys, WECHATPAY_DEMO_MERCHANT } from '../../../emulators/wallets/wechatpay/wechatpay.demo-merchant.ts';

export const WECHATPAY_PRODUCTION_BASE_URL = 'https://api.mch.weixin.qq.com';

export const wechatpaySettingsSchema = Type.Object(
  {
    /** 商户号. */
    mchid: Type.String({ minLength: 1 }),
    /** The app (公众号 / 小程序) the Native orders are placed for: the WeChat channel's `WECHAT_APP_ID`. */
    appId: Type.String({ minLength: 1 }),
    /** The serial number of the merchant's API certificate. */
    merchantSerial: Type.String({ minLength: 1 }),
    /** The merchant's API private key, PEM. */
    merchantPrivateKey: Type.String({ minLength: 1 }),
    /** The id of WeChat Pay's public key (public-key mode), `PUB_KEY_ID_…`. */
    platformPublicKeyId: Type.String({ pattern: '^PUB_KEY_ID_' }),
    /** WeChat Pay's public key, PEM. */
    platformPublicKey: Type.String({ minLength: 1 }),
    /** The merchant's APIv3 key (32 characters) that notifications are encrypted with. */
    apiV3Key: Type.String({ minLength: 32, maxLength: 32 }),
    /** Without a trailing slash: `https://api.mch.weixin.qq.com`, or the emulator's `…/wechatpay`. */
    baseUrl: Type.String({ pattern: '^https?://' }),
    /** Per call, on top of the caller's signal. */
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);

export type WechatpaySettings = Static<typeof wechatpaySettingsSchema>;

const CREDENTIALS = [
  'WECHATPAY_MCHID',
  'WECHATPAY_MERCHANT_SERIAL',
  'WECHATPAY_MERCHANT_PRIVATE_KEY',
  'WECHATPAY_PLATFORM_PUBLIC_KEY',
  'WECHATPAY_PLATFORM_PUBLIC_KEY_ID',
  'WECHATPAY_APIV3_KEY',
] as const;

/**
 * WeChat Pay settings from the environment: `WECHATPAY_MCHID`, `WECHATPAY_MERCHANT_SERIAL`,
 * `WECHATPAY_MERCHANT_PRIVATE_KEY` and `WECHATPAY_PLATFORM_PUBLIC_KEY` (PEM — `\n` escapes allowed —,
 * bare base64, or a file path), `WECHATPAY_PLATFORM_PUBLIC_KEY_ID` (`PUB_KEY_ID_…`),
 * `WECHATPAY_APIV3_KEY`, `WECHATPAY_BASE_URL` (default WeChat Pay's API), and `WECHAT_APP_ID` (the
 * WeChat channel's app, which the Native orders are placed for). With none of the credentials set,
 * demo mode uses the emulator at `${emulatorsUrl}/wechatpay` with its demo merchant and demo keys;
 * otherwise `undefined`. A half configuration is an error that names the missing variables, never a value.
 *
 * @example
 *   wechatpaySettingsFromEnv(process.env, { emulatorsUrl: 'http://127.0.0.1:4100', demo: true })
 */
export function wechatpaySettingsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  options: { readonly emulatorsUrl: string; readonly demo: boolean },
): WechatpaySettings | undefined {
  const value = (name: string): string | undefined => {
    const given = env[name]?.trim();
    return given === undefined || given === '' ? undefined : given;
  };
  const given = Object.fromEntries(CREDENTIALS.map((name) => [name, value(name)])) as Record<(typeof CREDENTIALS)[number], string | undefined>;
  const baseUrlOverride = value('WECHATPAY_BASE_URL');
  let settings: WechatpaySettings;
  if (Object.values(given).some((entry) => entry !== undefined)) {
    const missing = [...CREDENTIALS.filter((name) => given[name] === undefined), ...(value('WECHAT_APP_ID') === undefined ? ['WECHAT_APP_ID'] : [])];
    if (missing.length > 0) throw new Error(`WeChat Pay is configured but ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set`);
    settings = {
      mchid: given.WECHATPAY_MCHID as string,
      appId: value('WECHAT_APP_ID') as string,
      merchantSerial: given.WECHATPAY_MERCHANT_SERIAL as string,
      merchantPrivateKey: pemOf(given.WECHATPAY_MERCHANT_PRIVATE_KEY as string, 'WECHATPAY_MERCHANT_PRIVATE_KEY', 'private'),
      platformPublicKeyId: given.WECHATPAY_PLATFORM_PUBLIC_KEY_ID as string,
      platformPublicKey: pemOf(given.WECHATPAY_PLATFORM_PUBLIC_KEY as string, 'WECHATPAY_PLATFORM_PUBLIC_KEY', 'public'),
      apiV3Key: given.WECHATPAY_APIV3_KEY as string,
      baseUrl: httpBaseUrl(baseUrlOverride ?? WECHATPAY_PRODUCTION_BASE_URL),
    };
  } else if (options.demo) {
    const keys = readWechatpayDemoKeys();
    settings = {
      mchid: WECHATPAY_DEMO_MERCHANT.mchid,
      // The demo merchant is bound to the WeChat emulator's demo apps, whatever WECHAT_APP_ID says.
      appId: WECHAT_DEMO_APPS[0].appId,
      merchantSerial: WECHATPAY_DEMO_MERCHANT.merchantSerial,
      merchantPrivateKey: keys.merchantPrivateKey,
      platformPublicKeyId: WECHATPAY_DEMO_MERCHANT.platformPublicKeyId,
      platformPublicKey: keys.platformPublicKey,
      apiV3Key: keys.apiV3Key,
      baseUrl: httpBaseUrl(baseUrlOverride ?? `${options.emulatorsUrl.replace(/\/+$/, '')}/wechatpay`),
    };
  } else {
    return undefined;
  }
  if (!settings.platformPublicKeyId.startsWith('PUB_KEY_ID_')) {
    throw new Error('WECHATPAY_PLATFORM_PUBLIC_KEY_ID must be a WeChat Pay public-key id (PUB_KEY_ID_…)');
  }
  if (Buffer.byteLength(settings.apiV3Key) !== 32) throw new Error('WECHATPAY_APIV3_KEY must be 32 characters');
  return Object.freeze(settings);
}

/** A key given as PEM (with real or `\n`-escaped line breaks), bare base64 DER, or a file path — as PEM. */
function pemOf(text: string, name: string, kind: 'private' | 'public'): string {
  return keyPem(text, name, kind);
}



function httpBaseUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`WECHATPAY_BASE_URL must be an http(s) URL, got "${text}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`WECHATPAY_BASE_URL must be an http(s) URL, got "${text}"`);
  if (url.search !== '' || url.hash !== '') throw new Error('WECHATPAY_BASE_URL must not have a query or fragment');
  return url.href.replace(/\/+$/, '');
}
