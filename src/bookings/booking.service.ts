import { randomBytes } from 'node:crypto';
import { Value } from '@sinclair/typebox/value';
import type { Catalog, ServiceEntry } from '../catalog/catalog.service.ts';
import { BOOKING_ACTIONS } from '../catalog/catalog.service.ts';
import type { ServiceConfig } from '../catalog/catalog.schema.ts';
import { hutongError, isHutongError, type ErrorCode, type HutongError } from '../errors.ts';
import type { AuditTrail } from '../audit/audit.trail.ts';
import type { CitizenRepository, IdentifierRow } from '../identity/citizen.repository.ts';
import type { ConsentService } from '../identity/consent.service.ts';
import type { Principal } from '../identity/session.service.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { IdentifierKind } from '../model/common.ts';
import { maskName } from '../identity/real-name.service.ts';
import { Appointment } from '../model/records.ts';
import type { RecordsService } from '../records/records.service.ts';
import type { Shield } from '../shield/shield.ts';
import { addDays, daysBetween, localDate } from '../time-zone.ts';
import type { BookingRow, BookingRepository, NewBooking } from './booking.repository.ts';
import type { WaitingRoomService, WaitingTicketView } from './waiting-room.service.ts';

export const BOOKING_CONFIRM_QUEUE = 'booking-confirm';

/** Failures after which asking the department again may succeed; the hold waits for the answer. */
const TRANSIENT: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'HUTONG_ERR_DEPARTMENT_FAULT',
  'HUTONG_ERR_DEPARTMENT_SOAP_FAULT',
  'HUTONG_ERR_DEPARTMENT_OPERATION_OUTCOME',
  'HUTONG_ERR_DEPARTMENT_UNREACHABLE',
  'HUTONG_ERR_DEPARTMENT_TIMEOUT',
  'HUTONG_ERR_DEPARTMENT_THROTTLED',
  'HUTONG_ERR_DEPARTMENT_BUSY',
  'HUTONG_ERR_DEPARTMENT_CIRCUIT_OPEN',
]);

/** A slot as a citizen sees it: what the department lists, with the places the hub can still give. */
export interface SlotView {
  readonly id: string;
  readonly cityId: string;
  readonly departmentId: string;
  readonly resource: string;
  readonly start: string;
  readonly end: string;
  readonly capacity: number;
  readonly remaining: number;
  readonly feeFen?: number;
}

/** A booking as its booker or partner sees it. */
export interface BookingView {
  readonly id: string;
  readonly reference: string;
  readonly cityId: string;
  readonly serviceId: string;
  readonly departmentId: string;
  readonly slotId: string;
  readonly resource: string;
  readonly start: string;
  readonly status: BookingRow['status'];
  readonly awaiting?: 'partner' | 'payment' | 'department';
  readonly holdExpiresAt?: string;
  readonly confirmationNumber?: string;
  readonly feeFen?: number;
  readonly note?: string;
  readonly role: 'booker' | 'partner';
  readonly partner?: { readonly name: string; readonly confirmed: boolean };
  /** Shown to the other party: who made the booking naming them (their proved name, masked). */
  readonly bookedBy?: string;
  readonly outcome?: { readonly code: string; readonly message: string };
  readonly createdAt: string;
}

export interface CreateBookingInput {
  readonly cityId: string;
  readonly serviceId: string;
  readonly slotId: string;
  /** Which of the citizen's linked identifiers to book with (a plate); their own national id otherwise. */
  readonly identifierId?: string;
  readonly partner?: { readonly name: string; readonly nationalId: string };
  readonly idempotencyKey?: string;
  /** An admitted waiting-room ticket of the caller's (services with a waiting room). */
  readonly waitingTicketId?: string;
}

/** createBooking's answer: the booking, or (a service with a waiting room, in a burst) the caller's place in its queue. */
export type CreateBookingResult = { readonly booking: BookingView; readonly created: boolean } | { readonly waitingRoom: WaitingTicketView };

interface BookingRules {
  readonly holdMs: number;
  readonly partner: boolean;
  readonly dueRecord?: NonNullable<ServiceConfig['booking']>['dueRecord'];
}

function rulesOf(config: ServiceConfig): BookingRules {
  const booking = config.booking;
  return { holdMs: (booking?.holdSeconds ?? 900) * 1000, partner: booking?.partner ?? false, ...(booking?.dueRecord ? { dueRecord: booking.dueRecord } : {}) };
}

/** The hub's booking reference, the department's idempotency key: `HB` + 22 base-36 characters. */
function newReference(): string {
  const digits = BigInt(`0x${randomBytes(14).toString('hex')}`).toString(36).toUpperCase();
  return `HB${digits.padStart(22, '0').slice(-22)}`;
}

/**
 * Slots and bookings. A booking is first a hold on a place, taken in the hub's store so that no
 * number of hub processes can hold more places than the department has; then the department
 * confirms it and stays the source of truth: a department that refuses releases the hold.
 */
