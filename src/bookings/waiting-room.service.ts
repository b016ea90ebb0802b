import type { Catalog } from '../catalog/catalog.service.ts';
import type { ServiceConfig } from '../catalog/catalog.schema.ts';
import { hutongError, isHutongError } from '../errors.ts';
import type { Principal } from '../identity/session.service.ts';
import type { LockedRoom, TicketRow, WaitingRoomRepository } from './waiting-room.repository.ts';

/** A waiting ticket nobody asked for in this long is given up: its place goes to those behind it. */
export const ABANDON_AFTER_MS = 30_000;
/** How often a client is asked to look at its ticket again. */
export const POLL_AFTER_SECONDS = 2;
/** Requests for one room served in one transaction at most. */
const MAX_BATCH = 500;

export type RoomSettings = NonNullable<ServiceConfig['waitingRoom']>;
export type TicketState = 'waiting' | 'admitted' | 'expired' | 'used';

/** A ticket as its holder sees it. */
export interface WaitingTicketView {
  readonly ticketId: string;
  readonly cityId: string;
  readonly serviceId: string;
  readonly state: TicketState;
  /** While waiting: 1 is the next to be admitted. */
  readonly position?: number;
  /** While waiting: ceil(position / admitPerSecond). */
  readonly estimatedWaitSeconds?: number;
  /** Once admitted: the booking must be asked for before this time. */
  readonly admittedUntil?: string;
  readonly pollAfterSeconds: number;
  readonly createdAt: string;
}

/** A room as anyone may see it. */
export interface WaitingRoomView {
  readonly cityId: string;
  readonly serviceId: string;
  readonly admitPerSecond: number;
  readonly burst: number;
  readonly admittedForSeconds: number;
  readonly waiting: number;
  /** About how long someone joining now would wait. */
  readonly estimatedWaitSeconds: number;
}

/** What createBooking may do: go on (using the ticket named, if any), or answer with the caller's place in the queue. */
export type Passage = { readonly admitted: true; readonly ticketId?: string } | { readonly admitted: false; readonly ticket: WaitingTicketView };

export function roomKey(cityId: string, serviceId: string): string {
  return `${cityId}/${serviceId}`;
}

function splitRoom(room: string): { cityId: string; serviceId: string } {
  const at = room.indexOf('/');
  return { cityId: room.slice(0, at), serviceId: room.slice(at + 1) };
}

/** Work on a room under its lock, at the time the lock was taken. */
type RoomWork<T> = (locked: LockedRoom, now: Date) => Promise<T>;

interface Door {
  readonly pending: Array<{ readonly work: RoomWork<unknown>; resolve(value: unknown): void; reject(error: unknown): void }>;
  running: boolean;
}

function stateOf(ticket: TicketRow, now: Date): TicketState {
  if (ticket.used_at) return 'used';
  if (ticket.admitted_at) return ticket.admitted_until && ticket.admitted_until.getTime() > now.getTime() ? 'admitted' : 'expired';
  return ticket.abandoned_at ? 'expired' : 'waiting';
}

/**
 * The waiting room of a booking service in a burst: a fair first-come queue with a position and an
 * estimated wait, shared by every hub process on the store. Admissions come from a token bucket
 * per room (`admitPerSecond`, at most `burst` at once); someone arriving when nobody waits and the
 * bucket has an admission goes straight on, everyone else takes a ticket and is admitted in order
 * of arrival. An admitted ticket is good for one booking attempt within `admittedForSeconds`.
 *
 * In a burst, the requests for one room that arrive while its lock is held wait in this process and
 * are then served together, in order of arrival, in the next transaction: one connection and one
 * lock turn per batch rather than per request.
 */
export class WaitingRoomService {
  readonly #doors = new Map<string, Door>();

  constructor(
    private readonly deps: {
      readonly rooms: WaitingRoomRepository;
      readonly catalog: Catalog;
      readonly now?: () => Date;
    },
  ) {}

  #now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** The service's room settings; undefined when it takes bookings directly. */
  settingsOf(cityId: string, serviceId: string): RoomSettings | undefined {
    return this.deps.catalog.getService(cityId, serviceId).config.waitingRoom;
  }

