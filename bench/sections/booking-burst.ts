/**
 * (f) A booking burst through a service's waiting room. N citizens (BENCH_BURST_CITIZENS, logged
 * in beforehand within a time budget) ask createBooking for the same slot at the same moment.
 * Beyond the room's admission rate the hub answers 202 with `waitingRoom: { ticketId, position,
 * estimatedWaitSeconds, state }`; the citizen then follows the ticket
 * (`GET /v1/waiting-room/tickets/{ticketId}`) until it is `admitted` and asks again with the header
 * `Hutong-Waiting-Ticket`. Measured: how many booked, how many were told SLOT_FULL, the longest
 * queue position, the time from the first request to an answer, and whether tickets were
 * admitted in queue order.
 *
 * Queue order is the tickets' creation order. An admission out of order is proved, not guessed:
 * ticket B counts as admitted before ticket A (ahead of it) only when B was seen admitted
 * (answer received) before a poll of A was sent that still found A waiting.
 */
import { randomBytes } from 'node:crypto';
import type { BenchContext } from '../lib/context.ts';
import { logIn, populationOf, type BenchCitizen, type LoggedIn } from '../lib/citizens.ts';
import { waitingRoomServices, type WaitingRoomService } from '../lib/catalog.ts';
import { call, callOk, errorCode, sleep } from '../lib/http.ts';
import { meets } from '../lib/report.ts';
import { percentile, pool, round } from '../lib/stats.ts';
import { knobs, reserveFor } from '../lib/config.ts';
import { generateVehicle } from '../../emulators/departments/vehicle-administration/records.ts';

/** Bench citizens of this section are numbered from here, apart from the other sections'. */
const FIRST_SERIAL = 600_001;
const TICKET_PATH = '/v1/waiting-room/tickets/{ticketId}';

interface Attempt {
  readonly session: LoggedIn;
  startedAt: number;
  answeredAt?: number;
  outcome?: string;
  ticketId?: string;
  createdAt?: string;
  firstPosition?: number;
  /** When the last poll that found the ticket waiting was sent. */
  lastWaitingSentAt?: number;
  /** When the first answer saying admitted arrived. */
  admittedSeenAt?: number;
  polls: number;
}

/** Whether the hub has the waiting room: its OpenAPI document names the ticket route. */
async function waitingRoomAvailable(hub: string): Promise<boolean> {
  const answer = await call(`${hub}/openapi.json`);
  return answer.status === 200 && typeof answer.body === 'object' && answer.body.paths?.[TICKET_PATH] !== undefined;
}

/** Citizens the service would take: for an inspection booking, those whose vehicle is due. */
function candidates(service: WaitingRoomService, count: number): BenchCitizen[] {
  const population = populationOf(service.cityId);
  const out: BenchCitizen[] = [];
  const today = new Date();
  const limit = new Date(today.getTime() + (service.vehicleDueWithinDays ?? 0) * 86_400_000).toISOString().slice(0, 10);
  for (let serial = FIRST_SERIAL; out.length < count && serial < FIRST_SERIAL + count * 100; serial++) {
    const citizen = population.citizen(serial);
    if (service.vehicleDueWithinDays !== undefined) {
      const due = generateVehicle(service.cityId, citizen.plate, today)?.JYYXQZ;
      if (!due || due > limit) continue;
    }
    out.push(citizen);
  }
  return out;
}