export class BookingService {
  #jobs?: JobQueue;
  #sweep?: NodeJS.Timeout;

  constructor(
    private readonly deps: {
      readonly bookings: BookingRepository;
      readonly catalog: Catalog;
      readonly records: RecordsService;
      readonly citizens: CitizenRepository;
      readonly consents: ConsentService;
      readonly shield: Shield;
      readonly audit: AuditTrail;
      /** Refunds a paid booking fee (payment intent id, amount) through its wallet. */
      readonly refundFee: (payableId: string, reason: string) => Promise<void>;
      readonly onError: (error: unknown, bookingId: string) => void;
      /** The waiting rooms in front of services that have one (`waitingRoom:` in the city YAML). */
      readonly waitingRoom?: WaitingRoomService;
      readonly now?: () => Date;
    },
  ) {}

  #now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** Works the confirmation queue in this process and releases holds whose time ran out. */
  async start(jobs: JobQueue, options: { sweepIntervalMs?: number } = {}): Promise<void> {
    this.#jobs = jobs;
    await jobs.define<{ bookingId: string }>(BOOKING_CONFIRM_QUEUE, { retryLimit: 40, retryDelaySeconds: 2, expireInSeconds: 60 }, async ({ bookingId }) => {
      try {
        await this.confirmWithDepartment(bookingId, { fromQueue: true });
      } catch (error) {
        this.deps.onError(error, bookingId);
        throw error;
      }
    });
    const interval = options.sweepIntervalMs ?? 5_000;
    if (interval > 0) this.#sweep = setInterval(() => void this.expireHolds().catch((error) => this.deps.onError(error, 'sweep')), interval).unref();
  }