  #settings(cityId: string, serviceId: string): RoomSettings {
    const settings = this.settingsOf(cityId, serviceId);
    if (!settings) throw hutongError('HUTONG_ERR_WAITING_ROOM_NOT_FOUND', `${serviceId} in ${cityId} has no waiting room; book it directly`);
    return settings;
  }

  /**
   * createBooking's door. With a ticket: it must be the caller's, for this room, admitted and
   * unused (it is used now), or still waiting (the answer is its place). Without one: the caller's
   * admitted ticket is used if they hold one; the caller goes straight on when nobody waits and
   * the bucket has an admission; otherwise they get their place in the queue (the one they hold
   * already, or a new one at the end).
   */
  async pass(principal: Principal, cityId: string, serviceId: string, ticketId?: string): Promise<Passage> {
    const settings = this.#settings(cityId, serviceId);
    const room = roomKey(cityId, serviceId);
    return this.#inRoom(room, settings, async (locked, now) => {
      if (ticketId !== undefined) {
        const ticket = await locked.find(ticketId);
        if (!ticket || ticket.citizen_id !== principal.citizenId) throw hutongError('HUTONG_ERR_WAITING_TICKET_NOT_FOUND', 'No waiting-room ticket with that id that is yours');
        if (ticket.room !== room) {
          throw hutongError('HUTONG_ERR_WAITING_TICKET_WRONG_ROOM', `The ticket admits to ${ticket.room.replace('/', ' ')} bookings, not ${serviceId} in ${cityId}`, { details: { ticketRoom: ticket.room } });
        }
        return this.#enter(locked, ticket, settings, now);
      }
      const held = await locked.held(principal.citizenId, now);
      if (held) return this.#enter(locked, held, settings, now);
      if ((await locked.waiting()) === 0 && locked.bucket.credit >= 1) {
        locked.setBucket({ ...locked.bucket, credit: locked.bucket.credit - 1 });
        return { admitted: true };
      }
      const ticket = await locked.create(principal.citizenId, now);
      return { admitted: false, ticket: await this.#view(locked, ticket, settings, now) };
    });
  }

  /** `joinWaitingRoom`: takes a place in the queue explicitly (or answers the one the caller holds). */
  async join(principal: Principal, cityId: string, serviceId: string): Promise<{ ticket: WaitingTicketView; created: boolean }> {
    const settings = this.#settings(cityId, serviceId);
    return this.#inRoom(roomKey(cityId, serviceId), settings, async (locked, now) => {
      const held = await locked.held(principal.citizenId, now);
      if (held) {
        await locked.touch(held.id, now);
        return { ticket: await this.#view(locked, held, settings, now), created: false };
      }
      const created = await locked.create(principal.citizenId, now);
      // The room may have an admission to give right away: the newcomer is admitted when first in line.
      await this.#admit(locked, settings, now);
      return { ticket: await this.#view(locked, (await locked.find(created.id))!, settings, now), created: true };
    });
  }

  /**
   * `getWaitingRoomTicket`: the holder's ticket. Asking keeps a waiting ticket's place, and admits
   * whoever's turn has come in its room.
   */
  async getTicket(principal: Principal, ticketId: string): Promise<WaitingTicketView> {
    const found = await this.deps.rooms.find(ticketId);
    if (!found || found.citizen_id !== principal.citizenId) throw hutongError('HUTONG_ERR_WAITING_TICKET_NOT_FOUND', 'No waiting-room ticket with that id that is yours');
    const { cityId, serviceId } = splitRoom(found.room);
    const settings = this.#settingsOfRoom(cityId, serviceId);
    // The room is brought up to date first: given up, if it was (asking now does not bring it back), or admitted.
    return this.#inRoom(found.room, settings, async (locked, now) => {
      const ticket = (await locked.find(ticketId))!;
      if (stateOf(ticket, now) === 'waiting') await locked.touch(ticket.id, now);
      return this.#view(locked, ticket, settings, now);
    });
  }

  /** `getWaitingRoom`: the room's rate and how many wait in it now. */
  async describe(cityId: string, serviceId: string): Promise<WaitingRoomView> {
    const settings = this.#settings(cityId, serviceId);
    const room = roomKey(cityId, serviceId);
    const waiting = (await this.deps.rooms.waitingByRoom([room], new Date(this.#now().getTime() - ABANDON_AFTER_MS))).get(room) ?? 0;
    return {
      cityId,
      serviceId,
      admitPerSecond: settings.admitPerSecond,
      burst: settings.burst,
      admittedForSeconds: settings.admittedForSeconds,
      waiting,
      estimatedWaitSeconds: waiting === 0 ? 0 : Math.ceil((waiting + 1) / settings.admitPerSecond),
    };
  }

  /** People waiting in every configured room (`city/service`), for the metrics. */
  async queueLengths(): Promise<Array<{ room: string; waiting: number }>> {
    const rooms: string[] = [];
    for (const city of this.deps.catalog.listCities()) {
      for (const service of this.deps.catalog.listServices(city.id)) {
        if (this.deps.catalog.getService(city.id, service.id).config.waitingRoom) rooms.push(roomKey(city.id, service.id));
      }
    }
    const counts = await this.deps.rooms.waitingByRoom(rooms, new Date(this.#now().getTime() - ABANDON_AFTER_MS));
    return rooms.map((room) => ({ room, waiting: counts.get(room) ?? 0 }));
  }

  // ---- internals ----

  /** A room's settings for a ticket of it; a room switched off since gives no more tickets. */
  #settingsOfRoom(cityId: string, serviceId: string): RoomSettings {
    try {
      return this.#settings(cityId, serviceId);
    } catch {
      throw hutongError('HUTONG_ERR_WAITING_ROOM_NOT_FOUND', `${serviceId} in ${cityId} has no waiting room any more; book it directly`);
    }
  }

  /**
   * Runs `work` under the room's lock, after bringing the room up to date. Work for the room that
   * arrives meanwhile waits here and runs, in order of arrival, in the next transaction; each
   * request gets its own answer or refusal once that transaction is committed.
   */
  #inRoom<T>(room: string, settings: RoomSettings, work: RoomWork<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let door = this.#doors.get(room);
      if (!door) {
        door = { pending: [], running: false };
        this.#doors.set(room, door);
      }
      door.pending.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!door.running) void this.#open(room, settings, door);
    });
  }

  async #open(room: string, settings: RoomSettings, door: Door): Promise<void> {
    door.running = true;
    try {
      while (door.pending.length > 0) {
        const batch = door.pending.splice(0, MAX_BATCH);
        const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
        try {
          // A new room starts with a full bucket.
          await this.deps.rooms.locked(room, { credit: settings.burst, refilledAt: this.#now() }, async (locked) => {
            const now = this.#now();
            await this.#settle(locked, settings, now);
            for (const item of batch) {
              try {
                outcomes.push({ ok: true, value: await item.work(locked, now) });
              } catch (error) {
                // A refusal changed nothing; anything else (the store) ends the transaction for all.
                if (!isHutongError(error)) throw error;
                outcomes.push({ ok: false, error });
              }
            }
          });
        } catch (error) {
          for (const item of batch) item.reject(error);
          continue;
        }
        batch.forEach((item, i) => {
          const outcome = outcomes[i]!;
          if (outcome.ok) item.resolve(outcome.value);
          else item.reject(outcome.error);
        });
      }
    } finally {
      door.running = false;
    }
  }

  /**
   * Brings the room up to `now`: the bucket gains admitPerSecond for every second since its last
   * refill (at most `burst`), waiting tickets not asked for in 30 seconds are given up, and as many
   * of the oldest waiting tickets as the bucket holds whole admissions are admitted.
   */
  async #settle(locked: LockedRoom, settings: RoomSettings, now: Date): Promise<void> {
    const { credit, refilledAt } = locked.bucket;
    // A clock set back (another process's, or a test's) refills nothing until it catches up.
    const elapsedMs = Math.max(0, now.getTime() - refilledAt.getTime());
    locked.setBucket({ credit: Math.min(settings.burst, credit + (elapsedMs * settings.admitPerSecond) / 1000), refilledAt: now });
    await locked.abandonUnseen(new Date(now.getTime() - ABANDON_AFTER_MS), now);
    await this.#admit(locked, settings, now);
  }

  /** Admits as many of the oldest waiting tickets as the bucket holds whole admissions. */
  async #admit(locked: LockedRoom, settings: RoomSettings, now: Date): Promise<void> {
    const whole = Math.floor(locked.bucket.credit);
    if (whole < 1) return;
    const admitted = await locked.admitOldest(whole, now, new Date(now.getTime() + settings.admittedForSeconds * 1000));
    locked.setBucket({ ...locked.bucket, credit: locked.bucket.credit - admitted.length });
  }

  /** A ticket the caller holds at createBooking: used when admitted, its place answered while waiting, refused otherwise. */
  async #enter(locked: LockedRoom, ticket: TicketRow, settings: RoomSettings, now: Date): Promise<Passage> {
    const state = stateOf(ticket, now);
    if (state === 'used') throw hutongError('HUTONG_ERR_WAITING_TICKET_USED', 'This ticket was already used for a booking attempt; join the waiting room again to try once more', { details: { ticketId: ticket.id } });
    if (state === 'expired') throw hutongError('HUTONG_ERR_WAITING_TICKET_EXPIRED', 'This ticket ran out; join the waiting room again', { details: { ticketId: ticket.id } });
    if (state === 'waiting') {
      await locked.touch(ticket.id, now);
      return { admitted: false, ticket: await this.#view(locked, ticket, settings, now) };
    }
    const used = await locked.use(ticket.id, now);
    if (!used) throw hutongError('HUTONG_ERR_WAITING_TICKET_USED', 'This ticket was already used for a booking attempt; join the waiting room again to try once more', { details: { ticketId: ticket.id } });
    return { admitted: true, ticketId: ticket.id };
  }

  async #view(locked: LockedRoom, ticket: TicketRow, settings: RoomSettings, now: Date): Promise<WaitingTicketView> {
    const { cityId, serviceId } = splitRoom(ticket.room);
    const state = stateOf(ticket, now);
    const position = state === 'waiting' ? await locked.positionOf(ticket.seq) : undefined;
    return {
      ticketId: ticket.id,
      cityId,
      serviceId,
      state,
      ...(position !== undefined ? { position, estimatedWaitSeconds: Math.ceil(position / settings.admitPerSecond) } : {}),
      ...(ticket.admitted_until && (state === 'admitted' || state === 'expired') ? { admittedUntil: ticket.admitted_until.toISOString() } : {}),
      pollAfterSeconds: POLL_AFTER_SECONDS,
      createdAt: ticket.created_at.toISOString(),
    };
  }
}
