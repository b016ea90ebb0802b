/**
 * The emulated city gas company (燃气公司): a JSON REST API behind an app key (`X-App-Key`), answering
 * `{ resultCode: "0000", resultMsg, result }`.
 *
 * - `GET /gas/{city}/api/bill/query?userNo={10 digits}` — the last 6 months' bills of an account
 * - `POST /gas/{city}/api/user/verify` with `{ "userNo": "<用户号>", "userName": "<户名>", "idNo"?: "<身份证号>" }` —
 *   whether the account's holder has that name (and id, when given): `result: { userNo, verifyFlag: "Y" | "N" }`;
 *   404 for a user number the company did not issue
 * - `POST /gas/{city}/api/bill/pay` with `{ "userNo", "billNo", "payAmount": "<yuan>", "payTime": "yyyyMMddHHmmss", "payChannel"?,
 *   "serialNo": "<payer's transaction number>" }` — records a bill paid elsewhere: `result: { userNo, billNo, payOrderNo, payAmount,
 *   payFlag: "Y" }`, and the bill answers payFlag Y from then on. `serialNo` is the idempotency key: the same one again answers the
 *   same and records nothing. 404 `2001` for a bill the user does not have, 409 `2002` for a bill already paid, `2003` for an
 *   amount other than the bill's, `2004` for a serial number used for another bill.
 */
import type { EmulatorRoute } from '../../http-kit.ts';
import type { DepartmentEmulator, EmulatorContext } from '../registry.ts';
import { validateNationalId } from '../../../src/model/identifiers.ts';
import { departmentRoute, header, isPersonName, jsonObjectOf, sameSecret, secretFromEnv } from '../kit/router.ts';
import { generateGasBills, isUserHolder, type GasAccount } from './records.ts';
import { yuanStringToFen } from '../../../src/model/identifiers.ts';
import { cityRegion, fenToYuan } from '../kit/synthetic.ts';
import { openPaymentLedgers, type PaymentLedger, type PaymentRefusal } from '../kit/payments.ts';

export const GAS_SEGMENT = 'gas';
export const GAS_API_KEY_HEADER = 'X-App-Key';
export const GAS_DEMO_API_KEY = 'demo-gas-key';

const ERROR_CODES: Record<number, string> = { 400: '1001', 401: '1002', 404: '1004', 405: '1005', 413: '1013' };

function errorBody(status: number, message: string): unknown {
  return { resultCode: ERROR_CODES[status] ?? '9999', resultMsg: message, result: null };
}

const REFUSALS: Record<PaymentRefusal, { status: number; resultCode: string; resultMsg: string }> = {
  'unknown-record': { status: 404, resultCode: '2001', resultMsg: '账单不存在 / no such bill for this userNo' },
  'already-paid': { status: 409, resultCode: '2002', resultMsg: '账单已缴清 / the bill is already paid' },
  'amount-mismatch': { status: 409, resultCode: '2003', resultMsg: '缴费金额与账单金额不符 / payAmount differs from the bill' },
  'reference-reused': { status: 409, resultCode: '2004', resultMsg: '交易流水号重复 / serialNo was used for another bill' },
};

/** The user's bills as the company holds them now: generated, with the payments recorded since. */
function billsWithPayments(account: GasAccount, ledger: PaymentLedger): GasAccount {
  return {
    ...account,
    billList: account.billList.map((bill) => (ledger.paymentOf(bill.billNo) ? { ...bill, payFlag: 'Y', overdueFlag: '0' } : bill)),
  };
}

export interface GasOptions {
  /** The app key callers must send; `GAS_API_KEY` or the demo key when absent. */
  readonly apiKey?: string;
}

export function createGasRoute(context: EmulatorContext, options: GasOptions = {}): EmulatorRoute {
  const apiKey = options.apiKey ?? secretFromEnv('GAS_API_KEY', GAS_DEMO_API_KEY);
  const payments = openPaymentLedgers(context.baseUrl, GAS_SEGMENT, (city) => `RQJF${cityRegion(city).regionCode}`);
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
          call.send(200, { resultCode: '0000', resultMsg: '查询成功', result: billsWithPayments(generateGasBills(call.city, account, context.referenceDate), payments(call.city)) });
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
      {
        method: 'POST',
        path: '/api/bill/pay',
        handle: (call) => {
          const body = jsonObjectOf(call.body);
          if (!body) return call.send(400, errorBody(400, '请求体应为JSON对象 / the body must be a JSON object'));
          const { userNo, billNo, payAmount, payTime, payChannel, serialNo } = body;
          if (typeof userNo !== 'string' || !/^\d{10}$/.test(userNo)) return call.send(400, errorBody(400, '用户号应为10位数字 / userNo must be 10 digits'));
          if (typeof billNo !== 'string' || billNo === '') return call.send(400, errorBody(400, '账单号不能为空 / billNo is required'));
          if (typeof payAmount !== 'string' || !/^\d{1,9}(?:\.\d{1,2})?$/.test(payAmount)) return call.send(400, errorBody(400, '缴费金额格式错误 / payAmount must be yuan, e.g. "86.40"'));
          if (typeof payTime !== 'string' || !/^\d{14}$/.test(payTime)) return call.send(400, errorBody(400, '缴费时间格式错误 / payTime must be yyyyMMddHHmmss'));
          if (typeof serialNo !== 'string' || !/^[A-Za-z0-9_-]{6,64}$/.test(serialNo)) {
            return call.send(400, errorBody(400, '交易流水号格式错误 / serialNo must be 6 to 64 letters, digits, - or _'));
          }
          const bill = generateGasBills(call.city, userNo, context.referenceDate).billList.find((b) => b.billNo === billNo);
          const result = payments(call.city).record(
            { recordId: billNo, reference: serialNo, amountFen: yuanStringToFen(payAmount), paidAt: payTime, channel: typeof payChannel === 'string' ? payChannel : '' },
            bill ? { known: true, amountFen: yuanStringToFen(bill.billAmount), paidElsewhere: bill.payFlag === 'Y' } : { known: false },
          );
          if (result.outcome === 'refused') {
            const { status, ...refusal } = REFUSALS[result.refusal];
            return call.send(status, { ...refusal, result: null });
          }
          const { entry } = result;
          call.send(200, {
            resultCode: '0000',
            resultMsg: '缴费成功',
            result: { userNo, billNo, payOrderNo: entry.departmentReference, payAmount: fenToYuan(entry.amountFen), payTime: entry.paidAt, payFlag: 'Y' },
          });
        },
      },
    ],
  });
}

export const gasEmulator: DepartmentEmulator = {
  department: GAS_SEGMENT,
  create: (context) => createGasRoute(context),
};
