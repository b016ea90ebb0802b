/**
 * The emulated city gas company (燃气公司): a JSON REST API behind an app key (`X-App-Key`), answering
 * `{ resultCode: "0000", resultMsg, result }`.
 *
 * - `GET /gas/{city}/api/bill/query?userNo={10 digits}` — the last 6 months' bills of an account
 * - `POST /gas/{city}/api/user/verify` with `{ "userNo": "<用户号>", "userName": "<户名>", "idNo"?: "<身份证号>" }` —
 *   whether the account's holder has that name (and id, when given): `result: { userNo, verifyFlag: "Y" | "N" }`;
 *   404 for a user number the company did not issue
 */
import type { EmulatorRoute } from '../../http-kit.ts';
import type { DepartmentEmulator, EmulatorContext } from '../registry.ts';
import { validateNationalId } from '../../../src/model/identifiers.ts';
import { departmentRoute, header, isPersonName, jsonObjectOf, sameSecret, secretFromEnv } from '../kit/router.ts';
import { generateGasBills, isUserHolder } from './records.ts';

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
      {
        method: 'POST',
        path: '/api/user/verify',
        handle: (call) => {
          const body = jsonObjectOf(call.body);
          if (!body) return call.send(400, errorBody(400, '请求体应为JSON对象 / the body must be a JSON object'));
          const { userNo, userName } = body;
          if (typeof userNo !== 'string' || !/^\d{10}$/.test(userNo)) return call.send(400, errorBody(400, '用户号应为10位数字 / userNo must be 10 digits'));
          if (!isPersonName(userName)) return call.send(400, errorBody(400, '户名格式错误 / userName must be a name'));
          let idNo: string | undefined;
          if (body.idNo !== undefined) {
            const id = typeof body.idNo === 'string' ? validateNationalId(body.idNo, context.referenceDate) : undefined;
            if (!id?.ok) return call.send(400, errorBody(400, '身份证号格式错误 / idNo must be a national id'));
            idNo = id.value;
          }
          const holder = isUserHolder(call.city, userNo, userName, idNo);
          if (holder === undefined) return call.send(404, errorBody(404, '用户号不存在 / no such userNo'));
          call.send(200, { resultCode: '0000', resultMsg: '核验完成', result: { userNo, verifyFlag: holder ? 'Y' : 'N' } });
        },
      },
    ],
  });
}

export const gasEmulator: DepartmentEmulator = {
  department: GAS_SEGMENT,
  create: (context) => createGasRoute(context),
};
