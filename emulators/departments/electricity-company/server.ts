/**
 * The emulated power supply company (供电公司) of each city: a JSON REST API protected by OAuth 2.0
 * client credentials (RFC 6749 §4.4, client authenticated with HTTP Basic; bearer tokens per RFC 6750).
 * Resources answer `{ code: "00000", message, data }`.
 *
 * - `POST /electricity/{city}/oauth/token` — `grant_type=client_credentials` → `{ access_token, token_type, expires_in }`
 * - `GET  /electricity/{city}/api/v1/consumers/{consNo}/bills` — the last 6 months' bills of a 10-digit account
 * - `POST /electricity/{city}/api/v1/consumers/{consNo}/holder-verification` with `{ "consName": "<户名>", "certNo"?: "<证件号码>" }` —
 *   whether the account's holder has that name (and id, when given):
 *   `data: { consNo, checkResult: "1" | "0", checkResultName: "一致" | "不一致" }`; 404 for an account the company did not issue
 */
import { randomBytes } from 'node:crypto';
import type { EmulatorRoute } from '../../http-kit.ts';
import type { DepartmentEmulator, EmulatorContext } from '../registry.ts';
import { validateNationalId } from '../../../src/model/identifiers.ts';
import { departmentRoute, header, isPersonName, jsonObjectOf, sameSecret, secretFromEnv, type RestCall } from '../kit/router.ts';
import { generateElectricityBills, isAccountHolder } from './records.ts';

export const ELECTRICITY_SEGMENT = 'electricity';
export const ELECTRICITY_DEMO_CLIENT_ID = 'hutong-demo-client';
export const ELECTRICITY_DEMO_CLIENT_SECRET = 'demo-electricity-secret';
/** Lifetime of an access token, seconds. */
export const ELECTRICITY_TOKEN_TTL_SECONDS = 7200;
const SCOPES = new Set(['bill.read']);
const TOKEN_PATH = '/oauth/token';

const ERROR_CODES: Record<number, string> = { 400: 'A0400', 404: 'A0201', 405: 'A0405', 413: 'A0413' };

function errorBody(status: number, message: string): unknown {
  return { code: ERROR_CODES[status] ?? 'B0001', message, data: null };
}

export interface ElectricityOptions {
  readonly clientId?: string;
  readonly clientSecret?: string;
  /** Clock for token expiry; real time by default (tokens expire in wall-clock time, not in the data's). */
  readonly now?: () => number;
}

interface IssuedToken {
  readonly city: string;
  readonly expiresAt: number;
}

/** `Authorization: Basic …` as [clientId, clientSecret], each form-decoded as RFC 6749 §2.3.1 asks. */
function basicCredentials(authorization: string | undefined): [string, string] | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const formDecode = (text: string): string => decodeURIComponent(text.replace(/\+/g, ' '));
  try {
    return [formDecode(decoded.slice(0, colon)), formDecode(decoded.slice(colon + 1))];
  } catch {
    return undefined;
  }
}

function oauthError(call: RestCall, status: number, error: string, description: string, headers: Record<string, string> = {}): void {
  call.send(status, { error, error_description: description }, { 'cache-control': 'no-store', ...headers });
}

