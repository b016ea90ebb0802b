/**
 * Deterministic synthetic data shared by the REST department emulators: the seeded PRNG (the same
 * FNV-1a + mulberry32 pair the traffic-police emulator uses), China-local calendar arithmetic and
 * the facts of the 12 emulated cities. Everything is made up except city names, districts and roads.
 */
import { SEED_CITY_REGIONS, type SeedCityId } from '../../../src/model/regions.ts';

/** The cities every REST department emulator serves, by Hutong city id. */
export const REST_CITY_IDS = Object.keys(SEED_CITY_REGIONS) as readonly SeedCityId[];

export type RestCityId = SeedCityId;

export function isRestCityId(cityId: string): cityId is RestCityId {
  return Object.hasOwn(SEED_CITY_REGIONS, cityId);
}

/** The city's region facts; a RangeError for a city no emulator serves. */
export function cityRegion(cityId: string): (typeof SEED_CITY_REGIONS)[RestCityId] {
  if (!isRestCityId(cityId)) throw new RangeError(`No emulated department for city "${cityId}"`);
  return SEED_CITY_REGIONS[cityId];
}

/** Real districts of each city; offices, stations and addresses are placed in them. */
export const CITY_DISTRICTS: Readonly<Record<RestCityId, readonly string[]>> = {
  shanghai: ['黄浦区', '徐汇区', '长宁区', '静安区', '浦东新区', '闵行区'],
  guangzhou: ['越秀区', '天河区', '海珠区', '荔湾区', '白云区', '番禺区'],
  shenzhen: ['福田区', '罗湖区', '南山区', '宝安区', '龙岗区', '龙华区'],
  hangzhou: ['上城区', '拱墅区', '西湖区', '滨江区', '萧山区', '余杭区'],
  ningbo: ['海曙区', '江北区', '鄞州区', '镇海区', '北仑区'],
  nanchang: ['东湖区', '西湖区', '青山湖区', '红谷滩区', '新建区'],
  qingdao: ['市南区', '市北区', '李沧区', '崂山区', '黄岛区', '城阳区'],
  taiyuan: ['小店区', '迎泽区', '杏花岭区', '万柏林区', '晋源区'],
  foshan: ['禅城区', '南海区', '顺德区', '三水区', '高明区'],
  wuhan: ['江岸区', '江汉区', '武昌区', '洪山区', '汉阳区', '硚口区'],
  beijing: ['东城区', '西城区', '朝阳区', '海淀区', '丰台区', '通州区'],
  chengdu: ['锦江区', '青羊区', '金牛区', '武侯区', '成华区', '双流区'],
};

/** A few real street names per city, for addresses. */
export const CITY_STREETS: Readonly<Record<RestCityId, readonly string[]>> = {
  shanghai: ['淮海中路', '南京西路', '肇嘉浜路', '延安西路', '张杨路', '虹梅路'],
  guangzhou: ['环市东路', '天河路', '江南大道中', '中山八路', '机场路', '番禺大道'],
  shenzhen: ['深南大道', '红岭中路', '南海大道', '宝安大道', '龙岗大道', '民治大道'],
  hangzhou: ['延安路', '莫干山路', '文三路', '江南大道', '市心中路', '文一西路'],
  ningbo: ['中山西路', '人民路', '天童南路', '骆驼街道镇骆路', '明州路'],
  nanchang: ['八一大道', '北京西路', '青山南路', '红谷中大道', '长征路'],
  qingdao: ['香港中路', '辽宁路', '京口路', '海尔路', '长江中路', '正阳路'],
  taiyuan: ['长风街', '迎泽大街', '府西街', '千峰南路', '晋祠路'],
  foshan: ['汾江中路', '南海大道', '大良德和路', '西南街道广海大道', '荷城街道文华路'],
  wuhan: ['解放大道', '建设大道', '中山路', '珞喻路', '汉阳大道', '中山大道'],
  beijing: ['东长安街', '西直门内大街', '朝阳路', '中关村大街', '丰台北路', '新华大街'],
  chengdu: ['红星路', '人民中路', '一环路北一段', '人民南路四段', '建设路', '棠湖西路'],
};

