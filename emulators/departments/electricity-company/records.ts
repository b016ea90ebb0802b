/**
 * Deterministic synthetic monthly electricity bills of the emulated power supply company (供电公司),
 * in the field names of its customer-service API (consNo 户号, billYm 账期, totalPq 电量, totalAmt 电费,
 * payDeadline 缴费截止日, payStatus 缴费状态). Tiered household tariffs (阶梯电价) per city; usage rises in
 * summer and winter. Seeded by `city|account`; the 6 billing months before the reference month.
 */
import { addMonths, chinaDate, cityRegion, CITY_DISTRICTS, fenToYuan, maskedName, SeededRandom, type RestCityId } from '../kit/synthetic.ts';
import { holderOf, maskName } from '../../population.ts';

/** Pay status codes on the wire: '0' 未缴费, '1' 已缴费, '2' 已逾期 (欠费). */
export type ElectricityPayStatus = '0' | '1' | '2';

export interface ElectricityBill {
  /** 账单编号: account + billing month. */
  billNo: string;
  /** 账期 "yyyyMM". */
  billYm: string;
  /** 上次示数 / 本次示数: meter readings, kWh. */
  lastMrNum: string;
  thisMrNum: string;
  /** 电量 kWh, an integer string. */
  totalPq: string;
  /** 电费 in yuan, "127.35". */
  totalAmt: string;
  /** 缴费截止日 "yyyy-MM-dd". */
  payDeadline: string;
  payStatus: ElectricityPayStatus;
  /** 缴费状态名称. */
  payStatusName: '未缴费' | '已缴费' | '已逾期';
}

export interface ElectricityAccount {
  /** 户号, 10 digits. */
  consNo: string;
  /** 户名: the account holder's name, masked (张*明). */
  consName: string;
  /** 用电地址, masked. */
  elecAddr: string;
  bills: ElectricityBill[];
}

/** First-tier household price per kWh in 1/10000 yuan (tiers 2 and 3 add 0.05 and 0.30 yuan). */
const FIRST_TIER_PRICE: Record<RestCityId, number> = {
  shanghai: 6170,
  beijing: 4883,
  guangzhou: 5883,
  shenzhen: 6800,
  hangzhou: 5380,
  ningbo: 5380,
  nanchang: 6000,
  qingdao: 5469,
  taiyuan: 4770,
  foshan: 5883,
  wuhan: 5700,
  chengdu: 5224,
};

const SEASON: Record<number, number> = { 1: 1.3, 2: 1.25, 3: 1, 4: 0.9, 5: 0.95, 6: 1.25, 7: 1.6, 8: 1.65, 9: 1.2, 10: 0.95, 11: 1, 12: 1.3 };

/** The bill in fen for `kWh` at the city's tiers (≤260, 261–600, >600 kWh a month). */
export function electricityChargeFen(cityId: string, kWh: number): number {
  const first = FIRST_TIER_PRICE[cityId as RestCityId];
  const tier1 = Math.min(kWh, 260);
  const tier2 = Math.max(0, Math.min(kWh, 600) - 260);
  const tier3 = Math.max(0, kWh - 600);
  const tenThousandths = tier1 * first + tier2 * (first + 500) + tier3 * (first + 3000);
  return Math.round(tenThousandths / 100);
}

export const BILL_MONTHS = 6;

/**
 * The account's bills for the 6 months before the reference month, newest first. Bills are due on
 * the 25th of the following month; past-due ones are mostly paid, a few overdue.
 *
 * @throws RangeError for a city no emulator serves.
 */
export function generateElectricityBills(cityId: string, account: string, referenceDate: Date): ElectricityAccount {
  const region = cityRegion(cityId);
  const random = new SeededRandom(cityId, account, 'electricity');
  const today = chinaDate(referenceDate.getTime());
  const baseline = random.int(120, 350);
  let reading = random.int(1_000, 30_000);
  const bills: ElectricityBill[] = [];
  for (let back = BILL_MONTHS; back >= 1; back--) {
    const month = addMonths(today, -back);
    const kWh = Math.max(20, Math.round(baseline * SEASON[Number(month.slice(5, 7))]! * (0.85 + random.next() * 0.3)));
    const deadline = `${addMonths(month, 1)}-25`;
    const payStatus: ElectricityPayStatus = deadline < today ? (random.chance(0.93) ? '1' : '2') : random.chance(0.4) ? '1' : '0';
    bills.push({
      billNo: `${account}${month.replace('-', '')}`,
      billYm: month.replace('-', ''),
      lastMrNum: String(reading),
      thisMrNum: String(reading + kWh),
      totalPq: String(kWh),
      totalAmt: fenToYuan(electricityChargeFen(cityId, kWh)),
      payDeadline: deadline,
      payStatus,
      payStatusName: ({ 0: '未缴费', 1: '已缴费', 2: '已逾期' } as const)[payStatus],
    });
    reading += kWh;
  }
  const district = random.pick(CITY_DISTRICTS[cityId as RestCityId]);
  // The name is the holder's; the draw that once invented it stays, so the address drawn after it is unchanged.
  maskedName(random);
  return {
    consNo: account,
    consName: maskName(accountHolder(cityId, account).name),
    elecAddr: `${region.nameZh}${district}****${random.int(1, 30)}号${random.int(1, 30)}0${random.int(1, 4)}室`,
    bills: bills.reverse(),
  };
}

/** The company's own accounts: the city's 4-digit area code, then 1, then 5 digits. */
export function isIssuedAccount(cityId: string, account: string): boolean {
  return new RegExp(`^${cityRegion(cityId).regionCode.slice(0, 4)}1\\d{5}$`).test(account);
}

/** Who holds an account, by the rules of `emulators/population.ts`. */
function accountHolder(cityId: string, account: string): { nationalId: string; name: string } {
  const holder = holderOf(cityId, 'electricity-account', account);
  if (!holder) throw new RangeError(`No emulated department for city "${cityId}"`);
  return holder;
}

/**
 * Whether the holder of an account has this name (and this national id, when one is given), or
 * undefined when the company issued no such account.
 *
 * @example
 *   isAccountHolder('shanghai', '3100100003', '张明') // false unless 张明 holds it
 */
export function isAccountHolder(cityId: string, account: string, name: string, nationalId?: string): boolean | undefined {
  if (!isIssuedAccount(cityId, account)) return undefined;
  const holder = accountHolder(cityId, account);
  return holder.name === name && (nationalId === undefined || holder.nationalId === nationalId);
}