  stop(): void {
    if (this.#sweep) clearInterval(this.#sweep);
  }

  /** `listSlots`: the service's open slots on a day (or the next days), with the places left to book. */
  async listSlots(cityId: string, serviceId: string, filter: { date?: string; resource?: string } = {}): Promise<{ cityId: string; serviceId: string; items: SlotView[]; fetchedAt: string }> {
    const entry = this.#bookable(cityId, serviceId);
    if (filter.date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(filter.date)) throw hutongError('HUTONG_ERR_VALIDATION', '"date" must be YYYY-MM-DD');
    const gathered = await this.#departmentSlots(cityId, entry, false);
    const timeZone = this.deps.catalog.getCity(cityId).timeZone;
    const now = this.#now().getTime();
    const items: SlotView[] = [];
    for (const { departmentId, slots } of gathered) {
      const open = slots.filter(
        (s) => Date.parse(s.start) > now && (filter.date === undefined || localDate(new Date(s.start), timeZone) === filter.date) && (filter.resource === undefined || s.resource.includes(filter.resource)),
      );
      const held = await this.deps.bookings.availableBySlot(cityId, departmentId, open.map((s) => s.id));
      for (const slot of open) {
        const hub = held.get(slot.id);
        items.push({ ...slot, remaining: hub === undefined ? slot.remaining : Math.min(slot.remaining, hub) });
      }
    }
    items.sort((a, b) => a.start.localeCompare(b.start) || a.resource.localeCompare(b.resource));
    const fetchedAt = gathered.map((g) => g.fetchedAt).sort((a, b) => a.getTime() - b.getTime())[0] ?? new Date();
    return { cityId, serviceId, items, fetchedAt: fetchedAt.toISOString() };
  }

  /**
   * `createBooking`: holds a place, checks the office's rules, and asks the department to confirm.
   * The same request again (a double click, or the same Idempotency-Key) answers the same booking
   * with `created: false`. A service with a waiting room lets the caller through only with an
   * admitted ticket (used by this attempt, whatever its outcome) or when nobody waits and the room
   * has an admission to give; otherwise the answer is the caller's place in its queue.
   */
  async createBooking(principal: Principal, input: CreateBookingInput): Promise<CreateBookingResult> {
    const { bookings, citizens } = this.deps;
    const entry = this.#bookable(input.cityId, input.serviceId);
    const rules = rulesOf(entry.config);
    await this.deps.consents.require(principal, entry.config.category);
    if (input.idempotencyKey) {
      const replay = await bookings.findByKey(principal.citizenId, input.idempotencyKey);
      if (replay && (replay.slot_id !== input.slotId || replay.service_id !== input.serviceId || replay.city_id !== input.cityId)) {
        throw hutongError('HUTONG_ERR_IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used for another booking; use a new key for a new booking');
      }
      if (replay) return { booking: this.#view(replay, principal.citizenId), created: false };
    }
    if (entry.config.waitingRoom && this.deps.waitingRoom) {
      const passage = await this.deps.waitingRoom.pass(principal, input.cityId, input.serviceId, input.waitingTicketId);
      if (!passage.admitted) return { waitingRoom: passage.ticket };
    }
    const { slot, departmentId, fetchedAt } = await this.#findSlot(input.cityId, entry, input.slotId);
    const timeZone = this.deps.catalog.getCity(input.cityId).timeZone;
    const slotDate = localDate(new Date(slot.start), timeZone);
    const available = await bookings.syncSlotAvailable({ cityId: input.cityId, departmentId, slotId: slot.id, serviceId: input.serviceId, resource: slot.resource, start: new Date(slot.start), end: new Date(slot.end), remaining: slot.remaining, fetchedAt });
    const existing = await bookings.activeOnDay(principal.citizenId, input.serviceId, slotDate);
    if (existing) return this.#sameOrLimit(existing, input.slotId, principal.citizenId);
    // Nothing left: answered before any other work (the decrement below is what guards the last place).
    if (available <= 0) throw hutongError('HUTONG_ERR_SLOT_FULL', 'No place is left in this slot; choose another one', { details: { slotId: slot.id } });

    const person = await citizens.findRealName(principal.citizenId);
    if (!person) throw hutongError('HUTONG_ERR_REAL_NAME_REQUIRED', 'Offices take bookings in your real name; prove it first (POST /v1/me/real-name)');
    if (rules.partner) {
      if (!input.partner) throw hutongError('HUTONG_ERR_PARTNER_REQUIRED', 'This booking needs the other party\'s name and national id');
      if (input.partner.nationalId === person.nationalId) throw hutongError('HUTONG_ERR_PARTNER_REQUIRED', 'The other party must be another person');
    }
    const identifier = await this.#identifierFor(principal, entry, input.identifierId);

    const now = this.#now();
    const booking: NewBooking = {
      reference: newReference(),
      citizen_id: principal.citizenId,
      channel: principal.channel,
      city_id: input.cityId,
      service_id: input.serviceId,
      department_id: departmentId,
      slot_id: slot.id,
      slot_date: slotDate,
      slot_start: new Date(slot.start),
      resource: slot.resource,
      identifier_id: identifier.id,
      awaiting: rules.partner ? 'partner' : 'department',
      hold_expires_at: new Date(now.getTime() + rules.holdMs),
      partner_citizen_id: null,
      partner_national_id: input.partner?.nationalId ?? null,
      partner_name: input.partner?.name ?? null,
      idempotency_key: input.idempotencyKey ?? null,
    };
    const held = await bookings.hold(booking);
    if ('full' in held) throw hutongError('HUTONG_ERR_SLOT_FULL', 'No place is left in this slot; choose another one', { details: { slotId: slot.id } });
    if ('duplicate' in held) {
      const first = (input.idempotencyKey ? await bookings.findByKey(principal.citizenId, input.idempotencyKey) : undefined) ?? (await bookings.activeOnDay(principal.citizenId, input.serviceId, slotDate));
      if (!first) throw hutongError('HUTONG_ERR_BOOKING_LIMIT', 'You already have an active booking of this service that day');
      return this.#sameOrLimit(first, input.slotId, principal.citizenId);
    }
    let row = held.booking;
    await this.deps.audit.record({
      actor: `citizen:${principal.citizenId}`,
      action: 'booking.held',
      subject: `booking:${row.id}`,
      cityId: input.cityId,
      detail: { serviceId: input.serviceId, slotId: slot.id, channel: principal.channel },
    });

    if (rules.partner) return { booking: this.#view(row, principal.citizenId), created: true };
    row = await this.confirmWithDepartment(row.id);
    if (row.status === 'refused') throw this.#refusalOf(row);
    return { booking: this.#view(row, principal.citizenId), created: true };
  }

  /**
   * Marriage registration: the person named as the other party confirms, within the hold, from any
   * entrance and with their own proved real name; then the office is asked to book both.
   */
  async confirmAsPartner(principal: Principal, bookingId: string): Promise<BookingView> {
    const { bookings } = this.deps;
    const row = await bookings.find(bookingId);
    const person = await this.deps.citizens.findRealName(principal.citizenId);
    if (!row || !person || row.partner_national_id !== person.nationalId) throw hutongError('HUTONG_ERR_BOOKING_NOT_FOUND', 'No booking with that id names you as the other party');
    if (row.partner_name !== person.name) throw hutongError('HUTONG_ERR_PARTNER_MISMATCH', 'The booking names the other party differently from your proved real name');
    if (row.status !== 'held' || row.awaiting !== 'partner') {
      if (row.status === 'expired') throw hutongError('HUTONG_ERR_BOOKING_EXPIRED', 'The hold ran out before you confirmed; the booking must be made again');
      return this.#viewFor(row, principal.citizenId);
    }
    if (row.hold_expires_at.getTime() <= this.#now().getTime()) {
      await this.#expire(row);
      throw hutongError('HUTONG_ERR_BOOKING_EXPIRED', 'The hold ran out before you confirmed; the booking must be made again');
    }
    const moved = await bookings.update(row.id, 'held', { awaiting: 'department', partner_citizen_id: principal.citizenId, partner_confirmed_at: this.#now() });
    if (!moved) return this.#viewFor((await bookings.find(row.id))!, principal.citizenId);
    await this.deps.audit.record({ actor: `citizen:${principal.citizenId}`, action: 'booking.partner-confirmed', subject: `booking:${row.id}`, cityId: row.city_id, detail: { channel: principal.channel } });
    const done = await this.confirmWithDepartment(row.id);
    if (done.status === 'refused') throw this.#refusalOf(done);
    return this.#viewFor(done, principal.citizenId);
  }

  /**
   * Asks the department to book a hold (idempotent by the booking's reference): confirmed, or
   * held for payment when it asks for a fee, or refused (the place is released). When the
   * department cannot answer now, the hold waits and a durable job asks again.
   */
  async confirmWithDepartment(bookingId: string, options: { fromQueue?: boolean } = {}): Promise<BookingRow> {
    const { bookings } = this.deps;
    const row = await bookings.find(bookingId);
    if (!row) throw hutongError('HUTONG_ERR_BOOKING_NOT_FOUND', `No booking ${bookingId}`);
    if (row.status !== 'held' || row.awaiting !== 'department') return row;
    let appointment: Appointment;
    try {
      // The office's rule first (the vehicle is due); a department too busy to say is asked again later.
      const due = rulesOf(this.deps.catalog.getService(row.city_id, row.service_id).config).dueRecord;
      if (due) {
        const refusal = await this.#dueRefusal(row, due, this.deps.catalog.getCity(row.city_id).timeZone);
        if (refusal) throw refusal;
      }
      appointment = await this.#act(row, BOOKING_ACTIONS.book, row.slot_id, await this.#bookParams(row));
    } catch (error) {
      if (isHutongError(error) && TRANSIENT.has(error.code)) {
        if (!this.#jobs) throw error;
        await this.#jobs.send(BOOKING_CONFIRM_QUEUE, { bookingId: row.id }, { key: row.id });
        if (options.fromQueue) throw error;
        return row;
      }
      const refusal = isHutongError(error) ? error : hutongError('HUTONG_ERR_INTERNAL', 'The booking could not be confirmed', { cause: error });
      const moved = await bookings.transition(row.id, ['held'], 'refused', { awaiting: null, outcome_code: refusal.code, outcome_message: refusal.message });
      if (refusal.code !== 'HUTONG_ERR_BOOKING_NOT_DUE') await this.#resyncSlot(row);
      await this.deps.audit.record({ actor: 'hub', action: 'booking.refused', subject: `booking:${row.id}`, cityId: row.city_id, detail: { code: refusal.code, message: refusal.message } });
      return moved ?? (await bookings.find(row.id))!;
    }
    const fields = {
      department_booking_id: appointment.id,
      confirmation_number: appointment.confirmationNumber ?? null,
      appointment_start: new Date(appointment.start),
      fee_fen: appointment.feeFen ?? null,
      note: appointment.note ?? null,
    };
    if (appointment.status === 'held') {
      // The department locked the place until the fee is paid; the hold ends no later than its lock.
      const lockEnds = appointment.holdExpiresAt ? new Date(appointment.holdExpiresAt) : row.hold_expires_at;
      const updated = await bookings.update(row.id, 'held', { ...fields, awaiting: 'payment', hold_expires_at: lockEnds < row.hold_expires_at ? lockEnds : row.hold_expires_at });
      return updated ?? (await bookings.find(row.id))!;
    }
    if (appointment.status !== 'confirmed') {
      const moved = await bookings.transition(row.id, ['held'], 'refused', {
        ...fields,
        awaiting: null,
        outcome_code: 'HUTONG_ERR_BOOKING_REFUSED',
        outcome_message: `The department answered the booking as ${appointment.status}`,
      });
      return moved ?? (await bookings.find(row.id))!;
    }
    const confirmed = await bookings.transition(row.id, ['held'], 'confirmed', { ...fields, awaiting: null });
    if (!confirmed) {
      // Another process settled it first (the same department booking, by the same reference); a
      // booking given up meanwhile must not live on at the department.
      const now = (await bookings.find(row.id))!;
      if (now.status !== 'confirmed' && now.status !== 'held') {
        await this.#cancelAtDepartment({ ...now, department_booking_id: appointment.id }).catch((error) => this.deps.onError(error, row.id));
      }
      return now;
    }
    await this.deps.audit.record({ actor: 'hub', action: 'booking.confirmed', subject: `booking:${row.id}`, cityId: row.city_id, detail: { departmentBookingId: appointment.id } });
    return confirmed;
  }

  /** `cancelBooking`: the booker gives up a booking; the department cancels it first when it has it. */
  async cancelBooking(principal: Principal, bookingId: string): Promise<BookingView> {
    const { bookings } = this.deps;
    const row = await bookings.find(bookingId);
    if (!row || row.citizen_id !== principal.citizenId) throw hutongError('HUTONG_ERR_BOOKING_NOT_FOUND', 'No booking with that id that you made');
    if (row.status === 'cancelled') return this.#view(row, principal.citizenId);
    if (row.status !== 'held' && row.status !== 'confirmed') throw hutongError('HUTONG_ERR_BOOKING_NOT_CANCELLABLE', `The booking is ${row.status} and cannot be cancelled`);
    if (row.status === 'held' && row.awaiting === 'department') {
      throw hutongError('HUTONG_ERR_BOOKING_NOT_CANCELLABLE', 'The department has not answered the booking yet; cancel it once it has');
    }
    if (row.slot_start.getTime() <= this.#now().getTime()) throw hutongError('HUTONG_ERR_BOOKING_NOT_CANCELLABLE', 'The appointment has begun');
    if (row.department_booking_id) {
      try {
        await this.#cancelAtDepartment(row);
      } catch (error) {
        if (isHutongError(error) && error.code === 'HUTONG_ERR_DEPARTMENT_REFUSED') {
          throw hutongError('HUTONG_ERR_BOOKING_NOT_CANCELLABLE', `The department refuses the cancellation: ${error.message}`);
        }
        throw error;
      }
    }
    const moved = await bookings.transition(row.id, ['held', 'confirmed'], 'cancelled', { awaiting: null, outcome_code: null, outcome_message: 'cancelled by the booker' });
    const now = moved ?? (await bookings.find(row.id))!;
    if (moved && row.payable_id) await this.deps.refundFee(row.payable_id, 'booking cancelled');
    await this.deps.audit.record({ actor: `citizen:${principal.citizenId}`, action: 'booking.cancelled', subject: `booking:${row.id}`, cityId: row.city_id, detail: { channel: principal.channel } });
    return this.#view(now, principal.citizenId);
  }

  async getBooking(principal: Principal, bookingId: string): Promise<BookingView> {
    const row = await this.deps.bookings.find(bookingId);
    if (!row || !(await this.#mayRead(principal, row))) throw hutongError('HUTONG_ERR_BOOKING_NOT_FOUND', 'No booking with that id that you made or that names you as the other party');
    return this.#viewFor(row, principal.citizenId);
  }

  async listBookings(principal: Principal): Promise<BookingView[]> {
    const person = await this.deps.citizens.findRealName(principal.citizenId);
    const rows = await this.deps.bookings.listFor(principal.citizenId, person?.nationalId ?? null);
    // A partner sees a booking naming them only once they hold that proved name too.
    const visible = rows.filter((r) => r.citizen_id === principal.citizenId || r.partner_citizen_id === principal.citizenId || r.partner_name === person?.name);
    return Promise.all(visible.map((r) => this.#viewFor(r, principal.citizenId)));
  }

  /** Releases every hold whose time is up (any process may run it; each hold is released once). */
  async expireHolds(now: Date = this.#now()): Promise<number> {
    let released = 0;
    // A hold still waiting for the department's answer is the confirmation job's to settle.
    for (;;) {
      const due = await this.deps.bookings.expiredHolds(now);
      for (const row of due) if (await this.#expire(row)) released++;
      if (due.length < 100) return released;
    }
  }

  /**
   * A booking fee the citizen is about to pay: the booking must be theirs and held for payment.
   * The payments flow takes it as a payable like a fine or a bill.
   */
  async feePayable(principal: Principal, cityId: string, serviceId: string, bookingId: string): Promise<{ departmentId: string; amountFen: number; description: string; identifier: { kind: string; value: string; issuer: string | null } }> {
    const row = await this.deps.bookings.find(bookingId);
    if (!row || row.citizen_id !== principal.citizenId || row.city_id !== cityId || row.service_id !== serviceId) {
      throw hutongError('HUTONG_ERR_PAYABLE_NOT_FOUND', 'No booking of yours with that id to pay for');
    }
    if (row.status === 'confirmed' && row.payable_id) throw hutongError('HUTONG_ERR_PAYMENT_ALREADY_PAID', 'The fee of this booking is paid');
    if (row.status !== 'held' || row.awaiting !== 'payment' || row.fee_fen === null) {
      if (row.status === 'expired') throw hutongError('HUTONG_ERR_BOOKING_EXPIRED', 'The hold ran out before the fee was paid; book again');
      throw hutongError('HUTONG_ERR_PAYABLE_NOT_FOUND', 'This booking has no fee to pay');
    }
    if (row.hold_expires_at.getTime() <= this.#now().getTime()) {
      await this.#expire(row);
      throw hutongError('HUTONG_ERR_BOOKING_EXPIRED', 'The hold ran out before the fee was paid; book again');
    }
    const identifier = (await this.deps.citizens.listIdentifiers(principal.citizenId)).find((i) => i.id === row.identifier_id);
    if (!identifier) throw hutongError('HUTONG_ERR_IDENTIFIER_NOT_LINKED', 'The identifier the booking was made with is no longer linked');
    return {
      departmentId: row.department_id,
      amountFen: row.fee_fen,
      description: `挂号费 ${row.resource} ${row.slot_date}`,
      identifier: { kind: identifier.kind, value: identifier.value, issuer: identifier.issuer },
    };
  }

  /** The payable id a booking's fee is paid under, remembered on the booking. */
  async attachPayable(bookingId: string, payableId: string): Promise<void> {
    await this.deps.bookings.update(bookingId, 'held', { payable_id: payableId });
  }

  /**
   * The fee of a booking was paid: the department confirms the booking it locked, with the trade
   * number. A department that refuses (its lock ran out), or a hold that expired first, gets the
   * fee refunded. Resolves with the department's reference for the payment write-back.
   */
  async feePaid(bookingId: string, payment: { payableId: string; tradeNumber: string }): Promise<{ departmentReference: string }> {
    const { bookings } = this.deps;
    const row = await bookings.find(bookingId);
    if (!row) throw hutongError('HUTONG_ERR_INTERNAL', `booking ${bookingId} of a paid fee is missing`);
    if (row.status === 'confirmed') return { departmentReference: row.confirmation_number ?? row.department_booking_id ?? row.reference };
    if (row.status !== 'held' || !row.department_booking_id) {
      await this.deps.refundFee(payment.payableId, `booking ${row.status} before its fee arrived`);
      return { departmentReference: `REFUNDED-${row.status.toUpperCase()}` };
    }
    let appointment: Appointment;
    try {
      appointment = await this.#act(row, BOOKING_ACTIONS.confirm, row.department_booking_id, { reference: row.reference, paymentReference: payment.tradeNumber });
    } catch (error) {
      if (isHutongError(error) && error.code === 'HUTONG_ERR_DEPARTMENT_REFUSED') {
        const moved = await bookings.transition(row.id, ['held'], 'refused', { awaiting: null, payable_id: payment.payableId, outcome_code: 'HUTONG_ERR_BOOKING_REFUSED', outcome_message: error.message });
        if (moved) await this.deps.refundFee(payment.payableId, 'the department refused the paid booking');
        return { departmentReference: 'REFUNDED-REFUSED' };
      }
      throw error; // retried by the write-back job
    }
    const confirmed = await bookings.transition(row.id, ['held'], 'confirmed', {
      awaiting: null,
      payable_id: payment.payableId,
      confirmation_number: appointment.confirmationNumber ?? row.confirmation_number,
      note: appointment.note ?? row.note,
    });
    if (confirmed) await this.deps.audit.record({ actor: 'hub', action: 'booking.confirmed', subject: `booking:${row.id}`, cityId: row.city_id, detail: { paidWith: payment.tradeNumber } });
    const now = confirmed ?? (await bookings.find(row.id))!;
    return { departmentReference: now.confirmation_number ?? now.department_booking_id ?? now.reference };
  }

  // ---- internals ----

  #bookable(cityId: string, serviceId: string): ServiceEntry {
    const entry = this.deps.catalog.getService(cityId, serviceId);
    const booking = entry.service.functions.find((f) => f.kind === 'booking');
    if (!booking) throw hutongError('HUTONG_ERR_SERVICE_UNAVAILABLE', `${serviceId} takes no bookings`);
    if (!booking.available) throw hutongError('HUTONG_ERR_SERVICE_UNAVAILABLE', `Booking ${serviceId} is not available in ${cityId}: ${booking.unavailableReason}`);
    return entry;
  }

  async #departmentSlots(cityId: string, entry: ServiceEntry, fresh: boolean): Promise<Array<{ departmentId: string; slots: SlotView[]; fetchedAt: Date }>> {
    const answers = await Promise.allSettled(
      entry.service.departmentIds.map(async (departmentId) => {
        const answer = await this.deps.records.departmentRecords({ cityId, departmentId, recordType: 'Slot', ttlMs: entry.config.cacheTtlSeconds * 1000, fresh });
        return { departmentId, slots: answer.items as unknown as SlotView[], fetchedAt: answer.fetchedAt };
      }),
    );
    const ok = answers.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []));
    if (ok.length === 0) throw (answers[0] as PromiseRejectedResult).reason;
    return ok;
  }

  async #findSlot(cityId: string, entry: ServiceEntry, slotId: string): Promise<{ slot: SlotView; departmentId: string; fetchedAt: Date }> {
    for (const { departmentId, slots, fetchedAt } of await this.#departmentSlots(cityId, entry, false)) {
      const slot = slots.find((s) => s.id === slotId);
      if (slot && Date.parse(slot.start) > this.#now().getTime()) return { slot, departmentId, fetchedAt };
    }
    throw hutongError('HUTONG_ERR_SLOT_NOT_FOUND', `No open slot "${slotId}" for ${entry.service.id}`);
  }

  /** After a refusal the department is asked again, so the places the hub hands out follow its answer. */
  async #resyncSlot(row: BookingRow): Promise<void> {
    try {
      const entry = this.deps.catalog.getService(row.city_id, row.service_id);
      const answer = await this.deps.records.departmentRecords({ cityId: row.city_id, departmentId: row.department_id, recordType: 'Slot', ttlMs: entry.config.cacheTtlSeconds * 1000, fresh: true });
      const slot = (answer.items as unknown as SlotView[]).find((s) => s.id === row.slot_id);
      if (!slot) return this.deps.bookings.markSlotFull(row.city_id, row.department_id, row.slot_id);
      await this.deps.bookings.syncSlot({ cityId: row.city_id, departmentId: row.department_id, slotId: slot.id, serviceId: row.service_id, resource: slot.resource, start: new Date(slot.start), end: new Date(slot.end), remaining: slot.remaining, fetchedAt: answer.fetchedAt });
    } catch (error) {
      this.deps.onError(error, row.id);
    }
  }

  async #identifierFor(principal: Principal, entry: ServiceEntry, identifierId: string | undefined): Promise<IdentifierRow> {
    const kind = entry.config.requiredIdentifiers[0] ?? 'national-id';
    const linked = await this.deps.citizens.listIdentifiers(principal.citizenId, kind);
    const usable = linked.filter((i) => i.issuer === null || entry.service.departmentIds.some((d) => i.issuer === `${entry.service.cityId}/${d}`));
    const chosen = identifierId === undefined ? usable[0] : usable.find((i) => i.id === identifierId);
    if (chosen) return chosen;
    if (identifierId !== undefined) throw hutongError('HUTONG_ERR_IDENTIFIER_NOT_LINKED', 'That identifier is not linked to your account, or is not one this office takes');
    throw hutongError('HUTONG_ERR_IDENTIFIER_REQUIRED', `${entry.service.id} needs a linked ${kind}; link one first`, { details: { identifierKind: kind, departments: entry.service.departmentIds } });
  }

  /** Why the office will not take the booking yet (the vehicle is not due), or undefined when it will. */
  async #dueRefusal(row: BookingRow, due: NonNullable<BookingRules['dueRecord']>, timeZone: string): Promise<HutongError | undefined> {
    const identifier = (await this.deps.citizens.listIdentifiers(row.citizen_id)).find((i) => i.id === row.identifier_id);
    if (!identifier) return hutongError('HUTONG_ERR_IDENTIFIER_NOT_LINKED', 'The identifier the booking was made with is no longer linked');
    const answer = await this.deps.records.departmentRecords({ cityId: row.city_id, departmentId: row.department_id, recordType: due.recordType, identifier, ttlMs: 3_600_000 });
    const record = answer.items[0];
    const dueOn = record?.[due.dateField];
    if (typeof dueOn !== 'string') return hutongError('HUTONG_ERR_BOOKING_NOT_DUE', `The office has no ${due.recordType} record with a due date for that identifier`);
    const days = daysBetween(localDate(this.#now(), timeZone), dueOn);
    if (days > due.withinDays) {
      return hutongError('HUTONG_ERR_BOOKING_NOT_DUE', `Not due yet: due on ${dueOn}; bookable from ${addDays(dueOn, -due.withinDays)}`, { details: { dueOn } });
    }
    return undefined;
  }

  async #bookParams(row: BookingRow): Promise<Record<string, string>> {
    const person = await this.deps.citizens.findRealName(row.citizen_id);
    if (!person) throw hutongError('HUTONG_ERR_REAL_NAME_REQUIRED', 'The booker has no proved real name');
    return {
      reference: row.reference,
      name: person.name,
      nationalId: person.nationalId,
      ...(row.partner_national_id ? { partnerNationalId: row.partner_national_id, partnerName: row.partner_name ?? '' } : {}),
    };
  }

  /** Calls one of the department's booking actions through the shield and reads its Appointment. */
  async #act(row: BookingRow, action: string, recordId: string, params: Record<string, string>): Promise<Appointment> {
    const connector = this.deps.catalog.connectorFor(row.city_id, row.department_id);
    if (!connector.performAction || !connector.actions?.has(action)) {
      throw hutongError('HUTONG_ERR_SERVICE_UNAVAILABLE', `${row.city_id}/${row.department_id} maps no ${action} action`);
    }
    const identifier = (await this.deps.citizens.listIdentifiers(row.citizen_id)).find((i) => i.id === row.identifier_id);
    if (!identifier) throw hutongError('HUTONG_ERR_IDENTIFIER_NOT_LINKED', 'The identifier the booking was made with is no longer linked');
    const department = `${row.city_id}/${row.department_id}`;
    const answer = await this.deps.shield.call({
      department,
      key: `${department}/${action}/${row.reference}`,
      ttlMs: 0,
      load: (signal) => connector.performAction!({ name: action, identifier: { kind: identifier.kind as IdentifierKind, value: identifier.value }, recordId, params }, { signal }),
    });
    if (!Value.Check(Appointment, answer.value)) {
      const first = Value.Errors(Appointment, answer.value).First();
      throw hutongError('HUTONG_ERR_DEPARTMENT_MAPPING', `${department} ${action} answer does not map to Appointment: ${first?.path} ${first?.message}`);
    }
    return answer.value;
  }

  async #cancelAtDepartment(row: BookingRow): Promise<void> {
    if (!row.department_booking_id) return;
    await this.#act(row, BOOKING_ACTIONS.cancel, row.department_booking_id, { reference: row.reference });
  }

  async #expire(row: BookingRow): Promise<boolean> {
    if (row.department_booking_id) {
      // The department's own lock runs out too; cancelling frees its place at once.
      await this.#cancelAtDepartment(row).catch((error) => this.deps.onError(error, row.id));
    }
    const moved = await this.deps.bookings.transition(row.id, ['held'], 'expired', { awaiting: null, outcome_code: 'HUTONG_ERR_BOOKING_EXPIRED', outcome_message: 'the hold ran out' });
    if (moved) await this.deps.audit.record({ actor: 'hub', action: 'booking.expired', subject: `booking:${row.id}`, cityId: row.city_id, detail: { awaiting: row.awaiting } });
    return moved !== undefined;
  }

  #sameOrLimit(existing: BookingRow, slotId: string, citizenId: string): { booking: BookingView; created: boolean } {
    if (existing.slot_id === slotId) return { booking: this.#view(existing, citizenId), created: false };
    throw hutongError('HUTONG_ERR_BOOKING_LIMIT', `You already have an active booking of this service on ${existing.slot_date}; cancel it first`, { details: { bookingId: existing.id } });
  }

  /** A refused booking's error: the hub's own rule's code, or BOOKING_REFUSED for the department's "no". */
  #refusalOf(row: BookingRow): HutongError {
    const own: readonly string[] = ['HUTONG_ERR_BOOKING_NOT_DUE', 'HUTONG_ERR_IDENTIFIER_NOT_LINKED'];
    const code = own.includes(row.outcome_code ?? '') ? (row.outcome_code as 'HUTONG_ERR_BOOKING_NOT_DUE') : 'HUTONG_ERR_BOOKING_REFUSED';
    return hutongError(code, row.outcome_message ?? 'The department refused the booking', { details: { bookingId: row.id, reason: row.outcome_code } });
  }

  async #mayRead(principal: Principal, row: BookingRow): Promise<boolean> {
    if (row.citizen_id === principal.citizenId || row.partner_citizen_id === principal.citizenId) return true;
    if (!row.partner_national_id) return false;
    const person = await this.deps.citizens.findRealName(principal.citizenId);
    return person?.nationalId === row.partner_national_id && person.name === row.partner_name;
  }

  /** The view, and to the other party also who booked: one is not asked to confirm a marriage without knowing with whom. */
  async #viewFor(row: BookingRow, citizenId: string): Promise<BookingView> {
    const view = this.#view(row, citizenId);
    if (view.role !== 'partner') return view;
    const booker = await this.deps.citizens.findRealName(row.citizen_id);
    return booker ? { ...view, bookedBy: maskName(booker.name) } : view;
  }

  #view(row: BookingRow, citizenId: string): BookingView {
    const booker = row.citizen_id === citizenId;
    const start = row.appointment_start ?? row.slot_start;
    return {
      id: row.id,
      reference: row.reference,
      cityId: row.city_id,
      serviceId: row.service_id,
      departmentId: row.department_id,
      slotId: row.slot_id,
      resource: row.resource,
      start: start.toISOString(),
      status: row.status,
      ...(row.status === 'held' && row.awaiting ? { awaiting: row.awaiting, holdExpiresAt: row.hold_expires_at.toISOString() } : {}),
      ...(row.confirmation_number ? { confirmationNumber: row.confirmation_number } : {}),
      ...(row.fee_fen !== null ? { feeFen: row.fee_fen } : {}),
      ...(row.note ? { note: row.note } : {}),
      role: booker ? 'booker' : 'partner',
      ...(row.partner_name ? { partner: { name: booker ? maskName(row.partner_name) : row.partner_name, confirmed: row.partner_confirmed_at !== null } } : {}),
      ...(row.outcome_code && row.status !== 'confirmed' ? { outcome: { code: row.outcome_code, message: row.outcome_message ?? '' } } : {}),
      createdAt: row.created_at.toISOString(),
    };
  }
}
