/**
 * Pure validators for identifiers citizens type into city services.
 *
 * Every `validate*` function returns a {@link ValidationResult}. Failure reasons
 * are short English sentences meant for the citizen and never echo the input
 * (ids, plates and phone numbers are personal data and must not leak into logs).
 */
import {
  MUNICIPALITY_PROVINCE_CODES,
  PLATE_PROVINCE_CHARS,
  PROVINCE_CODES,
} from './regions.ts';

/** Outcome of a validator: the normalized value, or a citizen-readable reason. */
export type ValidationResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: string };

function ok<T>(value: T): ValidationResult<T> {
  return { ok: true, value };
}

function fail<T = never>(reason: string): ValidationResult<T> {
  return { ok: false, reason };
}

/** Mask everything when the value is too short for a partial mask to hide anything. */
function maskAll(value: string): string {
  return '*'.repeat(Array.from(value).length);
}

// ---------------------------------------------------------------------------
// National identity number (GB 11643-1999)
// ---------------------------------------------------------------------------

const NATIONAL_ID_WEIGHTS: readonly number[] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const NATIONAL_ID_CHECK_CHARS = '10X98765432';

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Parse `YYYYMMDD` into an ISO `YYYY-MM-DD` string if it is a real Gregorian date. */
function parseCompactDate(yyyymmdd: string): string | undefined {
  if (!/^\d{8}$/.test(yyyymmdd)) return undefined;
  const year = Number(yyyymmdd.slice(0, 4));
  const month = Number(yyyymmdd.slice(4, 6));
  const day = Number(yyyymmdd.slice(6, 8));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return `${yyyymmdd.slice(0, 4)}-${yyyymmdd.slice(4, 6)}-${yyyymmdd.slice(6, 8)}`;
}

/**
 * Today's date as `YYYY-MM-DD` in China Standard Time (UTC+8, no DST), so the
 * "not born in the future" rule does not depend on the server's time zone.
 */
function chinaDateOf(instant: Date): string {
  return new Date(instant.getTime() + 8 * 60 * 60 * 1000).toISOString().slice(0, 10);
}

/**
 * Compute the ISO 7064 MOD 11-2 check character for the first 17 digits of a
 * national identity number.
 *
 * @throws {RangeError} if `first17` is not exactly 17 ASCII digits.
 * @example
 * nationalIdCheckChar('11010519491231002'); // 'X'
 */
export function nationalIdCheckChar(first17: string): string {
  if (typeof first17 !== 'string' || !/^\d{17}$/.test(first17)) {
    throw new RangeError('nationalIdCheckChar expects exactly 17 digits.');
  }
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * NATIONAL_ID_WEIGHTS[i];
  return NATIONAL_ID_CHECK_CHARS[sum % 11];
}

/**
 * Read the birth date (positions 7-14) of an 18-character national identity number.
 * Only the date is checked; use {@link validateNationalId} for full validation.
 *
 * @returns `YYYY-MM-DD`, or `undefined` if the id is not 18 characters or the date is not real.
 * @example
 * nationalIdBirthDate('11010519491231002X'); // '1949-12-31'
 */
export function nationalIdBirthDate(id: string): string | undefined {
  if (typeof id !== 'string') return undefined;
  const trimmed = id.trim();
  if (trimmed.length !== 18) return undefined;
  return parseCompactDate(trimmed.slice(6, 14));
}

/**
 * Validate an 18-character citizen identity number (GB 11643-1999).
 *
 * Checks: 17 digits + check character (0-9 or X, lowercase x accepted), a known
 * province code, a real birth date between 1900-01-01 and `today` (China time),
 * and the ISO 7064 MOD 11-2 checksum.
 *
 * @param today reference "now" for the future-birth-date rule; defaults to the current time.
 * @example
 * validateNationalId('11010519491231002x'); // { ok: true, value: '11010519491231002X' }
 */
export function validateNationalId(input: string, today: Date = new Date()): ValidationResult<string> {
  if (typeof input !== 'string') return fail('The ID number must be text.');
  const id = input.trim().toUpperCase();
  if (id.length !== 18) return fail('The ID number must be exactly 18 characters long.');
  if (!/^\d{17}[\dX]$/.test(id)) {
    return fail('The ID number must be 17 digits followed by a digit or the letter X.');
  }
  if (!PROVINCE_CODES.has(id.slice(0, 2))) {
    return fail('The ID number does not start with a known province code.');
  }
  const birth = parseCompactDate(id.slice(6, 14));
  if (birth === undefined) return fail('The birth date in the ID number is not a real calendar date.');
  if (birth < '1900-01-01') return fail('The birth date in the ID number is before 1900.');
  if (birth > chinaDateOf(today)) return fail('The birth date in the ID number is in the future.');
  if (nationalIdCheckChar(id.slice(0, 17)) !== id[17]) {
    return fail('The ID number check character does not match; please re-check each digit.');
  }
  return ok(id);
}

