/**
 * Deterministic synthetic violation records for the traffic-police emulator.
 *
 * The records use the field names and string formats of the legacy violation-query systems of
 * Chinese traffic police (uppercase pinyin abbreviations, local-time strings, amounts as decimal
 * strings). Everything here is made up: the same city and plate always give the same records, so
 * tests and demos can rely on them.
 */
import { fnv1a32, mulberry32 } from '../kit/synthetic.ts';
import { SEED_CITY_REGIONS, type SeedCityId } from '../../../src/model/regions.ts';

/** The cities whose traffic police the emulator stands in for, by Hutong city id. */
export const EMULATED_CITY_IDS: readonly SeedCityId[] = Object.keys(SEED_CITY_REGIONS) as SeedCityId[];

/** A city id the emulator has data for. */
export type EmulatedCityId = (typeof EMULATED_CITY_IDS)[number];

/**
 * Plate type codes (号牌种类) of the legacy systems: '01' large car, '02' small car,
 * '51' large new-energy, '52' small new-energy.
 */
export type PlateTypeCode = '01' | '02' | '51' | '52';

/** One violation as the legacy system returns it; every field is a string, as on the wire. */
export interface LegacyViolationRecord {
  /** 序号: record number, 15 digits. */
  XH: string;
  /** 号牌号码: plate number. */
  HPHM: string;
  /** 号牌种类: plate type code, see {@link PlateTypeCode}. */
  HPZL: string;
  /** 违法时间: "yyyy-MM-dd HH:mm:ss" in the city's local time (UTC+8). */
  WFSJ: string;
  /** 违法地点: where it happened, in Chinese. */
  WFDZ: string;
  /** 违法行为: violation code. */
  WFXW: string;
  /** 违法内容: description of the violation, in Chinese. */
  WFNR: string;
  /** 罚款金额: fine in yuan with two decimals, e.g. "200.00". */
  FKJE: string;
  /** 违法记分数: penalty points, an integer as a string. */
  WFJFS: string;
  /** 处理标记: '0' not processed, '1' processed. */
  CLBJ: string;
  /** 缴款标记: '0' not paid, '1' paid. */
  JKBJ: string;
  /** 采集机关: the recording authority. */
  CJJG: string;
}

interface CityProfile {
  /** Chinese name, used as the address prefix. */
  name: string;
  /** Six-digit administrative division code, the prefix of record numbers. */
  divisionCode: string;
  authority: string;
  /** Real major roads of the city; addresses are built from pairs of them. */
  roads: readonly string[];
}

const CITY_PROFILES: Record<EmulatedCityId, CityProfile> = {
  shanghai: {
    name: '上海市',
    divisionCode: '310000',
    authority: '上海市公安局交通警察总队',
    roads: ['延安东路', '南京西路', '淮海中路', '中山北路', '世纪大道', '四川北路', '肇嘉浜路', '长寿路'],
  },
  guangzhou: {
    name: '广州市',
    divisionCode: '440100',
    authority: '广州市公安局交通警察支队',
    roads: ['天河路', '环市东路', '中山大道', '东风中路', '黄埔大道', '广州大道中', '解放北路'],
  },
  shenzhen: {
    name: '深圳市',
    divisionCode: '440300',
    authority: '深圳市公安局交通警察局',
    roads: ['深南大道', '北环大道', '滨海大道', '红荔路', '福华路', '宝安大道', '新洲路'],
  },
  hangzhou: {
    name: '杭州市',
    divisionCode: '330100',
    authority: '杭州市公安局交通警察支队',
    roads: ['延安路', '文三路', '天目山路', '庆春路', '凤起路', '文一西路', '秋涛路'],
  },
  ningbo: {
    name: '宁波市',
    divisionCode: '330200',
    authority: '宁波市公安局交通警察局',
    roads: ['中山东路', '解放南路', '世纪大道', '兴宁路', '环城南路', '江东北路'],
  },
  nanchang: {
    name: '南昌市',
    divisionCode: '360100',
    authority: '南昌市公安局交通管理局',
    roads: ['八一大道', '阳明路', '北京西路', '红谷中大道', '洪都北大道', '井冈山大道'],
  },
  qingdao: {
    name: '青岛市',
    divisionCode: '370200',
    authority: '青岛市公安局交通警察支队',
    roads: ['香港中路', '山东路', '福州路', '南京路', '辽阳西路', '重庆南路'],
  },
  taiyuan: {
    name: '太原市',
    divisionCode: '140100',
    authority: '太原市公安局交通警察支队',
    roads: ['迎泽大街', '并州路', '长风街', '府西街', '滨河东路', '解放路'],
  },
  foshan: {
    name: '佛山市',
    divisionCode: '440600',
    authority: '佛山市公安局交通警察支队',
    roads: ['季华路', '佛山大道', '汾江中路', '岭南大道', '南海大道', '魁奇路'],
  },
  wuhan: {
    name: '武汉市',
    divisionCode: '420100',
    authority: '武汉市公安局交通管理局',
    roads: ['解放大道', '中山大道', '武珞路', '珞喻路', '友谊大道', '发展大道'],
  },
  beijing: {
    name: '北京市',
    divisionCode: '110000',
    authority: '北京市公安局公安交通管理局',
    roads: ['东长安街', '西直门外大街', '朝阳路', '建国路', '中关村大街', '平安大街', '德胜门外大街'],
  },
  chengdu: {
    name: '成都市',
    divisionCode: '510100',
    authority: '成都市公安局交通管理局',
    roads: ['人民南路', '蜀都大道', '天府大道', '一环路', '红星路', '科华北路'],
  },
};

