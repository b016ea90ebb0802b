/**
 * Marriage registration bookings (结婚登记预约) taken by the emulated civil affairs bureau: one
 * city's bookings in memory, the statutory rules that refuse one, and the slots' remaining places
 * (剩余号数) less the bookings made through the API.
 *
 * A booking names the couple as 男方 (nfxm 姓名, nfsfzh 身份证号) and 女方 (nvfxm, nvfsfzh); the sex
 * is the one the id encodes (17th digit odd for men), and the register must know each name and id
 * together. Field names are pinyin initials: yyh 预约号, ywlsh 业务流水号 (the caller's reference, its
 * idempotency key), zt 状态 ('1' 已预约, '2' 已取消), cjsj 创建时间, qxsj 取消时间.
 */
import { addYears, birthDateOf, chinaDateTime, chinaInstant, type RestCityId } from '../kit/synthetic.ts';
import type { EmulatorClock } from '../kit/clock.ts';
import { isRegisteredNationalId, maskName, residentName } from '../../population.ts';
import { generateMarriageSlots, type MarriageSlot } from './records.ts';

/** Booking states with their names on the wire. */
export const BOOKING_STATES = { '1': '已预约', '2': '已取消' } as const;

/** A marriage registration booking as the bureau's system returns it. */
export interface MarriageBooking {
  /** 预约号: the slot number and the couple's place in it. */
  yyh: string;
  ywlsh: string;
  sdbh: string;
  djjgdm: string;
  djjgmc: string;
  bgdz: string;
  yyrq: string;
  sjd: MarriageSlot['sjd'];
  sjdmc: MarriageSlot['sjdmc'];
  kssj: string;
  jssj: string;
  /** Names masked (张*明), ids kept out of the answer. */
  nfxm: string;
  nvfxm: string;
  /** 登记类型: 'JH' 结婚登记. */
  djlx: 'JH';
  zt: keyof typeof BOOKING_STATES;
  ztmc: (typeof BOOKING_STATES)[keyof typeof BOOKING_STATES];
  /** "yyyy-MM-dd HH:mm:ss". */
  cjsj: string;
  qxsj?: string;
}

/**
 * Why the bureau refuses: its own code in the `code` field of its envelope, the HTTP status, the
 * message. 409xx conflicts with other bookings or time, 422xx the couple may not register.
 */
export const REFUSALS = {
  slotFull: { status: 409, code: 40901, msg: '该时段号源已满 / the slot is fully booked' },
  partyBooked: { status: 409, code: 40902, msg: '一方已有有效的婚姻登记预约 / one of the parties already holds an active booking' },
  slotPast: { status: 409, code: 40903, msg: '预约时段已过 / the slot has already begun' },
  referenceReused: { status: 409, code: 40904, msg: '业务流水号已用于其他预约 / ywlsh was used for another booking' },
  tooLateToCancel: { status: 409, code: 40905, msg: '预约时段已开始，不能取消 / the slot has begun and can no longer be cancelled' },
  sameSex: { status: 422, code: 42201, msg: '双方须为一男一女 / the parties must be one man and one woman' },
  partiesSwapped: { status: 422, code: 42205, msg: '男方、女方与身份证号所示性别不符 / nf must be the man and nvf the woman' },
  underAge: { status: 422, code: 42202, msg: '未达法定婚龄（男不得早于二十二周岁，女不得早于二十周岁） / below the statutory marriage age (men 22, women 20)' },
  identityMismatch: { status: 422, code: 42203, msg: '身份信息核验不一致 / a name does not match its national id in the register' },
  referenceMismatch: { status: 422, code: 42204, msg: '业务流水号与预约不符 / ywlsh does not match the booking' },
  noSlot: { status: 404, code: 404, msg: '预约时段不存在 / no such slot' },
  noBooking: { status: 404, code: 404, msg: '预约不存在 / no such booking' },
} as const;
export type Refusal = (typeof REFUSALS)[keyof typeof REFUSALS];

export type BookingOutcome = { readonly ok: true; readonly booking: MarriageBooking; readonly created: boolean } | { readonly ok: false; readonly refusal: Refusal };

/** One party to the marriage, with a national id already checked for shape. */
export interface Party {
  readonly xm: string;
  readonly sfzh: string;
}

export interface MarriageBookingRequest {
  readonly sdbh: string;
  /** 男方. */
  readonly nf: Party;
  /** 女方. */
  readonly nvf: Party;
  readonly ywlsh: string;
}

/** The sex an 18-character national id encodes. */
export function sexOf(nationalId: string): 'male' | 'female' {
  return Number(nationalId[16]) % 2 === 1 ? 'male' : 'female';
}

/** Minimum marriage age by sex (民法典 第一千零四十七条). */
const MARRIAGE_AGE = { male: 22, female: 20 } as const;

interface StoredBooking {
  readonly booking: MarriageBooking;
  readonly ids: readonly [string, string];
}

const refuse = (refusal: Refusal): BookingOutcome => ({ ok: false, refusal });

/** One city's marriage bookings, kept for as long as the emulator runs. */
export class MarriageBookings {
  readonly #slots: ReadonlyMap<string, MarriageSlot>;
  readonly #bookings = new Map<string, StoredBooking>();
  readonly #byReference = new Map<string, string>();
  /** Places given out per slot, so a 预约号 is never handed out twice. */
  readonly #issued = new Map<string, number>();
  readonly #clock: EmulatorClock;

