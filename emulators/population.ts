/**
 * The people of the emulated world: who holds which national id, plate, utility account and
 * library card. Every emulated department answers from these rules, so the public-security
 * register, the vehicle register and the utilities agree about one person without sharing state.
 *
 * Numbered demo residents (1…200 per city) have identifiers derived from their number and city;
 * every other well-formed identifier belongs to a synthetic stranger, whose national id is a
 * pure function of the identifier. Everything is made up.
 */
import { nationalIdCheckChar } from '../src/model/identifiers.ts';
import { SEED_CITY_REGIONS } from '../src/model/regions.ts';
import { deterministicWaterAccount, householdOfAccount } from './departments/water/bills.ts';
import { fnv1a32 } from './departments/kit/synthetic.ts';

/** The facts of a city the population rules need. */
export interface PopulationCity {
  readonly id: string;
  readonly regionCode: string;
  readonly platePrefix: string;
}

export interface DemoResident {
  readonly number: number;
  /** The name on the identity card, as the public-security register holds it. */
  readonly name: string;
  readonly phone: string;
  readonly nationalId: string;
  readonly plate: string;
  readonly waterAccount: string;
  readonly electricityAccount: string;
  readonly gasAccount: string;
  readonly libraryCard: string;
}

export const MAX_DEMO_RESIDENTS = 200;

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '林', '高', '罗', '郑', '梁', '谢', '宋', '唐', '许', '韩', '冯', '邓', '曹'];
const GIVEN = ['明', '华', '丽', '伟', '芳', '军', '静', '磊', '洋', '婷', '强', '敏', '杰', '娟', '涛', '超', '霞', '平', '刚', '燕', '辉', '玲', '斌', '萍', '宇', '欣', '浩', '晨', '悦', '凯'];

/**
 * The name the public-security register holds for a national id: a surname and one or two given
 * characters, fixed by the id. `residentName('310000196002020025')` is the same everywhere.
 */
export function residentName(nationalId: string): string {
  const hash = fnv1a32(`resident|${nationalId}`);
  const surname = SURNAMES[hash % SURNAMES.length]!;
  const first = GIVEN[(hash >>> 8) % GIVEN.length]!;
  const second = GIVEN[(hash >>> 16) % GIVEN.length]!;
  return (hash >>> 24) % 3 === 0 ? `${surname}${first}` : `${surname}${first}${second}`;
}

/**
 * Whether the register knows the id at all. Ids whose sequence code (digits 15–17) is 990…999 are
 * never issued here, so tests can ask about a well-formed id nobody holds.
 */
export function isRegisteredNationalId(nationalId: string): boolean {
  return Number(nationalId.slice(14, 17)) < 990;
}

/** Masks a name as departments print it: the surname, a star, and the last character of longer names. */
export function maskName(name: string): string {
  const chars = [...name];
  if (chars.length <= 1) return name;
  if (chars.length === 2) return `${chars[0]}*`;
  return `${chars[0]}${'*'.repeat(chars.length - 2)}${chars.at(-1)}`;
}

/** Demo resident `n` (1…200) of a city, e.g. `demoResident(3, { id: 'hangzhou', regionCode: '330100', platePrefix: '浙A' })`. */
export function demoResident(n: number, city: PopulationCity): DemoResident {
  if (!Number.isInteger(n) || n < 1 || n > MAX_DEMO_RESIDENTS) throw new RangeError(`demo citizen number must be 1…${MAX_DEMO_RESIDENTS}`);
  const digits = String(n).padStart(4, '0');
  // Born between 1960 and 1999, on a day that exists in every month.
  const birth = `${1960 + (n % 40)}${String(1 + (n % 12)).padStart(2, '0')}${String(1 + (n % 28)).padStart(2, '0')}`;
  const first17 = `${city.regionCode}${birth}${String(n % 1000).padStart(3, '0')}`;
  const nationalId = `${first17}${nationalIdCheckChar(first17)}`;
  const area = city.regionCode.slice(0, 4);
  return {
    number: n,
    name: residentName(nationalId),
    // 139 CC 00 NNNN: a mobile range used only by the SMS emulator here; CC keeps each city's people apart.
    phone: `139${cityNumber(city.id)}00${digits}`,
    nationalId,
    plate: `${city.platePrefix}D${digits}`,
    waterAccount: deterministicWaterAccount(city.id, n),
    electricityAccount: `${area}1${String(n).padStart(5, '0')}`,
    gasAccount: `${area}2${String(n).padStart(5, '0')}`,
    libraryCard: `${city.regionCode}${String(n).padStart(6, '0')}`,
  };
}