/**
 * Mask a national identity number for display: first 3 + stars + last 4.
 *
 * @example
 * maskNationalId('310105194912311234'); // '310***********1234'
 */
export function maskNationalId(id: string): string {
  const s = id.trim().toUpperCase();
  if (s.length <= 7) return maskAll(s);
  return `${s.slice(0, 3)}${'*'.repeat(s.length - 7)}${s.slice(-4)}`;
}

// ---------------------------------------------------------------------------
// Motor-vehicle plates (GA 36)
// ---------------------------------------------------------------------------

/** Normalized plate plus what its text reveals about the vehicle. */
export interface PlateInfo {
  /** Normalized plate, e.g. '粤BD12345'. */
  readonly plate: string;
  readonly kind: 'ordinary' | 'new-energy';
  /**
   * For new-energy plates this is read from the layout. For ordinary plates the
   * text cannot tell a blue (small) from a yellow (large) plate, so it is
   * 'large' only for 挂 trailer plates and 'small' otherwise.
   */
  readonly vehicleSize: 'small' | 'large';
}

const PLATE_PROVINCE_SET: ReadonlySet<string> = new Set(PLATE_PROVINCE_CHARS);
// I and O are never issued because they are confused with 1 and 0.
const PLATE_LETTER = '[A-HJ-NP-Z]';
const PLATE_ALNUM = '[0-9A-HJ-NP-Z]';
// New-energy energy-type letters (D = pure electric, F = non-pure electric, and the rest of the issued range).
const NEV_TYPE = '[DABCEFGHJK]';
const ORDINARY_TAIL = new RegExp(`^${PLATE_LETTER}${PLATE_ALNUM}{4}(?:${PLATE_ALNUM}|[学警港澳挂领])$`);
const NEV_SMALL_TAIL = new RegExp(`^${PLATE_LETTER}${NEV_TYPE}${PLATE_ALNUM}\\d{4}$`);
const NEV_LARGE_TAIL = new RegExp(`^${PLATE_LETTER}\\d{5}${NEV_TYPE}$`);

function normalizePlate(input: string): string {
  return input
    .trim()
    .replace(/[a-z]/g, (c) => c.toUpperCase())
    .replace(/[\s·•]/g, '');
}

/**
 * Validate a mainland Chinese motor-vehicle plate (ordinary 7-character or
 * new-energy 8-character). Spaces and a middle dot (`·`/`•`) are removed and
 * ASCII letters upper-cased.
 *
 * @example
 * validatePlate('粤B·D12345'); // { ok: true, value: { plate: '粤BD12345', kind: 'new-energy', vehicleSize: 'small' } }
 */
export function validatePlate(input: string): ValidationResult<PlateInfo> {
  if (typeof input !== 'string') return fail('The plate number must be text.');
  const plate = normalizePlate(input);
  const chars = Array.from(plate);
  if (chars.length === 0) return fail('Please enter a plate number.');
  if (!PLATE_PROVINCE_SET.has(chars[0])) {
    return fail('The plate must start with a province character such as 京, 沪 or 粤.');
  }
  const tail = chars.slice(1).join('');
  if (chars.length === 7) {
    if (!ORDINARY_TAIL.test(tail)) {
      return fail(
        'After the province character a plate needs a letter and 5 letters or digits (I and O are not used).',
      );
    }
    return ok({ plate, kind: 'ordinary', vehicleSize: chars[6] === '挂' ? 'large' : 'small' });
  }
  if (chars.length === 8) {
    if (NEV_SMALL_TAIL.test(tail)) return ok({ plate, kind: 'new-energy', vehicleSize: 'small' });
    if (NEV_LARGE_TAIL.test(tail)) return ok({ plate, kind: 'new-energy', vehicleSize: 'large' });
    return fail('This does not match the layout of a new-energy vehicle plate.');
  }
  return fail('A plate has 7 characters, or 8 for a new-energy vehicle.');
}

/**
 * Mask a plate for display: province char + authority letter + `***` + last 2 chars.
 *
 * @example
 * maskPlate('沪A12345'); // '沪A***45'
 */
export function maskPlate(plate: string): string {
  const chars = Array.from(normalizePlate(plate));
  if (chars.length < 5) return maskAll(chars.join(''));
  return `${chars[0]}${chars[1]}***${chars.slice(-2).join('')}`;
}

// ---------------------------------------------------------------------------
// Region codes (GB/T 2260)
// ---------------------------------------------------------------------------

/**
 * Validate a 6-digit GB/T 2260 administrative-division code structurally:
 * province part known; a county part needs a city part; municipalities
 * (北京, 天津, 上海, 重庆) only use city part 00, 01 (districts) or 02 (counties).
 *
 * @example
 * validateRegionCode('440300'); // { ok: true, value: '440300' }
 */
