import { Type, type Static } from '@sinclair/typebox';
import { ChannelId, Fen, Slug, Timestamp, Uuid, LiteralUnion } from './common.ts';

/** A thing a citizen can pay: a fine or a bill, with the amount the department confirmed. */
export const Payable = Type.Object({
  id: Type.String(),
  kind: Type.Union([Type.Literal('fine'), Type.Literal('bill'), Type.Literal('fee')]),
  cityId: Slug,
  departmentId: Slug,
  recordId: Type.String({ description: 'the department record this pays' }),
  amountFen: Fen,
  description: Type.String(),
  expiresAt: Type.Optional(Timestamp),
});
export type Payable = Static<typeof Payable>;

export const PaymentState = LiteralUnion(['created', 'pending', 'succeeded', 'failed', 'closed']);

export const PaymentIntent = Type.Object({
  id: Uuid,
  payableId: Type.String(),
  ownerCitizenId: Uuid,
  payerCitizenId: Type.Optional(Uuid),
  wallet: Type.Union([Type.Literal('alipay'), Type.Literal('wechatpay'), Type.Literal('unionpay')]),
  channel: ChannelId,
  amountFen: Fen,
  refundedFen: Fen,
  state: PaymentState,
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type PaymentIntent = Static<typeof PaymentIntent>;

export const Refund = Type.Object({
  id: Uuid,
  paymentIntentId: Uuid,
  amountFen: Fen,
  reason: Type.String(),
  state: Type.Union([Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed')]),
  createdAt: Timestamp,
});
export type Refund = Static<typeof Refund>;