  constructor(readonly cityId: RestCityId, referenceDate: Date, clock: EmulatorClock) {
    this.#slots = new Map(generateMarriageSlots(cityId, referenceDate).map((slot) => [slot.sdbh, slot]));
    this.#clock = clock;
  }

  /** Every slot, its 剩余号数 less the active bookings made here. */
  slots(): MarriageSlot[] {
    return [...this.#slots.values()].map((slot) => ({ ...slot, syhs: this.#remaining(slot) }));
  }

  #remaining(slot: MarriageSlot): number {
    let booked = 0;
    for (const { booking } of this.#bookings.values()) if (booking.sdbh === slot.sdbh && booking.zt === '1') booked++;
    return Math.max(0, slot.syhs - booked);
  }

  /** The bookings either party of which is the person, oldest first. */
  ofPerson(nationalId: string): MarriageBooking[] {
    return [...this.#bookings.values()].filter((stored) => stored.ids.includes(nationalId)).map((stored) => ({ ...stored.booking }));
  }

  /** Books the couple into the slot, or answers the booking already made under the same reference. */
  book(request: MarriageBookingRequest): BookingOutcome {
    const earlier = this.#byReference.get(request.ywlsh);
    if (earlier !== undefined) {
      const stored = this.#bookings.get(earlier)!;
      const same = stored.booking.sdbh === request.sdbh && stored.ids[0] === request.nf.sfzh && stored.ids[1] === request.nvf.sfzh;
      return same ? { ok: true, booking: { ...stored.booking }, created: false } : refuse(REFUSALS.referenceReused);
    }
    const slot = this.#slots.get(request.sdbh);
    if (!slot) return refuse(REFUSALS.noSlot);
    if (sexOf(request.nf.sfzh) === sexOf(request.nvf.sfzh)) return refuse(REFUSALS.sameSex);
    if (sexOf(request.nf.sfzh) !== 'male') return refuse(REFUSALS.partiesSwapped);
    for (const party of [request.nf, request.nvf]) {
      if (!isRegisteredNationalId(party.sfzh) || residentName(party.sfzh) !== party.xm) return refuse(REFUSALS.identityMismatch);
      if (addYears(birthDateOf(party.sfzh), MARRIAGE_AGE[sexOf(party.sfzh)]) > slot.yyrq) return refuse(REFUSALS.underAge);
    }
    const now = this.#clock();
    if (chinaInstant(slot.yyrq, slot.kssj) <= now) return refuse(REFUSALS.slotPast);
    const active = [...this.#bookings.values()].some(
      ({ booking, ids }) => booking.zt === '1' && chinaInstant(booking.yyrq, booking.jssj) > now && (ids.includes(request.nf.sfzh) || ids.includes(request.nvf.sfzh)),
    );
    if (active) return refuse(REFUSALS.partyBooked);
    if (this.#remaining(slot) <= 0) return refuse(REFUSALS.slotFull);

    // Places after the ones booked elsewhere (zhs - syhs of them) are numbered on from there.
    const place = (this.#issued.get(slot.sdbh) ?? slot.zhs - slot.syhs) + 1;
    this.#issued.set(slot.sdbh, place);
    const booking: MarriageBooking = {
      yyh: `${slot.sdbh}${String(place).padStart(3, '0')}`,
      ywlsh: request.ywlsh,
      sdbh: slot.sdbh,
      djjgdm: slot.djjgdm,
      djjgmc: slot.djjgmc,
      bgdz: slot.bgdz,
      yyrq: slot.yyrq,
      sjd: slot.sjd,
      sjdmc: slot.sjdmc,
      kssj: slot.kssj,
      jssj: slot.jssj,
      nfxm: maskName(request.nf.xm),
      nvfxm: maskName(request.nvf.xm),
      djlx: 'JH',
      zt: '1',
      ztmc: BOOKING_STATES['1'],
      cjsj: chinaDateTime(now),
    };
    this.#bookings.set(booking.yyh, { booking, ids: [request.nf.sfzh, request.nvf.sfzh] });
    this.#byReference.set(request.ywlsh, booking.yyh);
    return { ok: true, booking: { ...booking }, created: true };
  }

  /**
   * Cancels a booking; cancelling a cancelled one answers it as it is. `sfzh`, when given, must be
   * one of the parties' (anyone else is told it does not exist), and `ywlsh` its reference.
   */
  cancel(yyh: string, check: { readonly sfzh?: string; readonly ywlsh?: string }): BookingOutcome {
    const stored = this.#bookings.get(yyh);
    if (!stored || (check.sfzh !== undefined && !stored.ids.includes(check.sfzh))) return refuse(REFUSALS.noBooking);
    const { booking } = stored;
    if (check.ywlsh !== undefined && check.ywlsh !== booking.ywlsh) return refuse(REFUSALS.referenceMismatch);
    if (booking.zt === '2') return { ok: true, booking: { ...booking }, created: false };
    const now = this.#clock();
    if (chinaInstant(booking.yyrq, booking.kssj) <= now) return refuse(REFUSALS.tooLateToCancel);
    booking.zt = '2';
    booking.ztmc = BOOKING_STATES['2'];
    booking.qxsj = chinaDateTime(now);
    return { ok: true, booking: { ...booking }, created: true };
  }
}
