import { readFileSync } from 'node:fs';
import { WECHAT_DEMO_APPS } from '../../channels/wechat/wechat.apps.ts';

/**
 * The demo merchant the WeChat Pay emulator registers, and the platform's public-key id. Demo mode
 * and the tests use them with the committed demo keys (see demo-keys/README.md).
 */
export const WECHATPAY_DEMO_MERCHANT = Object.freeze({
  mchid: '1900000109',
  /** The serial number of the merchant's API certificate, sent as `serial_no` in every request. */
  merchantSerial: '237791DB6004840F73A7CD89EDDCAA5C2B2D6785',
  /** The platform's public-key id (public-key mode), sent as `Wechatpay-Serial` in every answer. */
  platformPublicKeyId: 'PUB_KEY_ID_01121900000109202601011800000017',
  /** The apps (公众号 / 小程序) bound to the merchant: the WeChat emulator's demo apps. */
  appIds: Object.freeze(WECHAT_DEMO_APPS.map((app) => app.appId)),
});

export const WECHATPAY_DEMO_KEY_FILES = Object.freeze({
  merchantPrivate: new URL('./demo-keys/merchant-private.pem', import.meta.url),
  merchantPublic: new URL('./demo-keys/merchant-public.pem', import.meta.url),
  platformPrivate: new URL('./demo-keys/platform-private.pem', import.meta.url),
  platformPublic: new URL('./demo-keys/platform-public.pem', import.meta.url),
  apiV3Key: new URL('./demo-keys/apiv3-key.txt', import.meta.url),
});

export interface WechatpayDemoKeys {
  readonly merchantPrivateKey: string;
  readonly merchantPublicKey: string;
  readonly platformPrivateKey: string;
  readonly platformPublicKey: string;
  readonly apiV3Key: string;
}

/** The committed demo keys, read from demo-keys/. */
export function readWechatpayDemoKeys(): WechatpayDemoKeys {
  const read = (file: URL): string => readFileSync(file, 'utf8').trim();
  return Object.freeze({
    merchantPrivateKey: read(WECHATPAY_DEMO_KEY_FILES.merchantPrivate),
    merchantPublicKey: read(WECHATPAY_DEMO_KEY_FILES.merchantPublic),
    platformPrivateKey: read(WECHATPAY_DEMO_KEY_FILES.platformPrivate),
    platformPublicKey: read(WECHATPAY_DEMO_KEY_FILES.platformPublic),
    apiV3Key: read(WECHATPAY_DEMO_KEY_FILES.apiV3Key),
  });
}
