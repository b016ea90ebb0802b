import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import { startEmulators, type RunningEmulators } from '../../../emulators/index.ts';
import { generateViolations, type LegacyViolationRecord } from '../../../emulators/departments/traffic-police/violations.ts';
import { paymentLedger } from '../../../emulators/departments/kit/payments.ts';
import { isHutongError, type ErrorCode } from '../../errors.ts';
import '../../model/formats.ts';
import { TrafficViolation } from '../../model/records.ts';
import type { Connector, ConnectorContext, PaymentRecord, RecordQuery } from '../connector.ts';
import { SoapOptions, soapConnector } from './soap.connector.ts';

const REFERENCE_DATE = new Date('2026-11-01T00:00:00+08:00');
const CONFIG_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../config/cities');
const CONTEXT: ConnectorContext = { cityId: 'shanghai', departmentId: 'traffic-police', timeZone: 'Asia/Shanghai', configDir: CONFIG_DIR };
// The same request expression and mapping file as config/cities/shanghai.yaml.
const REQUEST = '{ "hphm": identifier, "hpzl": $plateTypeCode(identifier), "pageNo": page, "pageSize": pageSize }';
const RESPONSE = '../mappings/traffic-police-soap/violations.jsonata';
const PAYMENT = {
  operation: 'PayViolation',
  request: '{ "xh": recordId, "hphm": identifier, "hpzl": $plateTypeCode(identifier), "jkje": amountYuan, "jklsh": paymentReference, "jksj": paidAtLocal, "jkqd": wallet }',
  response: '../mappings/traffic-police-soap/payment.jsonata',
  refusedFaultCodes: ['Client.ViolationNotFound', 'Client.AlreadyPaid', 'Client.AmountMismatch', 'Client.DuplicateReference'],
};

let emulators: RunningEmulators;

before(async () => {
  emulators = await startEmulators({ port: 0, smsAppKey: 'test-key', referenceDate: REFERENCE_DATE });
});

after(async () => {
  await emulators.close();
});

function options(
  overrides: { wsdl?: string; endpoint?: string; pageSize?: number; maxPages?: number; request?: string; response?: string; payments?: Record<string, unknown> } = {},
): SoapOptions {
  const record: Record<string, unknown> = {
    operation: 'QueryViolations',
    request: overrides.request ?? REQUEST,
    response: overrides.response ?? RESPONSE,
  };
  if (overrides.pageSize !== undefined) record.pageSize = overrides.pageSize;
  if (overrides.maxPages !== undefined) record.maxPages = overrides.maxPages;
  const raw: Record<string, unknown> = {
    wsdl: overrides.wsdl ?? `${emulators.url}/traffic-police/shanghai/ws?wsdl`,
    records: { TrafficViolation: record },
  };
  if (overrides.endpoint !== undefined) raw.endpoint = overrides.endpoint;
  if (overrides.payments !== undefined) raw.payments = overrides.payments;
  // As the catalog does: defaults first, then create.
  const withDefaults = Value.Default(SoapOptions, raw) as SoapOptions;
  assert.ok(Value.Check(SoapOptions, withDefaults), 'test options are valid SoapOptions');
  return withDefaults;
}

function query(plate: string): RecordQuery {
  return { recordType: 'TrafficViolation', identifier: { kind: 'plate', value: plate } };
}

/** The standard-model records the mapping should produce, computed from the generator without JSONata. */
function expectedRecords(plate: string): unknown[] {
  return generateViolations('shanghai', plate, REFERENCE_DATE).map((r: LegacyViolationRecord) => {
    const [yuan, fen = '00'] = r.FKJE.split('.');
    return {
      id: r.XH,
      cityId: 'shanghai',
      departmentId: 'traffic-police',
      plate: r.HPHM,
      occurredAt: `${r.WFSJ.replace(' ', 'T')}+08:00`,
      location: r.WFDZ,
      code: r.WFXW,
      description: r.WFNR,
      fineFen: Number(yuan) * 100 + Number(fen.padEnd(2, '0')),
      points: Number(r.WFJFS),
      status: r.JKBJ === '1' ? 'paid' : 'unpaid',
      authority: r.CJJG,
      recordedBy: 'camera',
    };
  });
}

