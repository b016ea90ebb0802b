import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileMapping } from './mapping.ts';

const SHANGHAI = { timeZone: 'Asia/Shanghai' };

describe('compileMapping helpers', () => {
  it('$yuanToFen turns a yuan string (or number) into integer fen', async () => {
    assert.equal(await compileMapping('$yuanToFen("200.50")', SHANGHAI).evaluate({}), 20050);
    assert.equal(await compileMapping('$yuanToFen(FKJE)', SHANGHAI).evaluate({ FKJE: '0.07' }), 7);
    assert.equal(await compileMapping('$yuanToFen(FKJE)', SHANGHAI).evaluate({ FKJE: '200' }), 20000);
    // 0.1 + 0.2 style float errors must not leak in: 19.99 yuan is exactly 1999 fen.
    assert.equal(await compileMapping('$yuanToFen("19.99")', SHANGHAI).evaluate({}), 1999);
    assert.equal(await compileMapping('$yuanToFen(200.5)', SHANGHAI).evaluate({}), 20050);
  });

  it('$localTime reads a department-local time as RFC 3339 in the city’s zone', async () => {
    assert.equal(await compileMapping('$localTime("2026-03-01 08:30:05")', SHANGHAI).evaluate({}), '2026-03-01T08:30:05+08:00');
    assert.equal(await compileMapping('$localTime(WFSJ)', SHANGHAI).evaluate({ WFSJ: '2026-12-31 23:59:59' }), '2026-12-31T23:59:59+08:00');
    assert.equal(await compileMapping('$localTime("2026-03-01 08:30:05")', { timeZone: 'UTC' }).evaluate({}), '2026-03-01T08:30:05+00:00');
  });

  it('$plateTypeCode tells small cars from small and large new-energy vehicles', async () => {
    const mapping = compileMapping('$plateTypeCode(plate)', SHANGHAI);
    assert.equal(await mapping.evaluate({ plate: '沪A12345' }), '02');
    assert.equal(await mapping.evaluate({ plate: '沪AD12345' }), '52');
    assert.equal(await mapping.evaluate({ plate: '沪AF12345' }), '52');
    assert.equal(await mapping.evaluate({ plate: '沪A12345D' }), '51');
  });

  it('makes evaluation reject on a malformed amount or time', async () => {
    await assert.rejects(compileMapping('$yuanToFen(FKJE)', SHANGHAI).evaluate({ FKJE: '2OO.00' }), /yuan amount/);
    await assert.rejects(compileMapping('$yuanToFen(FKJE)', SHANGHAI).evaluate({ FKJE: '1.234' }), /at most 2 decimal places/);
    await assert.rejects(compileMapping('$yuanToFen(FKJE)', SHANGHAI).evaluate({ FKJE: '-5.00' }), /yuan amount/);
    await assert.rejects(compileMapping('$localTime(WFSJ)', SHANGHAI).evaluate({ WFSJ: '01/03/2026 08:30' }), /not a local date-time/);
  });

  it('passes bindings to the expression', async () => {
    const mapping = compileMapping('{ "cityId": $cityId, "fineFen": $yuanToFen(FKJE) }', SHANGHAI);
    assert.deepEqual({ ...(await mapping.evaluate({ FKJE: '50.00' }, { cityId: 'shanghai' }) as object) }, { cityId: 'shanghai', fineFen: 5000 });
  });

  it('throws at compile time on a malformed expression', () => {
    assert.throws(() => compileMapping('{ "a": ', SHANGHAI));
  });
});
