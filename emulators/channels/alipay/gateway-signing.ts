/**
 * RSA2 (SHA256withRSA) signing as the Alipay open platform's v2 gateway does it, both ways:
 * - a request's `sign` covers every parameter except `sign` itself and empty values, sorted by
 *   name, as `key=value&…` with the raw (not URL-encoded) values;
 * - a response's `sign` covers the JSON text of the `<method>_response` (or `error_response`)
 *   object exactly as it is written, and sits beside it: `{"x_response":{…},"sign":"…"}`.
 */
import { createSign, createVerify, type KeyObject } from 'node:crypto';

/** The text a request's signature covers. */
export function requestSignContent(params: ReadonlyMap<string, string>): string {
  return [...params.entries()]
    .filter(([key, value]) => key !== 'sign' && value !== '')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
}

export function verifyRsa2(content: string, signature: string, publicKey: KeyObject): boolean {
  return createVerify('RSA-SHA256').update(content, 'utf8').verify(publicKey, signature, 'base64');
}

export function signRsa2(content: string, privateKey: KeyObject): string {
  return createSign('RSA-SHA256').update(content, 'utf8').sign(privateKey, 'base64');
}

/** The whole response text: the answer object under its key, and the platform's signature of that object's text. */
export function signedResponseText(responseKey: string, answer: Record<string, unknown>, platformKey: KeyObject): string {
  const answerText = JSON.stringify(answer);
  return `{${JSON.stringify(responseKey)}:${answerText},"sign":${JSON.stringify(signRsa2(answerText, platformKey))}}`;
}
