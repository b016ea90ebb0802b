import { nationalIdCheckChar } from '../model/identifiers.ts';
import { SEED_CITY_REGIONS } from '../model/regions.ts';
import { deterministicWaterAccount } from '../../emulators/departments/water/bills.ts';

/**
 * Demo citizens: numbered people whose phone, national id, plate, utility accounts and library
 * card are derived from their number and city, so scripts, tests and the demo app can name
 * "citizen 3 of Hangzhou" and get the same person every time. The emulated departments hold
 * records for every well-formed identifier; the water company's nightly file lists these
 * households by the same rule.
 */
export interface DemoCitizen {
  readonly number: number;
  readonly phone: string;
  readonly nationalId: string;
  readonly plate: string;
  readonly waterAccount: string;
  readonly electricityAccount: string;
  readonly gasAccount: string;
  readonly libraryCard: string;
}

export const MAX_DEMO_CITIZENS = 200;

/** Demo citizen `n` (1…200) of a city, e.g. `demoCitizen(3, { id: 'hangzhou', regionCode: '330100', platePrefix: '浙A' })`. */
export function demoCitizen(n: number, city: { id: string; regionCode: string; platePrefix: string }): DemoCitizen {
  if (!Number.isInteger(n) || n < 1 || n > MAX_DEMO_CITIZENS) throw new RangeError(`demo citizen number must be 1…${MAX_DEMO_CITIZENS}`);
  const digits = String(n).padStart(4, '0');
  // Born between 1960 and 1999, on a day that exists in every month.
  const birth = `${1960 + (n % 40)}${String(1 + (n % 12)).padStart(2, '0')}${String(1 + (n % 28)).padStart(2, '0')}`;
  const first17 = `${city.regionCode}${birth}${String(n % 1000).padStart(3, '0')}`;
  const area = city.regionCode.slice(0, 4);
  return {
    number: n,
    // 139 CC 00 NNNN: a mobile range used only by the SMS emulator here; CC keeps each city's people apart.
    phone: `139${cityNumber(city.id)}00${digits}`,
    nationalId: `${first17}${nationalIdCheckChar(first17)}`,
    plate: `${city.platePrefix}D${digits}`,
    waterAccount: deterministicWaterAccount(city.id, n),
    electricityAccount: `${area}1${String(n).padStart(5, '0')}`,
    gasAccount: `${area}2${String(n).padStart(5, '0')}`,
    libraryCard: `${city.regionCode}${String(n).padStart(6, '0')}`,
  };
}

/** Two digits per city: the seed cities in order, others by a hash of the id. */
function cityNumber(cityId: string): string {
  const seeds = Object.keys(SEED_CITY_REGIONS);
  const index = seeds.indexOf(cityId);
  if (index >= 0) return String(10 + index);
  let hash = 0;
  for (const char of cityId) hash = (hash * 31 + char.charCodeAt(0)) % 1000;
  return String(80 + (hash % 20));
}

/** The identifiers `hutong demo token` links for a demo citizen, as `linkIdentifier` bodies. */
export function demoIdentifierLinks(person: DemoCitizen, cityId: string): Array<{ kind: string; value: string; issuer?: { cityId: string; departmentId: string } }> {
  return [
    { kind: 'plate', value: person.plate },
    { kind: 'national-id', value: person.nationalId },
    { kind: 'utility-account', value: person.waterAccount, issuer: { cityId, departmentId: 'water-company' } },
    { kind: 'utility-account', value: person.electricityAccount, issuer: { cityId, departmentId: 'electricity-company' } },
    { kind: 'utility-account', value: person.gasAccount, issuer: { cityId, departmentId: 'gas-company' } },
    { kind: 'library-card', value: person.libraryCard, issuer: { cityId, departmentId: 'library' } },
  ];
}
