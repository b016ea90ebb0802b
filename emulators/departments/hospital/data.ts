/**
 * Deterministic synthetic data of the emulated city hospitals: doctors, their clinic schedules and
 * the registration sessions (号源) of the next seven days, and the patients found by national id.
 *
 * Everything is made up. The same city and reference date always give the same directory; a
 * session's data depends on its calendar date, not on how far it is from the reference date, so
 * moving the reference date by a day shifts the window without changing the sessions in it.
 */
import { fnv1a32, mulberry32 } from '../kit/synthetic.ts';
import { SEED_CITY_REGIONS, type SeedCityId } from '../../../src/model/regions.ts';

/** The cities whose central hospital the emulator stands in for, by Hutong city id. */
export const HOSPITAL_CITY_IDS: readonly SeedCityId[] = Object.keys(SEED_CITY_REGIONS) as SeedCityId[];
export type HospitalCityId = (typeof HOSPITAL_CITY_IDS)[number];

const HOSPITAL_NAMES: Record<HospitalCityId, string> = {
  shanghai: '上海市中心医院',
  guangzhou: '广州市中心医院',
  shenzhen: '深圳市中心医院',
  hangzhou: '杭州市中心医院',
  ningbo: '宁波市中心医院',
  nanchang: '南昌市中心医院',
  qingdao: '青岛市中心医院',
  taiyuan: '太原市中心医院',
  foshan: '佛山市中心医院',
  wuhan: '武汉市中心医院',
  beijing: '北京市中心医院',
  chengdu: '成都市中心医院',
};

export function isHospitalCityId(cityId: string): cityId is HospitalCityId {
  return (HOSPITAL_CITY_IDS as readonly string[]).includes(cityId);
}

export function hospitalName(cityId: HospitalCityId): string {
  return HOSPITAL_NAMES[cityId];
}

/** Clinical departments (科室) of the roster, in order: two doctors each for the busiest two. */
const ROSTER_DEPARTMENTS = ['内科', '内科', '儿科', '儿科', '骨科', '妇产科', '眼科', '皮肤科'] as const;

/**
 * Professional titles with their GB/T 8561 code, how long a visit is planned for, and the
 * registration level and fee they are registered at (普通号 for attending physicians, 专家号 above).
 */
export const TITLES = [
  { code: '231', title: '主任医师', visitMinutes: 30, level: 'expert', levelName: '专家号', feeYuan: 50 },
  { code: '232', title: '副主任医师', visitMinutes: 20, level: 'expert', levelName: '专家号', feeYuan: 30 },
  { code: '233', title: '主治医师', visitMinutes: 15, level: 'general', levelName: '普通号', feeYuan: 10 },
] as const;
export type Title = (typeof TITLES)[number];

/** Half-day clinic sessions in Asia/Shanghai. */
export const SESSIONS = [
  { code: 'am', name: '上午门诊', start: '08:00', end: '12:00' },
  { code: 'pm', name: '下午门诊', start: '13:30', end: '17:00' },
] as const;
export type Session = (typeof SESSIONS)[number];

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '林', '罗', '高', '郑', '梁', '谢', '宋'];
const GIVEN_NAMES = ['伟', '芳', '敏', '静', '磊', '军', '洋', '勇', '艳', '杰', '涛', '明', '超', '秀英', '建华', '志强', '晓东', '海燕', '桂英', '文博', '丽娟', '国平', '春梅', '卫东', '思远', '雅琴', '德明', '慧敏'];

export interface HospitalPractitioner {
  /** FHIR id, e.g. `dr-01`. */
  readonly id: string;
  readonly name: string;
  readonly family: string;
  readonly given: string;
  readonly gender: 'male' | 'female';
  readonly department: string;
  readonly title: Title;
  /** FHIR id of the practitioner's clinic schedule. */
  readonly scheduleId: string;
}

/** One half-day registration session of one doctor: the FHIR Slot. */
export interface HospitalSlot {
  /** FHIR id, e.g. `dr-01-20261102-am`. */
  readonly id: string;
  readonly practitionerId: string;
  readonly scheduleId: string;
  /** Local date `YYYY-MM-DD`. */
  readonly date: string;
  readonly session: Session;
  /** RFC 3339 with +08:00, e.g. `2026-11-02T08:00:00+08:00`. */
  readonly start: string;
  readonly end: string;
  readonly startMs: number;
  readonly endMs: number;
  /** Registrations (号) the session has in all. */
  readonly capacity: number;
  /** Registrations already taken through other channels (windows, phone) when the emulator starts. */
  readonly prebooked: number;
}

export interface HospitalDirectory {
  readonly cityId: HospitalCityId;
  readonly hospitalName: string;
  /** Local date of the reference date, the first day of the window. */
  readonly firstDate: string;
  /** The day after the window, exclusive. */
  readonly endDate: string;
  readonly practitioners: readonly HospitalPractitioner[];
  /** Sorted by start, then by practitioner. */
  readonly slots: readonly HospitalSlot[];
}

/** Days of registration sessions published from the reference date on (today included). */
export const WINDOW_DAYS = 7;

const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