/** The first plate `prefix` + zero-padded serial whose generated records satisfy `accept`. */
function findPlate(prefix: string, digits: number, accept: (count: number) => boolean, suffix = ''): string {
  for (let serial = 0; serial < 10 ** digits; serial++) {
    const plate = `${prefix}${String(serial).padStart(digits, '0')}${suffix}`;
    if (accept(generateViolations('shanghai', plate, REFERENCE_DATE).length)) return plate;
  }
  throw new Error(`no plate ${prefix}… fits`);
}

/** JSONata builds records on null-prototype objects; compare them as plain data. */
function plain(records: unknown[]): unknown[] {
  return records.map((record) => ({ ...(record as object) }));
}

async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isHutongError(error), `expected a HutongError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return true;
  });
}

/** A port on 127.0.0.1 that nothing listens on any more. */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('soap connector against the traffic-police emulator', () => {
  it('maps every record of a plate to TrafficViolation, and a clean plate to []', async () => {
    const connector = soapConnector.create(options(), CONTEXT);
    assert.equal(connector.kind, 'soap');
    assert.deepEqual([...connector.recordTypes], ['TrafficViolation']);

    const plate = findPlate('沪A', 5, (count) => count >= 3);
    const records = await connector.fetchRecords(query(plate), { signal: AbortSignal.timeout(5000) });
    assert.ok(records.length >= 3);
    assert.deepEqual(plain(records), expectedRecords(plate));
    for (const record of records) {
      assert.ok(Value.Check(TrafficViolation, record), JSON.stringify([...Value.Errors(TrafficViolation, record)][0]));
    }

    const clean = findPlate('沪A', 5, (count) => count === 0);
    assert.deepEqual(await connector.fetchRecords(query(clean), { signal: AbortSignal.timeout(5000) }), []);
  });

  it('follows the paging of the department (pageSize 2) and keeps the order', async () => {
    const connector = soapConnector.create(options({ pageSize: 2 }), CONTEXT);
    const plate = findPlate('沪B', 5, (count) => count === 5);
    const records = await connector.fetchRecords(query(plate), { signal: AbortSignal.timeout(5000) });
    assert.equal(records.length, 5);
    assert.deepEqual(plain(records), expectedRecords(plate));
    // Exactly a multiple of the page size as well: 4 records in 2 full pages.
    const four = findPlate('沪B', 5, (count) => count === 4);
    assert.deepEqual(plain(await connector.fetchRecords(query(four), { signal: AbortSignal.timeout(5000) })), expectedRecords(four));
    // The page size really reaches the department, and more pages than allowed is an error, never a silent cut.
    const onePage = soapConnector.create(options({ pageSize: 2, maxPages: 1 }), CONTEXT);
    await assert.rejects(onePage.fetchRecords(query(plate), { signal: AbortSignal.timeout(5000) }), (error: { code?: string; message?: string }) => {
      assert.equal(error.code, 'HUTONG_ERR_DEPARTMENT_FAULT');
      assert.match(String(error.message), /5 TrafficViolation records, more than 1 pages of 2/);
      return true;
    });
    const twoRecords = findPlate('沪B', 5, (count) => count === 2);
    assert.deepEqual(plain(await onePage.fetchRecords(query(twoRecords), { signal: AbortSignal.timeout(5000) })), expectedRecords(twoRecords));
  });

  it('queries new-energy plates (8 characters) with their plate type', async () => {
    const connector = soapConnector.create(options(), CONTEXT);
    const small = findPlate('沪AD', 5, (count) => count >= 1);
    const large = findPlate('沪A', 5, (count) => count >= 1, 'D');
    for (const plate of [small, large]) {
      assert.equal([...plate].length, 8);
      const records = await connector.fetchRecords(query(plate), { signal: AbortSignal.timeout(5000) });
      assert.ok(records.length >= 1);
      assert.deepEqual(plain(records), expectedRecords(plate));
    }
  });

  it('turns a SOAP fault into HUTONG_ERR_DEPARTMENT_SOAP_FAULT', async () => {
    const connector = soapConnector.create(options(), CONTEXT);
    await expectCode(connector.fetchRecords(query('XYZ'), { signal: AbortSignal.timeout(5000) }), 'HUTONG_ERR_DEPARTMENT_SOAP_FAULT');
  });

  it('reports an answer the mapping cannot read as HUTONG_ERR_DEPARTMENT_MAPPING', async () => {
    // The real mapping, but reading the fine from the address (Chinese text, not a yuan amount).
    const dir = await mkdtemp(path.join(os.tmpdir(), 'hutong-soap-'));
    try {
      const real = await readFile(path.resolve(CONFIG_DIR, RESPONSE), 'utf8');
      const broken = real.replace('$yuanToFen(FKJE)', '$yuanToFen(WFDZ)');
      assert.notEqual(broken, real);
      const file = path.join(dir, 'violations.jsonata');
      await writeFile(file, broken);
      const connector = soapConnector.create(options({ response: file }), CONTEXT);
      const plate = findPlate('沪A', 5, (count) => count >= 1);
      await expectCode(connector.fetchRecords(query(plate), { signal: AbortSignal.timeout(5000) }), 'HUTONG_ERR_DEPARTMENT_MAPPING');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fails the calls of a connector whose mapping file is missing, not the process', async () => {
    const connector = soapConnector.create(options({ response: '../mappings/traffic-police-soap/no-such-file.jsonata' }), CONTEXT);
    await new Promise((resolve) => setTimeout(resolve, 50)); // let the file read fail before anyone awaits it
    await assert.rejects(connector.fetchRecords(query('沪A12345'), { signal: AbortSignal.timeout(5000) }), (error: unknown) => {
      assert.ok(isHutongError(error), String(error));
      assert.match(error.message, /no-such-file\.jsonata/);
      return true;
    });
  });

  it('reports a department nobody listens for as HUTONG_ERR_DEPARTMENT_UNREACHABLE', async () => {
    const port = await closedPort();
    const connector = soapConnector.create(options({ wsdl: `http://127.0.0.1:${port}/traffic-police/shanghai/ws?wsdl` }), CONTEXT);
    await expectCode(connector.fetchRecords(query('沪A12345'), { signal: AbortSignal.timeout(5000) }), 'HUTONG_ERR_DEPARTMENT_UNREACHABLE');
    // And the endpoint alone being down, with the WSDL still served.
    const endpointDown = soapConnector.create(options({ endpoint: `http://127.0.0.1:${port}/traffic-police/shanghai/ws` }), CONTEXT);
    await expectCode(endpointDown.fetchRecords(query('沪A12345'), { signal: AbortSignal.timeout(5000) }), 'HUTONG_ERR_DEPARTMENT_UNREACHABLE');
  });

  it('gives up at the caller’s deadline with HUTONG_ERR_DEPARTMENT_TIMEOUT', { timeout: 5000 }, async () => {
    let requests = 0;
    const hanging = http.createServer((req) => {
      requests++; // accepted, never answered; dropped after 3 s so that even a failing run ends
      req.socket.setTimeout(3000, () => req.socket.destroy());
    });
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = hanging.address() as AddressInfo;
      const connector = soapConnector.create(options({ endpoint: `http://127.0.0.1:${port}/ws` }), CONTEXT);
      const started = performance.now();
      await expectCode(connector.fetchRecords(query('沪A12345'), { signal: AbortSignal.timeout(300) }), 'HUTONG_ERR_DEPARTMENT_TIMEOUT');
      const elapsed = performance.now() - started;
      assert.ok(elapsed < 2000, `took ${Math.round(elapsed)} ms`);
      assert.equal(requests, 1, 'the call reached the hanging endpoint');

      // A WSDL that never arrives is held to the same deadline.
      const wsdlHangs = soapConnector.create(options({ wsdl: `http://127.0.0.1:${port}/ws?wsdl` }), CONTEXT);
      const wsdlStarted = performance.now();
      await expectCode(wsdlHangs.fetchRecords(query('沪A12345'), { signal: AbortSignal.timeout(300) }), 'HUTONG_ERR_DEPARTMENT_TIMEOUT');
      const wsdlElapsed = performance.now() - wsdlStarted;
      assert.ok(wsdlElapsed < 2000, `WSDL wait took ${Math.round(wsdlElapsed)} ms`);
      assert.equal(requests, 2, 'the WSDL was asked for');
    } finally {
      hanging.closeAllConnections();
      await new Promise<void>((resolve) => hanging.close(() => resolve()));
    }
  });
});

