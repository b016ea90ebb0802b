import { Type, type Static } from '@sinclair/typebox';
import { ChannelId, Slug, Timestamp, Uuid } from './common.ts';

export const Notification = Type.Object({
  id: Uuid,
  citizenId: Uuid,
  cityId: Slug,
  serviceId: Type.String(),
  channel: ChannelId,
  title: Type.String(),
  body: Type.String(),
  dedupeKey: Type.String({ description: 'one notification per key, however often it is produced' }),
  scheduledFor: Timestamp,
  sentAt: Type.Optional(Timestamp),
  readAt: Type.Optional(Timestamp),
});
export type Notification = Static<typeof Notification>;

export const AuditEntry = Type.Object({
  id: Type.String(),
  at: Timestamp,
  actor: Type.String({ description: 'citizen:<id>, operator:<id> or system' }),
  action: Type.String(),
  subject: Type.String(),
  cityId: Type.Optional(Slug),
  detail: Type.Record(Type.String(), Type.Unknown()),
});
export type AuditEntry = Static<typeof AuditEntry>;
