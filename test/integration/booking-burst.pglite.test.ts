import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestHub, type TestHub } from '../helpers/hub.ts';
import { seedCitizens } from '../helpers/citizens.ts';
import { testEngines } from '../helpers/stores.ts';
import { CALLS, SERVICE, SLOTS, assertFiftyTaken, departmentSlots, dueOwners, fiftySlotsWithOnePlaceLeft, settled, tally } from '../helpers/booking-burst.ts';

const pglite = testEngines().find((e) => e.name === 'pglite')!;

describe(`${CALLS} concurrent createBooking calls for ${SLOTS} one-place slots`, () => {
  const people = dueOwners(CALLS + SLOTS * 12);
  const bookers = people.slice(0, CALLS);
  const walkIns = people.slice(CALLS);

  describe('one hub process on PGlite', () => {
    let hub: TestHub;
    before(async () => {
      // The burst goes straight at createBooking: the inspection booking's waiting room is off (waiting-room.test.ts takes bursts through it).
      hub = await startTestHub(pglite, { bookingSweepMs: 0, reminderPollMs: 0, reminderDispatchMs: 0 }, { importBatchFiles: false, waitingRooms: 'off' });
    });
    after(() => hub.close());

    it('confirms exactly 50 and refuses the rest with a code; the department is never overbooked', async (t) => {
      let phase = Date.now();
      const slots = await fiftySlotsWithOnePlaceLeft(hub.emulators, walkIns);
      const seeded = await seedCitizens(hub.store.db, hub.services.sessions, bookers);
      // People open the slot list before they book: the burst finds it in the hub's cache.
      assert.equal((await hub.app.inject({ method: 'GET', url: `/v1/cities/shanghai/services/${SERVICE}/slots` })).statusCode, 200);
      t.diagnostic(`set-up (walk-in bookings, ${CALLS} citizens seeded) ${Date.now() - phase} ms`);
      const burstStarted = Date.now();
      const answers = await Promise.all(
        seeded.map(async ({ token }, i) => {
          const res = await hub.app.inject({ method: 'POST', url: '/v1/bookings', headers: { authorization: `Bearer ${token}` }, payload: { cityId: 'shanghai', serviceId: SERVICE, slotId: slots[i % SLOTS] } });
          return { status: res.statusCode, body: res.json() };
        }),
      );
      t.diagnostic(`${CALLS} calls answered in ${Date.now() - burstStarted} ms: ${JSON.stringify(tally(answers))}`);
      assertFiftyTaken(tally(answers));
      phase = Date.now();
      await settled(hub.store);
      t.diagnostic(`all 50 confirmed with the department ${Date.now() - phase} ms after the last answer`);
      const left = new Map((await departmentSlots(hub.emulators)).map((s) => [s.SDBH, Number(s.SYHS)]));
      for (const slot of slots) assert.equal(left.get(slot), 0, `the department has no place left in ${slot}, and none below zero`);
      const listed = await hub.app.inject({ method: 'GET', url: `/v1/cities/shanghai/services/${SERVICE}/slots` });
      const shown = new Map((listed.json().items as Array<{ id: string; remaining: number }>).map((s) => [s.id, s.remaining]));
      for (const slot of slots) assert.equal(shown.get(slot), 0);
    });
  });
});
