/**
 * Deterministic synthetic records of the emulated vehicle administration office (车辆管理所):
 * driving licences by national id, vehicles by plate, and the inspection stations' booking slots.
 *
 * Field names follow the uppercase pinyin abbreviations of the public-security traffic systems
 * (JSZH 驾驶证号, ZJCX 准驾车型, LJJF 累积记分, QFRQ 清分日期, YXQZ 有效期止, ZT 状态 …); dates
 * are local "yyyy-MM-dd" strings and amounts yuan strings, as on the wire. Seeded by
 * `city|identifier` and counted from `referenceDate`.
 */
import {
  addDays,
  addYears,
  birthDateOf,
  chinaDate,
  cityRegion,
  CITY_DISTRICTS,
  CITY_STREETS,
  maskedName,
  SeededRandom,
  type RestCityId,
} from '../kit/synthetic.ts';
import { holderOf, maskName, residentName } from '../../population.ts';

/** Licence status codes (驾驶证状态) the emulator uses, with their names on the wire. */
export const LICENCE_STATES = { A: '正常', D: '暂扣', F: '吊销', M: '超过有效期' } as const;
export type LicenceStateCode = keyof typeof LICENCE_STATES;

/** A driving licence as the office's system returns it. */
export interface LegacyLicence {
  /** 驾驶证号: the holder's national id. */
  JSZH: string;
  /** 姓名 of the holder the public-security register names for the id, masked (张*明). */
  XM: string;
  /** 准驾车型, e.g. "C1". */
  ZJCX: string;
  /** 累积记分 in the current 12-point cycle, "0"…"12". */
  LJJF: string;
  /** 清分日期: the day the current cycle's points are cleared (the cycle's end). */
  QFRQ: string;
  /** 初次领证日期. */
  CCLZRQ: string;
  /** 有效期始. */
  YXQS: string;
  /** 有效期止. */
  YXQZ: string;
  /** 状态 code, see {@link LICENCE_STATES}. */
  ZT: LicenceStateCode;
  /** 状态名称. */
  ZTMC: string;
  /** 发证机关, the plate prefix of the issuing office, e.g. "沪A". */
  FZJG: string;
}

/** A vehicle as the office's system returns it. */
export interface LegacyVehicle {
  HPHM: string;
  /** 号牌种类: '02' small, '52' small new-energy, '51' large new-energy. */
  HPZL: string;
  /** 中文品牌. */
  CLPP1: string;
  /** 车辆型号. */
  CLXH: string;
  /** 车身颜色 name. */
  CSYS: string;
  /** 使用性质: 'A' 非营运. */
  SYXZ: string;
  /** 初次登记日期. */
  CCDJRQ: string;
  /** 检验有效期止: the inspection is due by this day. */
  JYYXQZ: string;
  /** 机动车状态: 'A' 正常, 'Q' 逾期未检验. */
  ZT: 'A' | 'Q';
  ZTMC: string;
}

/** An inspection station (机动车检测站). */
export interface InspectionStation {
  /** 检测站编号. */
  JCZBH: string;
  /** 检测站名称. */
  JCZMC: string;
  /** 检测站地址. */
  JCZDZ: string;
  /** 检测费用, yuan. */
  JCFY: string;
}

/** One half-hour booking slot of a station. */
export interface InspectionSlot {
  /** 预约时段编号: station number + yyyyMMddHHmm. */
  SDBH: string;
  JCZBH: string;
  JCZMC: string;
  JCZDZ: string;
  /** 预约日期 "yyyy-MM-dd". */
  YYRQ: string;
  /** 开始时间 "HH:mm". */
  KSSJ: string;
  /** 结束时间 "HH:mm". */
  JSSJ: string;
  /** 预约总数 (capacity). */
  YYZS: string;
  /** 剩余号数 (remaining). */
  SYHS: string;
  JCFY: string;
}

const LICENCE_CLASSES: readonly (readonly [string, number])[] = [
  ['C1', 70],
  ['C2', 14],
  ['B2', 6],
  ['C1E', 4],
  ['A2', 3],
  ['A1', 2],
  ['B1', 1],
];

/**
 * The licence the office holds for a national id, or undefined when the person is too young to
 * have one (first licences are issued from 18, no earlier than 1990, and at least 30 days before
 * the reference date).
 *
 * @throws RangeError for a city no emulator serves.
 */
