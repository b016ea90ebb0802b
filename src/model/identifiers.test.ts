import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

import {
  fenToYuanString,
  maskNationalId,
  maskPhone,
  maskPlate,
  nationalIdBirthDate,
  nationalIdCheckChar,
  validateFen,
  validateNationalId,
  validatePhone,
  validatePlate,
  validateRegionCode,
  yuanStringToFen,
  type ValidationResult,
} from './identifiers.ts';
import { PLATE_PROVINCE_CHARS, PROVINCE_CODES, SEED_CITY_REGIONS } from './regions.ts';

/** Assert a failure and that the reason does not echo the (trimmed) input. */
function assertFails<T>(result: ValidationResult<T>, input: string, reasonPattern?: RegExp): string {
  assert.equal(result.ok, false, `expected failure for ${JSON.stringify(input)}`);
  if (result.ok) throw new Error('unreachable');
  assert.ok(result.reason.length > 0);
  const trimmed = input.trim();
  if (trimmed.length >= 3) assert.ok(!result.reason.includes(trimmed), `reason leaks input: ${result.reason}`);
  if (reasonPattern) assert.match(result.reason, reasonPattern);
  return result.reason;
}

function assertOk<T>(result: ValidationResult<T>): T {
  if (!result.ok) assert.fail(`expected ok, got: ${result.reason}`);
  return result.value;
}

/** Independent oracle: the recursive (pure-system) form of ISO 7064 MOD 11-2. */
function mod112Oracle(digits: string): string {
  let p = 0;
  for (const ch of digits) p = ((p + Number(ch)) * 2) % 11;
  const check = (12 - p) % 11;
  return check === 10 ? 'X' : String(check);
}

const withCheck = (first17: string): string => first17 + nationalIdCheckChar(first17);
const TODAY = new Date('2025-01-01T00:00:00Z');

