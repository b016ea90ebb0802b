/**
 * The emulated city water company (自来水公司): it delivers bills as a nightly file and answers a
 * balance query over HTTP.
 *
 * - Files: for each city, one GBK file per billing month (the last {@link BILLING_MONTHS}) into
 *   `<dropDir>/<city>/water-company/WATER_BILL_<region code>_<YYYYMM>.csv` (see `bill-file.ts`),
 *   written when the emulator starts and only when a drop folder is given.
 * - `GET /water/{city}/accounts/{account}/balance` → {@link WaterBalance} (JSON, UTF-8), the same
 *   bills as the files; 404 `{ code: 'AccountNotFound' }` for an account no household has.
 */
import path from 'node:path';
import { sendJson, type EmulatorRoute } from '../../http-kit.ts';
import type { DepartmentEmulator, EmulatorContext } from '../registry.ts';
import { billFileName, writeBillFile, type BillFileSummary } from './bill-file.ts';
import { billingPeriods, generateBillRows, householdOfAccount, isWaterCityId, waterBalance, waterRegionCode, WATER_CITY_IDS } from './bills.ts';

export const WATER_SEGMENT = 'water';
/** The department id the files are dropped under, as in the city YAML. */
export const WATER_DEPARTMENT_ID = 'water-company';

/** Where the emulator drops a city's bill files. */
export function waterDropFolder(dropDir: string, cityId: string): string {
  return path.join(dropDir, cityId, WATER_DEPARTMENT_ID);
}

/** Writes every city's bill files for the billing months at the reference date, as the nightly run does. */
export async function writeNightlyBillFiles(dropDir: string, referenceDate: Date, cities: readonly string[] = WATER_CITY_IDS): Promise<BillFileSummary[]> {
  const written: BillFileSummary[] = [];
  for (const cityId of cities) {
    for (const period of billingPeriods(referenceDate)) {
      const file = path.join(waterDropFolder(dropDir, cityId), billFileName(waterRegionCode(cityId), period));
      written.push(await writeBillFile(file, { rows: generateBillRows(cityId, period, { referenceDate }), encoding: 'gbk', headerVariant: 'zh' }));
    }
  }
  return written;
}

const BALANCE_PATH = /^\/water\/([^/]+)\/accounts\/([^/]+)\/balance$/;

function notFound(message: string): { code: string; message: string } {
  return { code: 'AccountNotFound', message };
}

export function createWaterRoute(context: EmulatorContext): EmulatorRoute {
  return (req, res, url) => {
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
    sendJson(res, 200, waterBalance(cityId, household, context.referenceDate));
    return true;
  };
}

export const waterEmulator: DepartmentEmulator = {
  department: WATER_SEGMENT,
  async create(context) {
    if (context.dropDir) await writeNightlyBillFiles(context.dropDir, context.referenceDate);
    return createWaterRoute(context);
  },
};
