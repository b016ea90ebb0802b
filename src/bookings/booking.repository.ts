import type { Kysely, Selectable } from 'kysely';
import type { BookingSlotsTable, BookingsTable, BookingStatus, Database } from '../store/schema.ts';

export type BookingRow = Selectable<BookingsTable>;
export type BookingSlotRow = Selectable<BookingSlotsTable>;

/** Statuses that take a place and count toward "one active booking per citizen per service per day". */
export const ACTIVE_STATUSES: readonly BookingStatus[] = ['held', 'confirmed'];

/** Postgres' unique_violation: a second active booking the same day, or the same idempotency key. */
function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown })?.code === '23505';
}

/** What a department said about one slot, as the hub keeps it. */
export interface SlotSnapshot {
  readonly cityId: string;
  readonly departmentId: string;
  readonly slotId: string;
  readonly serviceId: string;
  readonly resource: string;
  readonly start: Date;
  readonly end: Date;
  readonly remaining: number;
  /** When the department gave this answer (a cached answer keeps its first time). */
  readonly fetchedAt: Date;
}

export type NewBooking = Omit<
  BookingRow,
  | 'id'
  | 'status'
  | 'created_at'
  | 'updated_at'
  | 'partner_confirmed_at'
  | 'department_booking_id'
  | 'confirmation_number'
  | 'appointment_start'
  | 'fee_fen'
  | 'note'
  | 'payable_id'
  | 'outcome_code'
  | 'outcome_message'
>;

/**
 * Slots and bookings. A place is taken by one conditional decrement of the slot's `available`
 * count in the same transaction that inserts the hold, so no number of hub processes on one
 * PostgreSQL can hold more places than the count allows.
 */
