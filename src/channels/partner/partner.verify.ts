import { verify } from 'node:crypto';
import { hutongError, type HutongError } from '../../errors.ts';
import { checkContentDigest } from './content-digest.ts';
import { ed25519PublicKey } from './partner.keys.ts';
import { PARTNER_ID_PATTERN, type PartnerApp } from './partner.repository.ts';
import { fieldValue, MessageSignatureError, readSignatures, signatureBase, type RequestSignature, type SignableRequest } from './signature-base.ts';
import type { BareItem } from './structured-fields.ts';

/** A request as it reached the hub: absolute URL, headers, and the body bytes exactly as received. */
export interface PartnerRequest extends SignableRequest {
  readonly body?: Uint8Array | string;
}

/** The slice of {@link PartnerAppRepository} the verifier uses. */
export interface PartnerKeyStore {
  get(id: string): Promise<Pick<PartnerApp, 'id' | 'publicKey' | 'status'> | undefined>;
  rememberNonce(partnerId: string, nonce: string, expiresAt: Date, now: Date): Promise<boolean>;
}

export interface VerifyPartnerRequestOptions {
  readonly partners: PartnerKeyStore;
  /** The verifier's clock; now by default. */
  readonly now?: Date;
  /** Clock difference tolerated between partner and hub, both for `created` and `expires`. */
  readonly maxSkewSeconds?: number;
  /** The longest validity (`expires − created`) accepted. */
  readonly maxAgeSeconds?: number;
  /** Verify the signature with this label; by default the first one in `Signature-Input`. */
  readonly label?: string;
}

/** What a verified signature establishes: which partner sent this request, and when. */
export interface VerifiedPartnerRequest {
  readonly partnerId: string;
  readonly label: string;
  readonly created: Date;
  readonly expires: Date;
  readonly nonce: string;
  readonly coveredComponents: readonly string[];
}

/** Components a partner signature must cover: the method and the whole target URI, one way or the other. */
const TARGET_URI_PARTS = ['@authority', '@path', '@query'] as const;
const MAX_NONCE_LENGTH = 128;

const invalid = (message: string): HutongError => hutongError('HUTONG_ERR_SIGNATURE_INVALID', message);

function integerParam(params: ReadonlyMap<string, BareItem>, name: string): number {
  const value = params.get(name);
  if (value === undefined) throw invalid(`The signature has no "${name}" parameter; partner signatures need created, expires, nonce, keyid and alg`);
  if (value.type !== 'integer') throw invalid(`The signature's "${name}" must be an integer (seconds since the epoch)`);
  return value.value;
}

function stringParam(params: ReadonlyMap<string, BareItem>, name: string): string {
  const value = params.get(name);
  if (value === undefined) throw invalid(`The signature has no "${name}" parameter; partner signatures need created, expires, nonce, keyid and alg`);
  if (value.type !== 'string' || value.value === '') throw invalid(`The signature's "${name}" must be a non-empty string`);
  return value.value;
}

function chooseSignature(request: PartnerRequest, label: string | undefined): RequestSignature {
  let signatures: RequestSignature[];
  try {
    signatures = readSignatures(request.headers);
  } catch (error) {
    if (error instanceof MessageSignatureError) throw invalid(`${error.message}; partner requests are signed per RFC 9421`);
    throw error;
  }
  const chosen = label === undefined ? signatures[0] : signatures.find((s) => s.label === label);
  if (!chosen) throw invalid(label === undefined ? 'No label appears in both Signature-Input and Signature' : `No signature labelled "${label}"`);
  return chosen;
}

function hasBody(body: PartnerRequest['body']): body is Uint8Array | string {
  return body !== undefined && body.length > 0;
}

/**
 * Verifies a partner app's RFC 9421 signature on a request and returns the partner it proves.
 * Checks, in order: the signature fields; `alg="ed25519"`, `keyid`, `created`, `expires` and
 * `nonce`; the validity window; covered components (`@method`, `@target-uri` or `@authority` +
 * `@path` + `@query`, and `content-digest` with its value when there is a body); the partner's
 * registration; the Ed25519 signature over the signature base; and last, that the nonce is new —
 * so a forged request never uses up a partner's nonce.
 *
 * Rejects with `HUTONG_ERR_SIGNATURE_INVALID`, `…_SIGNATURE_EXPIRED`, `…_SIGNATURE_REPLAYED` or
 * `HUTONG_ERR_PARTNER_UNKNOWN`.
 *
 * @example
 *   const { partnerId } = await verifyPartnerRequest(
 *     { method: 'POST', url: 'https://hub.example/v1/channels/partner/login', headers, body: rawBody },
 *     { partners },
 *   )
 */
