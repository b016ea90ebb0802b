import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database, WaitingRoomTicketsTable } from '../store/schema.ts';

export type TicketRow = Selectable<WaitingRoomTicketsTable>;

/** A room's token bucket: admissions it may still give, as of `refilledAt`. */
export interface BucketState {
  readonly credit: number;
  readonly refilledAt: Date;
}

/**
 * One room, inside a transaction that holds its row lock: every change to its bucket and to its
 * waiting tickets is made through here, so processes sharing the store take turns.
 */
export class LockedRoom {
  #bucket: BucketState;

  constructor(
    private readonly tx: Transaction<Database>,
    readonly room: string,
    bucket: BucketState,
  ) {
    this.#bucket = bucket;
  }

  get bucket(): BucketState {
    return this.#bucket;
  }

  /** Changes the bucket; written when the transaction ends. */
  setBucket(bucket: BucketState): void {
    this.#bucket = bucket;
  }

  async saveBucket(): Promise<void> {
    await this.tx.updateTable('waiting_rooms').set({ credit: Math.max(0, this.#bucket.credit), refilled_at: this.#bucket.refilledAt }).where('room', '=', this.room).execute();
  }

  /** Marks as given up every waiting ticket last asked for before `seenBefore`; how many. */
  async abandonUnseen(seenBefore: Date, now: Date): Promise<number> {
    const result = await this.tx
      .updateTable('waiting_room_tickets')
      .set({ abandoned_at: now })
      .where('room', '=', this.room)
      .where('admitted_at', 'is', null)
      .where('abandoned_at', 'is', null)
      .where('last_seen_at', '<', seenBefore)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** Admits the `count` oldest waiting tickets (by arrival), until `until`; the tickets admitted. */
  async admitOldest(count: number, now: Date, until: Date): Promise<TicketRow[]> {
    if (count <= 0) return [];
    const due = await this.tx
      .selectFrom('waiting_room_tickets')
      .select('id')
      .where('room', '=', this.room)
      .where('admitted_at', 'is', null)
      .where('abandoned_at', 'is', null)
      .orderBy('seq')
      .limit(count)
      .forUpdate()
      .skipLocked()
      .execute();
    if (due.length === 0) return [];
    return this.tx
      .updateTable('waiting_room_tickets')
      .set({ admitted_at: now, admitted_until: until })
      .where('id', 'in', due.map((d) => d.id))
      .returningAll()
      .execute();
  }

  /** Tickets waiting in the room (not admitted, not given up). */
  waiting(): Promise<number> {
    return this.#countWaiting();
  }

  /** A waiting ticket's place in the queue: 1 is the next to be admitted. */
  positionOf(seq: string): Promise<number> {
    return this.#countWaiting(seq);
  }

  /** Waiting tickets, all of them or those up to a place in the queue. */
  async #countWaiting(upToSeq?: string): Promise<number> {
    let query = this.tx
      .selectFrom('waiting_room_tickets')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('room', '=', this.room)
      .where('admitted_at', 'is', null)
      .where('abandoned_at', 'is', null);
    if (upToSeq !== undefined) query = query.where('seq', '<=', upToSeq as never);
    const { n } = await query.executeTakeFirstOrThrow();
    return Number(n);
  }

  find(id: string): Promise<TicketRow | undefined> {
    return this.tx.selectFrom('waiting_room_tickets').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The citizen's place in this room: a ticket still waiting, or admitted and not yet used or run out. */
  held(citizenId: string, now: Date): Promise<TicketRow | undefined> {
    return this.tx
      .selectFrom('waiting_room_tickets')
      .selectAll()
      .where('room', '=', this.room)
      .where('citizen_id', '=', citizenId)
      .where('abandoned_at', 'is', null)
      .where('used_at', 'is', null)
      .where((eb) => eb.or([eb('admitted_at', 'is', null), eb('admitted_until', '>', now)]))
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  create(citizenId: string, now: Date): Promise<TicketRow> {
    return this.tx.insertInto('waiting_room_tickets').values({ room: this.room, citizen_id: citizenId, created_at: now, last_seen_at: now }).returningAll().executeTakeFirstOrThrow();
  }

  /** Its holder asked for a waiting ticket: it keeps its place. */
  async touch(id: string, now: Date): Promise<void> {
    await this.tx.updateTable('waiting_room_tickets').set({ last_seen_at: now }).where('id', '=', id).where('admitted_at', 'is', null).where('abandoned_at', 'is', null).execute();
  }

  /** Uses an admitted ticket for its one booking attempt; undefined when it was not usable (used, run out). */
  use(id: string, now: Date): Promise<TicketRow | undefined> {
    return this.tx
      .updateTable('waiting_room_tickets')
      .set({ used_at: now, last_seen_at: now })
      .where('id', '=', id)
      .where('used_at', 'is', null)
      .where('admitted_until', '>', now)
      .returningAll()
      .executeTakeFirst();
  }
}

/** Waiting rooms and their tickets in the store. */
export class WaitingRoomRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Runs `work` in one transaction holding the room's row lock (the room is created with
   * `fresh` as its bucket on first use); the bucket `work` leaves is written before commit.
   */
  async locked<T>(room: string, fresh: BucketState, work: (room: LockedRoom) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(async (tx) => {
      const lock = () => tx.selectFrom('waiting_rooms').select(['credit', 'refilled_at']).where('room', '=', room).forUpdate().executeTakeFirst();
      let row = await lock();
      if (!row) {
        await tx
          .insertInto('waiting_rooms')
          .values({ room, credit: fresh.credit, refilled_at: fresh.refilledAt })
          .onConflict((oc) => oc.column('room').doNothing())
          .execute();
        row = await lock();
        if (!row) throw new Error(`waiting room ${room} could not be created`);
      }
      const locked = new LockedRoom(tx, room, { credit: Number(row.credit), refilledAt: row.refilled_at });
      const result = await work(locked);
      await locked.saveBucket();
      return result;
    });
  }

  find(id: string): Promise<TicketRow | undefined> {
    return this.db.selectFrom('waiting_room_tickets').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Tickets waiting per room, counting only those asked for since `seenSince` (the others are given up). */
  async waitingByRoom(rooms: readonly string[], seenSince: Date): Promise<Map<string, number>> {
    if (rooms.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('waiting_room_tickets')
      .select(['room', (eb) => eb.fn.countAll<string>().as('n')])
      .where('room', 'in', [...rooms])
      .where('admitted_at', 'is', null)
      .where('abandoned_at', 'is', null)
      .where('last_seen_at', '>=', seenSince)
      .groupBy('room')
      .execute();
    return new Map(rows.map((r) => [r.room, Number(r.n)]));
  }
}
