/**
 * The emulated public-security identity check (公民身份信息核查): the national register answers
 * whether a name and a citizen identity number (公民身份号码) belong together. One service for
 * the whole country, so it is served without a city: `/public-security/…`.
 *
 * - `POST /public-security/nciic/v1/check` with `X-Nciic-License: <license>` and
 *   `{ "xm": "<姓名>", "gmsfhm": "<公民身份号码>" }` →
 *   `{ "code": "0000", "message": "核查成功", "data": { "result": "1" | "2" | "3", "resultText": "一致" | "不一致" | "库中无此号" } }`
 *
 * Errors: 400 `{ code: "1001" }` malformed request, 401 `{ code: "1002" }` missing or wrong licence,
 * 404 `{ code: "1004" }` unknown path. Answers come from `emulators/population.ts`, so the register
 * agrees with every other emulated department about who a person is.
 */
import type http from 'node:http';
import { validateNationalId } from '../../../src/model/identifiers.ts';
import { readJsonBody, sendJson, type EmulatorRoute } from '../../http-kit.ts';
import { isRegisteredNationalId, residentName } from '../../population.ts';
import type { DepartmentEmulator } from '../registry.ts';
import { sameSecret, secretFromEnv } from '../kit/router.ts';

export const PUBLIC_SECURITY_SEGMENT = 'public-security';
/** The licence the emulator accepts when `PUBLIC_SECURITY_LICENSE` is not set; the hub falls back to the same. */
export const PUBLIC_SECURITY_DEMO_LICENSE = 'demo-nciic-license-0001';

const RESULT_TEXT = { '1': '一致', '2': '不一致', '3': '库中无此号' } as const;

function fail(res: http.ServerResponse, status: 400 | 401 | 404 | 405, message: string): true {
  const code = { 400: '1001', 401: '1002', 404: '1004', 405: '1005' }[status];
  sendJson(res, status, { code, message, data: null });
  return true;
}

/** Who a name and id are to the register: '1' they match, '2' the id is someone else's name, '3' nobody holds the id. */
export function registerResult(name: string, nationalId: string): keyof typeof RESULT_TEXT {
  if (!isRegisteredNationalId(nationalId)) return '3';
  return residentName(nationalId) === name ? '1' : '2';
}

export function createPublicSecurityRoute(options: { license?: string } = {}): EmulatorRoute {
  const license = options.license ?? secretFromEnv('PUBLIC_SECURITY_LICENSE', PUBLIC_SECURITY_DEMO_LICENSE);
  return async (req, res, url) => {
    if (url.pathname.split('/')[1] !== PUBLIC_SECURITY_SEGMENT) return false;
    if (url.pathname !== `/${PUBLIC_SECURITY_SEGMENT}/nciic/v1/check`) return fail(res, 404, '接口不存在 / no such endpoint');
    if (req.method !== 'POST') return fail(res, 405, '请求方法错误 / use POST');
    const given = req.headers['x-nciic-license'];
    if (!sameSecret(typeof given === 'string' ? given : undefined, license)) return fail(res, 401, '授权文件无效 / missing or invalid X-Nciic-License');
    let body: unknown;
    try {
      body = await readJsonBody(req, 4 * 1024);
    } catch {
      return fail(res, 400, '请求报文格式错误 / body must be JSON of at most 4 KiB');
    }
    const { xm, gmsfhm } = (body ?? {}) as { xm?: unknown; gmsfhm?: unknown };
    if (typeof xm !== 'string' || !/^[\p{Script=Han}·A-Za-z ]{1,30}$/u.test(xm)) return fail(res, 400, '姓名格式错误 / xm must be a name');
    const id = typeof gmsfhm === 'string' ? validateNationalId(gmsfhm) : undefined;
    if (!id?.ok) return fail(res, 400, '公民身份号码格式错误 / gmsfhm fails GB 11643');
    const result = registerResult(xm, id.value);
    sendJson(res, 200, { code: '0000', message: '核查成功', data: { result, resultText: RESULT_TEXT[result] } });
    return true;
  };
}

export const publicSecurityEmulator: DepartmentEmulator = {
  department: PUBLIC_SECURITY_SEGMENT,
  create: () => createPublicSecurityRoute(),
};
