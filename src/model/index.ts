import type { TSchema } from '@sinclair/typebox';
import { City, Department, Service } from './catalog.ts';
import { Citizen, Consent, LinkedIdentifier, LinkedIdentity } from './citizen.ts';
import {
  Appointment,
  Bill,
  LibraryLoan,
  LicenceStatus,
  PermitApplication,
  RoadCondition,
  Slot,
  SocialInsuranceSummary,
  TrafficViolation,
  Vehicle,
} from './records.ts';
import { Payable, PaymentIntent, Refund } from './payments.ts';
import { AuditEntry, Notification } from './notifications.ts';

export { MODEL_VERSION } from './common.ts';

/** Record schemas by record type, for validating what a connector maps. */
export const RECORD_SCHEMAS = {
  TrafficViolation,
  LicenceStatus,
  Vehicle,
  Bill,
  Slot,
  Appointment,
  SocialInsuranceSummary,
  LibraryLoan,
  PermitApplication,
  RoadCondition,
} as const;

/** Every entity of the standard data model, by the name it is published under at `/schemas/{name}.json`. */
export const MODEL_SCHEMAS: Readonly<Record<string, TSchema>> = Object.freeze({
  City,
  Department,
  Service,
  Citizen,
  LinkedIdentity,
  LinkedIdentifier,
  Consent,
  ...RECORD_SCHEMAS,
  Payable,
  PaymentIntent,
  Refund,
  Notification,
  AuditEntry,
});
