/**
 * WeChat Pay APIv3 signing and encryption as the platform does it, both ways:
 * - a request carries `Authorization: WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",signature="…",timestamp="…",serial_no="…"`
 *   (parameters in any order), the signature being SHA256withRSA by the merchant's key over
 *   `METHOD\nURI\ntimestamp\nnonce\nbody\n` (URI: path and query as sent; body empty for GET);
 * - an answer or a notification carries `Wechatpay-Timestamp`, `Wechatpay-Nonce`, `Wechatpay-Serial`
 *   (the platform public-key id) and `Wechatpay-Signature`, SHA256withRSA by the platform's key over
 *   `timestamp\nnonce\nbody\n`;
 * - a notification's `resource` is AEAD_AES_256_GCM under the merchant's APIv3 key, a 12-character
 *   nonce as IV, the tag appended to the ciphertext, all base64.
 */
import { createCipheriv, createSign, createVerify, randomBytes, randomInt, type KeyObject } from 'node:crypto';

export const AUTH_SCHEME = 'WECHATPAY2-SHA256-RSA2048';

export interface AuthorizationParts {
  readonly mchid: string;
  readonly serialNo: string;
  readonly timestamp: string;
  readonly nonce: string;
  readonly signature: string;
}

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A random `[A-Za-z0-9]` string, as the platform's nonces are. */
export function nonceText(length = 32): string {
  let text = '';
  for (let i = 0; i < length; i++) text += BASE62[randomInt(BASE62.length)];
  return text;
}

/** The parts of an `Authorization` header, or undefined when it is not WeChat Pay's scheme with all five parts. */
export function parseAuthorization(header: string | undefined): AuthorizationParts | undefined {
  if (header === undefined) return undefined;
  const space = header.indexOf(' ');
  if (space < 0 || header.slice(0, space) !== AUTH_SCHEME) return undefined;
  const parts = new Map<string, string>();
  for (const match of header.slice(space + 1).matchAll(/\s*([a-z_]+)="([^"]*)"\s*(?:,|$)/g)) parts.set(match[1], match[2]);
  const mchid = parts.get('mchid');
  const serialNo = parts.get('serial_no');
  const timestamp = parts.get('timestamp');
  const nonce = parts.get('nonce_str');
  const signature = parts.get('signature');
  if (!mchid || !serialNo || !timestamp || !nonce || !signature) return undefined;
  return { mchid, serialNo, timestamp, nonce, signature };
}

export function requestSignContent(method: string, uri: string, timestamp: string, nonce: string, body: string): string {
  return `${method}\n${uri}\n${timestamp}\n${nonce}\n${body}\n`;
}

export function responseSignContent(timestamp: string, nonce: string, body: string): string {
  return `${timestamp}\n${nonce}\n${body}\n`;
}

export function signSha256Rsa(content: string, privateKey: KeyObject): string {
  return createSign('RSA-SHA256').update(content, 'utf8').sign(privateKey, 'base64');
}

export function verifySha256Rsa(content: string, signature: string, publicKey: KeyObject): boolean {
  try {
    return createVerify('RSA-SHA256').update(content, 'utf8').verify(publicKey, signature, 'base64');
  } catch {
    return false;
  }
}

/** How the emulator signs its answers; tests switch it to see the client refuse them. */
export type ResponseSignatureMode = 'valid' | 'corrupt' | 'missing';

/** The platform's signature headers for a body, signed now (wall-clock seconds). */
export function platformSignatureHeaders(
  body: string,
  platform: { readonly publicKeyId: string; readonly privateKey: KeyObject },
  mode: ResponseSignatureMode = 'valid',
): Record<string, string> {
  if (mode === 'missing') return {};
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = nonceText(32);
  let signature = signSha256Rsa(responseSignContent(timestamp, nonce, body), platform.privateKey);
  // A well-formed signature of other content: the client must find that it does not verify.
  if (mode === 'corrupt') signature = signSha256Rsa(responseSignContent(timestamp, nonce, `${body} `), platform.privateKey);
  return {
    'Wechatpay-Nonce': nonce,
    'Wechatpay-Timestamp': timestamp,
    'Wechatpay-Serial': platform.publicKeyId,
    'Wechatpay-Signature': signature,
    'Wechatpay-Signature-Type': AUTH_SCHEME,
  };
}

export interface EncryptedResource {
  readonly algorithm: 'AEAD_AES_256_GCM';
  readonly ciphertext: string;
  readonly associated_data: string;
  readonly original_type: string;
  readonly nonce: string;
}

/** A notification's `resource`: the plaintext sealed with the merchant's APIv3 key. */
export function encryptResource(plaintext: string, apiV3Key: string, originalType: string): EncryptedResource {
  const nonce = nonceText(12);
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(apiV3Key, 'utf8'), Buffer.from(nonce, 'utf8'));
  cipher.setAAD(Buffer.from(originalType, 'utf8'));
  const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return { algorithm: 'AEAD_AES_256_GCM', ciphertext: sealed.toString('base64'), associated_data: originalType, original_type: originalType, nonce };
}

/** A `Request-ID` as the platform sends with every answer. */
export function requestId(): string {
  return `08${randomBytes(14).toString('hex').toUpperCase()}`;
}
