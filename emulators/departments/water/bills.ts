/**
 * Deterministic synthetic bills of the emulated city water companies.
 *
 * Everything is made up and a pure function of city, household number and billing month, so the
 * nightly file, the balance endpoint and tests agree without sharing state. Values are kept as the
 * utility writes them: billing month `YYYYMM`, dates `YYYYMMDD`, amounts yuan strings with two
 * decimals, whole cubic metres, and a Chinese status (未缴 unpaid, 已缴 paid, 逾期 overdue).
 */
import { holderOf, maskName } from '../../population.ts';

/** The cities whose water company the emulator stands in for, with their GB/T 2260 code and price. */
const WATER_CITIES = {
  shanghai: { regionCode: '310000', priceFenPerM3: 500 },
  beijing: { regionCode: '110000', priceFenPerM3: 500 },
  guangzhou: { regionCode: '440100', priceFenPerM3: 388 },
  shenzhen: { regionCode: '440300', priceFenPerM3: 428 },
  hangzhou: { regionCode: '330100', priceFenPerM3: 400 },
  ningbo: { regionCode: '330200', priceFenPerM3: 410 },
  nanchang: { regionCode: '360100', priceFenPerM3: 304 },
  qingdao: { regionCode: '370200', priceFenPerM3: 440 },
  taiyuan: { regionCode: '140100', priceFenPerM3: 420 },
  foshan: { regionCode: '440600', priceFenPerM3: 335 },
  wuhan: { regionCode: '420100', priceFenPerM3: 357 },
  chengdu: { regionCode: '510100', priceFenPerM3: 387 },
} as const satisfies Record<string, { regionCode: string; priceFenPerM3: number }>;

export type WaterCityId = keyof typeof WATER_CITIES;
export const WATER_CITY_IDS = Object.keys(WATER_CITIES) as WaterCityId[];

/** Households in each city's file: the 200 demo households first, then others. */
export const DEMO_HOUSEHOLDS = 200;
export const HOUSEHOLDS_PER_CITY = 1000;
/** Billing months in the drop folder: the last three before the reference date. */
export const BILLING_MONTHS = 3;

export type WaterBillStatus = '未缴' | '已缴' | '逾期';

/** One household's bill for one month, as the water company's systems hold it. */
export interface WaterBillRow {
  /** 户号: 10 digits. */
  readonly account: string;
  /** 户名, masked as the utility prints it: 张*明. */
  readonly holderName: string;
  /** 账期: billing month `YYYYMM`. */
  readonly period: string;
  /** 上期读数 and 本期读数: meter readings in whole m³. */
  readonly previousReading: number;
  readonly currentReading: number;
  /** 用水量(立方米). */
  readonly usage: number;
  /** 应缴金额(元): yuan with two decimals. */
  readonly amountYuan: string;
  /** 缴费截止日: `YYYYMMDD`. */
  readonly dueOn: string;
  /** 状态. */
  readonly status: WaterBillStatus;
}

export function isWaterCityId(cityId: string): cityId is WaterCityId {
  return Object.hasOwn(WATER_CITIES, cityId);
}

function cityProfile(cityId: string): (typeof WATER_CITIES)[WaterCityId] {
  if (!isWaterCityId(cityId)) throw new RangeError(`No emulated water company for city "${cityId}"`);
  return WATER_CITIES[cityId];
}

