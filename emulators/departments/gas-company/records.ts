/**
 * Deterministic synthetic monthly gas bills of the emulated city gas company (燃气公司), in the field
 * names of its billing API (userNo 用户号, billMonth 账单月份, gasVolume 用气量, billAmount 应缴金额,
 * lastPayDate 最迟缴费日 as compact "yyyyMMdd", payFlag Y/N, overdueFlag 1/0). Usage rises in winter.
 * Seeded by `city|account`; the 6 billing months before the reference month.
 */
import { addMonths, chinaDate, cityRegion, CITY_DISTRICTS, fenToYuan, maskedName, SeededRandom, type RestCityId } from '../kit/synthetic.ts';
import { holderOf, maskName } from '../../population.ts';

export interface GasBill {
  /** 账单号. */
  billNo: string;
  /** 账单月份 "yyyy-MM". */
  billMonth: string;
  /** 抄表日期 "yyyy-MM-dd". */
  meterReadDate: string;
  prevReading: string;
  currReading: string;
  /** 用气量 in cubic metres, an integer string. */
  gasVolume: string;
  /** 单价 yuan per m³. */
  unitPrice: string;
  /** 应缴金额 yuan. */
  billAmount: string;
  /** 最迟缴费日 "yyyyMMdd". */
  lastPayDate: string;
  /** 'Y' paid, 'N' not paid. */
  payFlag: 'Y' | 'N';
  /** '1' when unpaid past `lastPayDate`. */
  overdueFlag: '0' | '1';
}

export interface GasAccount {
  userNo: string;
  /** 户名: the account holder's name, masked (张*明). */
  userName: string;
  /** 用气地址, masked. */
  address: string;
  billList: GasBill[];
}

/** Household gas price per m³ in fen (first tier). */
const PRICE_FEN: Record<RestCityId, number> = {
  shanghai: 300,
  beijing: 263,
  guangzhou: 345,
  shenzhen: 350,
  hangzhou: 290,
  ningbo: 300,
  nanchang: 318,
  qingdao: 315,
  taiyuan: 264,
  foshan: 360,
  wuhan: 280,
  chengdu: 189,
};

const SEASON: Record<number, number> = { 1: 1.8, 2: 1.7, 3: 1.35, 4: 1.1, 5: 0.9, 6: 0.8, 7: 0.7, 8: 0.7, 9: 0.8, 10: 0.95, 11: 1.3, 12: 1.75 };

/**
 * The account's gas bills for the 6 months before the reference month, newest first. Meters are
 * read on the 20th; bills are due on the 15th of the following month.
 *
 * @throws RangeError for a city no emulator serves.
 */
export function generateGasBills(cityId: string, account: string, referenceDate: Date): GasAccount {
  const region = cityRegion(cityId);
  const random = new SeededRandom(cityId, account, 'gas');
  const today = chinaDate(referenceDate.getTime());
  const baseline = random.int(8, 30);
  const price = PRICE_FEN[cityId as RestCityId];
  let reading = random.int(200, 9_000);
  const bills: GasBill[] = [];
  for (let back = 6; back >= 1; back--) {
    const month = addMonths(today, -back);
    const volume = Math.max(1, Math.round(baseline * SEASON[Number(month.slice(5, 7))]! * (0.8 + random.next() * 0.4)));
    const due = `${addMonths(month, 1)}-15`;
    const paid = due < today ? random.chance(0.92) : random.chance(0.35);
    bills.push({
      billNo: `RQ${account}${month.replace('-', '')}`,
      billMonth: month,
      meterReadDate: `${month}-20`,
      prevReading: String(reading),
      currReading: String(reading + volume),
      gasVolume: String(volume),
      unitPrice: fenToYuan(price),
      billAmount: fenToYuan(volume * price),
      lastPayDate: due.replace(/-/g, ''),
      payFlag: paid ? 'Y' : 'N',
      overdueFlag: !paid && due < today ? '1' : '0',
    });
    reading += volume;
  }
  const district = random.pick(CITY_DISTRICTS[cityId as RestCityId]);
  // The name is the holder's; the draw that once invented it stays, so the address drawn after it is unchanged.
  maskedName(random);
  return {
    userNo: account,
    userName: maskName(accountHolder(cityId, account).name),
    address: `${region.nameZh}${district}****${random.int(1, 40)}弄${random.int(1, 20)}号`,
    billList: bills.reverse(),
  };
}

/** The company's own user numbers: the city's 4-digit area code, then 2, then 5 digits. */
export function isIssuedUserNo(cityId: string, account: string): boolean {
  return new RegExp(`^${cityRegion(cityId).regionCode.slice(0, 4)}2\\d{5}$`).test(account);
}

/** Who holds a user number, by the rules of `emulators/population.ts`. */
function accountHolder(cityId: string, account: string): { nationalId: string; name: string } {
  const holder = holderOf(cityId, 'gas-account', account);
  if (!holder) throw new RangeError(`No emulated department for city "${cityId}"`);
  return holder;
}

/**
 * Whether the holder of a user number has this name (and this national id, when one is given), or
 * undefined when the company issued no such number.
 *
 * @example
 *   isUserHolder('shanghai', '3100200003', '张明') // false unless 张明 holds it
 */
export function isUserHolder(cityId: string, account: string, name: string, nationalId?: string): boolean | undefined {
  if (!isIssuedUserNo(cityId, account)) return undefined;
  const holder = accountHolder(cityId, account);
  return holder.name === name && (nationalId === undefined || holder.nationalId === nationalId);
}