export function createElectricityRoute(context: EmulatorContext, options: ElectricityOptions = {}): EmulatorRoute {
  const clientId = options.clientId ?? secretFromEnv('ELECTRICITY_CLIENT_ID', ELECTRICITY_DEMO_CLIENT_ID);
  const clientSecret = options.clientSecret ?? secretFromEnv('ELECTRICITY_CLIENT_SECRET', ELECTRICITY_DEMO_CLIENT_SECRET);
  const now = options.now ?? Date.now;
  const tokens = new Map<string, IssuedToken>();

  const issueToken = (call: RestCall): void => {
    const credentials = basicCredentials(header(call.req, 'authorization'));
    if (!credentials || !sameSecret(credentials[0], clientId) || !sameSecret(credentials[1], clientSecret)) {
      return oauthError(call, 401, 'invalid_client', 'client authentication failed', { 'www-authenticate': 'Basic realm="electricity"' });
    }
    if (!/^application\/x-www-form-urlencoded\b/i.test(header(call.req, 'content-type') ?? '')) {
      return oauthError(call, 400, 'invalid_request', 'the body must be application/x-www-form-urlencoded');
    }
    const form = new URLSearchParams(call.body.toString('utf8'));
    const grantType = form.get('grant_type');
    if (grantType === null) return oauthError(call, 400, 'invalid_request', 'grant_type is required');
    if (grantType !== 'client_credentials') return oauthError(call, 400, 'unsupported_grant_type', 'only client_credentials is supported');
    const scope = form.get('scope');
    if (scope !== null && !scope.split(' ').every((s) => SCOPES.has(s))) {
      return oauthError(call, 400, 'invalid_scope', `known scopes: ${[...SCOPES].join(' ')}`);
    }
    const issuedAt = now();
    for (const [token, issued] of tokens) if (issued.expiresAt <= issuedAt) tokens.delete(token);
    const accessToken = randomBytes(24).toString('base64url');
    tokens.set(accessToken, { city: call.city, expiresAt: issuedAt + ELECTRICITY_TOKEN_TTL_SECONDS * 1000 });
    call.send(
      200,
      { access_token: accessToken, token_type: 'Bearer', expires_in: ELECTRICITY_TOKEN_TTL_SECONDS, ...(scope !== null ? { scope } : {}) },
      { 'cache-control': 'no-store', pragma: 'no-cache' },
    );
  };

  return departmentRoute({
    segment: ELECTRICITY_SEGMENT,
    errorBody,
    guard: (call, endpoint) => {
      if (endpoint.path === TOKEN_PATH) return true;
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header(call.req, 'authorization') ?? '');
      const issued = match ? tokens.get(match[1]!) : undefined;
      if (issued && issued.city === call.city && issued.expiresAt > now()) return true;
      const description = match ? 'the access token is invalid or has expired' : 'a bearer access token is required';
      oauthError(call, 401, 'invalid_token', description, { 'www-authenticate': `Bearer realm="electricity", error="invalid_token"` });
      return false;
    },
    endpoints: [
      { method: 'POST', path: TOKEN_PATH, handle: issueToken },
      {
        method: 'GET',
        path: '/api/v1/consumers/:consNo/bills',
        handle: (call) => {
          const account = call.params.consNo!;
          if (!/^\d{10}$/.test(account)) return call.send(400, errorBody(400, '户号应为10位数字 / consNo must be 10 digits'));
          call.send(200, { code: '00000', message: '成功', data: generateElectricityBills(call.city, account, context.referenceDate) });
        },
      },
      {
        method: 'POST',
        path: '/api/v1/consumers/:consNo/holder-verification',
        handle: (call) => {
          const account = call.params.consNo!;
          if (!/^\d{10}$/.test(account)) return call.send(400, errorBody(400, '户号应为10位数字 / consNo must be 10 digits'));
          const body = jsonObjectOf(call.body);
          if (!body) return call.send(400, errorBody(400, '请求体应为JSON对象 / the body must be a JSON object'));
          if (!isPersonName(body.consName)) return call.send(400, errorBody(400, '户名格式错误 / consName must be a name'));
          let certNo: string | undefined;
          if (body.certNo !== undefined) {
            const id = typeof body.certNo === 'string' ? validateNationalId(body.certNo, context.referenceDate) : undefined;
            if (!id?.ok) return call.send(400, errorBody(400, '证件号码格式错误 / certNo must be a national id'));
            certNo = id.value;
          }
          const holder = isAccountHolder(call.city, account, body.consName, certNo);
          if (holder === undefined) return call.send(404, errorBody(404, '户号不存在 / no such account'));
          call.send(200, { code: '00000', message: '成功', data: { consNo: account, checkResult: holder ? '1' : '0', checkResultName: holder ? '一致' : '不一致' } });
        },
      },
    ],
  });
}

export const electricityEmulator: DepartmentEmulator = {
  department: ELECTRICITY_SEGMENT,
  create: (context) => createElectricityRoute(context),
};
