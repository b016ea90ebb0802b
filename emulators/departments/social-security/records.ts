/**
 * Deterministic synthetic contribution summaries of the emulated human resources and social
 * security bureau (人力资源和社会保障局), in the data-element codes of the 金保工程 systems:
 * aac002 公民身份号码, aac003 姓名, aab004 单位名称, aac008 人员参保状态, aac030 参保日期,
 * aae002 费款所属期 ("yyyyMM"), aae140 险种类型. Balances are yuan strings. Seeded by `city|national id`.
 */
import { addDays, addMonths, addYears, birthDateOf, chinaDate, cityRegion, maskedName, SeededRandom, fenToYuan } from '../kit/synthetic.ts';
import { maskName, residentName } from '../../population.ts';

/** 人员参保状态: '1' 正常参保 (contributing), '2' 暂停缴费 (suspended). */
export type InsuredState = '1' | '2';

export interface InsuranceSummary {
  /** 公民身份号码, masked as the system prints it. */
  aac002: string;
  /** 姓名 the public-security register holds for the id, masked (张*明). */
  aac003: string;
  /** 单位名称: the (last) employer. */
  aab004: string;
  aac008: InsuredState;
  aac008mc: '正常参保' | '暂停缴费';
  /** 参保日期 "yyyy-MM-dd". */
  aac030: string;
  /** 累计缴费月数. */
  jfys: string;
  /** 最近缴费的费款所属期 "yyyyMM". */
  aae002: string;
  /** 养老保险个人账户余额, yuan. */
  ylgrzhye: string;
  /** 医疗保险个人账户余额, yuan. */
  yiliaogrzhye: string;
  /** 参保险种. */
  xzxx: Array<{ aae140: string; aae140mc: string; aac031: '1' | '2' }>;
}

const INSURANCES = [
  ['110', '企业职工基本养老保险'],
  ['210', '失业保险'],
  ['310', '职工基本医疗保险'],
  ['410', '工伤保险'],
  ['510', '生育保险'],
] as const;

const FIRMS = ['恒信', '华东', '锦程', '新元', '联创', '宏图', '金桥', '瑞丰', '东方', '启明'] as const;
const TRADES = ['科技', '贸易', '物流', '建设工程', '信息技术', '餐饮管理', '医药', '机械制造'] as const;

function monthsBetween(from: string, to: string): number {
  return (Number(to.slice(0, 4)) - Number(from.slice(0, 4))) * 12 + Number(to.slice(5, 7)) - Number(from.slice(5, 7));
}

/**
 * The social insurance summary of a national id, or undefined when the person has no record (under
 * 18 at least half a year before the reference date). People from 60 have stopped contributing.
 *
 * @throws RangeError for a city no emulator serves.
 */
export function generateInsuranceSummary(cityId: string, nationalId: string, referenceDate: Date): InsuranceSummary | undefined {
  const region = cityRegion(cityId);
  const id = nationalId.toUpperCase();
  const random = new SeededRandom(cityId, id, 'social-insurance');
  const today = chinaDate(referenceDate.getTime());
  const birth = birthDateOf(id);
  const adult = addYears(birth, 18);
  const earliest = adult > '1995-01-01' ? adult : '1995-01-01';
  const latest = addDays(today, -180);
  if (earliest > latest) return undefined;

  const spanDays = Math.round((Date.parse(latest) - Date.parse(earliest)) / 86_400_000);
  const insuredMonth = addDays(earliest, random.int(0, Math.min(spanDays, 8 * 365))).slice(0, 7);
  const lastContributable = addMonths(today, -1);
  const retirementMonth = addYears(birth, 60).slice(0, 7);
  let active = random.chance(0.85);
  let lastMonth = active ? lastContributable : addMonths(today, -random.int(3, 36));
  if (retirementMonth <= lastMonth) {
    lastMonth = retirementMonth;
    active = false;
  }
  if (lastMonth < insuredMonth) lastMonth = insuredMonth;

  const span = monthsBetween(insuredMonth, lastMonth) + 1;
  const months = Math.max(1, span - random.int(0, Math.floor(span / 10)));
  const baseYuan = random.int(4_000, 25_000);
  const pensionFen = Math.round(months * baseYuan * 8 * (1 + (0.025 * months) / 12));
  const medicalFen = random.int(0, 3_000_000);
  const masked = `${id.slice(0, 6)}********${id.slice(14)}`;
  // The name comes from the register; the draw that once invented it stays, so every value drawn after it is unchanged.
  maskedName(random);
  return {
    aac002: masked,
    aac003: maskName(residentName(id)),
    aab004: `${region.nameZh.replace(/市$/, '')}${random.pick(FIRMS)}${random.pick(TRADES)}有限公司`,
    aac008: active ? '1' : '2',
    aac008mc: active ? '正常参保' : '暂停缴费',
    aac030: `${insuredMonth}-01`,
    jfys: String(months),
    aae002: lastMonth.replace('-', ''),
    ylgrzhye: fenToYuan(pensionFen),
    yiliaogrzhye: fenToYuan(medicalFen),
    xzxx: INSURANCES.map(([code, name]) => ({ aae140: code, aae140mc: name, aac031: active ? '1' : '2' })),
  };
}
