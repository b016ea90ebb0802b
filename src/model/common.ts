import { Type, type SchemaOptions, type Static, type TLiteral, type TUnion } from '@sinclair/typebox';

/** A union of string literals, typed as the literals (`LiteralUnion(['a', 'b'])` is `'a' | 'b'`). */
export function LiteralUnion<const T extends readonly string[]>(values: T, options?: SchemaOptions): TUnion<TLiteral<T[number]>[]> {
  return Type.Union(values.map((v) => Type.Literal(v)) as TLiteral<T[number]>[], options);
}

/** Version of the standard data model; bumped when a published schema changes incompatibly. */
export const MODEL_VERSION = 'v1';

/** Lower-case slug ids of cities, departments and services (`shanghai`, `traffic-police`). */
export const Slug = Type.String({ pattern: '^[a-z][a-z0-9-]{1,62}$', description: 'lower-case slug' });

/** Money in integer fen (CNY minor units). */
export const Fen = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'amount in fen (1 CNY = 100 fen)' });

/** RFC 3339 date-time with the city's offset, e.g. `2026-03-01T08:30:00+08:00`. */
export const Timestamp = Type.String({ format: 'date-time', description: 'RFC 3339 date-time with offset' });

/** Calendar date `YYYY-MM-DD` in the city's zone. */
export const LocalDate = Type.String({ format: 'date', description: 'calendar date in the city zone' });

export const RegionCode = Type.String({ pattern: '^[0-9]{6}$', description: 'GB/T 2260 administrative region code' });

export const Uuid = Type.String({ format: 'uuid' });

export const ChannelId = LiteralUnion(['alipay', 'wechat', 'taobao', 'weibo', 'web', 'partner'], { description: 'an entrance' });
export type ChannelId = Static<typeof ChannelId>;

/** The data scopes a channel may be given consent to; one per service category. */
export const Scope = LiteralUnion(['traffic', 'living', 'medical', 'social', 'culture', 'civil']);
export type Scope = Static<typeof Scope>;

export const IdentifierKind = Type.Union(
  ['national-id', 'plate', 'utility-account', 'library-card', 'social-security-number', 'driving-licence', 'permit-application'].map(
    (k) => Type.Literal(k),
  ),
);
export type IdentifierKind = Static<typeof IdentifierKind>;
