import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClientAsync, type Client } from 'soap';
import { startEmulators, type RunningEmulators } from '../../index.ts';
import type { PayViolationResponse } from './server.ts';
import { generateViolations, plateTypeOf, recordedViolationNumber, VIOLATION_CODES, type LegacyViolationRecord } from './violations.ts';

const REFERENCE_DATE = new Date('2025-06-01T04:00:00Z');

let emulators: RunningEmulators;
let emulatorsStartedAt = 0;
const clients = new Map<string, Client>();

before(async () => {
  emulatorsStartedAt = Date.now();
  emulators = await startEmulators({ port: 0, smsAppKey: 'k', referenceDate: REFERENCE_DATE });
});

after(() => emulators.close());

async function clientFor(city: string): Promise<Client> {
  let client = clients.get(city);
  if (!client) clients.set(city, (client = await createClientAsync(`${emulators.url}/traffic-police/${city}/ws?wsdl`)));
  return client;
}

async function query(city: string, plate: string): Promise<{ total: number; records: LegacyViolationRecord[] }> {
  const [result] = (await (await clientFor(city)).QueryViolationsAsync({ hphm: plate, hpzl: plateTypeOf(plate), pageNo: 1, pageSize: 50 })) as [
    { total: number; records: { record?: LegacyViolationRecord[] } | null },
  ];
  return { total: result.total, records: result.records?.record ?? [] };
}

async function pay(city: string, args: Record<string, unknown>): Promise<PayViolationResponse> {
  const [result] = (await (await clientFor(city)).PayViolationAsync(args)) as [PayViolationResponse];
  return result;
}

