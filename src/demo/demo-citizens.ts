/**
 * Demo citizens: numbered people whose phone numbers and plates are derived from their number,
 * so scripts, tests and the demo app can name "citizen 3 of Hangzhou" and get the same person.
 */
export interface DemoCitizen {
  readonly number: number;
  readonly phone: string;
  readonly plate: string;
}

export const MAX_DEMO_CITIZENS = 9999;

/** Demo citizen `n` (1…9999) of a city with the given plate prefix, e.g. `demoCitizen(3, '浙A')`. */
export function demoCitizen(n: number, platePrefix: string): DemoCitizen {
  if (!Number.isInteger(n) || n < 1 || n > MAX_DEMO_CITIZENS) throw new RangeError(`demo citizen number must be 1…${MAX_DEMO_CITIZENS}`);
  const digits = String(n).padStart(4, '0');
  // 139 0000 NNNN: a mobile range used only by the SMS emulator here.
  return { number: n, phone: `1390000${digits}`, plate: `${platePrefix}D${digits}` };
}