export async function verifyPartnerRequest(request: PartnerRequest, options: VerifyPartnerRequestOptions): Promise<VerifiedPartnerRequest> {
  const now = options.now ?? new Date();
  const maxSkew = options.maxSkewSeconds ?? 60;
  const maxAge = options.maxAgeSeconds ?? 300;
  const signature = chooseSignature(request, options.label);
  const params = signature.input.params;

  const alg = stringParam(params, 'alg');
  if (alg !== 'ed25519') throw invalid(`The signature's alg is "${alg}"; partner signatures use "ed25519"`);
  const keyId = stringParam(params, 'keyid');
  const created = integerParam(params, 'created');
  const expires = integerParam(params, 'expires');
  const nonce = stringParam(params, 'nonce');
  if (nonce.length > MAX_NONCE_LENGTH) throw invalid(`The signature's nonce is longer than ${MAX_NONCE_LENGTH} characters`);

  if (expires <= created) throw invalid(`The signature expires (${expires}) before or when it is created (${created})`);
  if (expires - created > maxAge) throw invalid(`The signature is valid for ${expires - created} s; at most ${maxAge} s is accepted`);
  const nowSeconds = Math.floor(now.getTime() / 1000);
  if (created > nowSeconds + maxSkew) {
    throw hutongError('HUTONG_ERR_SIGNATURE_EXPIRED', `The signature was created ${created - nowSeconds} s in the future; check the signer's clock (up to ${maxSkew} s is tolerated)`);
  }
  if (nowSeconds > expires + maxSkew) {
    throw hutongError('HUTONG_ERR_SIGNATURE_EXPIRED', `The signature expired at ${new Date(expires * 1000).toISOString()}; sign the request again`);
  }

  const covered = signature.input.items.map((item) => (item.value.type === 'string' ? item.value.value : ''));
  if (!covered.includes('@method')) throw invalid('The signature must cover "@method"');
  if (!covered.includes('@target-uri') && !TARGET_URI_PARTS.every((part) => covered.includes(part))) {
    throw invalid('The signature must cover "@target-uri", or all of "@authority", "@path" and "@query"');
  }
  const body = request.body;
  if (hasBody(body) && !covered.includes('content-digest')) throw invalid('A request with a body must cover "content-digest"');
  if (covered.includes('content-digest') || hasBody(body)) {
    const digest = fieldValue(request.headers, 'content-digest');
    if (digest === undefined) throw invalid('The request has no Content-Digest header (RFC 9530)');
    const check = checkContentDigest(digest, body ?? '');
    if (!check.ok) throw invalid(check.reason);
  }

  if (!PARTNER_ID_PATTERN.test(keyId)) throw hutongError('HUTONG_ERR_PARTNER_UNKNOWN', `No partner app "${keyId.slice(0, 64)}" is registered`);
  const partner = await options.partners.get(keyId);
  if (!partner) throw hutongError('HUTONG_ERR_PARTNER_UNKNOWN', `No partner app "${keyId}" is registered`);
  if (partner.status !== 'active') throw hutongError('HUTONG_ERR_PARTNER_UNKNOWN', `Partner app "${keyId}" has been revoked`);

  let base: string;
  try {
    base = signatureBase(request, signature.input);
  } catch (error) {
    if (error instanceof MessageSignatureError) throw invalid(error.message);
    throw error;
  }
  if (signature.signature.length !== 64) throw invalid(`An Ed25519 signature is 64 bytes; got ${signature.signature.length}`);
  if (!verify(null, Buffer.from(base, 'utf8'), ed25519PublicKey(partner.publicKey), signature.signature)) {
    throw invalid(`The signature does not verify with partner app "${keyId}"'s registered key; the request was altered or signed with another key`);
  }

  // Remembered as long as the signature could still be accepted, so the nonce cannot be replayed in that time.
  const remembered = await options.partners.rememberNonce(partner.id, nonce, new Date((expires + maxSkew) * 1000), now);
  if (!remembered) throw hutongError('HUTONG_ERR_SIGNATURE_REPLAYED', `Nonce "${nonce}" was already used by partner app "${keyId}"; sign each request with a fresh nonce`);

  return {
    partnerId: partner.id,
    label: signature.label,
    created: new Date(created * 1000),
    expires: new Date(expires * 1000),
    nonce,
    coveredComponents: covered,
  };
}