export function validateRegionCode(input: string): ValidationResult<string> {
  if (typeof input !== 'string') return fail('The region code must be text.');
  const code = input.trim();
  if (!/^\d{6}$/.test(code)) return fail('A region code must be exactly 6 digits.');
  const province = code.slice(0, 2);
  const city = code.slice(2, 4);
  const county = code.slice(4, 6);
  if (!PROVINCE_CODES.has(province)) return fail('The region code does not start with a known province code.');
  if (county !== '00' && city === '00') return fail('A county-level region code must also name its city.');
  // Municipalities have no prefecture-level cities, only the 01 (districts) and 02 (counties) groups.
  if (MUNICIPALITY_PROVINCE_CODES.has(province) && !['00', '01', '02'].includes(city)) {
    return fail('Beijing, Tianjin, Shanghai and Chongqing have no cities below them in region codes.');
  }
  return ok(code);
}

// ---------------------------------------------------------------------------
// Mobile phone numbers
// ---------------------------------------------------------------------------

function normalizePhone(input: string): string {
  const compact = input.replace(/[\s-]/g, '');
  if (compact.startsWith('+86')) return compact.slice(3);
  // Only strip a bare 86 when it leaves exactly 11 digits, so 86xxxxxxxxx is never misread.
  if (/^86\d{11}$/.test(compact)) return compact.slice(2);
  return compact;
}

/**
 * Validate a mainland mobile number: 11 digits starting 13-19, with an optional
 * `+86`/`86` prefix; spaces and hyphens are ignored.
 *
 * @example
 * validatePhone('+86 138-1234-5678'); // { ok: true, value: '13812345678' }
 */
export function validatePhone(input: string): ValidationResult<string> {
  if (typeof input !== 'string') return fail('The phone number must be text.');
  const phone = normalizePhone(input);
  if (!/^\d+$/.test(phone)) return fail('A phone number may only contain digits, spaces, hyphens and +86.');
  if (phone.length !== 11) return fail('A mainland mobile number has 11 digits.');
  if (!/^1[3-9]/.test(phone)) return fail('A mainland mobile number starts with 13 to 19.');
  return ok(phone);
}

/**
 * Mask a mobile number for display: first 3 + `****` + last 4.
 *
 * @example
 * maskPhone('13812345678'); // '138****5678'
 */
export function maskPhone(phone: string): string {
  const p = normalizePhone(phone);
  if (p.length < 8) return maskAll(p);
  return `${p.slice(0, 3)}${'*'.repeat(p.length - 7)}${p.slice(-4)}`;
}

// ---------------------------------------------------------------------------
// Money in fen (1 yuan = 100 fen)
// ---------------------------------------------------------------------------

/**
 * Validate an amount of money held as integer fen.
 *
 * @example
 * validateFen(20050); // { ok: true, value: 20050 }
 * validateFen(200.5); // { ok: false, reason: '...' }
 */
export function validateFen(input: unknown): ValidationResult<number> {
  if (typeof input !== 'number') return fail('The amount must be a number of fen, not text or another type.');
  if (Number.isNaN(input)) return fail('The amount is not a number.');
  if (!Number.isInteger(input)) return fail('The amount must be a whole number of fen.');
  if (input < 0) return fail('The amount cannot be negative.');
  if (!Number.isSafeInteger(input)) return fail('The amount is too large.');
  // `input + 0` turns -0 into 0.
  return ok(input + 0);
}

/**
 * Convert a decimal yuan string to integer fen exactly, using string arithmetic.
 *
 * @throws {RangeError} if the text is not a non-negative decimal with at most 2
 *   decimal places, or the result is beyond Number.MAX_SAFE_INTEGER.
 * @example
 * yuanStringToFen('200.5'); // 20050
 */
export function yuanStringToFen(s: string): number {
  if (typeof s !== 'string') throw new RangeError('A yuan amount must be given as text.');
  const m = /^(\d+)(?:\.(\d+))?$/.exec(s.trim());
  if (m === null) {
    throw new RangeError('A yuan amount must be digits with an optional decimal point, like 200 or 200.50.');
  }
  const [, whole, frac = ''] = m;
  if (frac.length > 2) throw new RangeError('A yuan amount can have at most 2 decimal places (fen).');
  const fen = BigInt(whole) * 100n + BigInt(frac.padEnd(2, '0'));
  if (fen > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError('The yuan amount is too large.');
  return Number(fen);
}

/**
 * Format integer fen as a yuan string with exactly 2 decimals.
 *
 * @throws {RangeError} if `fen` is not a safe non-negative integer.
 * @example
 * fenToYuanString(20050); // '200.50'
 */
export function fenToYuanString(fen: number): string {
  const checked = validateFen(fen);
  if (!checked.ok) throw new RangeError(checked.reason);
  const cents = checked.value % 100;
  const yuan = (checked.value - cents) / 100;
  return `${yuan}.${String(cents).padStart(2, '0')}`;
}