/** The city's GB/T 2260 code, used in the bill file's name. */
export function waterRegionCode(cityId: string): string {
  return cityProfile(cityId).regionCode;
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** A deterministic number in [0, 1) for a key. */
function unit(key: string): number {
  // mulberry32 over the key's hash: one step is enough for independent-looking values per key.
  let t = (fnv1a(key) + 0x6d2b79f5) >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

function pick<T>(items: readonly T[], key: string): T {
  return items[Math.floor(unit(key) * items.length)];
}

const SERIALS = 1_000_000;
// Odd and not a multiple of 5, so n ↦ n × MULTIPLIER mod 10⁶ is a bijection: no two households share a number.
const MULTIPLIER = 378_551;

function modularInverse(a: number, m: number): number {
  let [oldR, r] = [a, m];
  let [oldS, s] = [1, 0];
  while (r !== 0) {
    const q = Math.floor(oldR / r);
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return ((oldS % m) + m) % m;
}
const INVERSE = modularInverse(MULTIPLIER, SERIALS);

function citySalt(cityId: string): number {
  return fnv1a(`water|${cityId}`) % SERIALS;
}

/**
 * The 10-digit water account (户号) of household `n` of a city: the first four digits of the city's
 * region code, then six digits that look random but are distinct for every n in 1…999 999.
 * Households 1…200 are the demo households. A pure function of `cityId` and `n`.
 *
 * @example
 *   deterministicWaterAccount('shanghai', 1) // the first Shanghai demo household's account
 */
export function deterministicWaterAccount(cityId: string, n: number): string {
  if (!Number.isInteger(n) || n < 1 || n >= SERIALS) throw new RangeError(`household number ${n} is outside 1…${SERIALS - 1}`);
  const serial = (((n * MULTIPLIER) % SERIALS) + citySalt(cityId)) % SERIALS;
  return `${waterRegionCode(cityId).slice(0, 4)}${String(serial).padStart(6, '0')}`;
}

/** The household number behind an account of the city, or undefined when no household has it. */
export function householdOfAccount(cityId: string, account: string, households = HOUSEHOLDS_PER_CITY): number | undefined {
  if (!isWaterCityId(cityId) || !/^\d{10}$/.test(account)) return undefined;
  if (account.slice(0, 4) !== waterRegionCode(cityId).slice(0, 4)) return undefined;
  const serial = Number(account.slice(4));
  const n = (((serial - citySalt(cityId) + SERIALS) % SERIALS) * INVERSE) % SERIALS;
  return n >= 1 && n <= households ? n : undefined;
}

/**
 * The household's name as the utility prints it (张*明, 李*): its holder's, by the rules of
 * `emulators/population.ts`. That module numbers households by this file's accounts; the two
 * import each other, and only call each other's functions, never at load.
 */
function printedHolderName(cityId: string, account: string): string {
  const holder = holderOf(cityId, 'water-account', account);
  if (!holder) throw new RangeError(`No emulated water company for city "${cityId}"`);
  return maskName(holder.name);
}

/** Months since year 0, so months are plain integers. */
function monthIndex(period: string): number {
  return Number(period.slice(0, 4)) * 12 + Number(period.slice(4, 6)) - 1;
}

function periodOf(index: number): string {
  return `${Math.floor(index / 12)}${String((index % 12) + 1).padStart(2, '0')}`;
}

/** Meter reading at the end of a month: a steady monthly use per household plus a small wobble. */
function meterReading(cityId: string, n: number, month: number): number {
  const base = 1000 + Math.floor(unit(`${cityId}|${n}|base`) * 8000);
  const perMonth = 8 + Math.floor(unit(`${cityId}|${n}|rate`) * 28);
  const wobble = Math.floor(unit(`${cityId}|${n}|${month}|wobble`) * Math.floor(perMonth / 2));
  return base + perMonth * (month - 24_000) + wobble; // month 24 000 is January 2000
}

const CHINA_OFFSET_MS = 8 * 3_600_000;

/** `YYYYMMDD` of an instant in China time. */
export function chinaCompactDate(at: Date): string {
  return new Date(at.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 10).replaceAll('-', '');
}

/** The billing months in the drop folder at `referenceDate`, newest first: `YYYYMM`. */
export function billingPeriods(referenceDate: Date, months = BILLING_MONTHS): string[] {
  const today = chinaCompactDate(referenceDate);
  const current = monthIndex(today.slice(0, 6));
  return Array.from({ length: months }, (_, k) => periodOf(current - 1 - k));
}

function yuan(fen: number): string {
  return `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
}

/**
 * Household `n`'s bill for a billing month. The bill is due on the 20th of the next month; the
 * household paid it or not (most pay older bills), and an unpaid bill past its due date at
 * `referenceDate` is overdue.
 */
export function waterBill(cityId: string, n: number, period: string, referenceDate: Date): WaterBillRow {
  const { priceFenPerM3 } = cityProfile(cityId);
  const month = monthIndex(period);
  const previousReading = meterReading(cityId, n, month - 1);
  const currentReading = meterReading(cityId, n, month);
  const usage = currentReading - previousReading;
  const dueOn = `${periodOf(month + 1)}20`;
  const monthsAgo = monthIndex(chinaCompactDate(referenceDate).slice(0, 6)) - month;
  const paid = unit(`${cityId}|${n}|${period}|paid`) < (monthsAgo <= 1 ? 0.4 : 0.9);
  const status: WaterBillStatus = paid ? '已缴' : dueOn < chinaCompactDate(referenceDate) ? '逾期' : '未缴';
  const account = deterministicWaterAccount(cityId, n);
  return {
    account,
    holderName: printedHolderName(cityId, account),
    period,
    previousReading,
    currentReading,
    usage,
    amountYuan: yuan(usage * priceFenPerM3),
    dueOn,
    status,
  };
}

/** The bills of households 1…`households` for one month, in household order; a generator, so 100 000 rows stream. */
export function* generateBillRows(cityId: string, period: string, options: { households?: number; referenceDate: Date }): Generator<WaterBillRow> {
  const households = options.households ?? HOUSEHOLDS_PER_CITY;
  for (let n = 1; n <= households; n++) yield waterBill(cityId, n, period, options.referenceDate);
}

/** What the balance endpoint answers for an account: its bills in the drop folder and what is still owed. */
export interface WaterBalance {
  readonly account: string;
  readonly holderName: string;
  /** Sum of the unpaid and overdue bills, yuan with two decimals. */
  readonly amountDue: string;
  readonly amountDueFen: number;
  /** The earliest due date among unpaid and overdue bills, `YYYYMMDD`; null when nothing is owed. */
  readonly dueOn: string | null;
  /** Newest first, with the file's values. */
  readonly bills: ReadonlyArray<Omit<WaterBillRow, 'account' | 'holderName' | 'amountYuan'> & { readonly amount: string }>;
}

/**
 * What the balance endpoint answers for household `n`; `paidPeriods` are the billing months
 * (`YYYYMM`) paid through a payment platform since the bills were made.
 */
export function waterBalance(cityId: string, n: number, referenceDate: Date, paidPeriods: ReadonlySet<string> = new Set()): WaterBalance {
  const rows = billingPeriods(referenceDate)
    .map((period) => waterBill(cityId, n, period, referenceDate))
    .map((row): WaterBillRow => (paidPeriods.has(row.period) ? { ...row, status: '已缴' } : row));
  const owed = rows.filter((row) => row.status !== '已缴');
  const amountDueFen = owed.reduce((sum, row) => sum + row.usage * cityProfile(cityId).priceFenPerM3, 0);
  const dueDates = owed.map((row) => row.dueOn).sort();
  return {
    account: rows[0].account,
    holderName: rows[0].holderName,
    amountDue: yuan(amountDueFen),
    amountDueFen,
    dueOn: dueDates[0] ?? null,
    bills: rows.map(({ period, previousReading, currentReading, usage, amountYuan, dueOn, status }) => ({
      period,
      previousReading,
      currentReading,
      usage,
      amount: amountYuan,
      dueOn,
      status,
    })),
  };
}