describe('national identity number', () => {
  it('computes the well-known X check character', () => {
    assert.equal(nationalIdCheckChar('11010519491231002'), 'X');
    assert.equal(mod112Oracle('11010519491231002'), 'X');
  });

  it('rejects a malformed body in nationalIdCheckChar', () => {
    assert.throws(() => nationalIdCheckChar('1101051949123100'), RangeError);
    assert.throws(() => nationalIdCheckChar('1101051949123100A'), RangeError);
  });

  it('accepts valid ids and normalizes lowercase x', () => {
    assert.equal(assertOk(validateNationalId('11010519491231002X', TODAY)), '11010519491231002X');
    assert.equal(assertOk(validateNationalId(' 11010519491231002x ', TODAY)), '11010519491231002X');
    const shanghai = withCheck('31010519800101123');
    assert.equal(assertOk(validateNationalId(shanghai, TODAY)), shanghai);
    const shenzhen = withCheck('44030420000229456'); // leap day
    assert.equal(assertOk(validateNationalId(shenzhen, TODAY)), shenzhen);
    const hongKong = withCheck('81000019991231000');
    assert.equal(assertOk(validateNationalId(hongKong, TODAY)), hongKong);
  });

  it('rejects a wrong checksum', () => {
    assertFails(validateNationalId('110105194912310021', TODAY), '110105194912310021', /check character/);
    assertFails(validateNationalId('110105194912310020', TODAY), '110105194912310020', /check character/);
  });

  it('rejects dates that do not exist, even with a correct checksum', () => {
    for (const body of ['31010519990230123', '31010519000229123', '31010520231301123', '31010520230100123']) {
      const id = withCheck(body);
      assertFails(validateNationalId(id, TODAY), id, /calendar date/);
    }
  });

  it('rejects birth dates in the future and before 1900', () => {
    const future = withCheck('31010520250102123');
    assertFails(validateNationalId(future, TODAY), future, /future/);
    const old = withCheck('31010518991231123');
    assertFails(validateNationalId(old, TODAY), old, /1900/);
    assert.equal(validateNationalId(withCheck('31010519000101123'), TODAY).ok, true);
  });

  it('compares the birth date with today in China time', () => {
    const bornJune1 = withCheck('31010520240601123');
    // 2024-05-31 16:30 UTC is already 2024-06-01 00:30 in Beijing.
    assert.equal(validateNationalId(bornJune1, new Date('2024-05-31T16:30:00Z')).ok, true);
    assertFails(validateNationalId(bornJune1, new Date('2024-05-31T15:30:00Z')), bornJune1, /future/);
  });

  it('rejects an unknown province code', () => {
    const id = withCheck('99010519800101123');
    assertFails(validateNationalId(id, TODAY), id, /province/);
  });

  it('rejects wrong length and characters', () => {
    assertFails(validateNationalId('11010519491231002', TODAY), '11010519491231002', /18 characters/);
    assertFails(validateNationalId('11010519491231002X1', TODAY), '11010519491231002X1', /18 characters/);
    assertFails(validateNationalId('1101051949123100X2', TODAY), '1101051949123100X2', /17 digits/);
    assertFails(validateNationalId('11010519491231002Y', TODAY), '11010519491231002Y', /17 digits/);
    assertFails(validateNationalId('', TODAY), '', /18 characters/);
  });

  it('reads the birth date and masks the id', () => {
    assert.equal(nationalIdBirthDate('11010519491231002X'), '1949-12-31');
    assert.equal(nationalIdBirthDate('110105199902300021'), undefined);
    assert.equal(nationalIdBirthDate('1101051949'), undefined);
    assert.equal(maskNationalId('310105194912311234'), '310***********1234');
    assert.equal(maskNationalId('11010519491231002x'), '110***********002X');
    assert.equal(maskNationalId('1234567'), '*******');
  });

  const validBody = fc
    .record({
      province: fc.constantFrom(...PROVINCE_CODES.keys()),
      rest: fc.stringMatching(/^\d{4}$/),
      birth: fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2024-12-31T23:59:59Z'), noInvalidDate: true }),
      seq: fc.stringMatching(/^\d{3}$/),
    })
    .map(({ province, rest, birth, seq }) => `${province}${rest}${birth.toISOString().slice(0, 10).replaceAll('-', '')}${seq}`);

  it('property: the computed check char validates and every other one fails', () => {
    fc.assert(
      fc.property(validBody, (body) => {
        const check = nationalIdCheckChar(body);
        assert.equal(check, mod112Oracle(body));
        assert.deepEqual(validateNationalId(body + check, TODAY), { ok: true, value: body + check });
        for (const other of '0123456789X') {
          if (other === check) continue;
          assert.equal(validateNationalId(body + other, TODAY).ok, false);
          assert.equal(validateNationalId(body + other.toLowerCase(), TODAY).ok, false);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('property: changing any single digit of a valid id makes it fail', () => {
    fc.assert(
      fc.property(validBody, fc.nat(16), fc.integer({ min: 1, max: 9 }), (body, pos, delta) => {
        const id = withCheck(body);
        const changed = (Number(id[pos]) + delta) % 10;
        const mutated = id.slice(0, pos) + String(changed) + id.slice(pos + 1);
        assert.equal(validateNationalId(mutated, TODAY).ok, false);
      }),
      { numRuns: 300 },
    );
  });
});

describe('licence plates', () => {
  it('accepts ordinary plates', () => {
    assert.deepEqual(assertOk(validatePlate('沪A12345')), { plate: '沪A12345', kind: 'ordinary', vehicleSize: 'small' });
    assert.deepEqual(assertOk(validatePlate(' 沪a 1b345 ')), { plate: '沪A1B345', kind: 'ordinary', vehicleSize: 'small' });
    assert.deepEqual(assertOk(validatePlate('川A1234学')), { plate: '川A1234学', kind: 'ordinary', vehicleSize: 'small' });
    assert.deepEqual(assertOk(validatePlate('粤Z1234港')), { plate: '粤Z1234港', kind: 'ordinary', vehicleSize: 'small' });
    assert.deepEqual(assertOk(validatePlate('鲁B1234挂')), { plate: '鲁B1234挂', kind: 'ordinary', vehicleSize: 'large' });
  });

  it('accepts new-energy plates', () => {
    assert.deepEqual(assertOk(validatePlate('粤B·D12345')), { plate: '粤BD12345', kind: 'new-energy', vehicleSize: 'small' });
    assert.deepEqual(assertOk(validatePlate('粤B•DF1234')), { plate: '粤BDF1234', kind: 'new-energy', vehicleSize: 'small' });
    // 京A + D (type) + 1 (letter or digit) + 2345.
    assert.deepEqual(assertOk(validatePlate('京AD12345')), { plate: '京AD12345', kind: 'new-energy', vehicleSize: 'small' });
    assert.deepEqual(assertOk(validatePlate('粤B12345D')), { plate: '粤B12345D', kind: 'new-energy', vehicleSize: 'large' });
    assert.deepEqual(assertOk(validatePlate('浙a 12345f')), { plate: '浙A12345F', kind: 'new-energy', vehicleSize: 'large' });
  });

  it('rejects malformed plates without echoing them', () => {
    assertFails(validatePlate('沪AI2345'), '沪AI2345', /I and O/);
    assertFails(validatePlate('沪A12O45'), '沪A12O45', /I and O/);
    assertFails(validatePlate('沪I12345'), '沪I12345');
    assertFails(validatePlate('沪A1234'), '沪A1234', /7 characters/);
    assertFails(validatePlate('ABCDEFG'), 'ABCDEFG', /province/);
    assertFails(validatePlate('台A12345'), '台A12345', /province/);
    assertFails(validatePlate('沪A学1234'), '沪A学1234');
    assertFails(validatePlate('沪A123456'), '沪A123456', /new-energy/);
    assertFails(validatePlate('粤BZ12345'), '粤BZ12345', /new-energy/);
    assertFails(validatePlate('粤BDI1234'), '粤BDI1234', /new-energy/);
    assertFails(validatePlate('粤B12345Z'), '粤B12345Z', /new-energy/);
    assertFails(validatePlate('粤B1234D5'), '粤B1234D5', /new-energy/);
    assertFails(validatePlate('粤BD123456'), '粤BD123456', /7 characters/);
    assertFails(validatePlate('   '), '   ');
  });

  it('masks plates', () => {
    assert.equal(maskPlate('沪A12345'), '沪A***45');
    assert.equal(maskPlate('粤B·D12345'), '粤B***45');
    assert.equal(maskPlate('川A1234学'), '川A***4学');
    assert.equal(maskPlate('沪A1'), '***');
  });
});

describe('region codes and seed data', () => {
  it('has 34 provinces and 31 distinct plate characters', () => {
    assert.equal(PROVINCE_CODES.size, 34);
    assert.equal(PROVINCE_CODES.get('11'), '北京市');
    assert.equal(PROVINCE_CODES.get('71'), '台湾省');
    assert.equal(PROVINCE_CODES.get('82'), '澳门特别行政区');
    assert.equal(PLATE_PROVINCE_CHARS.length, 31);
    assert.equal(new Set(PLATE_PROVINCE_CHARS).size, 31);
  });

  it('accepts structurally valid codes', () => {
    for (const code of ['110000', '110105', '310115', '500230', '440300', '441900', '469001', '710000', '810000']) {
      assert.equal(assertOk(validateRegionCode(code)), code);
    }
  });

  it('rejects invalid codes', () => {
    assertFails(validateRegionCode('990000'), '990000', /province/);
    assertFails(validateRegionCode('44030'), '44030', /6 digits/);
    assertFails(validateRegionCode('4403001'), '4403001', /6 digits/);
    assertFails(validateRegionCode('44A300'), '44A300', /6 digits/);
    assertFails(validateRegionCode('440005'), '440005', /city/);
    assertFails(validateRegionCode('110300'), '110300', /Beijing/);
  });

  it('seed cities are consistent with the validators', () => {
    const plateCharByProvince: Record<string, string> = {
      '11': '京', '14': '晋', '31': '沪', '33': '浙', '36': '赣', '37': '鲁', '42': '鄂', '44': '粤', '51': '川',
    };
    const entries = Object.entries(SEED_CITY_REGIONS);
    assert.equal(entries.length, 12);
    assert.equal(SEED_CITY_REGIONS.foshan.regionCode, '440600');
    assert.equal(SEED_CITY_REGIONS.qingdao.platePrefix, '鲁B');
    for (const [id, city] of entries) {
      assert.equal(assertOk(validateRegionCode(city.regionCode)), city.regionCode, id);
      assert.equal(city.platePrefix[0], plateCharByProvince[city.regionCode.slice(0, 2)], id);
      assert.equal(assertOk(validatePlate(`${city.platePrefix}12345`)).kind, 'ordinary', id);
    }
    assert.equal(new Set(entries.map(([, c]) => c.regionCode)).size, 12);
  });
});

describe('mobile phone numbers', () => {
  it('normalizes prefixes and separators', () => {
    for (const input of ['13812345678', '+86 138 1234 5678', '86-138-1234-5678', '8613812345678', ' 138-1234-5678 ']) {
      assert.equal(assertOk(validatePhone(input)), '13812345678', input);
    }
    assert.equal(assertOk(validatePhone('19912345678')), '19912345678');
  });

  it('rejects invalid numbers', () => {
    assertFails(validatePhone('12812345678'), '12812345678', /13 to 19/);
    assertFails(validatePhone('1381234567'), '1381234567', /11 digits/);
    assertFails(validatePhone('138123456789'), '138123456789', /11 digits/);
    assertFails(validatePhone('138a2345678'), '138a2345678', /only contain digits/);
    assertFails(validatePhone('+1 415 555 0100'), '+1 415 555 0100', /only contain digits/);
  });

  it('masks numbers', () => {
    assert.equal(maskPhone('13812345678'), '138****5678');
    assert.equal(maskPhone('+86 138-1234-5678'), '138****5678');
    assert.equal(maskPhone('1234'), '****');
  });
});

describe('money in fen', () => {
  it('validates fen', () => {
    assert.equal(assertOk(validateFen(0)), 0);
    assert.ok(Object.is(assertOk(validateFen(-0)), 0));
    assert.equal(assertOk(validateFen(20050)), 20050);
    assert.equal(assertOk(validateFen(Number.MAX_SAFE_INTEGER)), Number.MAX_SAFE_INTEGER);
    for (const bad of [1.5, Number.NaN, -1, Number.POSITIVE_INFINITY, 2 ** 53, '100', null, undefined, 10n, {}]) {
      assert.equal(validateFen(bad).ok, false, String(bad));
    }
  });

  it('converts yuan strings exactly', () => {
    assert.equal(yuanStringToFen('200'), 20000);
    assert.equal(yuanStringToFen('200.5'), 20050);
    assert.equal(yuanStringToFen('200.50'), 20050);
    assert.equal(yuanStringToFen('0.01'), 1);
    assert.equal(yuanStringToFen('0.29'), 29); // 0.29 * 100 === 28.999999999999996 in floats
    assert.equal(yuanStringToFen('1.15'), 115); // 1.15 * 100 === 114.99999999999999 in floats
    assert.equal(yuanStringToFen('90071992547409.91'), Number.MAX_SAFE_INTEGER);
  });

  it('rejects bad yuan strings with RangeError', () => {
    assert.throws(() => yuanStringToFen('1.005'), { name: 'RangeError', message: /at most 2 decimal/ });
    for (const bad of ['', 'abc', '-1', '1e3', '1,000', '.5', '5.', '¥5', '90071992547409.92']) {
      assert.throws(() => yuanStringToFen(bad), RangeError, bad);
    }
  });

  it('formats fen as yuan', () => {
    assert.equal(fenToYuanString(20050), '200.50');
    assert.equal(fenToYuanString(0), '0.00');
    assert.equal(fenToYuanString(5), '0.05');
    assert.equal(fenToYuanString(Number.MAX_SAFE_INTEGER), '90071992547409.91');
    assert.throws(() => fenToYuanString(1.5), RangeError);
    assert.throws(() => fenToYuanString(-1), RangeError);
  });

  it('property: fen -> yuan string -> fen round-trips for 0..10^12', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 12n }), (big) => {
        const fen = Number(big);
        const yuan = fenToYuanString(fen);
        assert.match(yuan, /^\d+\.\d{2}$/);
        assert.equal(yuanStringToFen(yuan), fen);
      }),
      { numRuns: 1000 },
    );
  });

  it('property: round-trip stays exact across the whole safe-integer range', () => {
    // Near 2^53 a float path such as Number(s) * 100 or (fen / 100).toFixed(2) is off by a fen.
    fc.assert(
      fc.property(fc.maxSafeNat(), (fen) => {
        const big = BigInt(fen);
        const expected = `${big / 100n}.${String(big % 100n).padStart(2, '0')}`;
        assert.equal(fenToYuanString(fen), expected);
        assert.equal(yuanStringToFen(expected), fen);
      }),
      { numRuns: 1000 },
    );
  });

  it('property: canonical yuan string -> fen -> yuan string round-trips', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 10n }), fc.integer({ min: 0, max: 99 }), (yuan, cents) => {
        const s = `${yuan}.${String(cents).padStart(2, '0')}`;
        assert.equal(fenToYuanString(yuanStringToFen(s)), s);
      }),
      { numRuns: 1000 },
    );
  });
});
