/**
 * The emulated exit-entry administration (出入境管理局) of each city: its application-progress query
 * service (办证进度查询), a JSON API answering `{ code: "0", msg, data }`.
 *
 * - `GET /exit-entry/{city}/api/bzjd/query?zjhm={national id}` — the applications lodged under an id, newest first
 */
import { validateNationalId } from '../../../src/model/identifiers.ts';
import type { EmulatorRoute } from '../../http-kit.ts';
import type { DepartmentEmulator, EmulatorContext } from '../registry.ts';
import { departmentRoute } from '../kit/router.ts';
import { generatePermitApplications } from './records.ts';

export const EXIT_ENTRY_SEGMENT = 'exit-entry';

const ERROR_CODES: Record<number, string> = { 400: '-1', 404: '-4', 405: '-5', 413: '-13' };

function errorBody(status: number, message: string): unknown {
  return { code: ERROR_CODES[status] ?? '-99', msg: message, data: null };
}

export function createExitEntryRoute(context: EmulatorContext): EmulatorRoute {
  return departmentRoute({
    segment: EXIT_ENTRY_SEGMENT,
    errorBody,
    endpoints: [
      {
        method: 'GET',
        path: '/api/bzjd/query',
        handle: (call) => {
          const id = validateNationalId(call.url.searchParams.get('zjhm') ?? '', context.referenceDate);
          if (!id.ok) return call.send(400, errorBody(400, '证件号码格式错误 / zjhm must be a valid national id'));
          const list = generatePermitApplications(call.city, id.value, context.referenceDate);
          call.send(200, { code: '0', msg: list.length > 0 ? '查询成功' : '未查询到办证信息', data: { total: list.length, list } });
        },
      },
    ],
  });
}

export const exitEntryEmulator: DepartmentEmulator = {
  department: EXIT_ENTRY_SEGMENT,
  create: (context) => createExitEntryRoute(context),
};
