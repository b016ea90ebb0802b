import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startEmulators, type RunningEmulators } from '../../emulators/index.ts';
import { generateVehicle } from '../../emulators/departments/vehicle-administration/records.ts';
import { VEHICLE_ADMIN_DEMO_API_KEY } from '../../emulators/departments/vehicle-administration/server.ts';
import { holderOf } from '../../emulators/population.ts';
import { REFERENCE_DATE, startTestHub, type TestHub } from '../helpers/hub.ts';
import { startHubProcess } from '../helpers/hub-process.ts';
import { seedCitizens, type SeededPerson } from '../helpers/citizens.ts';
import { testEngines } from '../helpers/stores.ts';
import { openStore, type Store } from '../../src/store/db.ts';
import { SessionRepository } from '../../src/identity/session.repository.ts';
import { SessionService } from '../../src/identity/session.service.ts';
import { addDays, daysBetween } from '../../src/time-zone.ts';

const CALLS = 2000;
const SLOTS = 50;
const SERVICE = 'traffic.inspection-booking';
const SESSION_SECRET = 'burst-test-session-secret-0123456789abcdef';
const today = new Date(REFERENCE_DATE.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);

/**
 * Owners of Shanghai vehicles due for inspection within 90 days (what the station takes), each a
 * different person, as the vehicle office registers them.
 */