export class BookingRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Takes in a department's answer about a slot. The first answer sets the places the hub may hold;
   * a newer one resets them to what the department has left less the hub's own open holds — only
   * lowering them when the answer predates the hub's last confirmation or release there, since
   * such an answer cannot know of it.
   */
  async syncSlot(slot: SlotSnapshot): Promise<void> {
    const known = await this.findSlot(slot.cityId, slot.departmentId, slot.slotId);
    await this.#sync(slot, known);
  }

  /**
   * `syncSlot`, answering the places the hub may still hold afterwards (a hint: only the
   * conditional decrement of `hold` decides).
   */
  async syncSlotAvailable(slot: SlotSnapshot): Promise<number> {
    const known = await this.findSlot(slot.cityId, slot.departmentId, slot.slotId);
    if (known && known.synced_at.getTime() >= slot.fetchedAt.getTime()) return known.available;
    await this.#sync(slot, known);
    return (await this.findSlot(slot.cityId, slot.departmentId, slot.slotId))?.available ?? 0;
  }

  async #sync(slot: SlotSnapshot, known: BookingSlotRow | undefined): Promise<void> {
    if (known && known.synced_at.getTime() >= slot.fetchedAt.getTime()) return;
    if (!known) {
      await this.db
        .insertInto('booking_slots')
        .values({
          city_id: slot.cityId,
          department_id: slot.departmentId,
          slot_id: slot.slotId,
          service_id: slot.serviceId,
          resource: slot.resource,
          start_at: slot.start,
          end_at: slot.end,
          available: Math.max(0, slot.remaining),
          department_remaining: slot.remaining,
          synced_at: slot.fetchedAt,
        })
        .onConflict((oc) => oc.columns(['city_id', 'department_id', 'slot_id']).doNothing())
        .execute();
      // Someone else inserted it first: their numbers stand, and this answer is applied like any newer one.
      const now = await this.findSlot(slot.cityId, slot.departmentId, slot.slotId);
      if (!now || now.synced_at.getTime() >= slot.fetchedAt.getTime()) return;
    }
    await this.db.transaction().execute(async (tx) => {
      // The row lock orders this against holds, which decrement the same row before inserting.
      const row = await tx
        .selectFrom('booking_slots')
        .selectAll()
        .where('city_id', '=', slot.cityId)
        .where('department_id', '=', slot.departmentId)
        .where('slot_id', '=', slot.slotId)
        .forUpdate()
        .executeTakeFirstOrThrow();
      if (row.synced_at.getTime() >= slot.fetchedAt.getTime()) return;
      const { held } = await tx
        .selectFrom('bookings')
        .select((eb) => eb.fn.countAll<string>().as('held'))
        .where('city_id', '=', slot.cityId)
        .where('department_id', '=', slot.departmentId)
        .where('slot_id', '=', slot.slotId)
        .where('status', '=', 'held')
        .where('department_booking_id', 'is', null)
        .executeTakeFirstOrThrow();
      const fromAnswer = Math.max(0, slot.remaining - Number(held));
      const available = slot.fetchedAt.getTime() > row.changed_at.getTime() ? fromAnswer : Math.min(row.available, fromAnswer);
      await tx
        .updateTable('booking_slots')
        .set({ available, department_remaining: slot.remaining, synced_at: slot.fetchedAt, resource: slot.resource, start_at: slot.start, end_at: slot.end })
        .where('city_id', '=', slot.cityId)
        .where('department_id', '=', slot.departmentId)
        .where('slot_id', '=', slot.slotId)
        .execute();
    });
  }

  findSlot(cityId: string, departmentId: string, slotId: string): Promise<BookingSlotRow | undefined> {
    return this.db
      .selectFrom('booking_slots')
      .selectAll()
      .where('city_id', '=', cityId)
      .where('department_id', '=', departmentId)
      .where('slot_id', '=', slotId)
      .executeTakeFirst();
  }

  /** Places the hub may still hold, for slots it has seen. */
  async availableBySlot(cityId: string, departmentId: string, slotIds: readonly string[]): Promise<Map<string, number>> {
    if (slotIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('booking_slots')
      .select(['slot_id', 'available'])
      .where('city_id', '=', cityId)
      .where('department_id', '=', departmentId)
      .where('slot_id', 'in', [...slotIds])
      .execute();
    return new Map(rows.map((r) => [r.slot_id, r.available]));
  }

  /**
   * Takes one place of the slot and records the hold, in one transaction; `full` when none is
   * left, `duplicate` when the citizen already has an active booking that day (or used the key).
   */
  async hold(booking: NewBooking): Promise<{ booking: BookingRow } | { full: true } | { duplicate: true }> {
    try {
      return await this.db.transaction().execute(async (tx) => {
        const taken = await tx
          .updateTable('booking_slots')
          .set((eb) => ({ available: eb('available', '-', 1) }))
          .where('city_id', '=', booking.city_id)
          .where('department_id', '=', booking.department_id)
          .where('slot_id', '=', booking.slot_id)
          .where('available', '>', 0)
          .returning('available')
          .executeTakeFirst();
        if (!taken) return { full: true as const };
        const row = await tx.insertInto('bookings').values({ ...booking, status: 'held' }).returningAll().executeTakeFirstOrThrow();
        return { booking: row };
      });
    } catch (error) {
      if (isUniqueViolation(error)) return { duplicate: true };
      throw error;
    }
  }

  /**
   * Moves a booking from one of `from` to `to` with `changes`; a place it held is given back when
   * it leaves an active status for an inactive one. Undefined when it was not in `from` (someone
   * else moved it first).
   */
  async transition(
    id: string,
    from: readonly BookingStatus[],
    to: BookingStatus,
    changes: Partial<Omit<BookingRow, 'id' | 'status' | 'created_at'>> = {},
  ): Promise<BookingRow | undefined> {
    return this.db.transaction().execute(async (tx) => {
      const moved = await tx
        .updateTable('bookings')
        .set({ ...changes, status: to, updated_at: new Date() })
        .where('id', '=', id)
        .where('status', 'in', [...from])
        .returningAll()
        .executeTakeFirst();
      if (!moved) return undefined;
      const released = !ACTIVE_STATUSES.includes(to);
      await tx
        .updateTable('booking_slots')
        .set((eb) => ({ ...(released ? { available: eb('available', '+', 1) } : {}), changed_at: new Date() }))
        .where('city_id', '=', moved.city_id)
        .where('department_id', '=', moved.department_id)
        .where('slot_id', '=', moved.slot_id)
        .execute();
      return moved;
    });
  }

  /** Changes fields of a booking still in `status`, without moving it. */
  async update(id: string, status: BookingStatus, changes: Partial<Omit<BookingRow, 'id' | 'status' | 'created_at'>>): Promise<BookingRow | undefined> {
    return this.db
      .updateTable('bookings')
      .set({ ...changes, updated_at: new Date() })
      .where('id', '=', id)
      .where('status', '=', status)
      .returningAll()
      .executeTakeFirst();
  }

  /** The department has no more places in the slot than it said: the hub hands out none either. */
  async markSlotFull(cityId: string, departmentId: string, slotId: string): Promise<void> {
    await this.db
      .updateTable('booking_slots')
      .set({ available: 0, changed_at: new Date() })
      .where('city_id', '=', cityId)
      .where('department_id', '=', departmentId)
      .where('slot_id', '=', slotId)
      .execute();
  }

  find(id: string): Promise<BookingRow | undefined> {
    return this.db.selectFrom('bookings').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findByKey(citizenId: string, key: string): Promise<BookingRow | undefined> {
    return this.db.selectFrom('bookings').selectAll().where('citizen_id', '=', citizenId).where('idempotency_key', '=', key).executeTakeFirst();
  }

  /** The citizen's active booking of the service on that day, if any. */
  activeOnDay(citizenId: string, serviceId: string, day: string): Promise<BookingRow | undefined> {
    return this.db
      .selectFrom('bookings')
      .selectAll()
      .where('citizen_id', '=', citizenId)
      .where('service_id', '=', serviceId)
      .where('slot_date', '=', day)
      .where('status', 'in', [...ACTIVE_STATUSES])
      .executeTakeFirst();
  }

  /** A citizen's bookings, newest first, and those naming them as the partner. */
  listFor(citizenId: string, nationalId: string | null, limit = 100): Promise<BookingRow[]> {
    return this.db
      .selectFrom('bookings')
      .selectAll()
      .where((eb) => eb.or([eb('citizen_id', '=', citizenId), eb('partner_citizen_id', '=', citizenId), ...(nationalId ? [eb('partner_national_id', '=', nationalId)] : [])]))
      .orderBy('created_at', 'desc')
      .limit(limit)
      .execute();
  }

  /** Holds whose time is up at `now`, waiting for the other party or the fee (not for the department's answer). */
  expiredHolds(now: Date, limit = 100): Promise<BookingRow[]> {
    return this.db
      .selectFrom('bookings')
      .selectAll()
      .where('status', '=', 'held')
      .where('awaiting', 'in', ['partner', 'payment'])
      .where('hold_expires_at', '<=', now)
      .orderBy('hold_expires_at')
      .limit(limit)
      .execute();
  }
}
