/**
 * Deterministic synthetic permit applications of the emulated exit-entry administration (出入境管理局),
 * in the pinyin-initial field names of its progress-query service (slbh 受理编号, zjzl 证件种类,
 * sqsj 受理时间, blzt 办理状态, gxsj 更新时间, jdxx 进度信息). 0–2 applications per person, submitted in
 * the 60 days before the reference date; each moves through its stages on a fixed timetable, so the
 * stage depends on how long ago it was submitted. Seeded by `city|national id`.
 */
import { birthDateOf, chinaDate, chinaDateTime, chinaInstant, cityRegion, daysBetween, SeededRandom } from '../kit/synthetic.ts';

/** 证件种类 codes of the emulated system. */
export const PERMIT_KINDS = { HZ: '普通护照', GA: '往来港澳通行证', TW: '往来台湾通行证' } as const;
export type PermitKindCode = keyof typeof PERMIT_KINDS;

/** 办理状态 codes: 01 已受理 → 02 审核中 → 03 审批通过 → 04 制证中 → 05 待领取 → 06 已领取; 09 不予批准. */
export const PERMIT_STAGES = {
  '01': '已受理',
  '02': '审核中',
  '03': '审批通过',
  '04': '制证中',
  '05': '待领取',
  '06': '已领取',
  '09': '不予批准',
} as const;
export type PermitStageCode = keyof typeof PERMIT_STAGES;

export interface PermitProgressStep {
  blzt: PermitStageCode;
  blztmc: string;
  /** 处理时间 "yyyy-MM-dd HH:mm:ss". */
  clsj: string;
}

export interface PermitApplicationRecord {
  /** 受理编号, 18 digits. */
  slbh: string;
  zjzl: PermitKindCode;
  zjzlmc: string;
  /** 申请类别: 首次申请, 换发, 补发. */
  sqlb: string;
  /** 受理时间. */
  sqsj: string;
  /** Current stage. */
  blzt: PermitStageCode;
  blztmc: string;
  /** When the current stage began. */
  gxsj: string;
  /** Every stage reached so far, oldest first. */
  jdxx: PermitProgressStep[];
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * The applications lodged under a national id in the city, newest first.
 *
 * @throws RangeError for a city no emulator serves.
 */
export function generatePermitApplications(cityId: string, nationalId: string, referenceDate: Date): PermitApplicationRecord[] {
  const region = cityRegion(cityId);
  const id = nationalId.toUpperCase();
  const random = new SeededRandom(cityId, id, 'exit-entry');
  const now = referenceDate.getTime();
  const today = chinaDate(now);
  const ageDays = daysBetween(birthDateOf(id), today);
  const count = ageDays < 2 ? 0 : random.weighted([[0, 40], [1, 45], [2, 15]] as const);
  const kinds: PermitKindCode[] = random.chance(0.5) ? ['HZ', 'GA', 'TW'] : ['GA', 'HZ', 'TW'];
  const applications: PermitApplicationRecord[] = [];
  for (let index = 0; index < count; index++) {
    // Taiwan passes are the rarer kind: usually last in line.
    const kind = kinds.splice(random.chance(0.15) ? kinds.length - 1 : 0, 1)[0]!;
    const daysAgo = random.int(1, Math.min(60, ageDays - 1));
    // Counters are open 09:00–16:30 local time.
    const submitted = chinaInstant(chinaDate(now - daysAgo * DAY_MS)) + 9 * HOUR_MS + random.int(0, 450) * 60_000 + random.int(0, 59) * 1000;
    const steps: Array<{ code: PermitStageCode; at: number }> = [{ code: '01', at: submitted }];
    const after = (days: number): number => steps[steps.length - 1]!.at + days * DAY_MS + random.int(-120, 240) * 60_000;
    steps.push({ code: '02', at: after(1) });
    if (random.chance(0.03)) {
      steps.push({ code: '09', at: after(random.int(2, 4)) });
    } else {
      steps.push({ code: '03', at: after(random.int(2, 4)) });
      steps.push({ code: '04', at: after(1) });
      steps.push({ code: '05', at: after(random.int(2, 4)) });
      if (random.chance(0.8)) steps.push({ code: '06', at: after(random.int(1, 20)) });
    }
    const reached = steps.filter((step) => step.at <= now);
    const current = reached[reached.length - 1]!;
    applications.push({
      slbh: `${region.regionCode}${chinaDate(submitted).replace(/-/g, '')}${random.digits(4)}`,
      zjzl: kind,
      zjzlmc: PERMIT_KINDS[kind],
      sqlb: random.weighted([['首次申请', 5], ['换发', 4], ['补发', 1]] as const),
      sqsj: chinaDateTime(submitted),
      blzt: current.code,
      blztmc: PERMIT_STAGES[current.code],
      gxsj: chinaDateTime(current.at),
      jdxx: reached.map((step) => ({ blzt: step.code, blztmc: PERMIT_STAGES[step.code], clsj: chinaDateTime(step.at) })),
    });
  }
  return applications.sort((a, b) => (a.sqsj < b.sqsj ? 1 : a.sqsj > b.sqsj ? -1 : 0));
}