function dueOwners(count: number): SeededPerson[] {
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

async function departmentSlots(emulators: RunningEmulators): Promise<DepartmentSlot[]> {
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
async function fiftySlotsWithOnePlaceLeft(emulators: RunningEmulators, walkIns: SeededPerson[]): Promise<string[]> {
  const candidates = (await departmentSlots(emulators)).filter((s) => s.YYRQ >= addDays(today, 2) && Number(s.SYHS) >= 1).slice(0, SLOTS);
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
function tally(answers: Array<{ status: number; body: { status?: string; error?: { code: string } } }>): Record<string, number> {
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
function assertFiftyTaken(counts: Record<string, number>): void {
  assert.equal((counts['201 confirmed'] ?? 0) + (counts['201 held'] ?? 0), SLOTS, `exactly ${SLOTS} taken: ${JSON.stringify(counts)}`);
  const refused = Object.entries(counts).filter(([k]) => !k.startsWith('201'));
  assert.equal(refused.reduce((n, [, c]) => n + c, 0), CALLS - SLOTS);
  for (const [key] of refused) assert.match(key, /^409 HUTONG_ERR_(SLOT_FULL|BOOKING_REFUSED)$/, `refused with a code: ${key}`);
}

/** Waits until no booking waits for the department any more; then exactly 50 are confirmed. */
async function settled(store: Store): Promise<void> {
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

const pglite = testEngines().find((e) => e.name === 'pglite')!;

describe(`${CALLS} concurrent createBooking calls for ${SLOTS} one-place slots`, () => {
  const people = dueOwners(CALLS + SLOTS * 12);
  const bookers = people.slice(0, CALLS);
  const walkIns = people.slice(CALLS);

  describe('one hub process on PGlite', () => {
    let hub: TestHub;
    before(async () => {
      hub = await startTestHub(pglite, { bookingSweepMs: 0, reminderPollMs: 0, reminderDispatchMs: 0 }, { importBatchFiles: false });
    });
    after(() => hub.close());

    it('confirms exactly 50 and refuses the rest with a code; the department is never overbooked', async (t) => {
      const slots = await fiftySlotsWithOnePlaceLeft(hub.emulators, walkIns);
      const seeded = await seedCitizens(hub.store.db, hub.services.sessions, bookers);
      // People open the slot list before they book: the burst finds it in the hub's cache.
      assert.equal((await hub.app.inject({ method: 'GET', url: `/v1/cities/shanghai/services/${SERVICE}/slots` })).statusCode, 200);
      const burstStarted = Date.now();
      const answers = await Promise.all(
        seeded.map(async ({ token }, i) => {
          const res = await hub.app.inject({ method: 'POST', url: '/v1/bookings', headers: { authorization: `Bearer ${token}` }, payload: { cityId: 'shanghai', serviceId: SERVICE, slotId: slots[i % SLOTS] } });
          return { status: res.statusCode, body: res.json() };
        }),
      );
      t.diagnostic(`${CALLS} calls answered in ${Date.now() - burstStarted} ms: ${JSON.stringify(tally(answers))}`);
      assertFiftyTaken(tally(answers));
      await settled(hub.store);
      const left = new Map((await departmentSlots(hub.emulators)).map((s) => [s.SDBH, Number(s.SYHS)]));
      for (const slot of slots) assert.equal(left.get(slot), 0, `the department has no place left in ${slot}, and none below zero`);
      const listed = await hub.app.inject({ method: 'GET', url: `/v1/cities/shanghai/services/${SERVICE}/slots` });
      const shown = new Map((listed.json().items as Array<{ id: string; remaining: number }>).map((s) => [s.id, s.remaining]));
      for (const slot of slots) assert.equal(shown.get(slot), 0);
    });
  });

  describe('two hub processes on one PostgreSQL', { skip: process.env.DATABASE_URL ? false : 'DATABASE_URL is not set' }, () => {
    let emulators: RunningEmulators;
    let dir: string;
    let database: string;
    let store: Store;
    const hubs: Array<{ child: ChildProcess; url: string }> = [];

    before(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'hutong-burst-'));
      emulators = await startEmulators({ port: 0, smsAppKey: 'burst-sms-key', referenceDate: REFERENCE_DATE, dropDir: path.join(dir, 'inbox') });
      database = `hutong_burst_${randomBytes(5).toString('hex')}`;
      const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
      await admin.connect();
      await admin.query(`create database ${database}`);
      await admin.end();
      const url = new URL(process.env.DATABASE_URL!);
      url.pathname = `/${database}`;
      const env = {
        HUTONG_EMULATORS_URL: emulators.url,
        HUTONG_SMS_APP_KEY: 'burst-sms-key',
        HUTONG_DEMO: '1',
        HUTONG_DATA_DIR: path.join(dir, 'data'),
        HUTONG_INBOX_DIR: path.join(dir, 'inbox'),
        HUTONG_SESSION_SECRET: SESSION_SECRET,
        HUTONG_BATCH_SYNC_INTERVAL_MS: '0',
        DATABASE_URL: url.toString(),
      };
      // One after the other: the first migrates the store.
      hubs.push(await startHubProcess(env));
      hubs.push(await startHubProcess(env));
      store = await openStore({ databaseUrl: url.toString(), dataDir: 'memory://' });
    });
    after(async () => {
      for (const hub of hubs) hub.child.kill('SIGKILL');
      await store?.close();
      await emulators?.close();
      await rm(dir, { recursive: true, force: true });
      const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
      await admin.connect();
      await admin.query(`drop database if exists ${database} with (force)`);
      await admin.end();
    });

    it('confirms exactly 50 across both processes and refuses the rest with a code', async (t) => {
      const slots = await fiftySlotsWithOnePlaceLeft(emulators, walkIns);
      const sessions = new SessionService(new SessionRepository(store.db), { secret: SESSION_SECRET });
      const seeded = await seedCitizens(store.db, sessions, bookers);
      for (const hub of hubs) assert.equal((await fetch(`${hub.url}/v1/cities/shanghai/services/${SERVICE}/slots`)).status, 200);
      const burstStarted = Date.now();
      const answers = await Promise.all(
        seeded.map(async ({ token }, i) => {
          const res = await fetch(`${hubs[i % 2]!.url}/v1/bookings`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ cityId: 'shanghai', serviceId: SERVICE, slotId: slots[i % SLOTS] }),
          });
          return { status: res.status, body: (await res.json()) as { status?: string; error?: { code: string } } };
        }),
      );
      t.diagnostic(`${CALLS} calls answered in ${Date.now() - burstStarted} ms: ${JSON.stringify(tally(answers))}`);
      assertFiftyTaken(tally(answers));
      await settled(store);
      const left = new Map((await departmentSlots(emulators)).map((s) => [s.SDBH, Number(s.SYHS)]));
      for (const slot of slots) assert.equal(left.get(slot), 0);
    });
  });
});
