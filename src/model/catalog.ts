import { Type, type Static } from '@sinclair/typebox';
import { ChannelId, IdentifierKind, RegionCode, Slug, LiteralUnion } from './common.ts';

export const ServiceCategory = LiteralUnion(['traffic', 'living', 'medical', 'social', 'culture', 'civil']);
export type ServiceCategory = Static<typeof ServiceCategory>;

/** Kinds of function: query (照会), handling/booking (取り扱い), payment (納付), notification. */
export const ServiceKind = LiteralUnion(['query', 'booking', 'payment', 'action', 'notification']);
export type ServiceKind = Static<typeof ServiceKind>;

export const RecordType = LiteralUnion([
    'TrafficViolation',
    'LicenceStatus',
    'Vehicle',
    'Slot',
    'Appointment',
    'RoadCondition',
    'Bill',
    'SocialInsuranceSummary',
    'LibraryLoan',
    'PermitApplication',
  ]);
export type RecordType = Static<typeof RecordType>;

export const City = Type.Object({
  id: Slug,
  regionCode: RegionCode,
  name: Type.Object({ zh: Type.String(), en: Type.String() }),
  timeZone: Type.String({ description: 'IANA zone, e.g. Asia/Shanghai' }),
  platePrefix: Type.String({ description: 'licence-plate prefix issued in the city' }),
});
export type City = Static<typeof City>;

export const Department = Type.Object({
  id: Slug,
  cityId: Slug,
  name: Type.Object({ zh: Type.String(), en: Type.String() }),
  connectorKind: Type.String(),
});
export type Department = Static<typeof Department>;

export const Service = Type.Object({
  id: Type.String({ description: 'category.service, e.g. traffic.violations' }),
  cityId: Slug,
  departmentIds: Type.Array(Slug, { description: 'departments whose systems answer for the service' }),
  category: ServiceCategory,
  kind: ServiceKind,
  functions: Type.Array(
    Type.Object({ kind: ServiceKind, available: Type.Boolean(), unavailableReason: Type.Optional(Type.String()) }),
    { description: 'every function of the service (query, payment, booking…) and whether this hub offers it' },
  ),
  name: Type.Object({ zh: Type.String(), en: Type.String() }),
  recordType: Type.Optional(RecordType),
  requiredIdentifiers: Type.Array(IdentifierKind),
  channels: Type.Array(ChannelId),
  available: Type.Boolean({ description: 'the primary function works for citizens now' }),
  unavailableReason: Type.Optional(Type.String()),
});
export type Service = Static<typeof Service>;
