/**
 * The emulated civil affairs bureau's marriage registration booking system (婚姻登记预约): a public
 * JSON API answering `{ code: 200, msg, data }`, paged as `{ records, total, size, current, pages }`.
 *
 * - `GET /civil-affairs/{city}/api/hydj/djjg` — the marriage registry offices
 * - `GET /civil-affairs/{city}/api/hydj/yysd/page[?current=&size=&djjgdm=&yyrq=]` — half-day slots, next 14 working days;
 *   syhs (剩余号数) counts the bookings made through this API
 * - `POST /civil-affairs/{city}/api/hydj/yy` with
 *   `{ "sdbh": "<时段编号>", "nfxm": "<男方姓名>", "nfsfzh": "<男方身份证号>", "nvfxm": "<女方姓名>", "nvfsfzh": "<女方身份证号>", "ywlsh": "<业务流水号>" }`
 *   — books the couple: `data` is the booking `{ yyh, ywlsh, sdbh, djjgdm, djjgmc, bgdz, yyrq, sjd, sjdmc, kssj, jssj, nfxm, nvfxm, djlx, zt: "1", ztmc, cjsj }`.
 *   The same `ywlsh` again answers the same booking and books nothing. Refusals, `{ code, msg, data: null }`: 409 with code
 *   40901 号源已满, 40902 一方已有有效预约, 40903 时段已过, 40904 ywlsh used for another booking; 422 with 42201 双方须为一男一女,
 *   42202 未达法定婚龄 (男22 女20 on the slot's date), 42203 身份信息核验不一致 (name and id disagree in the register),
 *   42205 男方/女方 swapped; 404 unknown slot; 400 malformed (an invalid id)
 * - `POST /civil-affairs/{city}/api/hydj/yy/{yyh}/qx` with `{ "sfzh"?, "ywlsh"? }` — cancels (zt "2" 已取消); idempotent.
 *   404 when sfzh is neither party's, 422 42204 when ywlsh is not its reference, 409 40905 once its slot has begun
 * - `GET /civil-affairs/{city}/api/hydj/yy?sfzh=` — a person's bookings `{ records, total }`
 *
 * Bookings live in memory, per emulator and city.
 */
import { validateNationalId } from '../../../src/model/identifiers.ts';
import type { EmulatorRoute } from '../../http-kit.ts';
import type { DepartmentEmulator, EmulatorContext } from '../registry.ts';
import { departmentRoute, isPersonName, jsonObjectOf, readPaging, type RestCall } from '../kit/router.ts';
import { BOOKING_REFERENCE, emulatorClock } from '../kit/clock.ts';
import type { RestCityId } from '../kit/synthetic.ts';
import { marriageOffices } from './records.ts';
import { MarriageBookings, type BookingOutcome } from './bookings.ts';

export const CIVIL_AFFAIRS_SEGMENT = 'civil-affairs';

function errorBody(status: number, message: string): unknown {
  return { code: status, msg: message, data: null };
}

/** Answers a booking outcome: the booking, or the refusal with the bureau's own code. */
function answerBooking(call: RestCall, outcome: BookingOutcome, msg: string): void {
  if (!outcome.ok) return call.send(outcome.refusal.status, { code: outcome.refusal.code, msg: outcome.refusal.msg, data: null });
  call.send(200, { code: 200, msg: outcome.created ? msg : '重复提交，返回原结果', data: outcome.booking });
}

export interface CivilAffairsOptions {
  /** Real time in epoch ms, from which the bureau's clock moves on from the reference date; Date.now by default. */
  readonly now?: () => number;
}

/**
 * The marriage registry of every city, with its own bookings.
 *
 * @example
 *   const route = createCivilAffairsRoute({ baseUrl, referenceDate }, { now: () => fakeNow })
 */
