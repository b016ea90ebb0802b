/**
 * The emulated vehicle administration office (车辆管理所) of each city: a JSON REST API behind an
 * API key (`X-Api-Key`), answering `{ code, msg, data }` with code "0000" on success.
 *
 * - `GET /vehicle-administration/{city}/drivers/{sfzmhm}/licence` — the licence held under a national id
 * - `GET /vehicle-administration/{city}/vehicles/{hphm}[?hpzl=02]` — a local vehicle with its inspection due date
 * - `POST /vehicle-administration/{city}/vehicles/{hphm}/owner-check` with `{ "sfzmhm": "<身份证明号码>", "xm": "<姓名>" }` —
 *   whether the registered owner is that person: `data: { HPHM, HDJG: "1" | "0", HDJGMC: "一致" | "不一致" }`
 *   (核对结果; both the id and the name must agree); 404 when the vehicle is not registered in the city
 * - `GET /vehicle-administration/{city}/inspection/stations` — the city's inspection stations
 * - `GET /vehicle-administration/{city}/inspection/slots[?jczbh=&yyrq=&pageNo=&pageSize=]` — half-hour slots, next 7 days;
 *   SYHS (剩余号数) counts the bookings made through this API
 * - `POST /vehicle-administration/{city}/inspection/bookings` with
 *   `{ "sdbh": "<时段编号>", "hphm": "<号牌号码>", "sfzmhm": "<所有人身份证明号码>", "xm": "<所有人姓名>", "ywlsh": "<业务流水号>" }` —
 *   books a place: `data` is the booking `{ YYLSH, YWLSH, SDBH, HPHM, JCZBH, JCZMC, JCZDZ, YYRQ, KSSJ, JSSJ, ZT: "1", ZTMC, JCFY, YYSJ }`.
 *   The same `ywlsh` again answers the same booking and books nothing. Refusals: 409 `2001` 号源已满, `2002` 未到检验期
 *   (检验有效期止 more than 90 days away), `2003` 该车辆已有有效预约, `2004` 时段已过, `2006` ywlsh used for another booking;
 *   422 `2005` 非机动车所有人; 404 `1004` unknown slot or a vehicle not registered in the city; 400 `1001` malformed
 * - `POST /vehicle-administration/{city}/inspection/bookings/{yylsh}/cancel` with `{ "hphm"?, "ywlsh"? }` — the booking with
 *   ZT "2" (已取消); idempotent. 404 `1004` when the plate does not hold it, 422 `2007` when ywlsh is not its reference,
 *   409 `2008` once its slot has begun
 * - `GET /vehicle-administration/{city}/inspection/bookings?hphm=` — a plate's bookings `{ total, list }`
 *
 * Bookings live in memory, per emulator and city.
 */
import { validateNationalId, validatePlate } from '../../../src/model/identifiers.ts';
import type { EmulatorRoute } from '../../http-kit.ts';
import type { DepartmentEmulator, EmulatorContext } from '../registry.ts';
import { departmentRoute, header, isPersonName, jsonObjectOf, readPaging, sameSecret, secretFromEnv, type RestCall } from '../kit/router.ts';
import { BOOKING_REFERENCE, emulatorClock } from '../kit/clock.ts';
import type { RestCityId } from '../kit/synthetic.ts';
import { generateLicence, generateVehicle, inspectionStations, isRegisteredOwner, plateTypeOfPlate } from './records.ts';
import { InspectionBookings, type BookingOutcome } from './bookings.ts';

export const VEHICLE_ADMINISTRATION_SEGMENT = 'vehicle-administration';
/** The key the emulator accepts when `VEHICLE_ADMIN_API_KEY` is not set; the city YAML falls back to the same. */
export const VEHICLE_ADMIN_DEMO_API_KEY = 'demo-vehicle-admin-key';

const ERROR_CODES: Record<number, string> = { 400: '1001', 401: '1002', 404: '1004', 405: '1005', 413: '1013' };

function errorBody(status: number, message: string): unknown {
  return { code: ERROR_CODES[status] ?? '9999', msg: message, data: null };
}

function ok(call: RestCall, data: unknown, msg = '查询成功'): void {
  call.send(200, { code: '0000', msg, data });
}

/** Answers a booking outcome: the booking, or the refusal in the office's envelope with its own code. */
function answerBooking(call: RestCall, outcome: BookingOutcome, msg: string): void {
  if (!outcome.ok) return call.send(outcome.refusal.status, { code: outcome.refusal.code, msg: outcome.refusal.msg, data: null });
  ok(call, outcome.booking, outcome.created ? msg : '重复提交，返回原结果');
}

