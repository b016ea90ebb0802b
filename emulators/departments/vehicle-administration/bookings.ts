/**
 * Inspection bookings (机动车检验预约) taken by the emulated vehicle administration office: one
 * city's bookings in memory, the rules that refuse one, and the slots' remaining places (剩余号数)
 * less the bookings made through the API.
 *
 * Field names follow the office's uppercase pinyin abbreviations: YYLSH 预约流水号 (the office's
 * booking number), YWLSH 业务流水号 (the caller's reference, its idempotency key), SDBH 时段编号,
 * ZT 状态 ('1' 已预约, '2' 已取消), YYSJ 预约时间, QXSJ 取消时间.
 */
import { addDays, chinaDate, chinaDateTime, chinaInstant, cityRegion, type RestCityId } from '../kit/synthetic.ts';
import type { EmulatorClock } from '../kit/clock.ts';
import { generateInspectionSlots, generateVehicle, isRegisteredOwner, type InspectionSlot } from './records.ts';

/** Booking states (预约状态) with their names on the wire. */
export const BOOKING_STATES = { '1': '已预约', '2': '已取消' } as const;

/** An inspection booking as the office's system returns it. */
export interface InspectionBooking extends Pick<InspectionSlot, 'SDBH' | 'JCZBH' | 'JCZMC' | 'JCZDZ' | 'YYRQ' | 'KSSJ' | 'JSSJ' | 'JCFY'> {
  /** 预约流水号: the office's booking number. */
  YYLSH: string;
  /** 业务流水号: the caller's reference for the booking. */
  YWLSH: string;
  HPHM: string;
  ZT: keyof typeof BOOKING_STATES;
  ZTMC: (typeof BOOKING_STATES)[keyof typeof BOOKING_STATES];
  /** 预约时间 "yyyy-MM-dd HH:mm:ss". */
  YYSJ: string;
  /** 取消时间, once cancelled. */
  QXSJ?: string;
}

/**
 * Why the office refuses: its own code, the HTTP status it answers with, and the message. 2001…2008
 * are business refusals (409/422), 1004 "not found" (404).
 */
export const REFUSALS = {
  slotFull: { status: 409, code: '2001', msg: '号源已满 / the slot is fully booked' },
  notDue: { status: 409, code: '2002', msg: '未到检验期：检验有效期止前90日内方可预约 / the inspection is not due within 90 days' },
  alreadyBooked: { status: 409, code: '2003', msg: '该车辆已有有效预约 / the vehicle already holds an active booking' },
  slotPast: { status: 409, code: '2004', msg: '预约时段已过 / the slot has already begun' },
  notOwner: { status: 422, code: '2005', msg: '非机动车所有人 / the booker is not the registered owner' },
  referenceReused: { status: 409, code: '2006', msg: '业务流水号已用于其他预约 / ywlsh was used for another booking' },
  referenceMismatch: { status: 422, code: '2007', msg: '业务流水号与预约不符 / ywlsh does not match the booking' },
  tooLateToCancel: { status: 409, code: '2008', msg: '检验时段已开始，不能取消 / the slot has begun and can no longer be cancelled' },
  noSlot: { status: 404, code: '1004', msg: '预约时段不存在 / no such slot' },
  notLocal: { status: 404, code: '1004', msg: '非本市登记机动车 / the vehicle is not registered in this city' },
  noBooking: { status: 404, code: '1004', msg: '预约不存在 / no such booking' },
} as const;
export type Refusal = (typeof REFUSALS)[keyof typeof REFUSALS];

export type BookingOutcome = { readonly ok: true; readonly booking: InspectionBooking; readonly created: boolean } | { readonly ok: false; readonly refusal: Refusal };

/** What a caller asks to book, already checked for shape. */
export interface InspectionBookingRequest {
  readonly sdbh: string;
  readonly hphm: string;
  readonly sfzmhm: string;
  readonly xm: string;
  readonly ywlsh: string;
}

/** An inspection may be booked from this many days before the vehicle's 检验有效期止. */
export const DUE_WINDOW_DAYS = 90;

const refuse = (refusal: Refusal): BookingOutcome => ({ ok: false, refusal });

/** One city's inspection bookings, kept for as long as the emulator runs. */
export class InspectionBookings {
  readonly #slots: ReadonlyMap<string, InspectionSlot>;
  readonly #bookings = new Map<string, InspectionBooking>();
  /** Booking number by the caller's reference. */
  readonly #byReference = new Map<string, string>();
  readonly #referenceDate: Date;
  readonly #clock: EmulatorClock;
  #sequence = 0;