interface ViolationKind {
  code: string;
  description: string;
  fineYuan: number;
  points: number;
  /** Relative frequency among camera-recorded violations. */
  weight: number;
}

// Codes and descriptions follow the legacy 4-digit GA/T 16 style; amounts are synthetic but plausible.
const VIOLATION_KINDS: readonly ViolationKind[] = [
  { code: '1625', description: '驾驶机动车违反道路交通信号灯通行的', fineYuan: 200, points: 6, weight: 3 },
  { code: '1345', description: '机动车违反禁止标线指示的', fineYuan: 200, points: 3, weight: 3 },
  { code: '1352', description: '驾驶机动车超过规定时速未达20%的', fineYuan: 200, points: 3, weight: 2 },
  { code: '1039', description: '机动车违反规定停放、临时停车且驾驶人不在现场，妨碍其他车辆、行人通行的', fineYuan: 200, points: 0, weight: 4 },
  { code: '1357', description: '驾驶机动车行经人行横道，不按规定减速、停车、避让行人的', fineYuan: 200, points: 3, weight: 2 },
  { code: '1019', description: '机动车违反规定使用专用车道的', fineYuan: 200, points: 0, weight: 2 },
];

const TOTAL_KIND_WEIGHT = VIOLATION_KINDS.reduce((sum, kind) => sum + kind.weight, 0);

/** The violation codes (违法行为) the emulated cameras record, e.g. '1625' running a red light. */
export const VIOLATION_CODES: readonly string[] = VIOLATION_KINDS.map((kind) => kind.code);

// Loose shape check: a Chinese province abbreviation, then letters and digits; the last character may be Chinese (学, 警, 挂…).
const PLATE_PATTERN = /^\p{Script=Han}[A-Z0-9]{5,6}[A-Z0-9\p{Script=Han}]$/u;

/** A plate as the system keys it (trimmed, upper case), or undefined when it is not shaped like a plate. */
export function normalizePlate(raw: string): string | undefined {
  const plate = raw.trim().toUpperCase();
  return PLATE_PATTERN.test(plate) ? plate : undefined;
}

const SHANGHAI_OFFSET_MS = 8 * 3_600_000;
// At most 5, so generated record numbers end in 0…4 and recordedViolationNumber can use 5…9.
const MAX_RECORDS_PER_PLATE = 5;

/** Whether `cityId` is one of {@link EMULATED_CITY_IDS}. */
export function isEmulatedCityId(cityId: string): cityId is EmulatedCityId {
  return (EMULATED_CITY_IDS as readonly string[]).includes(cityId);
}

/**
 * The plate type code implied by the shape of a plate: 8 characters are new-energy plates (a letter
 * in third place is a small car, a digit a large one); 7 characters are taken as a small car.
 */
export function plateTypeOf(plate: string): PlateTypeCode {
  const characters = Array.from(plate);
  if (characters.length === 8) {
    return /[A-Z]/i.test(characters[2] ?? '') ? '52' : '51';
  }
  return '02';
}

/**
 * The violation records the emulated traffic police hold for a plate in a city, newest first.
 *
 * Deterministic: a PRNG seeded from `${cityId}|${plate}` decides everything, and times are placed
 * within the 365 days before `referenceDate`. Between 0 and 5 records (none for about 1 plate in 6).
 *
 * @throws RangeError when `cityId` is not in {@link EMULATED_CITY_IDS}.
 */
export function generateViolations(cityId: string, plate: string, referenceDate: Date): LegacyViolationRecord[] {
  if (!isEmulatedCityId(cityId)) {
    throw new RangeError(`No emulated traffic police for city "${cityId}"`);
  }
  const city = CITY_PROFILES[cityId];
  const seed = fnv1a32(`${cityId}|${plate}`);
  const random = mulberry32(seed);
  const count = Math.floor(random() * (MAX_RECORDS_PER_PLATE + 1));
  const referenceMs = referenceDate.getTime();

  const drafts = Array.from({ length: count }, () => {
    // Whole seconds, at least one second before the reference, so WFSJ round-trips exactly.
    const ageSeconds = 1 + Math.floor(random() * (365 * 86_400 - 1));
    const occurredMs = Math.floor(referenceMs / 1000) * 1000 - ageSeconds * 1000;
    const kind = pickViolationKind(random());
    const address = buildAddress(city, random);
    // Older violations are more likely to have been dealt with by now.
    const processedProbability = 0.3 + 0.6 * (ageSeconds / (365 * 86_400));
    const processed = random() < processedProbability;
    return { occurredMs, kind, address, processed };
  });
  drafts.sort((a, b) => b.occurredMs - a.occurredMs);

  const plateSerial = String(seed % 100_000_000).padStart(8, '0');
  const plateType = plateTypeOf(plate);
  return drafts.map((draft, index) => ({
    XH: `${city.divisionCode}${plateSerial}${index}`,
    HPHM: plate,
    HPZL: plateType,
    WFSJ: formatShanghaiTime(draft.occurredMs),
    WFDZ: draft.address,
    WFXW: draft.kind.code,
    WFNR: draft.kind.description,
    FKJE: draft.kind.fineYuan.toFixed(2),
    WFJFS: String(draft.kind.points),
    CLBJ: draft.processed ? '1' : '0',
    // The emulator treats every processed violation as paid and every unprocessed one as unpaid.
    JKBJ: draft.processed ? '1' : '0',
    CJJG: city.authority,
  }));
}

