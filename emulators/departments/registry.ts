import type { EmulatorRoute } from '../http-kit.ts';
import { vehicleAdministrationEmulator } from './vehicle-administration/server.ts';
import { transportBureauEmulator } from './transport-bureau/server.ts';
import { electricityEmulator } from './electricity-company/server.ts';
import { gasEmulator } from './gas-company/server.ts';
import { socialSecurityEmulator } from './social-security/server.ts';
import { libraryEmulator } from './library/server.ts';
import { civilAffairsEmulator } from './civil-affairs/server.ts';
import { exitEntryEmulator } from './exit-entry/server.ts';
import { waterEmulator } from './water/server.ts';
import { hospitalEmulator } from './hospital/server.ts';
import { publicSecurityEmulator } from './public-security/server.ts';

/** What every department emulator is given when it starts. */
export interface EmulatorContext {
  /** Base URL of the emulator server, e.g. `http://127.0.0.1:4100`. */
  readonly baseUrl: string;
  /** The "now" that synthetic data is counted back from; deterministic data for tests. */
  readonly referenceDate: Date;
  /** Folder where batch-file departments drop their files (`<dropDir>/<city>/<department>/`). */
  readonly dropDir?: string;
  /** Households in each city's water bill file; the emulator's full 1000 when absent. */
  readonly waterHouseholds?: number;
}

/**
 * A department emulator served under `/{department}/{city}/…` on the shared emulator server. The
 * fault switches are applied before its route sees a call.
 */
export interface DepartmentEmulator {
  readonly department: string;
  create(context: EmulatorContext): Promise<EmulatorRoute> | EmulatorRoute;
}

/** Every HTTP (REST and FHIR) department emulator; SOAP ones are mounted separately. */
export const DEPARTMENT_EMULATORS: readonly DepartmentEmulator[] = [
  hospitalEmulator,
  waterEmulator,
  vehicleAdministrationEmulator,
  transportBureauEmulator,
  electricityEmulator,
  gasEmulator,
  socialSecurityEmulator,
  libraryEmulator,
  civilAffairsEmulator,
  exitEntryEmulator,
  publicSecurityEmulator,
];
