/**
 * Verification of the social security bureau's signed requests:
 * `X-Signature = base64(HMAC-SHA256(secret, METHOD\nPATH_AND_QUERY\nTIMESTAMP\nNONCE\nhex(SHA-256(body))))`,
 * with `X-Api-Key` naming the key, `X-Timestamp` in milliseconds within ±5 minutes, and each
 * `X-Nonce` accepted once while its timestamp is in the window.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_WINDOW_MS = 5 * 60_000;

export interface SignedRequest {
  readonly method: string;
  /** Path and query exactly as received (`req.url`). */
  readonly pathAndQuery: string;
  readonly body: Buffer;
  readonly keyId: string | undefined;
  readonly timestamp: string | undefined;
  readonly nonce: string | undefined;
  readonly signature: string | undefined;
}

export type SignatureCheck =
  | { readonly ok: true }
  | { readonly ok: false; readonly code: string; readonly message: string };

/** The text the signature is computed over. */
export function stringToSign(method: string, pathAndQuery: string, timestamp: string, nonce: string, body: Buffer | string): string {
  const bodyHash = createHash('sha256').update(body).digest('hex');
  return `${method.toUpperCase()}\n${pathAndQuery}\n${timestamp}\n${nonce}\n${bodyHash}`;
}

export class HmacVerifier {
  readonly #keys: ReadonlyMap<string, string>;
  readonly #now: () => number;
  /** Nonces seen, by key id and nonce, until they fall out of the window. */
  readonly #nonces = new Map<string, number>();

  constructor(keys: ReadonlyMap<string, string>, now: () => number = Date.now) {
    this.#keys = keys;
    this.#now = now;
  }

  verify(request: SignedRequest): SignatureCheck {
    const { keyId, timestamp, nonce, signature } = request;
    if (!keyId || !timestamp || !nonce || !signature) {
      return { ok: false, code: '40100', message: '缺少签名请求头 / X-Api-Key, X-Timestamp, X-Nonce and X-Signature are required' };
    }
    const secret = this.#keys.get(keyId);
    if (secret === undefined) return { ok: false, code: '40101', message: '无效的接入方标识 / unknown X-Api-Key' };
    const now = this.#now();
    if (!/^\d{13}$/.test(timestamp) || Math.abs(now - Number(timestamp)) > SIGNATURE_WINDOW_MS) {
      return { ok: false, code: '40102', message: '请求时间戳无效或已过期 / X-Timestamp must be milliseconds within 5 minutes' };
    }
    if (!/^[A-Za-z0-9_-]{8,64}$/.test(nonce)) {
      return { ok: false, code: '40103', message: '随机串格式错误 / X-Nonce must be 8–64 letters, digits, - or _' };
    }
    const expected = createHmac('sha256', secret)
      .update(stringToSign(request.method, request.pathAndQuery, timestamp, nonce, request.body))
      .digest();
    const given = Buffer.from(signature, 'base64');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return { ok: false, code: '40104', message: '签名验证失败 / signature mismatch' };
    }
    for (const [seen, expiresAt] of this.#nonces) if (expiresAt <= now) this.#nonces.delete(seen);
    const nonceKey = `${keyId}\n${nonce}`;
    if (this.#nonces.has(nonceKey)) return { ok: false, code: '40105', message: '重复的请求 / replayed X-Nonce' };
    this.#nonces.set(nonceKey, Number(timestamp) + SIGNATURE_WINDOW_MS);
    return { ok: true };
  }
}