describe('soap connector: paying a fine (PayViolation)', () => {
  const signal = (): AbortSignal => AbortSignal.timeout(5000);
  let serial = 0;
  const reference = (): string => `HT20261101100000${String(++serial).padStart(10, '0')}`;
  const ledger = () => paymentLedger(emulators.url, 'traffic-police', 'shanghai')!;

  /** A plate with at least `unpaidCount` unpaid and `paidCount` paid violations, skipping plates an earlier test used. */
  const used = new Set<string>();
  function plateWith(unpaidCount: number, paidCount = 0): { plate: string; unpaid: LegacyViolationRecord[]; paid: LegacyViolationRecord[] } {
    for (let serial = 0; serial < 100_000; serial++) {
      const plate = `沪C${String(serial).padStart(5, '0')}`;
      if (used.has(plate)) continue;
      const records = generateViolations('shanghai', plate, REFERENCE_DATE);
      const unpaid = records.filter((r) => r.JKBJ === '0');
      const paid = records.filter((r) => r.JKBJ === '1');
      if (unpaid.length >= unpaidCount && paid.length >= paidCount) {
        used.add(plate);
        return { plate, unpaid, paid };
      }
    }
    throw new Error('no plate fits');
  }

  function payment(plate: string, violation: LegacyViolationRecord, overrides: Partial<PaymentRecord> = {}): PaymentRecord {
    const [yuan, fen = '00'] = violation.FKJE.split('.');
    return {
      recordType: 'TrafficViolation',
      recordId: violation.XH,
      identifier: { kind: 'plate', value: plate },
      amountFen: Number(yuan) * 100 + Number(fen.padEnd(2, '0')),
      paymentReference: reference(),
      paidAt: new Date('2026-11-01T10:15:30+08:00'),
      wallet: 'alipay',
      ...overrides,
    };
  }

  async function statusOf(connector: Connector, plate: string, xh: string): Promise<unknown> {
    const records = (await connector.fetchRecords(query(plate), { signal: signal() })) as Array<{ id: string; status: string }>;
    return records.find((r) => r.id === xh)?.status;
  }

  it('records a payment, after which the violation is paid in every answer; the same reference again records nothing new', async () => {
    const connector = soapConnector.create(options({ payments: { TrafficViolation: PAYMENT } }), CONTEXT);
    assert.deepEqual([...(connector.paymentRecordTypes ?? [])], ['TrafficViolation']);
    const { plate, unpaid } = plateWith(1);
    const violation = unpaid[0]!;
    assert.equal(await statusOf(connector, plate, violation.XH), 'unpaid');

    const paid = payment(plate, violation);
    const first = await connector.recordPayment!(paid, { signal: signal() });
    assert.match(first.departmentReference, /^JK310000\d{8}$/);
    assert.equal(await statusOf(connector, plate, violation.XH), 'paid');
    assert.equal(ledger().recordings(violation.XH), 1);
    assert.deepEqual(
      { ...ledger().paymentOf(violation.XH) },
      { recordId: violation.XH, reference: paid.paymentReference, amountFen: paid.amountFen, paidAt: '2026-11-01 10:15:30', channel: 'alipay', departmentReference: first.departmentReference },
    );

    // A retry after a lost answer, even from another connector instance, gets the first answer.
    const again = await soapConnector.create(options({ payments: { TrafficViolation: PAYMENT } }), CONTEXT).recordPayment!(paid, { signal: signal() });
    assert.deepEqual(again, first);
    assert.equal(ledger().recordings(violation.XH), 1, 'recorded once');
  });

  it('refuses a second reference for a paid violation, a wrong amount, an unknown violation and one paid before', async () => {
    const connector = soapConnector.create(options({ payments: { TrafficViolation: PAYMENT } }), CONTEXT);
    const { plate, unpaid } = plateWith(2);
    const [first, second] = unpaid as [LegacyViolationRecord, LegacyViolationRecord];
    await connector.recordPayment!(payment(plate, first), { signal: signal() });
    await expectCode(connector.recordPayment!(payment(plate, first), { signal: signal() }), 'HUTONG_ERR_DEPARTMENT_REFUSED');
    assert.equal(ledger().recordings(first.XH), 1);

    const short = payment(plate, second);
    await assert.rejects(connector.recordPayment!({ ...short, amountFen: short.amountFen - 100 }, { signal: signal() }), (error: unknown) => {
      assert.ok(isHutongError(error));
      assert.equal(error.code, 'HUTONG_ERR_DEPARTMENT_REFUSED');
      assert.match(error.message, /amount differs/);
      assert.equal((error.details as { faultcode?: string }).faultcode, 'soap:Client.AmountMismatch');
      return true;
    });
    assert.equal(await statusOf(connector, plate, second.XH), 'unpaid');
    assert.equal(ledger().recordings(second.XH), 0);

    await expectCode(connector.recordPayment!(payment(plate, { ...second, XH: '310000999999999' }), { signal: signal() }), 'HUTONG_ERR_DEPARTMENT_REFUSED');
    const { plate: otherPlate, paid } = plateWith(0, 1);
    await expectCode(connector.recordPayment!(payment(otherPlate, paid[0]!), { signal: signal() }), 'HUTONG_ERR_DEPARTMENT_REFUSED');
  });

  it('a department fault is HUTONG_ERR_DEPARTMENT_SOAP_FAULT, not a refusal, and the retry records the payment once', async () => {
    const connector = soapConnector.create(options({ payments: { TrafficViolation: PAYMENT } }), CONTEXT);
    const { plate, unpaid } = plateWith(1);
    const paid = payment(plate, unpaid[0]!);
    await connector.fetchRecords(query(plate), { signal: signal() }); // the WSDL is loaded before the fault is switched on
    emulators.faults.set('traffic-police', { failRate: 1 });
    try {
      await expectCode(connector.recordPayment!(paid, { signal: signal() }), 'HUTONG_ERR_DEPARTMENT_SOAP_FAULT');
    } finally {
      emulators.faults.reset('traffic-police');
    }
    assert.equal(ledger().recordings(unpaid[0]!.XH), 0);
    const { departmentReference } = await connector.recordPayment!(paid, { signal: signal() });
    assert.equal(ledger().paymentOf(unpaid[0]!.XH)?.departmentReference, departmentReference);
    assert.equal(ledger().recordings(unpaid[0]!.XH), 1);
  });

  it('a department that is down is UNREACHABLE; without refusedFaultCodes a refusal stays a SOAP fault', async () => {
    const port = await closedPort();
    const down = soapConnector.create(options({ endpoint: `http://127.0.0.1:${port}/ws`, payments: { TrafficViolation: PAYMENT } }), CONTEXT);
    const { plate, unpaid } = plateWith(1);
    await expectCode(down.recordPayment!(payment(plate, unpaid[0]!), { signal: signal() }), 'HUTONG_ERR_DEPARTMENT_UNREACHABLE');

    const unlisted = soapConnector.create(options({ payments: { TrafficViolation: { ...PAYMENT, refusedFaultCodes: [] } } }), CONTEXT);
    await expectCode(unlisted.recordPayment!(payment(plate, { ...unpaid[0]!, XH: '310000999999999' }), { signal: signal() }), 'HUTONG_ERR_DEPARTMENT_SOAP_FAULT');
  });

  it('a department configured without payments takes none', () => {
    const connector = soapConnector.create(options(), CONTEXT);
    assert.equal(connector.recordPayment, undefined);
    assert.equal(connector.paymentRecordTypes, undefined);
  });
});

