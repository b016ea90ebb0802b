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
 * - `POST /electricity/{city}/api/v1/consumers/{consNo}/bills/{billNo}/payment` with header `Idempotency-Key: <payer's reference>`
 *   and `{ "payAmt": "<yuan>", "payTime": "yyyy-MM-dd HH:mm:ss", "payChannel"?: "<wallet>" }` (scope `bill.pay`) — records a bill
 *   paid elsewhere: `data: { payNo, consNo, billNo, payAmt, payTime, payStatus: "1" }`, and the bill answers 已缴费 from then on.
 *   The same key again answers the same (header `Idempotent-Replayed: true`) and records nothing; 404 A0201 for a bill the
 *   account does not have, 409 A0421 for a bill already paid, 409 A0423 for a key used for another bill, 422 A0422 for an
 *   amount other than the bill's.
 */
import { randomBytes } from 'node:crypto';
import type { EmulatorRoute } from '../../http-kit.ts';
import type { DepartmentEmulator, EmulatorContext } from '../registry.ts';
import { validateNationalId } from '../../../src/model/identifiers.ts';
import { departmentRoute, header, isPersonName, jsonObjectOf, sameSecret, secretFromEnv, type RestCall } from '../kit/router.ts';
import { generateElectricityBills, isAccountHolder, type ElectricityAccount } from './records.ts';
import { yuanStringToFen } from '../../../src/model/identifiers.ts';
import { cityRegion, fenToYuan } from '../kit/synthetic.ts';
import { openPaymentLedgers, type PaymentLedger, type PaymentRefusal } from '../kit/payments.ts';

export const ELECTRICITY_SEGMENT = 'electricity';
export const ELECTRICITY_DEMO_CLIENT_ID = 'hutong-demo-client';
export const ELECTRICITY_DEMO_CLIENT_SECRET = 'demo-electricity-secret';
/** Lifetime of an access token, seconds. */
export const ELECTRICITY_TOKEN_TTL_SECONDS = 7200;
const SCOPES = new Set(['bill.read', 'bill.pay']);
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
  readonly scopes: ReadonlySet<string>;
}

const PAYMENT_PATH = '/api/v1/consumers/:consNo/bills/:billNo/payment';

const REFUSALS: Record<PaymentRefusal, { status: number; code: string; message: string }> = {
  'unknown-record': { status: 404, code: 'A0201', message: '账单不存在 / no such bill on this account' },
  'already-paid': { status: 409, code: 'A0421', message: '账单已缴费 / the bill is already paid' },
  'amount-mismatch': { status: 422, code: 'A0422', message: '缴费金额与账单金额不符 / the amount differs from the bill' },
  'reference-reused': { status: 409, code: 'A0423', message: '幂等键已用于其他账单 / the Idempotency-Key was used for another bill' },
};

/** The account's bills as the company holds them now: generated, with the payments recorded since. */
function billsWithPayments(account: ElectricityAccount, ledger: PaymentLedger): ElectricityAccount {
  return {
    ...account,
    bills: account.bills.map((bill) => (ledger.paymentOf(bill.billNo) ? { ...bill, payStatus: '1', payStatusName: '已缴费' } : bill)),
  };
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
  const payments = openPaymentLedgers(context.baseUrl, ELECTRICITY_SEGMENT, (city) => `DF${cityRegion(city).regionCode}`);

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
    // Without a scope the client gets every scope it may have (RFC 6749 §3.3).
    const scopes = new Set(scope === null ? SCOPES : scope.split(' '));
    tokens.set(accessToken, { city: call.city, expiresAt: issuedAt + ELECTRICITY_TOKEN_TTL_SECONDS * 1000, scopes });
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
      if (issued && issued.city === call.city && issued.expiresAt > now()) {
        if (endpoint.path !== PAYMENT_PATH || issued.scopes.has('bill.pay')) return true;
        oauthError(call, 403, 'insufficient_scope', 'paying a bill needs the scope bill.pay', {
          'www-authenticate': `Bearer realm="electricity", error="insufficient_scope", scope="bill.pay"`,
        });
        return false;
      }
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
          call.send(200, { code: '00000', message: '成功', data: billsWithPayments(generateElectricityBills(call.city, account, context.referenceDate), payments(call.city)) });
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
      {
        method: 'POST',
        path: PAYMENT_PATH,
        handle: (call) => {
          const account = call.params.consNo!;
          if (!/^\d{10}$/.test(account)) return call.send(400, errorBody(400, '户号应为10位数字 / consNo must be 10 digits'));
          const key = header(call.req, 'idempotency-key')?.trim() ?? '';
          if (!/^[A-Za-z0-9_-]{6,64}$/.test(key)) return call.send(400, errorBody(400, '缺少幂等键 / an Idempotency-Key header of 6 to 64 letters, digits, - or _ is required'));
          const body = jsonObjectOf(call.body);
          if (!body) return call.send(400, errorBody(400, '请求体应为JSON对象 / the body must be a JSON object'));
          const { payAmt, payTime, payChannel } = body;
          if (typeof payAmt !== 'string' || !/^\d{1,9}(?:\.\d{1,2})?$/.test(payAmt)) return call.send(400, errorBody(400, '缴费金额格式错误 / payAmt must be yuan, e.g. "127.35"'));
          if (typeof payTime !== 'string' || !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(payTime)) {
            return call.send(400, errorBody(400, '缴费时间格式错误 / payTime must be yyyy-MM-dd HH:mm:ss'));
          }
          const billNo = call.params.billNo!;
          const bill = generateElectricityBills(call.city, account, context.referenceDate).bills.find((b) => b.billNo === billNo);
          const result = payments(call.city).record(
            { recordId: billNo, reference: key, amountFen: yuanStringToFen(payAmt), paidAt: payTime, channel: typeof payChannel === 'string' ? payChannel : '' },
            bill ? { known: true, amountFen: yuanStringToFen(bill.totalAmt), paidElsewhere: bill.payStatus === '1' } : { known: false },
          );
          if (result.outcome === 'refused') {
            const refusal = REFUSALS[result.refusal];
            return call.send(refusal.status, { code: refusal.code, message: refusal.message, data: null });
          }
          const { entry } = result;
          call.send(
            200,
            { code: '00000', message: '缴费成功', data: { payNo: entry.departmentReference, consNo: account, billNo, payAmt: fenToYuan(entry.amountFen), payTime: entry.paidAt, payStatus: '1' } },
            result.outcome === 'repeated' ? { 'idempotent-replayed': 'true' } : {},
          );
        },
      },
    ],
  });
}

export const electricityEmulator: DepartmentEmulator = {
  department: ELECTRICITY_SEGMENT,
  create: (context) => createElectricityRoute(context),
};