export function generateLicence(cityId: string, nationalId: string, referenceDate: Date): LegacyLicence | undefined {
  const region = cityRegion(cityId);
  const id = nationalId.toUpperCase();
  const random = new SeededRandom(cityId, id, 'licence');
  const today = chinaDate(referenceDate.getTime());
  const adult = addYears(birthDateOf(id), 18);
  const earliest = adult > '1990-01-01' ? adult : '1990-01-01';
  const latest = addDays(today, -30);
  if (earliest > latest) return undefined;

  const spanDays = Math.round((Date.parse(latest) - Date.parse(earliest)) / 86_400_000);
  const firstIssued = addDays(earliest, random.int(0, Math.min(spanDays, 20 * 365)));
  // Validity terms: 6 years for a first licence, then 10 years each.
  const terms: Array<{ from: string; to: string }> = [{ from: firstIssued, to: addYears(firstIssued, 6) }];
  while (terms[terms.length - 1]!.to <= today) {
    const from = terms[terms.length - 1]!.to;
    terms.push({ from, to: addYears(from, 10) });
  }
  let state: LicenceStateCode = random.weighted<LicenceStateCode>([
    ['A', 86],
    ['D', 5],
    ['F', 3],
    ['M', 6],
  ]);
  // Only a licence past its first term can have run out without renewal.
  if (state === 'M' && terms.length === 1) state = 'A';
  const term = state === 'M' ? terms[terms.length - 2]! : terms[terms.length - 1]!;

  const points = random.weighted<() => number>([
    [() => 0, 55],
    [() => random.int(1, 3), 20],
    [() => random.int(4, 6), 12],
    [() => random.int(7, 11), 8],
    [() => 12, 5],
  ])();
  // Twelve points means the licence is held until the holder has re-studied.
  if (points === 12 && state === 'A') state = 'D';

  let clearing = addYears(firstIssued, Number(today.slice(0, 4)) - Number(firstIssued.slice(0, 4)));
  if (clearing <= today) clearing = addYears(clearing, 1);

  // The name comes from the register; the draw that once invented it stays, so every value drawn after it is unchanged.
  maskedName(random);
  return {
    JSZH: id,
    XM: maskName(residentName(id)),
    ZJCX: random.weighted(LICENCE_CLASSES),
    LJJF: String(points),
    QFRQ: clearing,
    CCLZRQ: firstIssued,
    YXQS: term.from,
    YXQZ: term.to,
    ZT: state,
    ZTMC: LICENCE_STATES[state],
    FZJG: region.platePrefix,
  };
}

const ORDINARY_MODELS: readonly (readonly [string, string])[] = [
  ['大众', 'SVW71617BM'],
  ['丰田', 'TV7164GL'],
  ['本田', 'HG7202AAC6'],
  ['别克', 'SGM7158DAA1'],
  ['日产', 'DFL7168VBL3'],
  ['吉利', 'MR7152D08'],
  ['长安', 'SC7151AAA6'],
];
const NEW_ENERGY_MODELS: readonly (readonly [string, string])[] = [
  ['比亚迪', 'BYD7005BEV5'],
  ['特斯拉', 'TSL7000BEVAR3'],
  ['蔚来', 'HFC6483ECEV2-W'],
  ['小鹏', 'NHQ7000BEVBM'],
  ['理想', 'LXA6500SHEVM1'],
  ['埃安', 'GAM7000BEVA0L'],
];
const COLOURS = ['白', '黑', '银', '灰', '蓝', '红'] as const;

/** Whether the office of `cityId` registers `plate`: its province character and, outside Beijing and Shanghai, its office letter. */
export function isLocalPlate(cityId: string, plate: string): boolean {
  const prefix = Array.from(cityRegion(cityId).platePrefix);
  const chars = Array.from(plate);
  if (chars[0] !== prefix[0]) return false;
  // Beijing and Shanghai issue many office letters; elsewhere one letter is one city.
  return cityId === 'beijing' || cityId === 'shanghai' || chars[1] === prefix[1];
}

/**
 * Whether the registered owner of a vehicle of the city is the person with this national id and
 * name (both must agree), or undefined when the plate is not registered in the city. Owners are
 * the people of `emulators/population.ts`.
 */
export function isRegisteredOwner(cityId: string, plate: string, nationalId: string, name: string): boolean | undefined {
  if (!isLocalPlate(cityId, plate)) return undefined;
  const owner = holderOf(cityId, 'plate', plate);
  return owner !== undefined && owner.nationalId === nationalId && owner.name === name;
}

/** The plate type code implied by the plate's shape (GA 24.7). */
export function plateTypeOfPlate(plate: string): '02' | '51' | '52' {
  const chars = Array.from(plate);
  if (chars.length === 8) return /[0-9]/.test(chars[2]!) ? '51' : '52';
  return '02';
}