/**
 * The 序号 of the `serial`-th violation recorded in a city after the emulator started (serial ≥ 0):
 * 15 digits like the generated ones, ending in 5…9 where generated ones end in 0…4, so the two
 * never collide. Distinct for serials 0 … 499 999 999.
 *
 * @throws RangeError when `cityId` is not in {@link EMULATED_CITY_IDS} or `serial` is not a whole number ≥ 0.
 */
export function recordedViolationNumber(cityId: string, serial: number): string {
  if (!isEmulatedCityId(cityId)) throw new RangeError(`No emulated traffic police for city "${cityId}"`);
  if (!Number.isSafeInteger(serial) || serial < 0) throw new RangeError(`serial must be a whole number ≥ 0, got ${serial}`);
  const block = String(Math.floor(serial / 5) % 100_000_000).padStart(8, '0');
  return `${CITY_PROFILES[cityId].divisionCode}${block}${5 + (serial % 5)}`;
}

/** What a camera records besides city, plate and record number; see {@link cameraRecordedViolation}. */
export interface CameraRecording {
  occurredAt: Date;
  /** One of {@link VIOLATION_CODES}; picked from `xh` with the generator's frequencies when absent. */
  code?: string;
  /** 违法地点; an address on the city's roads picked from `xh` when absent. */
  location?: string;
}

/**
 * A violation just recorded by a camera, as the legacy system returns it: not processed, not paid,
 * its kind (fine, points) from the same table {@link generateViolations} uses. Deterministic for
 * the same arguments.
 *
 * @throws RangeError when `cityId` is not emulated or `code` is not one of {@link VIOLATION_CODES}.
 */
export function cameraRecordedViolation(cityId: string, plate: string, xh: string, recording: CameraRecording): LegacyViolationRecord {
  if (!isEmulatedCityId(cityId)) throw new RangeError(`No emulated traffic police for city "${cityId}"`);
  const city = CITY_PROFILES[cityId];
  const random = mulberry32(fnv1a32(`${cityId}|${plate}|${xh}`));
  const roll = random();
  const kind = recording.code === undefined ? pickViolationKind(roll) : VIOLATION_KINDS.find((candidate) => candidate.code === recording.code);
  if (!kind) throw new RangeError(`unknown violation code "${recording.code}"; use one of ${VIOLATION_CODES.join(', ')}`);
  return {
    XH: xh,
    HPHM: plate,
    HPZL: plateTypeOf(plate),
    WFSJ: formatShanghaiTime(recording.occurredAt.getTime()),
    WFDZ: recording.location ?? buildAddress(city, random),
    WFXW: kind.code,
    WFNR: kind.description,
    FKJE: kind.fineYuan.toFixed(2),
    WFJFS: String(kind.points),
    CLBJ: '0',
    JKBJ: '0',
    CJJG: city.authority,
  };
}

function pickViolationKind(roll: number): ViolationKind {
  let remaining = roll * TOTAL_KIND_WEIGHT;
  for (const kind of VIOLATION_KINDS) {
    remaining -= kind.weight;
    if (remaining < 0) {
      return kind;
    }
  }
  return VIOLATION_KINDS[VIOLATION_KINDS.length - 1]!;
}

function buildAddress(city: CityProfile, random: () => number): string {
  const road = city.roads[Math.floor(random() * city.roads.length)]!;
  if (random() < 0.6) {
    // Pick a different road as the crossing by skipping over the first one.
    const offset = 1 + Math.floor(random() * (city.roads.length - 1));
    const crossing = city.roads[(city.roads.indexOf(road) + offset) % city.roads.length]!;
    return `${city.name}${road}与${crossing}交叉口`;
  }
  const houseNumber = 1 + Math.floor(random() * 800);
  return `${city.name}${road}${houseNumber}号路段`;
}

/** "yyyy-MM-dd HH:mm:ss" in Asia/Shanghai, which has been UTC+8 without daylight saving since 1991. */
function formatShanghaiTime(epochMs: number): string {
  const local = new Date(epochMs + SHANGHAI_OFFSET_MS);
  const pad = (value: number): string => String(value).padStart(2, '0');
  return (
    `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())} ` +
    `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`
  );
}

