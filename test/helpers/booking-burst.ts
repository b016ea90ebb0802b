import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { RunningEmulators } from '../../emulators/index.ts';
import { generateVehicle } from '../../emulators/departments/vehicle-administration/records.ts';
import { VEHICLE_ADMIN_DEMO_API_KEY } from '../../emulators/departments/vehicle-administration/server.ts';
import { holderOf } from '../../emulators/population.ts';
import type { Store } from '../../src/store/db.ts';
import { addDays, daysBetween } from '../../src/time-zone.ts';
import { REFERENCE_DATE } from './hub.ts';
import type { SeededPerson } from './citizens.ts';

/** The booking burst of the load tests: 2,000 people, 50 slots with one place left each. */
export const CALLS = 2000;
export const SLOTS = 50;
export const SERVICE = 'traffic.inspection-booking';
export const SESSION_SECRET = 'burst-test-session-secret-0123456789abcdef';
const today = new Date(REFERENCE_DATE.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);

/**
 * Owners of Shanghai vehicles due for inspection within 90 days (what the station takes), each a
 * different person, as the vehicle office registers them.
 */
export function dueOwners(count: number): SeededPerson[] {
  const people: SeededPerson[] = [];
  const seen = new Set<string>();
  for (const letter of ['F', 'G', 'H', 'K', 'L', 'M', 'N', 'P']) {
    for (let n = 0; n < 10_000 && people.length < count; n++) {
      const plate = `沪A${letter}${String(n).padStart(4, '0')}`;
      const vehicle = generateVehicle('shanghai', plate, REFERENCE_DATE);
      if (!vehicle || daysBetween(today, vehicle.JYYXQZ) > 90) continue;
      const owner = holderOf('shanghai', 'plate', plate)!;
      if (seen.has(owner.nationalId)) continue;
      seen.add(owner.nationalId);
      people.push({ name: owner.name, nationalId: owner.nationalId, plate });
    }
  }
  assert.equal(people.length, count, 'enough due vehicles');
  return people;
}

interface DepartmentSlot {
  SDBH: string;
  YYRQ: string;
  SYHS: string;
}

export async function departmentSlots(emulators: RunningEmulators): Promise<DepartmentSlot[]> {
  const all: DepartmentSlot[] = [];
  for (let page = 1; ; page++) {
    const res = await fetch(`${emulators.url}/vehicle-administration/shanghai/inspection/slots?pageNo=${page}&pageSize=100`, { headers: { 'x-api-key': VEHICLE_ADMIN_DEMO_API_KEY } });
    const body = (await res.json()) as { data: { total: number; list: DepartmentSlot[] } };
    all.push(...body.data.list);
    if (all.length >= body.data.total || body.data.list.length === 0) return all;
  }
}

/**
 * Picks 50 slots from tomorrow on and books them at the station's own counter (the department's
 * API, not the hub) until exactly one place is left in each.
 */
export async function fiftySlotsWithOnePlaceLeft(emulators: RunningEmulators, walkIns: SeededPerson[]): Promise<string[]> {
  const candidates = (await departmentSlots(emulators)).filter((s) => s.YYRQ >= addDays(today, 2) && Number(s.SYHS) >= 1)
    // The fullest first: fewer walk-ins to book.
    .sort((a, b) => Number(a.SYHS) - Number(b.SYHS) || a.SDBH.localeCompare(b.SDBH))
    .slice(0, SLOTS);
  assert.equal(candidates.length, SLOTS);
  let next = 0;
  for (const slot of candidates) {
    for (let left = Number(slot.SYHS); left > 1; left--) {
      const person = walkIns[next++]!;
      const res = await fetch(`${emulators.url}/vehicle-administration/shanghai/inspection/bookings`, {
        method: 'POST',
        headers: { 'x-api-key': VEHICLE_ADMIN_DEMO_API_KEY, 'content-type': 'application/json' },
        body: JSON.stringify({ sdbh: slot.SDBH, hphm: person.plate, sfzmhm: person.nationalId, xm: person.name, ywlsh: `COUNTER${randomBytes(8).toString('hex')}` }),
      });
      assert.equal(res.status, 200, `walk-in booking: ${await res.text()}`);
    }
  }
  const after = new Map((await departmentSlots(emulators)).map((s) => [s.SDBH, Number(s.SYHS)]));
  for (const slot of candidates) assert.equal(after.get(slot.SDBH), 1);
  return candidates.map((s) => s.SDBH);
}

/** What the burst came to: answers by status and error code. */
export function tally(answers: Array<{ status: number; body: { status?: string; error?: { code: string } } }>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const a of answers) {
    const key = a.status === 201 ? `201 ${a.body.status}` : `${a.status} ${a.body.error?.code}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/**
 * Exactly 50 taken (confirmed at once, or held while the department, slowed by the burst, answers
 * through the confirmation job) and every other call refused with a code.
 */
export function assertFiftyTaken(counts: Record<string, number>): void {
  assert.equal((counts['201 confirmed'] ?? 0) + (counts['201 held'] ?? 0), SLOTS, `exactly ${SLOTS} taken: ${JSON.stringify(counts)}`);
  const refused = Object.entries(counts).filter(([k]) => !k.startsWith('201'));
  assert.equal(refused.reduce((n, [, c]) => n + c, 0), CALLS - SLOTS);
  for (const [key] of refused) assert.match(key, /^409 HUTONG_ERR_(SLOT_FULL|BOOKING_REFUSED)$/, `refused with a code: ${key}`);
}

/** Waits until no booking waits for the department any more; then exactly 50 are confirmed. */
export async function settled(store: Store): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const rows = await store.db.selectFrom('bookings').select(['status', 'awaiting']).execute();
    if (!rows.some((r) => r.status === 'held')) {
      assert.equal(rows.filter((r) => r.status === 'confirmed').length, SLOTS, `exactly ${SLOTS} confirmed in the store: ${JSON.stringify(rows.reduce<Record<string, number>>((a, r) => ((a[r.status] = (a[r.status] ?? 0) + 1), a), {}))}`);
      return;
    }
    assert.ok(Date.now() < deadline, 'the held bookings were confirmed within a minute');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

