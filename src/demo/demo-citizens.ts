import { demoResident, MAX_DEMO_RESIDENTS, type DemoResident } from '../../emulators/population.ts';

/**
 * Demo citizens: the numbered residents of the emulated world, whose name, phone, national id,
 * plate, utility accounts and library card are derived from their number and city, so scripts,
 * tests and the demo app can name "citizen 3 of Hangzhou" and get the same person every time.
 * The emulated public-security register, vehicle register and utilities know them by the same
 * rules (`emulators/population.ts`).
 */
export type DemoCitizen = DemoResident;

export const MAX_DEMO_CITIZENS = MAX_DEMO_RESIDENTS;

/** Demo citizen `n` (1…200) of a city, e.g. `demoCitizen(3, { id: 'hangzhou', regionCode: '330100', platePrefix: '浙A' })`. */
export function demoCitizen(n: number, city: { id: string; regionCode: string; platePrefix: string }): DemoCitizen {
  return demoResident(n, city);
}

/** The real-name proof `hutong demo token` gives for a demo citizen, as the `bindRealName` body wants it. */
export function demoRealName(person: DemoCitizen): { name: string; nationalId: string } {
  return { name: person.name, nationalId: person.nationalId };
}

/**
 * The identifiers `hutong demo token` links for a demo citizen after their real name is bound, as
 * `linkIdentifier` bodies; each is checked with the department that issued it.
 */
export function demoIdentifierLinks(person: DemoCitizen, cityId: string): Array<{ kind: string; value: string; issuer?: { cityId: string; departmentId: string } }> {
  return [
    { kind: 'plate', value: person.plate },
    { kind: 'utility-account', value: person.waterAccount, issuer: { cityId, departmentId: 'water-company' } },
    { kind: 'utility-account', value: person.electricityAccount, issuer: { cityId, departmentId: 'electricity-company' } },
    { kind: 'utility-account', value: person.gasAccount, issuer: { cityId, departmentId: 'gas-company' } },
    { kind: 'library-card', value: person.libraryCard, issuer: { cityId, departmentId: 'library' } },
  ];
}
