/**
 * Signing as the UnionPay online gateway (全渠道, ACP 5.1.0, `signMethod=01`) does it, both ways:
 * every non-empty field but `signature`, sorted by name, joined as `key=value&…` with raw values;
 * the SHA-256 hex digest of that text is what SHA256withRSA signs, and the base64 of the result is
 * `signature`. Answers are `key=value&…` without URL encoding, a value holding `&` wrapped in `{}`.
 */
import { createHash, createSign, createVerify, type KeyObject } from 'node:crypto';

export type AcpFields = Readonly<Record<string, string>>;

/** The text whose SHA-256 hex digest is signed. */
export function acpSignContent(fields: AcpFields): string {
  return Object.keys(fields)
    .filter((key) => key !== 'signature' && fields[key] !== '')
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((key) => `${key}=${fields[key]}`)
    .join('&');
}

function digestHex(fields: AcpFields): string {
  return createHash('sha256').update(acpSignContent(fields), 'utf8').digest('hex');
}

export function signAcp(fields: AcpFields, privateKey: KeyObject): string {
  return createSign('RSA-SHA256').update(digestHex(fields), 'utf8').sign(privateKey, 'base64');
}

export function verifyAcp(fields: AcpFields, publicKey: KeyObject): boolean {
  const signature = fields.signature;
  if (typeof signature !== 'string' || signature === '') return false;
  try {
    return createVerify('RSA-SHA256').update(digestHex(fields), 'utf8').verify(publicKey, signature, 'base64');
  } catch {
    return false;
  }
}

/** An answer body as the gateway writes it. */
export function acpAnswerText(fields: AcpFields): string {
  return Object.entries(fields)
    .filter(([, value]) => value !== '')
    .map(([key, value]) => `${key}=${value.includes('&') ? `{${value}}` : value}`)
    .join('&');
}

/** A request or notification body: an ordinary URL-encoded form. */
export function acpFormFields(body: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(body)) fields[key] = value;
  return fields;
}
