import { Type, type Static } from '@sinclair/typebox';
import { Fen, LocalDate, Slug, Timestamp, LiteralUnion } from './common.ts';

/** Fields every department record carries: where it came from. */
const RecordSource = {
  cityId: Slug,
  departmentId: Slug,
};

export const TrafficViolation = Type.Object({
  id: Type.String({ description: 'the department\'s record number' }),
  ...RecordSource,
  plate: Type.String(),
  occurredAt: Timestamp,
  location: Type.String(),
  code: Type.String({ description: 'violation code of the traffic police' }),
  description: Type.String(),
  fineFen: Fen,
  points: Type.Integer({ minimum: 0, maximum: 12 }),
  status: Type.Union([Type.Literal('unpaid'), Type.Literal('paid')]),
  authority: Type.String({ description: 'recording authority' }),
  recordedBy: Type.Union([Type.Literal('camera'), Type.Literal('officer')]),
});
export type TrafficViolation = Static<typeof TrafficViolation>;

export const LicenceStatus = Type.Object({
  ...RecordSource,
  licenceNumberMasked: Type.String(),
  status: LiteralUnion(['valid', 'suspended', 'revoked', 'expired']),
  pointsUsed: Type.Integer({ minimum: 0, maximum: 12 }),
  pointsLeft: Type.Integer({ minimum: 0, maximum: 12 }),
  cycleEndsOn: LocalDate,
  validUntil: LocalDate,
  vehicleClass: Type.String({ description: 'permitted classes, e.g. C1' }),
});
export type LicenceStatus = Static<typeof LicenceStatus>;

export const Bill = Type.Object({
  id: Type.String(),
  ...RecordSource,
  utility: Type.Union([Type.Literal('water'), Type.Literal('electricity'), Type.Literal('gas')]),
  accountNumber: Type.String(),
  period: Type.String({ pattern: '^[0-9]{4}-[0-9]{2}$', description: 'billing month YYYY-MM' }),
  usage: Type.Number({ minimum: 0 }),
  unit: Type.String({ description: 'm3, kWh' }),
  amountFen: Fen,
  dueOn: LocalDate,
  status: Type.Union([Type.Literal('unpaid'), Type.Literal('paid'), Type.Literal('overdue')]),
});
export type Bill = Static<typeof Bill>;

export const Slot = Type.Object({
  id: Type.String(),
  ...RecordSource,
  resource: Type.String({ description: 'station, office, or doctor' }),
  start: Timestamp,
  end: Timestamp,
  capacity: Type.Integer({ minimum: 0 }),
  remaining: Type.Integer({ minimum: 0 }),
  feeFen: Type.Optional(Fen),
});
export type Slot = Static<typeof Slot>;

export const Appointment = Type.Object({
  id: Type.String(),
  ...RecordSource,
  slotId: Type.String(),
  serviceId: Type.String(),
  status: LiteralUnion(['held', 'confirmed', 'cancelled', 'expired', 'refused']),
  start: Timestamp,
  end: Type.Optional(Timestamp),
  holdExpiresAt: Type.Optional(Timestamp),
  confirmationNumber: Type.Optional(Type.String()),
  feeFen: Type.Optional(Fen),
  /** What the department says about it (a visit number, where to go), in its own words. */
  note: Type.Optional(Type.String()),
});
export type Appointment = Static<typeof Appointment>;

export const Vehicle = Type.Object({
  ...RecordSource,
  plate: Type.String(),
  plateType: Type.String({ description: 'GA 24.7 plate type code, e.g. 02 small car, 52 small new-energy car' }),
  description: Type.String({ description: 'brand, model and colour' }),
  registeredOn: LocalDate,
  inspectionDueOn: LocalDate,
  status: LiteralUnion(['normal', 'inspection-overdue', 'other']),
});
export type Vehicle = Static<typeof Vehicle>;

export const RoadCondition = Type.Object({
  segmentId: Type.String(),
  ...RecordSource,
  road: Type.String(),
  level: LiteralUnion(['free', 'slow', 'congested', 'blocked']),
  speedKmh: Type.Number({ minimum: 0 }),
  geometry: Type.Object({
    type: Type.Literal('LineString'),
    coordinates: Type.Array(Type.Tuple([Type.Number(), Type.Number()]), { minItems: 2 }),
  }),
  observedAt: Timestamp,
});
export type RoadCondition = Static<typeof RoadCondition>;

export const SocialInsuranceSummary = Type.Object({
  ...RecordSource,
  insuredSince: LocalDate,
  contributionMonths: Type.Integer({ minimum: 0 }),
  lastContributionMonth: Type.String({ pattern: '^[0-9]{4}-[0-9]{2}$' }),
  pensionBalanceFen: Fen,
  medicalBalanceFen: Fen,
  employer: Type.String(),
  status: Type.Union([Type.Literal('active'), Type.Literal('suspended')]),
});
export type SocialInsuranceSummary = Static<typeof SocialInsuranceSummary>;

export const LibraryLoan = Type.Object({
  id: Type.String(),
  ...RecordSource,
  title: Type.String(),
  borrowedOn: LocalDate,
  dueOn: LocalDate,
  renewalsLeft: Type.Integer({ minimum: 0 }),
  overdue: Type.Boolean(),
});
export type LibraryLoan = Static<typeof LibraryLoan>;

export const PermitApplication = Type.Object({
  id: Type.String(),
  ...RecordSource,
  permitType: Type.String({ description: 'passport, Hong Kong and Macao pass, Taiwan pass' }),
  submittedAt: Timestamp,
  stage: LiteralUnion(['submitted', 'reviewing', 'approved', 'producing', 'ready', 'collected', 'rejected']),
  updatedAt: Timestamp,
});
export type PermitApplication = Static<typeof PermitApplication>;