describe('soapConnector.validateOptions', () => {
  it('accepts the Shanghai options', async () => {
    assert.deepEqual(await soapConnector.validateOptions!(options(), CONTEXT), []);
  });

  it('reports a missing mapping file and a request that does not compile, by option path', async () => {
    const problems = await soapConnector.validateOptions!(
      options({ request: '{ "hphm": identifier, ', response: '../mappings/traffic-police-soap/no-such-file.jsonata' }),
      CONTEXT,
    );
    const byPath = new Map(problems.map((p) => [p.path, p.message]));
    assert.equal(problems.length, 2, JSON.stringify(problems));
    assert.match(byPath.get('records.TrafficViolation.request') ?? '', /does not compile/);
    assert.match(byPath.get('records.TrafficViolation.response') ?? '', /no-such-file\.jsonata does not exist/);
  });

  it('checks the payment request and mapping file too', async () => {
    assert.deepEqual(await soapConnector.validateOptions!(options({ payments: { TrafficViolation: PAYMENT } }), CONTEXT), []);
    const problems = await soapConnector.validateOptions!(
      options({ payments: { TrafficViolation: { ...PAYMENT, request: '{ "xh": ', response: '../mappings/traffic-police-soap/no-payment.jsonata' } } }),
      CONTEXT,
    );
    assert.deepEqual(problems.map((p) => p.path).sort(), ['payments.TrafficViolation.request', 'payments.TrafficViolation.response']);
  });
});
