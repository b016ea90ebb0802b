/**
 * The emulated human resources and social security bureau (人社局) of each city: a JSON REST API
 * whose every request is HMAC-signed (see ./hmac.ts), answering `{ code: "0", msg, data }`.
 *
 * - `GET /social-security/{city}/api/v2/persons/{aac002}/insurance-summary` — contribution summary of a national id
 */
import { validateNationalId } from '../../../src/model/identifiers.ts';
import type { EmulatorRoute } from '../../http-kit.ts';
import type { DepartmentEmulator, EmulatorContext } from '../registry.ts';
import { departmentRoute, header, secretFromEnv } from '../kit/router.ts';
import { HmacVerifier } from './hmac.ts';
import { generateInsuranceSummary } from './records.ts';

export const SOCIAL_SECURITY_SEGMENT = 'social-security';
export const SOCIAL_SECURITY_DEMO_KEY_ID = 'hutong-demo';
export const SOCIAL_SECURITY_DEMO_SECRET = 'demo-social-security-secret';

const ERROR_CODES: Record<number, string> = { 400: '40000', 404: '40400', 405: '40500', 413: '41300' };

function errorBody(status: number, message: string): unknown {
  return { code: ERROR_CODES[status] ?? '50000', msg: message, data: null };
}

export interface SocialSecurityOptions {
  readonly keyId?: string;
  readonly secret?: string;
  /** Clock for the timestamp window; real time by default. */
  readonly now?: () => number;
}

export function createSocialSecurityRoute(context: EmulatorContext, options: SocialSecurityOptions = {}): EmulatorRoute {
  const keyId = options.keyId ?? secretFromEnv('SOCIAL_SECURITY_KEY_ID', SOCIAL_SECURITY_DEMO_KEY_ID);
  const secret = options.secret ?? secretFromEnv('SOCIAL_SECURITY_SECRET', SOCIAL_SECURITY_DEMO_SECRET);
  const verifier = new HmacVerifier(new Map([[keyId, secret]]), options.now);
  return departmentRoute({
    segment: SOCIAL_SECURITY_SEGMENT,
    errorBody,
    guard: (call) => {
      const check = verifier.verify({
        method: call.req.method ?? 'GET',
        pathAndQuery: call.req.url ?? '',
        body: call.body,
        keyId: header(call.req, 'x-api-key'),
        timestamp: header(call.req, 'x-timestamp'),
        nonce: header(call.req, 'x-nonce'),
        signature: header(call.req, 'x-signature'),
      });
      if (check.ok) return true;
      call.send(401, { code: check.code, msg: check.message, data: null });
      return false;
    },
    endpoints: [
      {
        method: 'GET',
        path: '/api/v2/persons/:aac002/insurance-summary',
        handle: (call) => {
          const id = validateNationalId(call.params.aac002!, context.referenceDate);
          if (!id.ok) return call.send(400, errorBody(400, '公民身份号码格式错误 / invalid national id'));
          const summary = generateInsuranceSummary(call.city, id.value, context.referenceDate);
          if (!summary) return call.send(404, errorBody(404, '未查询到参保信息 / no insurance record for this id'));
          call.send(200, { code: '0', msg: '成功', data: summary });
        },
      },
    ],
  });
}

export const socialSecurityEmulator: DepartmentEmulator = {
  department: SOCIAL_SECURITY_SEGMENT,
  create: (context) => createSocialSecurityRoute(context),
};