function post(city: string, body: unknown, init: RequestInit = {}): Promise<Response> {
  return fetch(`${emulators.url}/_admin/traffic-police/${encodeURIComponent(city)}/violations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...init,
  });
}

/** The first plate `prefix` + 5 digits whose generated records satisfy `accept`. */
function findPlate(city: string, prefix: string, accept: (records: LegacyViolationRecord[]) => boolean): string {
  for (let serial = 0; serial < 100_000; serial++) {
    const plate = `${prefix}${String(serial).padStart(5, '0')}`;
    if (accept(generateViolations(city, plate, REFERENCE_DATE))) return plate;
  }
  throw new Error(`no plate with prefix ${prefix} fits`);
}

/** Milliseconds since the epoch of a "yyyy-MM-dd HH:mm:ss" China-local time. */
function localMs(wfsj: string): number {
  return Date.parse(`${wfsj.replace(' ', 'T')}+08:00`);
}

describe('traffic police: violations recorded after start', () => {
  it('records one through the typed handle that QueryViolations then answers first, unpaid, beside the generated ones', async () => {
    const plate = findPlate('shanghai', '沪G', (records) => records.length >= 2);
    const generated = generateViolations('shanghai', plate, REFERENCE_DATE);
    const xh = emulators.trafficPolice.recordViolation('shanghai', plate, { code: '1625' });
    assert.match(xh, /^310000\d{8}[5-9]$/);

    const { total, records } = await query('shanghai', plate);
    assert.equal(total, generated.length + 1);
    const [newest, ...rest] = records;
    assert.deepEqual(rest, generated);
    assert.equal(newest!.XH, xh);
    assert.deepEqual(
      [newest!.HPHM, newest!.HPZL, newest!.WFXW, newest!.WFNR, newest!.FKJE, newest!.WFJFS, newest!.CLBJ, newest!.JKBJ, newest!.CJJG],
      [plate, '02', '1625', '驾驶机动车违反道路交通信号灯通行的', '200.00', '6', '0', '0', '上海市公安局交通警察总队'],
    );
    assert.match(newest!.WFDZ, /^上海市/);
    // The service's "now" is the reference date advancing in real time.
    const elapsedMs = localMs(newest!.WFSJ) - REFERENCE_DATE.getTime();
    assert.ok(elapsedMs >= 0 && elapsedMs <= Date.now() - emulatorsStartedAt, `${newest!.WFSJ} is just after the reference date`);

    const other = findPlate('shanghai', '沪H', (records) => records.length >= 1);
    assert.equal((await query('shanghai', other)).total, generateViolations('shanghai', other, REFERENCE_DATE).length, 'other plates unchanged');
  });

  it('records one over HTTP with the given code, time and place, normalising the plate, in time order among the generated ones', async () => {
    const plate = findPlate('guangzhou', '粤A', (records) => records.length >= 2 && records.at(-1)!.WFSJ < '2025-03-01 12:00:00');
    const response = await post('guangzhou', { plate: ` ${plate.toLowerCase()} `, code: '1039', occurredAt: '2025-03-01T04:00:00Z', location: '广州市天河路385号' });
    assert.equal(response.status, 201);
    const created = (await response.json()) as LegacyViolationRecord;
    assert.match(created.XH, /^440100\d{8}[5-9]$/);
    assert.deepEqual(
      { ...created, XH: undefined },
      {
        XH: undefined,
        HPHM: plate,
        HPZL: '02',
        WFSJ: '2025-03-01 12:00:00',
        WFDZ: '广州市天河路385号',
        WFXW: '1039',
        WFNR: '机动车违反规定停放、临时停车且驾驶人不在现场，妨碍其他车辆、行人通行的',
        FKJE: '200.00',
        WFJFS: '0',
        CLBJ: '0',
        JKBJ: '0',
        CJJG: '广州市公安局交通警察支队',
      },
    );
    const { records } = await query('guangzhou', plate);
    assert.deepEqual(records.find((record) => record.XH === created.XH), created);
    const times = records.map((record) => record.WFSJ);
    assert.deepEqual(times, [...times].sort().reverse(), 'newest first');
  });

  it('takes a recorded violation’s fine with PayViolation like a generated one, once', async () => {
    const plate = findPlate('shanghai', '沪J', (records) => records.length === 0);
    const xh = emulators.trafficPolice.recordViolation('shanghai', plate, { code: '1352' });
    const args = { xh, hphm: plate, hpzl: '02', jkje: '200.00', jklsh: 'HT-RECORDED-000001', jksj: '2025-06-01 12:00:00', jkqd: 'alipay' };
    const paid = await pay('shanghai', args);
    assert.deepEqual([paid.code, paid.xh, paid.jkje, paid.jkbj], ['1', xh, '200.00', '1']);
    const [record] = (await query('shanghai', plate)).records;
    assert.deepEqual([record!.XH, record!.JKBJ, record!.CLBJ], [xh, '1', '1']);
    assert.equal((await pay('shanghai', args)).jkbh, paid.jkbh, 'the same reference answers the first payment');
    await assert.rejects(pay('shanghai', { ...args, jklsh: 'HT-RECORDED-000002' }), /soap:Client\.AlreadyPaid/);
    assert.equal(emulators.trafficPolice.payments('shanghai').recordings(xh), 1);

    const unpaid = emulators.trafficPolice.recordViolation('shanghai', plate, { code: '1625' });
    await assert.rejects(pay('shanghai', { ...args, xh: unpaid, jkje: '100.00', jklsh: 'HT-RECORDED-000003' }), /soap:Client\.AmountMismatch/);
    const elsewhere = findPlate('shanghai', '沪K', () => true);
    await assert.rejects(pay('shanghai', { ...args, xh: unpaid, hphm: elsewhere, jklsh: 'HT-RECORDED-000004' }), /soap:Client\.ViolationNotFound/);
  });

  it('refuses a city not served, a bad plate and a bad body with 400, recording nothing', async () => {
    const plate = findPlate('hangzhou', '浙A', (records) => records.length === 1);
    const refusals: Array<[string, unknown, string, RegExp]> = [
      ['atlantis', { plate }, 'UnknownCity', /atlantis/],
      ['hangzhou', { plate: 'ABC123' }, 'InvalidViolation', /invalid plate number/],
      ['hangzhou', {}, 'InvalidViolation', /plate must be a string/],
      ['hangzhou', '{"plate":', 'MalformedBody', /JSON/],
      ['hangzhou', [plate], 'InvalidViolation', /JSON object/],
      ['hangzhou', { plate, code: '9999' }, 'InvalidViolation', new RegExp(`unknown violation code "9999"; use one of ${VIOLATION_CODES.join(', ')}`)],
      ['hangzhou', { plate, code: 1625 }, 'InvalidViolation', /code must be a string/],
      ['hangzhou', { plate, speed: 80 }, 'InvalidViolation', /unknown field speed/],
      ['hangzhou', { plate, occurredAt: '2025-06-01 12:00:00' }, 'InvalidViolation', /occurredAt must be an RFC 3339 time/],
      ['hangzhou', { plate, occurredAt: '2025-06-01T12:00:00' }, 'InvalidViolation', /occurredAt must be an RFC 3339 time/],
      ['hangzhou', { plate, occurredAt: '2025-02-30T12:00:00+08:00' }, 'InvalidViolation', /occurredAt must be an RFC 3339 time/],
      ['hangzhou', { plate, occurredAt: '2999-01-01T00:00:00Z' }, 'InvalidViolation', /occurredAt is in the future/],
      ['hangzhou', { plate, occurredAt: '2025-06-02T04:00:00Z' }, 'InvalidViolation', /occurredAt is in the future/],
      ['hangzhou', { plate, location: '  ' }, 'InvalidViolation', /location must be/],
    ];
    for (const [city, body, code, message] of refusals) {
      const response = await post(city, body);
      assert.equal(response.status, 400, JSON.stringify(body));
      const answer = (await response.json()) as { code: string; message: string };
      assert.equal(answer.code, code, JSON.stringify(body));
      assert.match(answer.message, message);
    }
    const wrongMethod = await fetch(`${emulators.url}/_admin/traffic-police/hangzhou/violations`);
    assert.equal(wrongMethod.status, 405);
    assert.equal((await query('hangzhou', plate)).total, 1, 'nothing recorded');

    assert.throws(() => emulators.trafficPolice.recordViolation('atlantis', plate), RangeError);
    assert.throws(() => emulators.trafficPolice.recordViolation('hangzhou', 'ABC123'), /invalid plate number/);
    assert.throws(() => emulators.trafficPolice.recordViolation('hangzhou', plate, { occurredAt: new Date(Number.NaN) }), /not a valid time/);
  });

  it('gives every recorded violation a record number of its own, never one of a generated violation', async () => {
    const plates = ['沪A00001', '沪A00002', '沪AD12345'];
    const created = await Promise.all(
      Array.from({ length: 24 }, async (_, index) => {
        const response = await post('shanghai', { plate: plates[index % plates.length] });
        assert.equal(response.status, 201);
        return ((await response.json()) as LegacyViolationRecord).XH;
      }),
    );
    const viaHandle = plates.map((plate) => emulators.trafficPolice.recordViolation('shanghai', plate));
    const all = [...created, ...viaHandle];
    assert.equal(new Set(all).size, all.length, 'unique');
    for (const plate of plates) {
      const generated = new Set(generateViolations('shanghai', plate, REFERENCE_DATE).map((record) => record.XH));
      const { records } = await query('shanghai', plate);
      assert.equal(new Set(records.map((record) => record.XH)).size, records.length, `${plate}: unique in the answer`);
      assert.ok(records.filter((record) => !generated.has(record.XH)).length >= 9, `${plate}: every recorded one answered`);
    }

    // Generated numbers end in 0…4 and recorded ones in 5…9, whatever the plate and serial.
    for (let serial = 0; serial < 1_000; serial++) {
      for (const record of generateViolations('beijing', `京A${String(serial).padStart(5, '0')}`, REFERENCE_DATE)) assert.match(record.XH, /[0-4]$/);
    }
    const numbers = Array.from({ length: 2_000 }, (_, serial) => recordedViolationNumber('beijing', serial));
    assert.equal(new Set(numbers).size, numbers.length);
    for (const number of numbers) assert.match(number, /^110000\d{8}[5-9]$/);
    assert.equal(recordedViolationNumber('beijing', 499_999_999), '110000999999999');
  });
});
