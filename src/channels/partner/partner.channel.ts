import { Type } from '@sinclair/typebox';
import { hutongError } from '../../errors.ts';
import type { Channel } from '../channel.ts';
import { verifyPartnerRequest, type PartnerKeyStore } from './partner.verify.ts';

export const PartnerLoginProof = Type.Object(
  {
    partnerUserId: Type.String({
      minLength: 1,
      maxLength: 128,
      pattern: '^[\\x21-\\x7E]+$',
      description: "the partner app's own id for its signed-in user (visible ASCII); the partner vouches for it by signing the request",
    }),
  },
  { additionalProperties: false, title: 'PartnerLoginProof' },
);

export type PartnerChannel = Channel<typeof PartnerLoginProof>;

/**
 * The entrance for any registered partner app. The login proof is the request itself: the app
 * signs `POST /v1/channels/partner/login` (RFC 9421, Ed25519) with `{ "partnerUserId": "…" }`,
 * vouching for its own signed-in user. The channel user id is `${partnerId}:${partnerUserId}`, so
 * two partners never share a user.
 *
 * @example
 *   const channel = createPartnerChannel({ partners: new PartnerAppRepository(store.db) })
 *   await channel.authenticate(proof, { signal, request: { method, url, headers, rawBody } })
 */
export function createPartnerChannel(deps: {
  partners: PartnerKeyStore;
  /** The hub's clock; tests pin it. */
  clock?: () => Date;
  maxSkewSeconds?: number;
  maxAgeSeconds?: number;
}): PartnerChannel {
  return {
    id: 'partner',
    name: { zh: '合作应用', en: 'Partner app' },
    loginProofSchema: PartnerLoginProof,

    async authenticate(proof, { request }) {
      if (!request) throw hutongError('HUTONG_ERR_SIGNATURE_INVALID', 'A partner login must be an HTTP request signed per RFC 9421');
      const verified = await verifyPartnerRequest(
        { method: request.method, url: request.url, headers: request.headers, body: request.rawBody },
        { partners: deps.partners, now: deps.clock?.(), maxSkewSeconds: deps.maxSkewSeconds, maxAgeSeconds: deps.maxAgeSeconds },
      );
      // The signature covers the raw body; the user vouched for must be the one in those bytes.
      if (signedPartnerUserId(request.rawBody) !== proof.partnerUserId) {
        throw hutongError('HUTONG_ERR_SIGNATURE_INVALID', 'The login proof is not the body that was signed');
      }
      return { channelUserId: `${verified.partnerId}:${proof.partnerUserId}` };
    },
  };
}

function signedPartnerUserId(rawBody: Uint8Array | undefined): unknown {
  if (!rawBody) return undefined;
  try {
    return (JSON.parse(Buffer.from(rawBody).toString('utf8')) as { partnerUserId?: unknown } | null)?.partnerUserId;
  } catch {
    return undefined;
  }
}
