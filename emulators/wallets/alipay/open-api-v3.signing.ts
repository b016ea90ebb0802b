/**
 * Signing as the Alipay open platform's v3 API (`/v3/alipay/…`) does it, both ways:
 * - a request carries `Authorization: ALIPAY-SHA256withRSA app_id=…,nonce=…,timestamp=…,sign=…`
 *   (other `key=value` items, such as `app_cert_sn` or `expired_seconds`, may sit before `sign`); the
 *   signature is SHA256withRSA with the app's private key over
 *   `<everything before ",sign=">\n<METHOD>\n<path?query>\n<body>\n` (and `<app auth token>\n` when the
 *   `alipay-app-auth-token` header is sent);
 * - every answer carries `alipay-timestamp`, `alipay-nonce` and `alipay-signature`, SHA256withRSA with
 *   the platform's private key over `<timestamp>\n<nonce>\n<body>\n`.
 */
import { createSign, createVerify, randomUUID, type KeyObject } from 'node:crypto';

export const V3_AUTH_SCHEME = 'ALIPAY-SHA256withRSA';

/** The parts of a v3 Authorization header; undefined when it is not one. */
export interface V3Authorization {
  /** The signed part: every item before `,sign=`, exactly as sent. */
  readonly authString: string;
  readonly items: ReadonlyMap<string, string>;
  readonly sign: string;
}

export function parseV3Authorization(header: string | undefined): V3Authorization | undefined {
  if (header === undefined || !header.startsWith(`${V3_AUTH_SCHEME} `)) return undefined;
  const rest = header.slice(V3_AUTH_SCHEME.length + 1).trim();
  const signAt = rest.lastIndexOf(',sign=');
  if (signAt <= 0) return undefined;
  const authString = rest.slice(0, signAt);
  const sign = rest.slice(signAt + ',sign='.length);
  const items = new Map<string, string>();
  for (const item of authString.split(',')) {
    const equals = item.indexOf('=');
    if (equals <= 0) return undefined;
    items.set(item.slice(0, equals), item.slice(equals + 1));
  }
  return sign === '' ? undefined : { authString, items, sign };
}

/** The text a v3 request signature covers. */
export function v3RequestSignContent(authString: string, method: string, pathAndQuery: string, body: string, appAuthToken?: string): string {
  return `${authString}\n${method}\n${pathAndQuery}\n${body}\n${appAuthToken === undefined ? '' : `${appAuthToken}\n`}`;
}

export function verifySha256WithRsa(content: string, signature: string, publicKey: KeyObject): boolean {
  try {
    return createVerify('RSA-SHA256').update(content, 'utf8').verify(publicKey, signature, 'base64');
  } catch {
    return false;
  }
}

export function signSha256WithRsa(content: string, privateKey: KeyObject): string {
  return createSign('RSA-SHA256').update(content, 'utf8').sign(privateKey, 'base64');
}

/** The headers that sign a v3 answer. */
export function v3ResponseSignatureHeaders(body: string, platformKey: KeyObject, nowMs: number): Record<string, string> {
  const timestamp = String(nowMs);
  const nonce = randomUUID().replaceAll('-', '');
  return {
    'alipay-timestamp': timestamp,
    'alipay-nonce': nonce,
    'alipay-signature': signSha256WithRsa(`${timestamp}\n${nonce}\n${body}\n`, platformKey),
  };
}

/**
 * The text an asynchronous notification's `sign` covers: every parameter except `sign` and
 * `sign_type`, sorted by name, `key=value` joined by `&`, values raw (not URL-encoded).
 */
export function notificationSignContent(params: Readonly<Record<string, string>>): string {
  return Object.keys(params)
    .filter((key) => key !== 'sign' && key !== 'sign_type' && params[key] !== '')
    .sort()
    .map((key) => `${key}=${params[key]}`)
    .join('&');
}