export interface VehicleAdministrationOptions {
  /** The API key callers must send; `VEHICLE_ADMIN_API_KEY` or the demo key when absent. */
  readonly apiKey?: string;
  /** Real time in epoch ms, from which the office's clock moves on from the reference date; Date.now by default. */
  readonly now?: () => number;
}

/**
 * The vehicle administration office of every city, with its own inspection bookings.
 *
 * @example
 *   const route = createVehicleAdministrationRoute({ baseUrl, referenceDate }, { now: () => fakeNow })
 */
export function createVehicleAdministrationRoute(context: EmulatorContext, options: VehicleAdministrationOptions = {}): EmulatorRoute {
  const apiKey = options.apiKey ?? secretFromEnv('VEHICLE_ADMIN_API_KEY', VEHICLE_ADMIN_DEMO_API_KEY);
  const { referenceDate } = context;
  const clock = emulatorClock(referenceDate, options.now);
  const books = new Map<RestCityId, InspectionBookings>();
  const bookingsOf = (cityId: RestCityId): InspectionBookings => {
    let book = books.get(cityId);
    if (!book) books.set(cityId, (book = new InspectionBookings(cityId, referenceDate, clock)));
    return book;
  };
  return departmentRoute({
    segment: VEHICLE_ADMINISTRATION_SEGMENT,
    errorBody,
    guard: (call) => {
      if (sameSecret(header(call.req, 'x-api-key'), apiKey)) return true;
      call.send(401, errorBody(401, 'API密钥无效 / missing or invalid X-Api-Key'));
      return false;
    },
    endpoints: [
      {
        method: 'GET',
        path: '/drivers/:sfzmhm/licence',
        handle: (call) => {
          const id = validateNationalId(call.params.sfzmhm!, referenceDate);
          if (!id.ok) return call.send(400, errorBody(400, '身份证明号码格式错误 / invalid national id'));
          const licence = generateLicence(call.city, id.value, referenceDate);
          if (!licence) return call.send(404, errorBody(404, '未查询到驾驶证信息 / no licence held under this id'));
          ok(call, licence);
        },
      },
      {
        method: 'GET',
        path: '/vehicles/:hphm',
        handle: (call) => {
          const plate = validatePlate(call.params.hphm!);
          if (!plate.ok) return call.send(400, errorBody(400, '号牌号码格式错误 / invalid plate number'));
          const plateType = call.url.searchParams.get('hpzl');
          if (plateType !== null && plateType !== plateTypeOfPlate(plate.value.plate)) {
            return call.send(400, errorBody(400, '号牌种类与号牌号码不符 / hpzl does not match the plate'));
          }
          const vehicle = generateVehicle(call.city, plate.value.plate, referenceDate);
          if (!vehicle) return call.send(404, errorBody(404, '非本市登记机动车 / the vehicle is not registered in this city'));
          ok(call, vehicle);
        },
      },
      {
        method: 'POST',
        path: '/vehicles/:hphm/owner-check',
        handle: (call) => {
          const plate = validatePlate(call.params.hphm!);
          if (!plate.ok) return call.send(400, errorBody(400, '号牌号码格式错误 / invalid plate number'));
          const body = jsonObjectOf(call.body);
          if (!body) return call.send(400, errorBody(400, '请求体应为JSON对象 / the body must be a JSON object'));
          const id = typeof body.sfzmhm === 'string' ? validateNationalId(body.sfzmhm, referenceDate) : undefined;
          if (!id?.ok) return call.send(400, errorBody(400, '身份证明号码格式错误 / invalid sfzmhm'));
          if (!isPersonName(body.xm)) return call.send(400, errorBody(400, '姓名格式错误 / xm must be a name'));
          const owner = isRegisteredOwner(call.city, plate.value.plate, id.value, body.xm);
          if (owner === undefined) return call.send(404, errorBody(404, '非本市登记机动车 / the vehicle is not registered in this city'));
          ok(call, { HPHM: plate.value.plate, HDJG: owner ? '1' : '0', HDJGMC: owner ? '一致' : '不一致' }, '核查完成');
        },
      },
      {
        method: 'GET',
        path: '/inspection/stations',
        handle: (call) => ok(call, inspectionStations(call.city)),
      },
      {
        method: 'GET',
        path: '/inspection/slots',
        handle: (call) => {
          const paging = readPaging(call.url, { page: 'pageNo', size: 'pageSize' }, { size: 20, maxSize: 100 });
          if (!paging) return call.send(400, errorBody(400, 'pageNo须为正整数，pageSize须在1到100之间 / pageNo must be ≥ 1 and pageSize 1…100'));
          const station = call.url.searchParams.get('jczbh');
          if (station !== null && !inspectionStations(call.city).some((s) => s.JCZBH === station)) {
            return call.send(404, errorBody(404, `检测站不存在 / no such station: ${station}`));
          }
          const date = call.url.searchParams.get('yyrq');
          if (date !== null && !/^\d{4}-\d{2}-\d{2}$/.test(date)) {
            return call.send(400, errorBody(400, 'yyrq格式应为yyyy-MM-dd / yyrq must be yyyy-MM-dd'));
          }
          const slots = bookingsOf(call.city).slots().filter(
            (slot) => (station === null || slot.JCZBH === station) && (date === null || slot.YYRQ === date),
          );
          const start = (paging.page - 1) * paging.size;
          ok(call, { total: slots.length, pageNo: paging.page, pageSize: paging.size, list: slots.slice(start, start + paging.size) });
        },
      },
      {
        method: 'POST',
        path: '/inspection/bookings',
        handle: (call) => {
          const body = jsonObjectOf(call.body);
          if (!body) return call.send(400, errorBody(400, '请求体应为JSON对象 / the body must be a JSON object'));
          if (typeof body.sdbh !== 'string' || body.sdbh === '') return call.send(400, errorBody(400, '时段编号不能为空 / sdbh is required'));
          const plate = typeof body.hphm === 'string' ? validatePlate(body.hphm) : undefined;
          if (!plate?.ok) return call.send(400, errorBody(400, '号牌号码格式错误 / invalid hphm'));
          const id = typeof body.sfzmhm === 'string' ? validateNationalId(body.sfzmhm, referenceDate) : undefined;
          if (!id?.ok) return call.send(400, errorBody(400, '身份证明号码格式错误 / invalid sfzmhm'));
          if (!isPersonName(body.xm)) return call.send(400, errorBody(400, '姓名格式错误 / xm must be a name'));
          if (typeof body.ywlsh !== 'string' || !BOOKING_REFERENCE.test(body.ywlsh)) {
            return call.send(400, errorBody(400, '业务流水号应为20至32位字母或数字 / ywlsh must be 20 to 32 letters or digits'));
          }
          const outcome = bookingsOf(call.city).book({ sdbh: body.sdbh, hphm: plate.value.plate, sfzmhm: id.value, xm: body.xm, ywlsh: body.ywlsh });
          answerBooking(call, outcome, '预约成功');
        },
      },
      {
        method: 'GET',
        path: '/inspection/bookings',
        handle: (call) => {
          const plate = validatePlate(call.url.searchParams.get('hphm') ?? '');
          if (!plate.ok) return call.send(400, errorBody(400, '号牌号码格式错误 / hphm is required'));
          const list = bookingsOf(call.city).ofPlate(plate.value.plate);
          ok(call, { total: list.length, list });
        },
      },
      {
        method: 'POST',
        path: '/inspection/bookings/:yylsh/cancel',
        handle: (call) => {
          // An empty body is allowed: the booking number alone names the booking.
          const body = call.body.length === 0 ? {} : jsonObjectOf(call.body);
          if (!body) return call.send(400, errorBody(400, '请求体应为JSON对象 / the body must be a JSON object'));
          let hphm: string | undefined;
          if (body.hphm !== undefined) {
            const plate = typeof body.hphm === 'string' ? validatePlate(body.hphm) : undefined;
            if (!plate?.ok) return call.send(400, errorBody(400, '号牌号码格式错误 / invalid hphm'));
            hphm = plate.value.plate;
          }
          if (body.ywlsh !== undefined && typeof body.ywlsh !== 'string') return call.send(400, errorBody(400, '业务流水号格式错误 / invalid ywlsh'));
          const outcome = bookingsOf(call.city).cancel(call.params.yylsh!, { hphm, ywlsh: body.ywlsh });
          answerBooking(call, outcome, '取消成功');
        },
      },
    ],
  });
}

export const vehicleAdministrationEmulator: DepartmentEmulator = {
  department: VEHICLE_ADMINISTRATION_SEGMENT,
  create: (context) => createVehicleAdministrationRoute(context),
};
