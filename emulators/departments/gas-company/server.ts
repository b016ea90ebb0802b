/**
 * The emulated city gas company (燃气公司): a JSON REST API behind an app key (`X-App-Key`), answering
 * `{ resultCode: "0000", resultMsg, result }`.
 *
 * - `GET /gas/{city}/api/bill/query?userNo={10 digits}` — the last 6 months' bills of an account
 */
import type { EmulatorRoute } from '../../http-kit.ts';
import type { DepartmentEmulator, EmulatorContext } from '../registry.ts';
import { departmentRoute, header, sameSecret, secretFromEnv } from '../kit/router.ts';
import { generateGasBills } from './records.ts';

export const GAS_SEGMENT = 'gas';
export const GAS_API_KEY_HEADER = 'X-App-Key';
export const GAS_DEMO_API_KEY = 'demo-gas-key';

const ERROR_CODES: Record<number, string> = { 400: '1001', 401: '1002', 404: '1004', 405: '1005', 413: '1013' };

function errorBody(status: number, message: string): unknown {
  return { resultCode: ERROR_CODES[status] ?? '9999', resultMsg: message, result: null };
}

export interface GasOptions {
  /** The app key callers must send; `GAS_API_KEY` or the demo key when absent. */
  readonly apiKey?: string;
}

export function createGasRoute(context: EmulatorContext, options: GasOptions = {}): EmulatorRoute {
  const apiKey = options.apiKey ?? secretFromEnv('GAS_API_KEY', GAS_DEMO_API_KEY);
  return departmentRoute({
    segment: GAS_SEGMENT,
    errorBody,
    guard: (call) => {
      if (sameSecret(header(call.req, GAS_API_KEY_HEADER), apiKey)) return true;
      call.send(401, errorBody(401, '应用密钥无效 / missing or invalid X-App-Key'));
      return false;
    },
    endpoints: [
      {
        method: 'GET',
        path: '/api/bill/query',
        handle: (call) => {
          const account = call.url.searchParams.get('userNo');
          if (account === null || !/^\d{10}$/.test(account)) return call.send(400, errorBody(400, '用户号应为10位数字 / userNo must be 10 digits'));
          call.send(200, { resultCode: '0000', resultMsg: '查询成功', result: generateGasBills(call.city, account, context.referenceDate) });
        },
      },
    ],
  });
}

export const gasEmulator: DepartmentEmulator = {
  department: GAS_SEGMENT,
  create: (context) => createGasRoute(context),
};