  constructor(readonly cityId: RestCityId, referenceDate: Date, clock: EmulatorClock) {
    this.#referenceDate = referenceDate;
    this.#clock = clock;
    this.#slots = new Map(generateInspectionSlots(cityId, referenceDate).map((slot) => [slot.SDBH, slot]));
  }

  /** Every slot, its 剩余号数 less the active bookings made here. */
  slots(): InspectionSlot[] {
    return [...this.#slots.values()].map((slot) => ({ ...slot, SYHS: String(this.#remaining(slot)) }));
  }

  #remaining(slot: InspectionSlot): number {
    let booked = 0;
    for (const booking of this.#bookings.values()) if (booking.SDBH === slot.SDBH && booking.ZT === '1') booked++;
    return Math.max(0, Number(slot.SYHS) - booked);
  }

  /** A plate's bookings, oldest first, cancelled ones included. */
  ofPlate(plate: string): InspectionBooking[] {
    return [...this.#bookings.values()].filter((booking) => booking.HPHM === plate).map((booking) => ({ ...booking }));
  }

  /** Books a place for the plate, or answers the booking already made under the same reference. */
  book(request: InspectionBookingRequest): BookingOutcome {
    const earlier = this.#byReference.get(request.ywlsh);
    if (earlier !== undefined) {
      const booking = this.#bookings.get(earlier)!;
      // A retry of the same booking gets it back; the reference on another booking is a caller error.
      return booking.SDBH === request.sdbh && booking.HPHM === request.hphm ? { ok: true, booking: { ...booking }, created: false } : refuse(REFUSALS.referenceReused);
    }
    const slot = this.#slots.get(request.sdbh);
    if (!slot) return refuse(REFUSALS.noSlot);
    const vehicle = generateVehicle(this.cityId, request.hphm, this.#referenceDate);
    if (!vehicle) return refuse(REFUSALS.notLocal);
    if (!isRegisteredOwner(this.cityId, request.hphm, request.sfzmhm, request.xm)) return refuse(REFUSALS.notOwner);
    const now = this.#clock();
    if (chinaInstant(slot.YYRQ, slot.KSSJ) <= now) return refuse(REFUSALS.slotPast);
    if (vehicle.JYYXQZ > addDays(chinaDate(now), DUE_WINDOW_DAYS)) return refuse(REFUSALS.notDue);
    const active = [...this.#bookings.values()].some((b) => b.HPHM === request.hphm && b.ZT === '1' && chinaInstant(b.YYRQ, b.JSSJ) > now);
    if (active) return refuse(REFUSALS.alreadyBooked);
    if (this.#remaining(slot) <= 0) return refuse(REFUSALS.slotFull);

    const number = `${cityRegion(this.cityId).regionCode}${chinaDate(now).replaceAll('-', '')}${String(++this.#sequence).padStart(6, '0')}`;
    const booking: InspectionBooking = {
      YYLSH: number,
      YWLSH: request.ywlsh,
      SDBH: slot.SDBH,
      HPHM: request.hphm,
      JCZBH: slot.JCZBH,
      JCZMC: slot.JCZMC,
      JCZDZ: slot.JCZDZ,
      YYRQ: slot.YYRQ,
      KSSJ: slot.KSSJ,
      JSSJ: slot.JSSJ,
      ZT: '1',
      ZTMC: BOOKING_STATES['1'],
      JCFY: slot.JCFY,
      YYSJ: chinaDateTime(now),
    };
    this.#bookings.set(number, booking);
    this.#byReference.set(request.ywlsh, number);
    return { ok: true, booking: { ...booking }, created: true };
  }

  /**
   * Cancels a booking; cancelling a cancelled one answers it as it is. `hphm` and `ywlsh`, when
   * given, must be the booking's: a plate that does not hold it is told it does not exist.
   */
  cancel(number: string, check: { readonly hphm?: string; readonly ywlsh?: string }): BookingOutcome {
    const booking = this.#bookings.get(number);
    if (!booking || (check.hphm !== undefined && check.hphm !== booking.HPHM)) return refuse(REFUSALS.noBooking);
    if (check.ywlsh !== undefined && check.ywlsh !== booking.YWLSH) return refuse(REFUSALS.referenceMismatch);
    if (booking.ZT === '2') return { ok: true, booking: { ...booking }, created: false };
    const now = this.#clock();
    if (chinaInstant(booking.YYRQ, booking.KSSJ) <= now) return refuse(REFUSALS.tooLateToCancel);
    booking.ZT = '2';
    booking.ZTMC = BOOKING_STATES['2'];
    booking.QXSJ = chinaDateTime(now);
    return { ok: true, booking: { ...booking }, created: true };
  }
}
