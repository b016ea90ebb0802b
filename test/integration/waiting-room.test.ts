import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestHub, type TestHub } from '../helpers/hub.ts';
import type { HubApp } from '../../src/http/types.ts';
import { seedCitizens } from '../helpers/citizens.ts';
import { testEngines } from '../helpers/stores.ts';
import { dueOwners, SERVICE } from '../helpers/booking-burst.ts';

/** The burst: more people than the room lets through at once, all after the same slot. */
const CALLS = 300;
const ADMIT_PER_SECOND = 50;
const BURST = 20;
const ROOM = `shanghai/${SERVICE}`;

interface Answer {
  status: number;
  body: {
    status?: string;
    error?: { code: string };
    waitingRoom?: Ticket;
  };
}

interface Ticket {
  ticketId: string;
  cityId: string;
  serviceId: string;
  state: 'waiting' | 'admitted' | 'expired' | 'used';
  position?: number;
  estimatedWaitSeconds?: number;
  admittedUntil?: string;
  pollAfterSeconds: number;
}

interface Slot {
  id: string;
  start: string;
  remaining: number;
}

for (const engine of testEngines()) {
  describe(`waiting room of a booking service on ${engine.name}`, () => {
    let hub: TestHub;
    // The hub's clock stands still unless a test moves it: admissions follow it, never the wall clock.
    const base = Date.now();
    let offsetMs = 0;
    const people = dueOwners(CALLS + 10);
    let citizens: Array<{ citizenId: string; token: string }>;
    /** Two hubs on one store, as two processes would be: they share each room. */
    let hubs: HubApp[];

    before(async () => {
      hub = await startTestHub(
        engine,
        // The room is under test, not the office's speed: on a loaded machine its answers may take longer than the usual 3 s.
        { bookingSweepMs: 0, reminderPollMs: 0, reminderDispatchMs: 0, departmentTimeoutMs: 15_000 },
        { clock: () => new Date(base + offsetMs), importBatchFiles: false, waitingRooms: { admitPerSecond: ADMIT_PER_SECOND, burst: BURST } },
      );
      citizens = await seedCitizens(hub.store.db, hub.services.sessions, people);
      hubs = [hub.app, await hub.another()];
    });
    after(() => hub.close());

    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    const book = async (token: string, slotId: string, ticketId?: string, cityId = 'shanghai', via: HubApp = hub.app): Promise<Answer> => {
      const res = await via.inject({
        method: 'POST',
        url: '/v1/bookings',
        headers: { ...bearer(token), ...(ticketId ? { 'hutong-waiting-ticket': ticketId } : {}) },
        payload: { cityId, serviceId: SERVICE, slotId },
      });
      return { status: res.statusCode, body: res.json() };
    };
    const poll = async (token: string, ticketId: string, via: HubApp = hub.app) => via.inject({ method: 'GET', url: `/v1/waiting-room/tickets/${ticketId}`, headers: bearer(token) });
    const ticketOf = async (token: string, ticketId: string, via?: HubApp): Promise<Ticket> => {
      const res = await poll(token, ticketId, via);
      assert.equal(res.statusCode, 200, res.body);
      return res.json();
    };
    const room = async () => (await hub.app.inject({ method: 'GET', url: `/v1/cities/shanghai/services/${SERVICE}/waiting-room` })).json();
    const queued = async () => (await hub.services.waitingRoom.queueLengths()).find((q) => q.room === ROOM)!.waiting;

    it('lets a burst through two hubs at its rate, first come first admitted; a ticket books once; capacity holds', async (t) => {
      const slots = ((await hub.app.inject({ method: 'GET', url: `/v1/cities/shanghai/services/${SERVICE}/slots` })).json().items as Slot[]).filter((s) => s.remaining >= 2);
      const [slotA, slotB] = [...slots].sort((a, b) => b.remaining - a.remaining);
      assert.ok(slotA && slotB, 'two open slots');
      const capacity = new Map([slotA, slotB].map((s) => [s.id, s.remaining]));

      // 1. The burst, through both hubs: the first BURST go straight on, everyone else takes a ticket at the end of the queue.
      const started = Date.now();
      const burst = citizens.slice(0, CALLS);
      const answers = await Promise.all(burst.map(({ token }, i) => book(token, slotA.id, undefined, 'shanghai', hubs[i % 2])));
      t.diagnostic(`${CALLS} calls answered in ${Date.now() - started} ms`);
      const through = answers.filter((a) => a.status !== 202);
      const tally = (list: Answer[]) => JSON.stringify(list.reduce<Record<string, number>>((n, a) => ((n[`${a.status} ${a.body.error?.code ?? a.body.status ?? ''}`] = (n[`${a.status} ${a.body.error?.code ?? a.body.status ?? ''}`] ?? 0) + 1), n), {}));
      t.diagnostic(`answers: ${tally(answers)}`);
      assert.equal(through.length, BURST, `the room lets through as many as its bucket holds at once: ${tally(through)}`);
      for (const a of through) assert.ok(a.status === 201 || a.body.error?.code === 'HUTONG_ERR_SLOT_FULL' || a.body.error?.code === 'HUTONG_ERR_BOOKING_REFUSED', JSON.stringify(a));
      assert.equal(through.filter((a) => a.status === 201).length, Math.min(BURST, slotA.remaining), 'the slot is never booked beyond its places');
      const tickets = answers.map((a, i) => ({ ...burst[i]!, ticket: a.body.waitingRoom })).filter((a): a is typeof a & { ticket: Ticket } => a.ticket !== undefined);
      assert.equal(tickets.length, CALLS - BURST);
      assert.equal(new Set(tickets.map((w) => w.ticket.ticketId)).size, tickets.length, 'one ticket each');
      assert.deepEqual(
        tickets.map((w) => w.ticket.position).sort((a, b) => a! - b!),
        Array.from({ length: tickets.length }, (_, i) => i + 1),
        'distinct places 1..N in order of arrival',
      );
      for (const { ticket } of tickets) {
        assert.equal(ticket.state, 'waiting');
        assert.equal(ticket.estimatedWaitSeconds, Math.ceil(ticket.position! / ADMIT_PER_SECOND));
        assert.equal(ticket.pollAfterSeconds, 2);
      }
      // In line by place: line[0] is next.
      const line = [...tickets].sort((a, b) => a.ticket.position! - b.ticket.position!);
      assert.equal(await queued(), line.length, 'queueLengths() for the metrics');
      assert.deepEqual(await room(), { cityId: 'shanghai', serviceId: SERVICE, admitPerSecond: ADMIT_PER_SECOND, burst: BURST, admittedForSeconds: 120, waiting: line.length, estimatedWaitSeconds: Math.ceil((line.length + 1) / ADMIT_PER_SECOND) });

      // 2. 200 ms later the bucket holds 10 admissions: a poll lets in the 10 at the front, in order.
      offsetMs = 200;
      const last = await ticketOf(line.at(-1)!.token, line.at(-1)!.ticket.ticketId);
      assert.equal(last.position, line.length - 10);
      const states = await Promise.all(line.map((w, i) => ticketOf(w.token, w.ticket.ticketId, hubs[i % 2])));
      assert.deepEqual(
        states.map((s) => s.state),
        line.map((_, i) => (i < 10 ? 'admitted' : 'waiting')),
        'the oldest 10 are admitted, nobody else',
      );
      assert.deepEqual(states.slice(10).map((s) => s.position), Array.from({ length: line.length - 10 }, (_, i) => i + 1), 'the others move up, in the same order');
      assert.equal(states[0]!.admittedUntil, new Date(base + 200 + 120_000).toISOString());
      assert.equal(await queued(), line.length - 10);

      // 3. An admitted ticket books once (another slot: the first is full by now); a second use is refused.
      const admitted = line.slice(0, 10);
      const used = await Promise.all(admitted.map((w, i) => book(w.token, slotB.id, w.ticket.ticketId, 'shanghai', hubs[i % 2])));
      for (const a of used) assert.ok(a.status === 201 || a.body.error?.code === 'HUTONG_ERR_SLOT_FULL' || a.body.error?.code === 'HUTONG_ERR_BOOKING_REFUSED', JSON.stringify(a));
      assert.equal(used.filter((a) => a.status === 201).length, Math.min(10, slotB.remaining));
      const again = await book(admitted[0]!.token, slotB.id, admitted[0]!.ticket.ticketId);
      assert.equal(again.status, 409);
      assert.equal(again.body.error?.code, 'HUTONG_ERR_WAITING_TICKET_USED');
      assert.equal((await ticketOf(admitted[0]!.token, admitted[0]!.ticket.ticketId)).state, 'used');

      // Nobody else reads or uses someone's ticket.
      const stranger = citizens[CALLS]!;
      const read = await poll(stranger.token, admitted[1]!.ticket.ticketId);
      assert.equal(read.statusCode, 404);
      assert.equal(read.json().error.code, 'HUTONG_ERR_WAITING_TICKET_NOT_FOUND');
      const borrowed = await book(stranger.token, slotB.id, line[10]!.ticket.ticketId);
      assert.equal(borrowed.status, 404);
      assert.equal(borrowed.body.error?.code, 'HUTONG_ERR_WAITING_TICKET_NOT_FOUND');

      // Someone still waiting keeps one place, however they ask.
      const next = line[10]!;
      for (const ticketId of [undefined, next.ticket.ticketId]) {
        const asked = await book(next.token, slotB.id, ticketId);
        assert.equal(asked.status, 202);
        assert.equal(asked.body.waitingRoom?.ticketId, next.ticket.ticketId);
        assert.equal(asked.body.waitingRoom?.position, 1);
      }
      const joined = await hub.app.inject({ method: 'POST', url: `/v1/cities/shanghai/services/${SERVICE}/waiting-room/tickets`, headers: bearer(next.token) });
      assert.equal(joined.statusCode, 200);
      assert.equal(joined.json().ticketId, next.ticket.ticketId);

      // 4. People who stop asking give up their place: 20 s on, the room admits the next 20 and the
      // next 10 keep asking; 40 s on, everyone who stopped at 0.2 s is passed over.
      offsetMs = 20_000;
      const keepers = line.slice(30, 40);
      for (const w of keepers) assert.equal((await ticketOf(w.token, w.ticket.ticketId)).state, 'waiting');
      assert.equal((await ticketOf(line[29]!.token, line[29]!.ticket.ticketId)).state, 'admitted');
      offsetMs = 40_000;
      assert.equal((await ticketOf(keepers[0]!.token, keepers[0]!.ticket.ticketId)).state, 'admitted');
      for (const w of keepers) assert.equal((await ticketOf(w.token, w.ticket.ticketId)).state, 'admitted', 'those who kept asking are let in');
      for (const w of [line[40]!, line.at(-1)!]) assert.equal((await ticketOf(w.token, w.ticket.ticketId)).state, 'expired', 'those who stopped are passed over');
      assert.equal((await room()).waiting, 0);
      assert.equal(await queued(), 0);
      // With nobody waiting and admissions to give, the next person goes straight on.
      const straight = await book(line[40]!.token, slotB.id);
      assert.notEqual(straight.status, 202, JSON.stringify(straight));

      // 5. An admitted ticket not used in time runs out.
      offsetMs = 20_000 + 121_000;
      const late = line[10]!;
      assert.equal((await ticketOf(late.token, late.ticket.ticketId)).state, 'expired');
      const expired = await book(late.token, slotB.id, late.ticket.ticketId);
      assert.equal(expired.status, 409);
      assert.equal(expired.body.error?.code, 'HUTONG_ERR_WAITING_TICKET_EXPIRED');

      // 6. Joining an empty room with admissions to give admits at once; the booking then uses that ticket.
      const joiner = citizens[CALLS + 1]!;
      const join = await hub.app.inject({ method: 'POST', url: `/v1/cities/shanghai/services/${SERVICE}/waiting-room/tickets`, headers: bearer(joiner.token) });
      assert.equal(join.statusCode, 201, join.body);
      assert.equal(join.json().state, 'admitted');
      const rejoin = await hub.app.inject({ method: 'POST', url: `/v1/cities/shanghai/services/${SERVICE}/waiting-room/tickets`, headers: bearer(joiner.token) });
      assert.equal(rejoin.statusCode, 200);
      assert.equal(rejoin.json().ticketId, join.json().ticketId, 'one place per person');
      assert.notEqual((await book(joiner.token, slotB.id)).status, 202);
      assert.equal((await ticketOf(joiner.token, join.json().ticketId)).state, 'used');

      // Never more places taken than the slots had, here or at the station.
      const deadline = Date.now() + 60_000;
      for (;;) {
        const rows = await hub.store.db.selectFrom('bookings').select(['slot_id', 'status']).execute();
        if (!rows.some((r) => r.status === 'held')) {
          for (const [slotId, places] of capacity) {
            const confirmed = rows.filter((r) => r.slot_id === slotId && r.status === 'confirmed').length;
            assert.ok(confirmed <= places, `${confirmed} confirmed in a slot of ${places} places`);
          }
          assert.equal(rows.filter((r) => r.slot_id === slotA.id && r.status === 'confirmed').length, Math.min(BURST, slotA.remaining));
          break;
        }
        assert.ok(Date.now() < deadline, 'held bookings settled within a minute');
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const listed = (await hub.app.inject({ method: 'GET', url: `/v1/cities/shanghai/services/${SERVICE}/slots` })).json().items as Slot[];
      for (const slot of listed.filter((s) => capacity.has(s.id))) assert.ok(slot.remaining >= 0);
    });

    it('bad input gets a 4xx with a stable code', async () => {
      const { token } = citizens[CALLS + 2]!;
      // A ticket of this citizen in the Shanghai room, shown to Beijing's.
      const mine = await hub.app.inject({ method: 'POST', url: `/v1/cities/shanghai/services/${SERVICE}/waiting-room/tickets`, headers: bearer(token) });
      assert.ok(mine.statusCode === 201 || mine.statusCode === 200, mine.body);
      const inject = (method: 'GET' | 'POST', url: string, headers: Record<string, string> = bearer(token), payload?: unknown) => hub.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
      const cases: Array<[string, Awaited<ReturnType<typeof inject>>, number, string]> = [
        ['malformed ticket id', await inject('GET', '/v1/waiting-room/tickets/not-a-ticket'), 400, 'HUTONG_ERR_VALIDATION'],
        ['unknown ticket', await inject('GET', '/v1/waiting-room/tickets/00000000-0000-4000-8000-000000000000'), 404, 'HUTONG_ERR_WAITING_TICKET_NOT_FOUND'],
        ['malformed ticket header', await inject('POST', '/v1/bookings', { ...bearer(token), 'hutong-waiting-ticket': 'nope' }, { cityId: 'shanghai', serviceId: SERVICE, slotId: 'x' }), 400, 'HUTONG_ERR_VALIDATION'],
        [
          'unknown ticket header',
          await inject('POST', '/v1/bookings', { ...bearer(token), 'hutong-waiting-ticket': '00000000-0000-4000-8000-000000000000' }, { cityId: 'shanghai', serviceId: SERVICE, slotId: 'x' }),
          404,
          'HUTONG_ERR_WAITING_TICKET_NOT_FOUND',
        ],
        [
          'ticket of another room',
          await inject('POST', '/v1/bookings', { ...bearer(token), 'hutong-waiting-ticket': mine.json().ticketId }, { cityId: 'beijing', serviceId: SERVICE, slotId: 'x' }),
          422,
          'HUTONG_ERR_WAITING_TICKET_WRONG_ROOM',
        ],
        ['service without a room', await inject('GET', '/v1/cities/shanghai/services/civil.marriage-booking/waiting-room'), 404, 'HUTONG_ERR_WAITING_ROOM_NOT_FOUND'],
        ['joining a service without a room', await inject('POST', '/v1/cities/shanghai/services/civil.marriage-booking/waiting-room/tickets'), 404, 'HUTONG_ERR_WAITING_ROOM_NOT_FOUND'],
        ['unknown service', await inject('GET', '/v1/cities/shanghai/services/traffic.nothing/waiting-room'), 404, 'HUTONG_ERR_SERVICE_NOT_FOUND'],
        ['unknown city', await inject('POST', '/v1/cities/atlantis/services/traffic.inspection-booking/waiting-room/tickets'), 404, 'HUTONG_ERR_CITY_NOT_FOUND'],
        ['no login', await inject('POST', `/v1/cities/shanghai/services/${SERVICE}/waiting-room/tickets`, {}), 401, 'HUTONG_ERR_UNAUTHENTICATED'],
        ['no login for a ticket', await inject('GET', `/v1/waiting-room/tickets/${mine.json().ticketId}`, {}), 401, 'HUTONG_ERR_UNAUTHENTICATED'],
      ];
      for (const [what, res, status, code] of cases) {
        assert.equal(res.statusCode, status, `${what}: ${res.body}`);
        assert.equal(res.json().error.code, code, what);
      }
      const doc = (await hub.app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>> };
      const operations = Object.values(doc.paths).flatMap((p) => Object.values(p));
      for (const id of ['getWaitingRoom', 'joinWaitingRoom', 'getWaitingRoomTicket']) assert.ok(operations.some((o) => o.operationId === id), `${id} is documented`);
      assert.ok(operations.find((o) => o.operationId === 'createBooking')!.responses['202'], 'createBooking documents its waiting-room answer');
    });
  });
}
