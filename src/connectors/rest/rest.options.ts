import { Type, type Static } from '@sinclair/typebox';
import { RecordType } from '../../model/catalog.ts';
import { IdentifierKind } from '../../model/common.ts';

/** How the department authenticates the hub. */
export const RestAuth = Type.Union([
  Type.Object(
    {
      type: Type.Literal('api-key'),
      header: Type.String({ default: 'X-Api-Key' }),
      key: Type.String({ minLength: 1 }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('oauth2-client-credentials'),
      tokenUrl: Type.String({ minLength: 1 }),
      clientId: Type.String({ minLength: 1 }),
      clientSecret: Type.String({ minLength: 1 }),
      scope: Type.Optional(Type.String()),
    },
    { additionalProperties: false, description: 'RFC 6749 §4.4; client authenticated with HTTP Basic' },
  ),
  Type.Object(
    {
      type: Type.Literal('hmac-sha256'),
      keyId: Type.String({ minLength: 1 }),
      secret: Type.String({ minLength: 1 }),
    },
    {
      additionalProperties: false,
      description:
        'Headers X-Api-Key (keyId), X-Timestamp (ms), X-Nonce, X-Signature = base64(HMAC-SHA256(secret, METHOD\\nPATH?QUERY\\nTIMESTAMP\\nNONCE\\nhex(SHA-256(body))))',
    },
  ),
]);
export type RestAuth = Static<typeof RestAuth>;

/** One record type: a JSONata expression building the request, and a mapping file for the answer. */
export const RestRecordOptions = Type.Object(
  {
    request: Type.String({
      minLength: 1,
      description:
        'JSONata over { identifier, identifierKind, page, pageSize, cityId, departmentId, params } giving { method, path, query?, headers?, body? }',
    }),
    response: Type.String({ minLength: 1, description: 'path of a JSONata file mapping the JSON answer to { records, total? }' }),
    pageSize: Type.Integer({ minimum: 1, maximum: 1000, default: 50 }),
    maxPages: Type.Integer({ minimum: 1, maximum: 1000, default: 20 }),
    /** A 404 means "nothing held under this identifier" rather than an error. */
    notFoundIsEmpty: Type.Boolean({ default: true }),
  },
  { additionalProperties: false },
);
export type RestRecordOptions = Static<typeof RestRecordOptions>;

/** One action (renew a loan…): a JSONata request over { identifier, identifierKind, recordId, params, … } and a result mapping. */
export const RestActionOptions = Type.Object(
  {
    request: Type.String({ minLength: 1 }),
    response: Type.String({ minLength: 1, description: 'path of a JSONata file mapping the JSON answer to the action result' }),
  },
  { additionalProperties: false },
);
export type RestActionOptions = Static<typeof RestActionOptions>;

/** One holder check: a JSONata request over { identifier, identifierKind, name, nationalId, … } and a mapping of the answer to { outcome }. */
export const RestHolderCheckOptions = Type.Object(
  {
    request: Type.String({
      minLength: 1,
      description: 'JSONata over { identifier, identifierKind, name, nationalId, cityId, departmentId } giving { method, path, query?, body? }',
    }),
    response: Type.String({
      minLength: 1,
      description: 'path of a JSONata file mapping the JSON answer to { "outcome": "match" | "mismatch" | "unknown-identifier" }',
    }),
    /** A 404 means "the department issued no such identifier" rather than an error. */
    notFoundIsUnknown: Type.Boolean({ default: true }),
  },
  { additionalProperties: false },
);
export type RestHolderCheckOptions = Static<typeof RestHolderCheckOptions>;

/**
 * Recording a payment of one record type: a JSONata request over the payment and a mapping of the
 * answer to `{ departmentReference }`. 404, 409 and 422 answers are the department's refusal.
 */
export const RestPaymentOptions = Type.Object(
  {
    request: Type.String({
      minLength: 1,
      description:
        'JSONata over { recordType, recordId, identifier, identifierKind, amountFen, amountYuan, paymentReference, paidAt, paidAtLocal, wallet, cityId, departmentId } ' +
        'giving { method, path, query?, headers?, body? }; the idempotency key (paymentReference) goes in a header or a body field, as the department takes it',
    }),
    response: Type.String({ minLength: 1, description: 'path of a JSONata file mapping the JSON answer to { "departmentReference": "<the department\'s number for the payment>" }' }),
  },
  { additionalProperties: false },
);
export type RestPaymentOptions = Static<typeof RestPaymentOptions>;

export const RestOptions = Type.Object(
  {
    baseUrl: Type.String({ minLength: 1 }),
    auth: Type.Optional(RestAuth),
    headers: Type.Optional(Type.Record(Type.String(), Type.String())),
    // Defaults to none: a department may be configured (baseUrl) before any record type is mapped.
    records: Type.Partial(Type.Record(RecordType, RestRecordOptions), { additionalProperties: false, default: {} }),
    actions: Type.Optional(Type.Record(Type.String({ pattern: '^[a-z][a-zA-Z0-9]*$' }), RestActionOptions)),
    /** Identifier kinds whose holder the department confirms, each with its request and answer mapping. */
    holderChecks: Type.Optional(Type.Partial(Type.Record(IdentifierKind, RestHolderCheckOptions), { additionalProperties: false })),
    /** Record types the department takes payments for, each with its request and answer mapping. */
    payments: Type.Optional(Type.Partial(Type.Record(RecordType, RestPaymentOptions), { additionalProperties: false })),
  },
  { additionalProperties: false },
);
export type RestOptions = Static<typeof RestOptions>;
