import { randomBytes, sign } from 'node:crypto';
import { contentDigest } from './content-digest.ts';
import { ed25519PrivateKey, type Ed25519PrivateKeyInput } from './partner.keys.ts';
import { fieldValue, signatureBase, signatureHeaders, signatureParams, type SignableRequest } from './signature-base.ts';
import { sf } from './structured-fields.ts';

export interface SignPartnerRequestOptions {
  /** The partner app's id, as registered in the hub. */
  readonly keyId: string;
  readonly privateKey: Ed25519PrivateKeyInput;
  /** Now by default. */
  readonly created?: Date;
  /** `created` + 60 s by default; the hub accepts at most 300 s. */
  readonly expires?: Date;
  /** 16 random bytes, base64url, by default; never reuse one. */
  readonly nonce?: string;
  /** The signature's label; `sig1` by default. */
  readonly label?: string;
}

/** Headers to add to the request (lower-case names). */
export interface PartnerSignatureHeaders {
  readonly 'signature-input': string;
  readonly signature: string;
  /** Present when the request has a body. */
  readonly 'content-digest'?: string;
}

/**
 * Signs a request as a partner app (RFC 9421, Ed25519): covers `@method`, `@target-uri`, the
 * `content-type` when given, and the body through `content-digest` (RFC 9530, sha-256); sets
 * `created`, `expires`, `nonce`, `keyid` and `alg="ed25519"`. Send the body exactly as signed.
 *
 * @example
 *   const body = JSON.stringify({ partnerUserId: 'u-1001' })
 *   const headers = { 'content-type': 'application/json' }
 *   const signed = signPartnerRequest({ method: 'POST', url: `${hub}/v1/channels/partner/login`, headers, body }, { keyId: 'metro-app', privateKey: pem })
 *   await fetch(`${hub}/v1/channels/partner/login`, { method: 'POST', headers: { ...headers, ...signed }, body })
 */
export function signPartnerRequest(
  request: SignableRequest & { readonly body?: Uint8Array | string },
  options: SignPartnerRequestOptions,
): PartnerSignatureHeaders {
  const created = Math.floor((options.created ?? new Date()).getTime() / 1000);
  const expires = options.expires ? Math.floor(options.expires.getTime() / 1000) : created + 60;
  const nonce = options.nonce ?? randomBytes(16).toString('base64url');
  const key = ed25519PrivateKey(options.privateKey);

  const digest = request.body !== undefined && request.body.length > 0 ? contentDigest(request.body) : undefined;
  const headers = digest === undefined ? request.headers : { ...withoutField(request.headers, 'content-digest'), 'content-digest': digest };
  const components = ['@method', '@target-uri'];
  if (fieldValue(headers, 'content-type') !== undefined) components.push('content-type');
  if (digest !== undefined) components.push('content-digest');

  const input = signatureParams(
    components,
    new Map([
      ['created', sf.integer(created)],
      ['expires', sf.integer(expires)],
      ['nonce', sf.string(nonce)],
      ['keyid', sf.string(options.keyId)],
      ['alg', sf.string('ed25519')],
    ]),
  );
  const base = signatureBase({ method: request.method, url: request.url, headers }, input);
  const signature = sign(null, Buffer.from(base, 'utf8'), key);
  const fields = signatureHeaders(options.label ?? 'sig1', input, signature);
  return digest === undefined ? fields : { ...fields, 'content-digest': digest };
}

function withoutField(headers: SignableRequest['headers'], name: string): SignableRequest['headers'] {
  return Object.fromEntries(Object.entries(headers).filter(([key]) => key.toLowerCase() !== name));
}