export function createCivilAffairsRoute(context: EmulatorContext, options: CivilAffairsOptions = {}): EmulatorRoute {
  const { referenceDate } = context;
  const clock = emulatorClock(referenceDate, options.now);
  const books = new Map<RestCityId, MarriageBookings>();
  const bookingsOf = (cityId: RestCityId): MarriageBookings => {
    let book = books.get(cityId);
    if (!book) books.set(cityId, (book = new MarriageBookings(cityId, referenceDate, clock)));
    return book;
  };
  const nationalIdOf = (value: unknown): string | undefined => {
    if (typeof value !== 'string') return undefined;
    const id = validateNationalId(value, referenceDate);
    return id.ok ? id.value : undefined;
  };

  return departmentRoute({
    segment: CIVIL_AFFAIRS_SEGMENT,
    errorBody,
    endpoints: [
      {
        method: 'GET',
        path: '/api/hydj/djjg',
        handle: (call) => call.send(200, { code: 200, msg: '操作成功', data: marriageOffices(call.city) }),
      },
      {
        method: 'GET',
        path: '/api/hydj/yysd/page',
        handle: (call) => {
          const paging = readPaging(call.url, { page: 'current', size: 'size' }, { size: 10, maxSize: 100 });
          if (!paging) return call.send(400, errorBody(400, 'current须为正整数，size须在1到100之间 / current must be ≥ 1 and size 1…100'));
          const office = call.url.searchParams.get('djjgdm');
          if (office !== null && !marriageOffices(call.city).some((o) => o.djjgdm === office)) {
            return call.send(404, errorBody(404, `登记机关不存在 / no such office: ${office}`));
          }
          const date = call.url.searchParams.get('yyrq');
          if (date !== null && !/^\d{4}-\d{2}-\d{2}$/.test(date)) return call.send(400, errorBody(400, 'yyrq格式应为yyyy-MM-dd / yyrq must be yyyy-MM-dd'));
          const slots = bookingsOf(call.city).slots().filter(
            (slot) => (office === null || slot.djjgdm === office) && (date === null || slot.yyrq === date),
          );
          const start = (paging.page - 1) * paging.size;
          call.send(200, {
            code: 200,
            msg: '操作成功',
            data: {
              records: slots.slice(start, start + paging.size),
              total: slots.length,
              size: paging.size,
              current: paging.page,
              pages: Math.ceil(slots.length / paging.size),
            },
          });
        },
      },
      {
        method: 'POST',
        path: '/api/hydj/yy',
        handle: (call) => {
          const body = jsonObjectOf(call.body);
          if (!body) return call.send(400, errorBody(400, '请求体应为JSON对象 / the body must be a JSON object'));
          if (typeof body.sdbh !== 'string' || body.sdbh === '') return call.send(400, errorBody(400, '时段编号不能为空 / sdbh is required'));
          const nfsfzh = nationalIdOf(body.nfsfzh);
          const nvfsfzh = nationalIdOf(body.nvfsfzh);
          if (!nfsfzh || !nvfsfzh) return call.send(400, errorBody(400, '身份证号格式错误 / nfsfzh and nvfsfzh must be valid national ids'));
          if (!isPersonName(body.nfxm) || !isPersonName(body.nvfxm)) return call.send(400, errorBody(400, '姓名格式错误 / nfxm and nvfxm must be names'));
          if (typeof body.ywlsh !== 'string' || !BOOKING_REFERENCE.test(body.ywlsh)) {
            return call.send(400, errorBody(400, '业务流水号应为20至32位字母或数字 / ywlsh must be 20 to 32 letters or digits'));
          }
          const outcome = bookingsOf(call.city).book({
            sdbh: body.sdbh,
            nf: { xm: body.nfxm, sfzh: nfsfzh },
            nvf: { xm: body.nvfxm, sfzh: nvfsfzh },
            ywlsh: body.ywlsh,
          });
          answerBooking(call, outcome, '预约成功');
        },
      },
      {
        method: 'GET',
        path: '/api/hydj/yy',
        handle: (call) => {
          const sfzh = nationalIdOf(call.url.searchParams.get('sfzh'));
          if (!sfzh) return call.send(400, errorBody(400, '身份证号格式错误 / sfzh must be a valid national id'));
          const records = bookingsOf(call.city).ofPerson(sfzh);
          call.send(200, { code: 200, msg: '操作成功', data: { records, total: records.length } });
        },
      },
      {
        method: 'POST',
        path: '/api/hydj/yy/:yyh/qx',
        handle: (call) => {
          // An empty body is allowed: the booking number alone names the booking.
          const body = call.body.length === 0 ? {} : jsonObjectOf(call.body);
          if (!body) return call.send(400, errorBody(400, '请求体应为JSON对象 / the body must be a JSON object'));
          const sfzh = body.sfzh === undefined ? undefined : nationalIdOf(body.sfzh);
          if (body.sfzh !== undefined && !sfzh) return call.send(400, errorBody(400, '身份证号格式错误 / invalid sfzh'));
          if (body.ywlsh !== undefined && typeof body.ywlsh !== 'string') return call.send(400, errorBody(400, '业务流水号格式错误 / invalid ywlsh'));
          answerBooking(call, bookingsOf(call.city).cancel(call.params.yyh!, { sfzh, ywlsh: body.ywlsh }), '取消成功');
        },
      },
    ],
  });
}

export const civilAffairsEmulator: DepartmentEmulator = {
  department: CIVIL_AFFAIRS_SEGMENT,
  create: (context) => createCivilAffairsRoute(context),
};
