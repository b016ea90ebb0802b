import { createPrivateKey, createPublicKey, KeyObject, type JsonWebKey } from 'node:crypto';

/** An Ed25519 public key as an administrator may paste it: raw base64url (a JWK's `x`), a JWK, a PEM, or a key object. */
export type Ed25519PublicKeyInput = string | JsonWebKey | KeyObject;
/** An Ed25519 private key as a partner holds it: a PEM (PKCS #8), a JWK with `d`, or a key object. */
export type Ed25519PrivateKeyInput = string | JsonWebKey | KeyObject;

/** The key is not an Ed25519 key in a form this hub reads. */
export class PartnerKeyError extends Error {
  override readonly name = 'PartnerKeyError';
}

function ensureEd25519(key: KeyObject): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') throw new PartnerKeyError(`Expected an Ed25519 key, got ${key.asymmetricKeyType ?? key.type}`);
  return key;
}

/** Reads a public key in any accepted form; a private key given by mistake yields its public half. */
export function ed25519PublicKey(input: Ed25519PublicKeyInput): KeyObject {
  try {
    if (input instanceof KeyObject) return ensureEd25519(input.type === 'private' ? createPublicKey(input) : input);
    if (typeof input !== 'string') return ensureEd25519(createPublicKey({ key: { kty: input.kty, crv: input.crv, x: input.x }, format: 'jwk' }));
    if (input.includes('-----BEGIN')) return ensureEd25519(createPublicKey(input));
    const raw = input.trim();
    if (!/^[A-Za-z0-9_-]{43}$/.test(raw)) throw new PartnerKeyError('A raw Ed25519 public key is 32 bytes, base64url without padding (43 characters)');
    return ensureEd25519(createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw }, format: 'jwk' }));
  } catch (error) {
    if (error instanceof PartnerKeyError) throw error;
    throw new PartnerKeyError(`Not a readable Ed25519 public key: ${(error as Error).message}`, { cause: error });
  }
}

/** The raw 32-byte public key, base64url: how the registry stores it and a JWK's `x`. */
export function rawEd25519PublicKey(input: Ed25519PublicKeyInput): string {
  const x = ed25519PublicKey(input).export({ format: 'jwk' }).x;
  if (!x) throw new PartnerKeyError('The key has no public part');
  return x;
}

export function ed25519PrivateKey(input: Ed25519PrivateKeyInput): KeyObject {
  try {
    if (input instanceof KeyObject) {
      if (input.type !== 'private') throw new PartnerKeyError('Signing needs the private key');
      return ensureEd25519(input);
    }
    return ensureEd25519(typeof input === 'string' ? createPrivateKey(input) : createPrivateKey({ key: input, format: 'jwk' }));
  } catch (error) {
    if (error instanceof PartnerKeyError) throw error;
    throw new PartnerKeyError(`Not a readable Ed25519 private key: ${(error as Error).message}`, { cause: error });
  }
}
