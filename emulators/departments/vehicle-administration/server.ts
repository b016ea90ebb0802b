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
 * - `GET /vehicle-administration/{city}/inspection/slots[?jczbh=&yyrq=&pageNo=&pageSize=]` — half-hour slots, next 7 days
 */
import { validateNationalId, validatePlate } from '../../../src/model/identifiers.ts';
import type { EmulatorRoute } from '../../http-kit.ts';
import type { DepartmentEmulator, EmulatorContext } from '../registry.ts';
import { departmentRoute, header, isPersonName, jsonObjectOf, readPaging, sameSecret, secretFromEnv, type RestCall } from '../kit/router.ts';
import { generateInspectionSlots, generateLicence, generateVehicle, inspectionStations, isRegisteredOwner, plateTypeOfPlate } from './records.ts';

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

export interface VehicleAdministrationOptions {
  /** The API key callers must send; `VEHICLE_ADMIN_API_KEY` or the demo key when absent. */
  readonly apiKey?: string;
}

export function createVehicleAdministrationRoute(context: EmulatorContext, options: VehicleAdministrationOptions = {}): EmulatorRoute {
  const apiKey = options.apiKey ?? secretFromEnv('VEHICLE_ADMIN_API_KEY', VEHICLE_ADMIN_DEMO_API_KEY);
  const { referenceDate } = context;
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
          const slots = generateInspectionSlots(call.city, referenceDate).filter(
            (slot) => (station === null || slot.JCZBH === station) && (date === null || slot.YYRQ === date),
          );
          const start = (paging.page - 1) * paging.size;
          ok(call, { total: slots.length, pageNo: paging.page, pageSize: paging.size, list: slots.slice(start, start + paging.size) });
        },
      },
    ],
  });
}

export const vehicleAdministrationEmulator: DepartmentEmulator = {
  department: VEHICLE_ADMINISTRATION_SEGMENT,
  create: (context) => createVehicleAdministrationRoute(context),
};
