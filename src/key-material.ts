import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';

/**
 * Keys from configuration, as operators are handed them: PEM (real or `\n`-escaped line breaks),
 * bare base64 DER (as the wallets' key tools print it), or a path to a file holding either. Errors
 * name the setting, never the key.
 *
 * @example
 *   const pem = keyPem(process.env.ALIPAY_APP_PRIVATE_KEY!, 'ALIPAY_APP_PRIVATE_KEY', 'private')
 */
export function keyText(value: string, name: string): string {
  const trimmed = value.replaceAll('\\n', '\n').trim();
  if (trimmed.includes('-----BEGIN') || /^[A-Za-z0-9+/=\s]{100,}$/.test(trimmed)) return trimmed;
  if (existsSync(trimmed)) return readFileSync(trimmed, 'utf8').trim();
  throw new Error(`${name} is neither a key (PEM or base64) nor a readable file`);
}

/** A private key from PEM or base64 DER (PKCS#8, or the PKCS#1 some key tools print). */
export function privateKeyFrom(text: string): KeyObject {
  if (text.includes('-----BEGIN')) return createPrivateKey(text);
  const der = Buffer.from(text.replace(/\s+/g, ''), 'base64');
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } catch {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs1' });
  }
}

/** A public key from a public key PEM, a certificate PEM, or base64 SPKI DER. */
export function publicKeyFrom(text: string): KeyObject {
  if (text.includes('-----BEGIN CERTIFICATE')) return new X509Certificate(text).publicKey;
  if (text.includes('-----BEGIN')) return createPublicKey(text);
  return createPublicKey({ key: Buffer.from(text.replace(/\s+/g, ''), 'base64'), format: 'der', type: 'spki' });
}

/** A configured key as PEM (PKCS#8 or SPKI), checked; the error names the setting only. */
export function keyPem(value: string, name: string, kind: 'private' | 'public'): string {
  const text = keyText(value, name);
  try {
    return kind === 'private'
      ? privateKeyFrom(text).export({ type: 'pkcs8', format: 'pem' }).toString()
      : publicKeyFrom(text).export({ type: 'spki', format: 'pem' }).toString();
  } catch {
    throw new Error(`${name} is not a readable RSA ${kind} key`);
  }
}
