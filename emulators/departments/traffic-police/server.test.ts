import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createClientAsync, type Client } from 'soap';
import { mountTrafficPolice, type MountedTrafficPolice, type PayViolationResponse } from './server.ts';
import { EMULATED_CITY_IDS, generateViolations, plateTypeOf, type LegacyViolationRecord } from './violations.ts';

const REFERENCE_DATE = new Date('2025-06-01T04:00:00Z');

interface QueryResult {
  code: string;
  message: string;
  total: number;
  pageNo: number;
  pageSize: number;
  records: { record?: LegacyViolationRecord[] } | null;
}

let server: http.Server;
let baseUrl: string;
let mounted: MountedTrafficPolice;
const clients = new Map<string, Client>();

async function clientFor(city: string): Promise<Client> {
  let client = clients.get(city);
  if (!client) {
    client = await createClientAsync(`${baseUrl}/traffic-police/${city}/ws?wsdl`);
    clients.set(city, client);
  }
  return client;
}

async function query(city: string, args: Record<string, unknown>): Promise<QueryResult> {
  const client = await clientFor(city);
  const [result] = (await client.QueryViolationsAsync(args)) as [QueryResult, string];
  return result;
}

/** The client turns an empty `<records/>` into null and keeps `record` an array otherwise. */
function recordsOf(result: QueryResult): LegacyViolationRecord[] {
  return result.records?.record ?? [];
}

/** The first plate made from `prefix` + a counter whose generated records satisfy `accept`. */
function findPlate(city: string, prefix: string, digits: number, accept: (records: LegacyViolationRecord[]) => boolean): string {
  for (let serial = 0; serial < 10 ** digits; serial++) {
    const plate = `${prefix}${String(serial).padStart(digits, '0')}`;
    if (accept(generateViolations(city, plate, REFERENCE_DATE))) {
      return plate;
    }
  }
  throw new Error(`no plate with prefix ${prefix} fits`);
}