/**
 * The vehicle registered under `plate` in the city, or undefined when the plate is not local.
 * Non-operating small cars follow the 2022 schedule: inspections due 6 and 10 years after
 * registration, then every 2 years until 15 years, then yearly.
 */
export function generateVehicle(cityId: string, plate: string, referenceDate: Date): LegacyVehicle | undefined {
  if (!isLocalPlate(cityId, plate)) return undefined;
  const random = new SeededRandom(cityId, plate, 'vehicle');
  const today = chinaDate(referenceDate.getTime());
  const plateType = plateTypeOfPlate(plate);
  const [brand, model] = random.pick(plateType === '02' ? ORDINARY_MODELS : NEW_ENERGY_MODELS);
  const registered = addDays(today, -random.int(200, 14 * 365));
  const dueDates: string[] = [addYears(registered, 6), addYears(registered, 10), addYears(registered, 12), addYears(registered, 14)];
  for (let year = 15; year <= 30; year++) dueDates.push(addYears(registered, year));
  const nextIndex = dueDates.findIndex((due) => due >= today);
  const overdue = nextIndex > 0 && random.chance(0.12);
  const due = overdue ? dueDates[nextIndex - 1]! : dueDates[nextIndex]!;
  return {
    HPHM: plate,
    HPZL: plateType,
    CLPP1: brand,
    CLXH: model,
    CSYS: random.pick(COLOURS),
    SYXZ: 'A',
    CCDJRQ: registered,
    JYYXQZ: due,
    ZT: overdue ? 'Q' : 'A',
    ZTMC: overdue ? '逾期未检验' : '正常',
  };
}

const STATION_COUNT = 3;

/** The city's inspection stations, in a fixed order. */
export function inspectionStations(cityId: string): InspectionStation[] {
  const region = cityRegion(cityId);
  const districts = CITY_DISTRICTS[cityId as RestCityId];
  const streets = CITY_STREETS[cityId as RestCityId];
  const shortCity = region.nameZh.replace(/市$/, '');
  return Array.from({ length: STATION_COUNT }, (_, index) => {
    const district = districts[(index * 2 + 1) % districts.length]!;
    const random = new SeededRandom(cityId, 'station', String(index));
    return {
      JCZBH: `${region.regionCode.slice(0, 4)}JC${String(index + 1).padStart(2, '0')}`,
      JCZMC: `${shortCity}${district.replace(/(新区|区)$/, '')}机动车检测站`,
      JCZDZ: `${region.nameZh}${district}${random.pick(streets)}${random.int(1, 999)}号`,
      JCFY: random.pick(['150.00', '165.00', '180.00', '200.00']),
    };
  });
}

const SLOT_STARTS = ['08:30', '09:00', '09:30', '10:00', '10:30', '11:00', '13:30', '14:00', '14:30', '15:00', '15:30', '16:00'] as const;

function halfHourLater(time: string): string {
  const [hours, minutes] = time.split(':').map(Number) as [number, number];
  const total = hours * 60 + minutes + 30;
  return `${String(Math.floor(total / 60)).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`;
}

/**
 * Every half-hour booking slot of the city's stations over the 7 days after the reference date,
 * ordered by date, time and station. Nearer days are more booked up.
 */
export function generateInspectionSlots(cityId: string, referenceDate: Date): InspectionSlot[] {
  const stations = inspectionStations(cityId);
  const today = chinaDate(referenceDate.getTime());
  const slots: InspectionSlot[] = [];
  for (let day = 1; day <= 7; day++) {
    const date = addDays(today, day);
    for (const start of SLOT_STARTS) {
      for (const station of stations) {
        const random = new SeededRandom(cityId, station.JCZBH, date, start);
        const capacity = random.int(6, 12);
        const bookedShare = Math.min(1, Math.max(0, 0.95 - 0.12 * (day - 1) + (random.next() - 0.5) * 0.4));
        const remaining = capacity - Math.round(capacity * bookedShare);
        slots.push({
          SDBH: `${station.JCZBH}${date.replace(/-/g, '')}${start.replace(':', '')}`,
          JCZBH: station.JCZBH,
          JCZMC: station.JCZMC,
          JCZDZ: station.JCZDZ,
          YYRQ: date,
          KSSJ: start,
          JSSJ: halfHourLater(start),
          YYZS: String(capacity),
          SYHS: String(remaining),
          JCFY: station.JCFY,
        });
      }
    }
  }
  return slots;
}