/** Two digits per city: the seed cities in order, others by a hash of the id. */
function cityNumber(cityId: string): string {
  const seeds = Object.keys(SEED_CITY_REGIONS);
  const index = seeds.indexOf(cityId);
  if (index >= 0) return String(10 + index);
  let hash = 0;
  for (const char of cityId) hash = (hash * 31 + char.charCodeAt(0)) % 1000;
  return String(80 + (hash % 20));
}

function seedCity(cityId: string): PopulationCity | undefined {
  const region = (SEED_CITY_REGIONS as Record<string, { regionCode: string; platePrefix: string }>)[cityId];
  return region ? { id: cityId, regionCode: region.regionCode, platePrefix: region.platePrefix } : undefined;
}

/** A well-formed national id for a stranger, fixed by what they hold (`plate|沪B12345`). */
function strangerNationalId(city: PopulationCity, holding: string): string {
  const hash = fnv1a32(`stranger|${city.id}|${holding}`);
  const year = 1955 + (hash % 45);
  const month = 1 + ((hash >>> 6) % 12);
  const day = 1 + ((hash >>> 10) % 28);
  const sequence = (hash >>> 15) % 990;
  const first17 = `${city.regionCode}${year}${String(month).padStart(2, '0')}${String(day).padStart(2, '0')}${String(sequence).padStart(3, '0')}`;
  return `${first17}${nationalIdCheckChar(first17)}`;
}

export type HoldingKind = 'plate' | 'water-account' | 'electricity-account' | 'gas-account' | 'library-card';

/** The demo resident number behind an identifier of a seed city, if a demo resident holds it. */
export function demoNumberOf(cityId: string, kind: HoldingKind, value: string): number | undefined {
  const city = seedCity(cityId);
  if (!city) return undefined;
  const area = city.regionCode.slice(0, 4);
  const inRange = (digits: string): number | undefined => {
    const n = Number(digits);
    return Number.isInteger(n) && n >= 1 && n <= MAX_DEMO_RESIDENTS ? n : undefined;
  };
  switch (kind) {
    case 'plate':
      return value.startsWith(`${city.platePrefix}D`) && /^\d{4}$/.test(value.slice(3)) ? inRange(value.slice(3)) : undefined;
    case 'water-account': {
      const n = householdOfAccount(cityId, value);
      return n !== undefined && n <= MAX_DEMO_RESIDENTS ? n : undefined;
    }
    case 'electricity-account':
      return new RegExp(`^${area}1\\d{5}$`).test(value) ? inRange(value.slice(5)) : undefined;
    case 'gas-account':
      return new RegExp(`^${area}2\\d{5}$`).test(value) ? inRange(value.slice(5)) : undefined;
    case 'library-card':
      return new RegExp(`^${city.regionCode}\\d{6}$`).test(value) ? inRange(value.slice(6)) : undefined;
  }
}

/**
 * Who holds an identifier in a city: its national id and registered name. A demo resident's
 * identifier is theirs; any other is a stranger's. Undefined for a city the emulators do not serve.
 *
 * @example
 *   holderOf('shanghai', 'plate', '沪AD0003')?.nationalId === demoResident(3, shanghai).nationalId
 */
export function holderOf(cityId: string, kind: HoldingKind, value: string): { nationalId: string; name: string } | undefined {
  const city = seedCity(cityId);
  if (!city) return undefined;
  const n = demoNumberOf(cityId, kind, value);
  const nationalId = n !== undefined ? demoResident(n, city).nationalId : strangerNationalId(city, `${kind}|${value}`);
  return { nationalId, name: residentName(nationalId) };
}