before(async () => {
  server = http.createServer((_req, res) => {
    res.statusCode = 404;
    res.end('fallthrough');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}`;
  mounted = await mountTrafficPolice(server, { baseUrl, referenceDate: REFERENCE_DATE });
});

after(async () => {
  // The SOAP client keeps connections alive; drop them so the process can exit.
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
});

describe('generateViolations', () => {
  it('is deterministic and depends on city and plate', () => {
    const plate = findPlate('shanghai', '沪A1', 4, (records) => records.length > 0);
    assert.deepEqual(generateViolations('shanghai', plate, REFERENCE_DATE), generateViolations('shanghai', plate, REFERENCE_DATE));
    assert.notDeepEqual(generateViolations('shanghai', plate, REFERENCE_DATE), generateViolations('beijing', plate, REFERENCE_DATE));
  });

  it('produces 0 to 5 well-formed records per plate, none for roughly one plate in six', () => {
    const referenceMs = REFERENCE_DATE.getTime();
    let platesWithout = 0;
    const plateCount = 600;
    for (let serial = 0; serial < plateCount; serial++) {
      const city = EMULATED_CITY_IDS[serial % EMULATED_CITY_IDS.length]!;
      const plate = serial % 3 === 0 ? `京AD${String(serial).padStart(5, '0')}` : `京A${String(serial).padStart(5, '0')}`;
      const records = generateViolations(city, plate, REFERENCE_DATE);
      assert.ok(records.length <= 5);
      if (records.length === 0) platesWithout++;
      assert.equal(new Set(records.map((record) => record.XH)).size, records.length, 'XH unique');
      for (const [index, record] of records.entries()) {
        assert.match(record.XH, /^\d{15}$/);
        assert.equal(record.HPHM, plate);
        assert.equal(record.HPZL, plateTypeOf(plate));
        assert.match(record.WFSJ, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
        const occurredMs = Date.parse(`${record.WFSJ.replace(' ', 'T')}+08:00`);
        assert.ok(occurredMs < referenceMs && occurredMs >= referenceMs - 365 * 86_400_000, `${record.WFSJ} in the past year`);
        if (index > 0) assert.ok(records[index - 1]!.WFSJ >= record.WFSJ, 'newest first');
        assert.match(record.FKJE, /^\d+\.\d{2}$/);
        assert.match(record.WFJFS, /^\d+$/);
        assert.ok(record.CLBJ === '0' || record.CLBJ === '1');
        if (record.CLBJ === '1') assert.equal(record.JKBJ, '1', 'processed implies paid');
        assert.ok(record.WFDZ.length > 0 && record.WFNR.length > 0 && record.CJJG.length > 0);
      }
    }
    // Expected 100 of 600; a wide band keeps the check robust to the hash.
    assert.ok(platesWithout > 60 && platesWithout < 140, `${platesWithout} plates without records`);
  });

  it('derives the plate type from the plate shape', () => {
    assert.equal(plateTypeOf('沪A12345'), '02');
    assert.equal(plateTypeOf('粤BD12345'), '52');
    assert.equal(plateTypeOf('粤B12345D'), '51');
  });
});

describe('traffic-police SOAP service', () => {
  it('returns the generated records of a plate, in two cities', async () => {
    const cases = [
      { city: 'shanghai', plate: findPlate('shanghai', '沪B', 5, (records) => records.length >= 2) },
      { city: 'guangzhou', plate: findPlate('guangzhou', '粤AD', 5, (records) => records.length >= 1) },
    ];
    for (const { city, plate } of cases) {
      const expected = generateViolations(city, plate, REFERENCE_DATE);
      const result = await query(city, { hphm: plate, hpzl: plateTypeOf(plate), pageNo: 1, pageSize: 20 });
      assert.equal(result.code, '1');
      assert.equal(result.total, expected.length);
      assert.equal(result.pageNo, 1);
      assert.equal(result.pageSize, 20);
      assert.deepEqual(recordsOf(result), expected);
    }
  });

  it('answers a plate without violations with total 0 and no records', async () => {
    const plate = findPlate('wuhan', '鄂A', 5, (records) => records.length === 0);
    const result = await query('wuhan', { hphm: plate, hpzl: '02', pageNo: 1, pageSize: 20 });
    assert.equal(result.total, 0);
    assert.deepEqual(recordsOf(result), []);
  });

  it('pages through the records, newest first', async () => {
    const plate = findPlate('hangzhou', '浙A', 5, (records) => records.length >= 3);
    const expected = generateViolations('hangzhou', plate, REFERENCE_DATE);
    const pages: LegacyViolationRecord[][] = [];
    for (let pageNo = 1; pageNo <= Math.ceil(expected.length / 2); pageNo++) {
      const result = await query('hangzhou', { hphm: plate, hpzl: '02', pageNo, pageSize: 2 });
      assert.equal(result.total, expected.length);
      assert.equal(result.pageNo, pageNo);
      assert.equal(result.pageSize, 2);
      pages.push(recordsOf(result));
    }
    assert.deepEqual(pages[0], expected.slice(0, 2));
    assert.deepEqual(pages.flat(), expected);
    const times = pages.flat().map((record) => record.WFSJ);
    assert.deepEqual(times, [...times].sort().reverse());

    const beyond = await query('hangzhou', { hphm: plate, hpzl: '02', pageNo: 10, pageSize: 2 });
    assert.equal(beyond.total, expected.length);
    assert.deepEqual(recordsOf(beyond), []);
  });

  it('gives the same answer to the same question', async () => {
    const plate = findPlate('chengdu', '川A', 5, (records) => records.length >= 1);
    const first = await query('chengdu', { hphm: plate, hpzl: '02', pageNo: 1, pageSize: 20 });
    const second = await query('chengdu', { hphm: plate, hpzl: '02', pageNo: 1, pageSize: 20 });
    assert.deepEqual(first, second);
  });

  it('answers an invalid plate with a SOAP client fault', async () => {
    await assert.rejects(query('shanghai', { hphm: 'ABC123', hpzl: '02', pageNo: 1, pageSize: 20 }), (error: Error) => {
      assert.match(error.message, /soap:Client/);
      assert.match(error.message, /号牌号码格式错误 \/ invalid plate number/);
      return true;
    });
  });

  it('answers a plate type that does not match the plate, or a bad page size, with a fault', async () => {
    await assert.rejects(query('shanghai', { hphm: '沪AD12345', hpzl: '02', pageNo: 1, pageSize: 20 }), /plate type does not match/);
    await assert.rejects(query('shanghai', { hphm: '沪A12345', hpzl: '02', pageNo: 1, pageSize: 51 }), /pageSize must be between 1 and 50/);
  });

  it('leaves other paths to the server’s own handler', async () => {
    for (const path of ['/elsewhere', '/traffic-police/atlantis/ws']) {
      const response = await fetch(`${baseUrl}${path}`);
      assert.equal(response.status, 404);
      assert.equal(await response.text(), 'fallthrough');
    }
  });

  it('serves a WSDL whose endpoint is the city’s address', async () => {
    const response = await fetch(`${baseUrl}/traffic-police/qingdao/ws?wsdl`);
    assert.equal(response.status, 200);
    const wsdl = await response.text();
    assert.ok(wsdl.includes(`location="${baseUrl}/traffic-police/qingdao/ws"`));
    assert.ok(wsdl.includes('name="TrafficViolationService"'));
  });
});

describe('traffic-police SOAP service: PayViolation', () => {
  async function pay(city: string, args: Record<string, unknown>): Promise<PayViolationResponse> {
    const client = await clientFor(city);
    const [result] = (await client.PayViolationAsync(args)) as [PayViolationResponse, string];
    return result;
  }
  const unpaidPlate = (prefix: string): string => findPlate('shanghai', prefix, 5, (records) => records.filter((r) => r.JKBJ === '0').length >= 2);

  it('records a fine paid, shows it paid and handled in every later query, and answers the same reference with the first result', async () => {
    const plate = unpaidPlate('沪D');
    const violation = generateViolations('shanghai', plate, REFERENCE_DATE).find((r) => r.JKBJ === '0')!;
    const args = { xh: violation.XH, hphm: plate, hpzl: '02', jkje: violation.FKJE, jklsh: 'HT20250601120000aaaa000001', jksj: '2025-06-01 12:00:00', jkqd: 'wechatpay' };
    const first = await pay('shanghai', args);
    assert.equal(first.code, '1');
    assert.equal(first.xh, violation.XH);
    assert.match(first.jkbh, /^JK310000\d{8}$/);
    assert.deepEqual([first.jkje, first.jksj, first.jkbj], [violation.FKJE, '2025-06-01 12:00:00', '1']);
    const after = recordsOf(await query('shanghai', { hphm: plate, hpzl: '02', pageNo: 1, pageSize: 20 })).find((r) => r.XH === violation.XH)!;
    assert.deepEqual([after.JKBJ, after.CLBJ], ['1', '1']);

    const again = await pay('shanghai', { ...args, jksj: '2025-06-01 12:05:00' });
    assert.equal(again.jkbh, first.jkbh);
    assert.equal(again.jksj, first.jksj, 'the first payment’s answer');
    assert.equal(mounted.payments('shanghai').recordings(violation.XH), 1);
  });

  it('refuses with Client.* faults: another reference for a paid fine, a wrong amount, an unknown violation, a reference already used', async () => {
    const plate = unpaidPlate('沪E');
    const [first, second] = generateViolations('shanghai', plate, REFERENCE_DATE).filter((r) => r.JKBJ === '0') as [LegacyViolationRecord, LegacyViolationRecord];
    const args = (violation: LegacyViolationRecord, jklsh: string, jkje = violation.FKJE) => ({ xh: violation.XH, hphm: plate, hpzl: '02', jkje, jklsh, jksj: '2025-06-01 12:00:00' });
    await pay('shanghai', args(first, 'HT-REF-000001'));
    await assert.rejects(pay('shanghai', args(first, 'HT-REF-000002')), /soap:Client\.AlreadyPaid/);
    await assert.rejects(pay('shanghai', args(second, 'HT-REF-000003', '1.00')), /soap:Client\.AmountMismatch/);
    await assert.rejects(pay('shanghai', args({ ...second, XH: '310000000000000' }, 'HT-REF-000004')), /soap:Client\.ViolationNotFound/);
    await assert.rejects(pay('shanghai', args(second, 'HT-REF-000001')), /soap:Client\.DuplicateReference/);
    const paidBefore = findPlate('shanghai', '沪F', 5, (records) => records.some((r) => r.JKBJ === '1'));
    const settled = generateViolations('shanghai', paidBefore, REFERENCE_DATE).find((r) => r.JKBJ === '1')!;
    await assert.rejects(pay('shanghai', { ...args(settled, 'HT-REF-000005'), hphm: paidBefore }), /soap:Client\.AlreadyPaid/);
    await assert.rejects(pay('shanghai', { ...args(second, 'HT-REF-000006'), jksj: '2025/06/01' }), /soap:Client:.*jksj/s);
    assert.equal(mounted.payments('shanghai').recordings(second.XH), 0);
  });
});
