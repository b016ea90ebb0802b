import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startEmulators, type RunningEmulators } from '../../emulators/index.ts';
import { REFERENCE_DATE } from '../helpers/hub.ts';
import { startHubProcess } from '../helpers/hub-process.ts';
import { seedCitizens } from '../helpers/citizens.ts';
import { catalogWithWaitingRooms, type CatalogCopy } from '../helpers/catalog-copy.ts';
import { openStore, type Store } from '../../src/store/db.ts';
import { SessionRepository } from '../../src/identity/session.repository.ts';
import { SessionService } from '../../src/identity/session.service.ts';
import { CALLS, SERVICE, SESSION_SECRET, SLOTS, assertFiftyTaken, departmentSlots, dueOwners, fiftySlotsWithOnePlaceLeft, settled, tally } from '../helpers/booking-burst.ts';

describe(`${CALLS} concurrent createBooking calls for ${SLOTS} one-place slots`, () => {
  const people = dueOwners(CALLS + SLOTS * 12);
  const bookers = people.slice(0, CALLS);
  const walkIns = people.slice(CALLS);

  describe('two hub processes on one PostgreSQL', { skip: process.env.DATABASE_URL ? false : 'DATABASE_URL is not set' }, () => {
    let emulators: RunningEmulators;
    let dir: string;
    let database: string;
    let store: Store;
    let catalog: CatalogCopy;
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
      // The burst goes straight at createBooking: the inspection booking's waiting room is off (waiting-room.test.ts takes bursts through it).
      catalog = await catalogWithWaitingRooms('off');
      const env = {
        HUTONG_CONFIG: catalog.dir,
        HUTONG_EMULATORS_URL: emulators.url,
        HUTONG_SMS_APP_KEY: 'burst-sms-key',
        HUTONG_DEMO: '1',
        HUTONG_DATA_DIR: path.join(dir, 'data'),
        HUTONG_INBOX_DIR: path.join(dir, 'inbox'),
        HUTONG_SESSION_SECRET: SESSION_SECRET,
        HUTONG_BATCH_SYNC_INTERVAL_MS: '0',
        // This test is about capacity across processes: every call must reach the booking logic, none shed for load.
        HUTONG_SHED_EVENT_LOOP_DELAY_MS: '0',
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
      await catalog?.remove();
      const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
      await admin.connect();
      await admin.query(`drop database if exists ${database} with (force)`);
      await admin.end();
    });

    it('confirms exactly 50 across both processes and refuses the rest with a code', async (t) => {
      let phase = Date.now();
      const slots = await fiftySlotsWithOnePlaceLeft(emulators, walkIns);
      const sessions = new SessionService(new SessionRepository(store.db), { secret: SESSION_SECRET });
      const seeded = await seedCitizens(store.db, sessions, bookers);
      for (const hub of hubs) assert.equal((await fetch(`${hub.url}/v1/cities/shanghai/services/${SERVICE}/slots`)).status, 200);
      t.diagnostic(`set-up (walk-in bookings, ${CALLS} citizens seeded) ${Date.now() - phase} ms`);
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
      phase = Date.now();
      await settled(store);
      t.diagnostic(`all 50 confirmed with the department ${Date.now() - phase} ms after the last answer`);
      const left = new Map((await departmentSlots(emulators)).map((s) => [s.SDBH, Number(s.SYHS)]));
      for (const slot of slots) assert.equal(left.get(slot), 0);
    });
  });
});