/** Local calendar date in Asia/Shanghai (UTC+8 without daylight saving since 1991). */
export function shanghaiDate(at: Date): string {
  return new Date(at.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}

/** `date` plus `days`, both `YYYY-MM-DD`. */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

function minutesOf(time: string): number {
  const [h, m] = time.split(':').map(Number);
  return h * 60 + m;
}

/** How many visits of `visitMinutes` fit in the session. */
export function sessionCapacity(session: Session, title: Title): number {
  return Math.floor((minutesOf(session.end) - minutesOf(session.start)) / title.visitMinutes);
}

/**
 * The doctors, schedules and sessions of a city's hospital for the {@link WINDOW_DAYS} days from
 * `referenceDate`'s local date. Sessions that have ended by `referenceDate` are left out.
 */
export function buildHospitalDirectory(cityId: HospitalCityId, referenceDate: Date): HospitalDirectory {
  const practitioners = rosterOf(cityId);
  const firstDate = shanghaiDate(referenceDate);
  const slots: HospitalSlot[] = [];
  for (let day = 0; day < WINDOW_DAYS; day++) {
    const date = addDays(firstDate, day);
    const weekday = new Date(`${date}T00:00:00Z`).getUTCDay(); // 0 Sunday … 6 Saturday
    for (const session of SESSIONS) {
      for (const practitioner of practitioners) {
        const random = mulberry32(fnv1a32(`${cityId}|${practitioner.id}|${date}|${session.code}`));
        // Weekday clinics on most half-days, a reduced service at the weekend.
        const works = random() < (weekday === 0 ? 0.2 : weekday === 6 ? 0.35 : 0.6);
        if (!works) continue;
        const capacity = sessionCapacity(session, practitioner.title);
        const fullChance = practitioner.title.level === 'expert' ? 0.25 : 0.1;
        const prebooked = random() < fullChance ? capacity : Math.floor(random() * capacity * 0.8);
        const start = `${date}T${session.start}:00+08:00`;
        const end = `${date}T${session.end}:00+08:00`;
        const endMs = Date.parse(end);
        if (endMs <= referenceDate.getTime()) continue;
        slots.push({
          id: `${practitioner.id}-${date.replaceAll('-', '')}-${session.code}`,
          practitionerId: practitioner.id,
          scheduleId: practitioner.scheduleId,
          date,
          session,
          start,
          end,
          startMs: Date.parse(start),
          endMs,
          capacity,
          prebooked,
        });
      }
    }
  }
  return { cityId, hospitalName: HOSPITAL_NAMES[cityId], firstDate, endDate: addDays(firstDate, WINDOW_DAYS), practitioners, slots };
}

function rosterOf(cityId: HospitalCityId): HospitalPractitioner[] {
  const random = mulberry32(fnv1a32(`${cityId}|roster`));
  const titleOffset = Math.floor(random() * TITLES.length);
  const used = new Set<string>();
  return ROSTER_DEPARTMENTS.map((department, index) => {
    let family: string;
    let given: string;
    do {
      family = SURNAMES[Math.floor(random() * SURNAMES.length)];
      given = GIVEN_NAMES[Math.floor(random() * GIVEN_NAMES.length)];
    } while (used.has(family + given));
    used.add(family + given);
    const id = `dr-${String(index + 1).padStart(2, '0')}`;
    return {
      id,
      name: family + given,
      family,
      given,
      gender: random() < 0.5 ? 'male' : 'female',
      department,
      // Rotating titles gives every hospital doctors at all three levels.
      title: TITLES[(index + titleOffset) % TITLES.length],
      scheduleId: `sch-${id}`,
    } satisfies HospitalPractitioner;
  });
}

/** A patient as the hospital's master patient index holds them, found by national id. */
export interface HospitalPatient {
  readonly id: string;
  readonly nationalId: string;
  readonly name: string;
  readonly gender: 'male' | 'female';
  readonly birthDate: string;
}

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

/** Whether `id` is an 18-character resident identity number (GB 11643): digits, a real birth date, the check character. */
export function isValidNationalId(id: string): boolean {
  if (!/^\d{17}[\dX]$/.test(id)) return false;
  const birth = `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
  const date = new Date(`${birth}T00:00:00Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== birth) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(id[i]) * ID_WEIGHTS[i];
  return ID_CHECK[sum % 11] === id[17];
}

/**
 * The patient the hospital holds under a national id: every valid id has one, with a made-up name,
 * the sex and birth date the id encodes, and an id stable per city and national id.
 */
export function patientForNationalId(cityId: HospitalCityId, nationalId: string): HospitalPatient | undefined {
  const id = nationalId.toUpperCase();
  if (!isValidNationalId(id)) return undefined;
  const random = mulberry32(fnv1a32(`${cityId}|patient|${id}`));
  const family = SURNAMES[Math.floor(random() * SURNAMES.length)];
  const given = GIVEN_NAMES[Math.floor(random() * GIVEN_NAMES.length)];
  const hash = fnv1a32(`${cityId}|${id}`).toString(16).padStart(8, '0') + fnv1a32(`${id}|${cityId}`).toString(16).padStart(8, '0');
  return {
    id: `pat-${hash}`,
    nationalId: id,
    name: family + given,
    // The 17th digit is odd for men and even for women.
    gender: Number(id[16]) % 2 === 1 ? 'male' : 'female',
    birthDate: `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`,
  };
}