export async function bookingBurst(ctx: BenchContext): Promise<void> {
  const { hub, emulators, report, budget } = ctx;
  const name = 'booking burst through the waiting room';
  if (!(await waitingRoomAvailable(hub.url))) return report.skip('f', name, 'waiting room not available');
  const [service] = await waitingRoomServices(knobs.burstCity);
  if (!service) return report.skip('f', name, 'waiting room not available: no booking service has waitingRoom in the city YAML');

  // Log the citizens in beforehand, within a time budget.
  const needsPlate = service.requiredIdentifiers.includes('plate');
  const sessions: LoggedIn[] = [];
  const loginFailures: string[] = [];
  const loginStarted = Date.now();
  const loginBudgetMs = budget.allow(knobs.burstLoginSeconds * 1000, reserveFor('eh') + 30_000);
  await pool(
    candidates(service, knobs.burstCitizens),
    knobs.loginConcurrency,
    async (citizen) => {
      try {
        sessions.push(await logIn(hub.url, emulators.url, citizen, { linkPlate: needsPlate }));
      } catch (error) {
        loginFailures.push((error as Error).message);
      }
    },
    () => Date.now() - loginStarted > loginBudgetMs,
  );
  if (sessions.length === 0) throw new Error(`no citizen logged in: ${loginFailures[0] ?? 'login budget too short'}`);

  // The slot with the most places left; everyone asks for it.
  const slots = await callOk(`${hub.url}/v1/cities/${service.cityId}/services/${service.serviceId}/slots`);
  const slot = (slots.items as Array<{ id: string; remaining: number; capacity: number; start: string }>).sort((a, b) => b.remaining - a.remaining)[0];
  if (!slot || slot.remaining <= 0) throw new Error('no slot with a place left');

  const runId = randomBytes(4).toString('hex');
  const burstMs = budget.allow(knobs.burstSeconds * 1000, reserveFor('eh'));
  const deadline = Date.now() + burstMs;
  const attempts: Attempt[] = sessions.map((session) => ({ session, startedAt: 0, polls: 0 }));
  const book = async (attempt: Attempt, index: number): Promise<void> => {
    attempt.startedAt = Date.now();
    for (let tries = 0; tries < 4; tries++) {
      const headers: Record<string, string> = { 'idempotency-key': `bench-${runId}-${index}-${tries}` };
      if (attempt.ticketId) headers['hutong-waiting-ticket'] = attempt.ticketId;
      const answer = await call(`${hub.url}/v1/bookings`, {
        token: attempt.session.token,
        headers,
        json: { cityId: service.cityId, serviceId: service.serviceId, slotId: slot.id, ...(attempt.session.plateId ? { identifierId: attempt.session.plateId } : {}) },
        timeoutMs: 30_000,
      });
      if (answer.status === 200 || answer.status === 201) {
        attempt.outcome = 'booked';
        break;
      }
      if (answer.status !== 202) {
        attempt.outcome = errorCode(answer);
        break;
      }
      const ticket = answer.body.waitingRoom as { ticketId: string; position?: number; estimatedWaitSeconds?: number; pollAfterSeconds?: number; createdAt: string; state: string };
      attempt.ticketId = ticket.ticketId;
      attempt.createdAt ??= ticket.createdAt;
      attempt.firstPosition ??= ticket.position;
      const admitted = await follow(attempt, ticket, deadline);
      if (admitted !== 'admitted') {
        attempt.outcome = `ticket ${admitted}`;
        break;
      }
    }
    attempt.outcome ??= 'still queued after 4 attempts';
    attempt.answeredAt = Date.now();
  };
  const follow = async (attempt: Attempt, first: { ticketId: string; estimatedWaitSeconds?: number; pollAfterSeconds?: number; state: string }, until: number): Promise<string> => {
    let ticket = first;
    while (ticket.state === 'waiting') {
      if (Date.now() > until) return 'not admitted in time';
      // Near the front, look often; further back, as often as the hub asks.
      const waitMs = Math.min((ticket.pollAfterSeconds ?? 2) * 1000, Math.max(150, ((ticket.estimatedWaitSeconds ?? 1) * 1000) / 2));
      await sleep(waitMs);
      const sentAt = Date.now();
      const answer = await call(`${hub.url}/v1/waiting-room/tickets/${attempt.ticketId}`, { token: attempt.session.token });
      attempt.polls++;
      if (answer.status !== 200) return errorCode(answer);
      ticket = answer.body;
      if (ticket.state === 'waiting') attempt.lastWaitingSentAt = sentAt;
    }
    if (ticket.state === 'admitted') attempt.admittedSeenAt ??= Date.now();
    return ticket.state;
  };

  const burstStarted = Date.now();
  await Promise.all(attempts.map(book));
  const burstSeconds = (Date.now() - burstStarted) / 1000;

  const outcomes: Record<string, number> = {};
  for (const a of attempts) outcomes[a.outcome!] = (outcomes[a.outcome!] ?? 0) + 1;
  const booked = outcomes.booked ?? 0;
  const slotFull = outcomes.HUTONG_ERR_SLOT_FULL ?? 0;
  const queued = attempts.filter((a) => a.ticketId);
  const maxPosition = Math.max(0, ...queued.map((a) => a.firstPosition ?? 0));
  const answerMs = attempts.map((a) => a.answeredAt! - a.startedAt);
  // Out of order: B seen admitted before a poll of A (ahead of B) still found A waiting.
  const order = [...queued].sort((a, b) => (a.createdAt! < b.createdAt! ? -1 : a.createdAt! > b.createdAt! ? 1 : (a.firstPosition ?? 0) - (b.firstPosition ?? 0)));
  let outOfOrder = 0;
  order.forEach((b, i) => {
    if (b.admittedSeenAt === undefined) return;
    if (order.slice(0, i).some((a) => a.lastWaitingSentAt !== undefined && a.lastWaitingSentAt > b.admittedSeenAt!)) outOfOrder++;
  });
  const others = Object.entries(outcomes)
    .filter(([k]) => k !== 'booked' && k !== 'HUTONG_ERR_SLOT_FULL')
    .map(([k, n]) => `${n}× ${k}`)
    .join(', ');

  report.details.f = {
    service,
    slot,
    citizens: attempts.length,
    loginSeconds: round((Date.now() - loginStarted) / 1000 - burstSeconds),
    loginFailures: loginFailures.slice(0, 5),
    outcomes,
    queued: queued.length,
    maxPosition,
    polls: attempts.reduce((n, a) => n + a.polls, 0),
    answerP50Ms: percentile(answerMs, 0.5),
    answerP99Ms: percentile(answerMs, 0.99),
    outOfOrder,
    burstSeconds: round(burstSeconds),
  };
  const where = `${service.cityId} ${service.serviceId} (${service.admitPerSecond}/s, burst ${service.burst}), slot with ${slot.remaining} of ${slot.capacity} places left`;
  report.add({ section: 'f', name: 'booking burst: citizens at once', value: attempts.length, unit: 'citizens', note: `${where}${loginFailures.length ? `; ${loginFailures.length} could not log in` : ''}` });
  report.add({ section: 'f', name: 'booked', value: booked, unit: 'bookings', target: `≤ ${slot.remaining} places`, met: booked <= slot.remaining });
  report.add({ section: 'f', name: 'told SLOT_FULL', value: slotFull, unit: 'citizens', note: others ? `other answers: ${others}` : undefined });
  report.add({ section: 'f', name: 'queued (202) / longest position', value: `${queued.length} / ${maxPosition}`, unit: 'citizens / position' });
  report.add({
    section: 'f',
    name: 'first request → answer',
    value: round(percentile(answerMs, 0.99)! / 1000, 2)!,
    unit: 's p99',
    p50Ms: percentile(answerMs, 0.5),
    p99Ms: percentile(answerMs, 0.99),
    note: `burst over in ${round(burstSeconds)} s; ${attempts.reduce((n, a) => n + a.polls, 0)} ticket polls`,
  });
  report.add({ section: 'f', name: 'tickets admitted out of queue order', value: outOfOrder, unit: 'tickets', target: '= 0', met: meets(outOfOrder, '=', 0) });
}
