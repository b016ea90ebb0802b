import { createHash, timingSafeEqual } from 'node:crypto';
import { parseDictionary, serializeDictionary, sf, StructuredFieldError } from './structured-fields.ts';

/**
 * RFC 9530 `Content-Digest`: a Dictionary of algorithm → byte sequence over the body as sent.
 * Only the algorithms the RFC lists as standard are accepted; `sha-256` is what this hub writes.
 */
const ALGORITHMS = { 'sha-256': 'sha256', 'sha-512': 'sha512' } as const;
type DigestAlgorithm = keyof typeof ALGORITHMS;

/** `sha-256=:…:` for the body. */
export function contentDigest(body: Uint8Array | string, algorithm: DigestAlgorithm = 'sha-256'): string {
  const digest = createHash(ALGORITHMS[algorithm]).update(body).digest();
  return serializeDictionary(new Map([[algorithm, sf.item(sf.bytes(digest))]]));
}

export type DigestCheck =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: string };

/**
 * Checks a `Content-Digest` field value against the body. Every known algorithm in the field
 * must match and at least one must be present; unknown algorithms are ignored (RFC 9530 §2).
 */
export function checkContentDigest(fieldValue: string, body: Uint8Array | string): DigestCheck {
  let members;
  try {
    members = parseDictionary(fieldValue);
  } catch (error) {
    if (error instanceof StructuredFieldError) return { ok: false, reason: `Content-Digest is not a structured dictionary: ${error.message}` };
    throw error;
  }
  let checked = 0;
  for (const [name, member] of members) {
    if (!(name in ALGORITHMS)) continue;
    if (member.kind !== 'item' || member.value.type !== 'bytes') return { ok: false, reason: `Content-Digest ${name} is not a byte sequence` };
    const expected = createHash(ALGORITHMS[name as DigestAlgorithm]).update(body).digest();
    const given = Buffer.from(member.value.value);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: `Content-Digest ${name} does not match the body` };
    checked++;
  }
  if (checked === 0) return { ok: false, reason: `Content-Digest has no supported algorithm (${Object.keys(ALGORITHMS).join(', ')})` };
  return { ok: true };
}
