import { Type, type Static } from '@sinclair/typebox';
import { ServiceCategory, ServiceKind, RecordType } from '../model/catalog.ts';
import { ChannelId, IdentifierKind, RegionCode, Slug } from '../model/common.ts';
import { KNOWN_CONNECTOR_KINDS } from '../connectors/registry.ts';

const Name = Type.Object({ zh: Type.String({ minLength: 1 }), en: Type.String({ minLength: 1 }) }, { additionalProperties: false });

export const DepartmentConfig = Type.Object(
  {
    id: Slug,
    name: Name,
    connector: Type.Object(
      {
        kind: Type.Union(KNOWN_CONNECTOR_KINDS.map((k) => Type.Literal(k))),
        options: Type.Record(Type.String(), Type.Unknown(), { description: 'validated by the connector kind' }),
      },
      { additionalProperties: false },
    ),
    shield: Type.Optional(
      Type.Object(
        {
          timeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 600_000, description: 'deadline of one call' })),
          maxConcurrent: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, description: 'calls in flight at once' })),
          maxQueued: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000, description: 'calls waiting for a free place' })),
          breakerFailures: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'consecutive failures that open the breaker' })),
          breakerHalfOpenAfterMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 3_600_000, description: 'how long the breaker stays open' })),
          ratePerSecond: Type.Optional(
            Type.Integer({ minimum: 1, maximum: 100_000, description: 'calls a second the department takes at most, from every hub process together' }),
          ),
        },
        { additionalProperties: false, description: 'limits the hub keeps toward this department' },
      ),
    ),
  },
  { additionalProperties: false },
);
export type DepartmentConfig = Static<typeof DepartmentConfig>;

export const ServiceConfig = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z]+\\.[a-z][a-z0-9-]*$', description: 'category.service' }),
    departments: Type.Array(Slug, { minItems: 1, uniqueItems: true, description: 'departments whose systems hold the records' }),
    category: ServiceCategory,
    kinds: Type.Array(ServiceKind, { minItems: 1, uniqueItems: true, description: 'the first is the primary function' }),
    name: Name,
    recordType: Type.Optional(RecordType),
    requiredIdentifiers: Type.Array(IdentifierKind, { uniqueItems: true }),
    channels: Type.Array(ChannelId, { minItems: 1, uniqueItems: true }),
    cacheTtlSeconds: Type.Integer({ minimum: 0, maximum: 86_400, default: 300 }),
    staleWhileRevalidateSeconds: Type.Integer({
      minimum: 0,
      maximum: 86_400,
      default: 0,
      description: 'after the TTL, how long the old answer is still served at once while one refresh asks the department',
    }),
    staleIfErrorSeconds: Type.Integer({
      minimum: 0,
      maximum: 7 * 86_400,
      default: 86_400,
      description: 'after the TTL, how long the old answer is served, labelled stale, while the department fails',
    }),
    booking: Type.Optional(
      Type.Object(
        {
          holdSeconds: Type.Integer({ minimum: 30, maximum: 86_400, default: 900, description: 'how long a place is held for the partner to confirm or the fee to be paid' }),
          partner: Type.Boolean({ default: false, description: 'a second person (by real name and national id) must confirm within the hold, as marriage registration needs' }),
          dueRecord: Type.Optional(
            Type.Object(
              {
                recordType: RecordType,
                dateField: Type.String({ minLength: 1, description: 'the record field with the due date, e.g. inspectionDueOn' }),
                withinDays: Type.Integer({ minimum: 0, maximum: 3660, description: 'bookable from this many days before the due date (overdue always is)' }),
              },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false, description: 'rules of the office taking the bookings' },
      ),
    ),
    waitingRoom: Type.Optional(
      Type.Object(
        {
          admitPerSecond: Type.Integer({ minimum: 1, maximum: 10_000, description: 'people let through to book per second, on average' }),
          burst: Type.Integer({ minimum: 1, maximum: 100_000, description: 'people let through at once after a quiet time (the token bucket\'s size)' }),
          admittedForSeconds: Type.Integer({ minimum: 10, maximum: 3600, default: 120, description: 'how long an admitted ticket stays good for its one booking attempt' }),
        },
        {
          additionalProperties: false,
          description: 'a waiting room in front of createBooking for bursts: beyond the rate, people take a ticket and are let through in order of arrival (absent: no room)',
        },
      ),
    ),
  },
  { additionalProperties: false },
);
export type ServiceConfig = Static<typeof ServiceConfig>;

/** One city's YAML file: the city, its departments with connector settings, and its services. */
export const CityConfig = Type.Object(
  {
    id: Slug,
    regionCode: RegionCode,
    name: Name,
    timeZone: Type.String({ minLength: 1 }),
    platePrefix: Type.String({ minLength: 1, maxLength: 2 }),
    departments: Type.Array(DepartmentConfig, { minItems: 1 }),
    services: Type.Array(ServiceConfig, { minItems: 1 }),
  },
  { additionalProperties: false, $comment: 'Hutong city configuration, one file per city' },
);
export type CityConfig = Static<typeof CityConfig>;
