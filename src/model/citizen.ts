import { Type, type Static } from '@sinclair/typebox';
import { ChannelId, IdentifierKind, Scope, Slug, Timestamp, Uuid } from './common.ts';

export const Consent = Type.Object({
  channel: ChannelId,
  scope: Scope,
  textVersion: Type.String(),
  grantedAt: Timestamp,
  revokedAt: Type.Optional(Timestamp),
});
export type Consent = Static<typeof Consent>;

export const LinkedIdentity = Type.Object({
  channel: ChannelId,
  linkedAt: Timestamp,
  lastLoginAt: Timestamp,
});
export type LinkedIdentity = Static<typeof LinkedIdentity>;

/** An identifier the citizen linked; `display` is masked, the full value only goes to departments. */
export const LinkedIdentifier = Type.Object({
  id: Uuid,
  kind: IdentifierKind,
  value: Type.String({ description: 'the identifier, shown only to its holder' }),
  display: Type.String({ description: 'masked form for lists and logs' }),
  issuer: Type.Optional(Type.Object({ cityId: Slug, departmentId: Slug }, { description: 'the department that issued it (utility accounts, library cards)' })),
  linkedAt: Timestamp,
  verified: Type.Optional(
    Type.Object(
      { by: Type.String({ description: '`national/public-security` or `city/department`' }), at: Timestamp },
      { description: 'who confirmed the citizen holds it, and when; identifiers without it are not used' },
    ),
  ),
  consent: Type.Object({ channel: ChannelId, textVersion: Type.String(), grantedAt: Timestamp }),
});
export type LinkedIdentifier = Static<typeof LinkedIdentifier>;

export const Citizen = Type.Object({
  id: Uuid,
  createdAt: Timestamp,
  realName: Type.Optional(
    Type.Object(
      { name: Type.String({ description: 'masked' }), nationalId: Type.String({ description: 'masked' }), verifiedAt: Timestamp },
      { description: 'the identity proved with the public-security register' },
    ),
  ),
  identities: Type.Array(LinkedIdentity, { description: 'channels this citizen has logged in through' }),
  identifiers: Type.Array(LinkedIdentifier),
  consents: Type.Array(Consent),
});
export type Citizen = Static<typeof Citizen>;