/** 32-bit FNV-1a over the UTF-8 bytes of `text`. */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The mulberry32 generator: a small, fast PRNG yielding floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A PRNG with helpers, seeded by the parts joined with '|' (`city|identifier`, `city|station|slot`). */
export class SeededRandom {
  readonly #next: () => number;
  /** The 32-bit seed, handy as a stable serial number. */
  readonly seed: number;

  constructor(...parts: readonly string[]) {
    this.seed = fnv1a32(parts.join('|'));
    this.#next = mulberry32(this.seed);
  }

  /** A float in [0, 1). */
  next(): number {
    return this.#next();
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.#next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.#next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.#next() * items.length)]!;
  }

  /** One of `items`, with relative weights. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((sum, [, weight]) => sum + weight, 0);
    let remaining = this.#next() * total;
    for (const [item, weight] of items) {
      remaining -= weight;
      if (remaining < 0) return item;
    }
    return items[items.length - 1]![0];
  }

  /** `count` decimal digits. */
  digits(count: number): string {
    let text = '';
    for (let i = 0; i < count; i++) text += String(Math.floor(this.#next() * 10));
    return text;
  }
}

// ---------------------------------------------------------------------------
// China-local calendar (UTC+8, no daylight saving since 1991)
// ---------------------------------------------------------------------------

const CHINA_OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

/** "yyyy-MM-dd" of an instant in China. */
export function chinaDate(epochMs: number): string {
  const local = new Date(epochMs + CHINA_OFFSET_MS);
  return `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`;
}

/** "yyyy-MM-dd HH:mm:ss" of an instant in China. */
export function chinaDateTime(epochMs: number): string {
  const local = new Date(epochMs + CHINA_OFFSET_MS);
  return `${chinaDate(epochMs)} ${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`;
}

/** The instant a China-local "yyyy-MM-dd" (and optional "HH:mm[:ss]") happens. */
export function chinaInstant(date: string, time = '00:00:00'): number {
  return Date.parse(`${date}T${time.length === 5 ? `${time}:00` : time}+08:00`);
}

/** A "yyyy-MM-dd" date `days` later (or earlier). */
export function addDays(date: string, days: number): string {
  return chinaDate(chinaInstant(date) + days * DAY_MS);
}

/** Whole days from `from` to `to` ("yyyy-MM-dd"). */
export function daysBetween(from: string, to: string): number {
  return Math.round((chinaInstant(to) - chinaInstant(from)) / DAY_MS);
}

/** 0 = Sunday … 6 = Saturday. */
export function dayOfWeek(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

/** "yyyy-MM" of a date or month string, `months` later (or earlier). */
export function addMonths(month: string, months: number): string {
  const [year, mon] = month.slice(0, 7).split('-').map(Number) as [number, number];
  const index = year * 12 + (mon - 1) + months;
  return `${Math.floor(index / 12)}-${pad((index % 12) + 1)}`;
}

/** A "yyyy-MM-dd" date `years` later, 29 February becoming 28 February in a common year. */
export function addYears(date: string, years: number): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const target = year + years;
  const leap = (target % 4 === 0 && target % 100 !== 0) || target % 400 === 0;
  const safeDay = month === 2 && day === 29 && !leap ? 28 : day;
  return `${target}-${pad(month)}-${pad(safeDay)}`;
}

/** Yuan with two decimals from integer fen, as legacy systems print amounts. */
export function fenToYuan(fen: number): string {
  return `${Math.floor(fen / 100)}.${pad(fen % 100)}`;
}

/** The birth date ("yyyy-MM-dd") in an 18-character national id. */
export function birthDateOf(nationalId: string): string {
  return `${nationalId.slice(6, 10)}-${nationalId.slice(10, 12)}-${nationalId.slice(12, 14)}`;
}

/** A name masked as Chinese systems print it: surname plus stars ("王*明" style). */
export function maskedName(random: SeededRandom): string {
  const surname = random.pick(['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '林']);
  return random.chance(0.7) ? `${surname}*${random.pick(['明', '华', '丽', '伟', '芳', '军', '静', '磊', '洋', '婷'])}` : `${surname}*`;
}
