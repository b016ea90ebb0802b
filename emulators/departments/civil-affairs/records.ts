/**
 * Deterministic synthetic booking slots of the emulated civil affairs bureau's marriage registry
 * offices (婚姻登记处, one per district), in the pinyin-initial field names of its booking system
 * (djjgdm 登记机关代码, yyrq 预约日期, sjd 时间段 1 上午 / 2 下午, zhs 总号数, syhs 剩余号数). Half-day
 * slots over the next 14 working days (Monday to Friday; statutory holidays are not modelled).
 */
import { addDays, chinaDate, cityRegion, CITY_DISTRICTS, CITY_STREETS, dayOfWeek, SeededRandom, type RestCityId } from '../kit/synthetic.ts';

export interface MarriageOffice {
  /** 登记机关代码. */
  djjgdm: string;
  /** 登记机关名称. */
  djjgmc: string;
  /** 办公地址. */
  bgdz: string;
}

export interface MarriageSlot {
  /** 时段编号. */
  sdbh: string;
  djjgdm: string;
  djjgmc: string;
  bgdz: string;
  /** 预约日期 "yyyy-MM-dd". */
  yyrq: string;
  /** 时间段: '1' 上午, '2' 下午. */
  sjd: '1' | '2';
  sjdmc: '上午' | '下午';
  /** 开始/结束时间 "HH:mm". */
  kssj: string;
  jssj: string;
  /** 总号数. */
  zhs: number;
  /** 剩余号数. */
  syhs: number;
}

export const WORKING_DAYS_AHEAD = 14;

const HALF_DAYS = [
  { sjd: '1', sjdmc: '上午', kssj: '09:00', jssj: '12:00' },
  { sjd: '2', sjdmc: '下午', kssj: '13:30', jssj: '17:00' },
] as const;

/** The city's marriage registry offices, one per district, in a fixed order. */
export function marriageOffices(cityId: string): MarriageOffice[] {
  const region = cityRegion(cityId);
  const streets = CITY_STREETS[cityId as RestCityId];
  return CITY_DISTRICTS[cityId as RestCityId].map((district, index) => {
    const random = new SeededRandom(cityId, 'marriage-office', district);
    return {
      djjgdm: `${region.regionCode}HY${String(index + 1).padStart(2, '0')}`,
      djjgmc: `${region.nameZh}${district}婚姻登记处`,
      bgdz: `${region.nameZh}${district}${random.pick(streets)}${random.int(1, 600)}号`,
    };
  });
}

/** The next `count` Monday-to-Friday dates after `today`. */
export function nextWorkingDays(today: string, count: number): string[] {
  const days: string[] = [];
  for (let date = addDays(today, 1); days.length < count; date = addDays(date, 1)) {
    const weekday = dayOfWeek(date);
    if (weekday !== 0 && weekday !== 6) days.push(date);
  }
  return days;
}

/** Every half-day slot of every office over the next 14 working days, by date, half-day and office. */
export function generateMarriageSlots(cityId: string, referenceDate: Date): MarriageSlot[] {
  const offices = marriageOffices(cityId);
  const slots: MarriageSlot[] = [];
  nextWorkingDays(chinaDate(referenceDate.getTime()), WORKING_DAYS_AHEAD).forEach((date, dayIndex) => {
    for (const half of HALF_DAYS) {
      for (const office of offices) {
        const random = new SeededRandom(cityId, office.djjgdm, date, half.sjd);
        const capacity = random.int(15, 40);
        const bookedShare = Math.min(1, Math.max(0, 0.9 - 0.06 * dayIndex + (random.next() - 0.5) * 0.3));
        slots.push({
          sdbh: `${office.djjgdm}${date.replace(/-/g, '')}${half.sjd}`,
          ...office,
          yyrq: date,
          ...half,
          zhs: capacity,
          syhs: capacity - Math.round(capacity * bookedShare),
        });
      }
    }
  });
  return slots;
}
