/**
 * The emulated city water company (自来水公司): it delivers bills as a nightly file and answers a
 * balance query over HTTP.
 *
 * - Files: for each city, one GBK file per billing month (the last {@link BILLING_MONTHS}) into
 *   `<dropDir>/<city>/water-company/WATER_BILL_<region code>_<YYYYMM>.csv` (see `bill-file.ts`),
 *   written when the emulator starts and only when a drop folder is given.
 * - `GET /water/{city}/accounts/{account}/balance` → {@link WaterBalance} (JSON, UTF-8), the same
 *   bills as the files; 404 `{ code: 'AccountNotFound' }` for an account no household has.
 * - Payments come back as files (see `payment-file.ts`): the company collects
 *   `<dropDir>/<city>/water-company/outbox/WATER_PAY_<region code>_<yyyyMMdd>.csv`. A bill paid there
 *   (its account, month and full amount) is 已缴 in the balance endpoint at once, and in the bill
 *   files of the next nightly run ({@link writeNightlyBillFiles}); the files already delivered are
 *   not rewritten, as a billing system does not rewrite what it sent.
 */
import path from 'node:path';
import { sendJson, type EmulatorRoute } from '../../http-kit.ts';
import type { DepartmentEmulator, EmulatorContext } from '../registry.ts';
import { billFileName, writeBillFile, type BillFileSummary } from './bill-file.ts';
import { billingPeriods, generateBillRows, householdOfAccount, isWaterCityId, waterBalance, waterBill, waterRegionCode, WATER_CITY_IDS, type WaterBillRow } from './bills.ts';
import { collectedPayments, type PaymentCollection } from './payment-file.ts';

export const WATER_SEGMENT = 'water';
/** The department id the files are dropped under, as in the city YAML. */
export const WATER_DEPARTMENT_ID = 'water-company';

/** Where the emulator drops a city's bill files. */
export function waterDropFolder(dropDir: string, cityId: string): string {
  return path.join(dropDir, cityId, WATER_DEPARTMENT_ID);
}

/** Where the company collects the payment files of a city. */
export function waterOutboxFolder(dropDir: string, cityId: string): string {
  return path.join(waterDropFolder(dropDir, cityId), 'outbox');
}

/** The payments the company has collected for a city from its payment files, each reference once. */
export function collectedWaterPayments(dropDir: string, cityId: string): Promise<PaymentCollection> {
  return collectedPayments(waterOutboxFolder(dropDir, cityId), waterRegionCode(cityId));
}

/**
 * The bills (`<account>|<YYYYMM>`) the collected payments pay: a payment for a bill of a household
 * of the city and of its full amount. Others (a wrong amount, no such bill) are left to the
 * company's clerks and pay nothing here.
 */
export function paidWaterBills(cityId: string, collection: PaymentCollection, referenceDate: Date): Set<string> {
  const paid = new Set<string>();
  for (const payment of collection.payments) {
    const n = householdOfAccount(cityId, payment.account);
    if (n === undefined || !billingPeriods(referenceDate).includes(payment.period)) continue;
    const bill = waterBill(cityId, n, payment.period, referenceDate);
    const [whole, fraction = ''] = bill.amountYuan.split('.');
    if (Number(whole) * 100 + Number(fraction.padEnd(2, '0')) === payment.amountFen) paid.add(`${payment.account}|${payment.period}`);
  }
  return paid;
}

/**
 * Writes every city's bill files for the billing months at the reference date, as the nightly run
 * does; bills paid in the payment files collected so far are 已缴.
 */
export async function writeNightlyBillFiles(dropDir: string, referenceDate: Date, cities: readonly string[] = WATER_CITY_IDS, households?: number): Promise<BillFileSummary[]> {
  const written: BillFileSummary[] = [];
  for (const cityId of cities) {
    const paid = paidWaterBills(cityId, await collectedWaterPayments(dropDir, cityId), referenceDate);
    for (const period of billingPeriods(referenceDate)) {
      const file = path.join(waterDropFolder(dropDir, cityId), billFileName(waterRegionCode(cityId), period));
      const rows = function* (): Generator<WaterBillRow> {
        for (const row of generateBillRows(cityId, period, { referenceDate, ...(households ? { households } : {}) })) yield paid.has(`${row.account}|${row.period}`) ? { ...row, status: '已缴' } : row;
      };
      written.push(await writeBillFile(file, { rows: rows(), encoding: 'gbk', headerVariant: 'zh' }));
    }
  }
  return written;
}

const BALANCE_PATH = /^\/water\/([^/]+)\/accounts\/([^/]+)\/balance$/;

function notFound(message: string): { code: string; message: string } {
  return { code: 'AccountNotFound', message };
}

export function createWaterRoute(context: EmulatorContext): EmulatorRoute {
  return async (req, res, url) => {
    const match = BALANCE_PATH.exec(url.pathname);
    if (!match) return false;
    if (req.method !== 'GET') {
      res.setHeader('allow', 'GET');
      sendJson(res, 405, { code: 'MethodNotAllowed', message: `${req.method ?? ''} is not allowed here` });
      return true;
    }
    const [, cityId, account] = match;
    if (!isWaterCityId(cityId)) {
      sendJson(res, 404, { code: 'CityNotFound', message: `no water company for city ${cityId}` });
      return true;
    }
    const household = householdOfAccount(cityId, account);
    if (household === undefined) {
      sendJson(res, 404, notFound('户号不存在 / no such account'));
      return true;
    }
    const paidPeriods = new Set<string>();
    if (context.dropDir) {
      for (const key of paidWaterBills(cityId, await collectedWaterPayments(context.dropDir, cityId), context.referenceDate)) {
        const [paidAccount, period] = key.split('|') as [string, string];
        if (paidAccount === account) paidPeriods.add(period);
      }
    }
    sendJson(res, 200, waterBalance(cityId, household, context.referenceDate, paidPeriods));
    return true;
  };
}

export const waterEmulator: DepartmentEmulator = {
  department: WATER_SEGMENT,
  async create(context) {
    if (context.dropDir) await writeNightlyBillFiles(context.dropDir, context.referenceDate, WATER_CITY_IDS, context.waterHouseholds);
    return createWaterRoute(context);
  },
};
