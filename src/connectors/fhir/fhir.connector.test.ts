import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, afterEach, before, describe, it } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import { startEmulators, type RunningEmulators } from '../../../emulators/index.ts';
import { buildHospitalDirectory, patientForNationalId } from '../../../emulators/departments/hospital/data.ts';
import { isHutongError, type ErrorCode } from '../../errors.ts';
import '../../model/formats.ts';
import { Appointment, Slot } from '../../model/records.ts';
import type { ActionRequest, Connector, ConnectorContext, RecordQuery } from '../connector.ts';
import { FhirOptions, fhirConnector } from './fhir.connector.ts';

const REFERENCE_DATE = new Date('2026-11-01T00:00:00+08:00');
const CONFIG_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../config/cities');
const CONTEXT: ConnectorContext = { cityId: 'shanghai', departmentId: 'hospital', timeZone: 'Asia/Shanghai', configDir: CONFIG_DIR };

// The same searches and mapping files as the hospital block of the city files; the actions here book
// directly (status booked, as a registration without a fee is) and cancel, under names of their own.
const SLOT_SEARCH =
  '{ "resourceType": "Slot", "params": { "start": ["ge" & referenceDate & "T00:00:00" & zoneOffset, "lt" & $addDays(referenceDate, 7) & "T00:00:00" & zoneOffset], "_include": "Slot:schedule", "_include:iterate": "Schedule:actor", "_count": 50 } }';
const SLOTS = '../mappings/hospital-fhir/slots.jsonata';
const APPOINTMENT_SEARCH = '{ "resourceType": "Appointment", "params": { "patient.identifier": "urn:oid:2.16.156.10011.1.3|" & identifier, "_count": 50 } }';
const APPOINTMENTS = '../mappings/hospital-fhir/appointments.jsonata';
const BOOK =
  '{ "method": "POST", "path": "Appointment", "body": { "resourceType": "Appointment", "status": "booked", "slot": [{ "reference": "Slot/" & recordId }], "participant": [{ "actor": { "type": "Patient", "identifier": { "system": "urn:oid:2.16.156.10011.1.3", "value": identifier } }, "status": "accepted" }] } }';
const CANCEL =
  '{ "method": "PATCH", "path": "Appointment?_id=" & $encodeUrlComponent(recordId) & "&patient.identifier=" & $encodeUrlComponent("urn:oid:2.16.156.10011.1.3|" & identifier), "body": [{ "op": "replace", "path": "/status", "value": "cancelled" }] }';

let emulators: RunningEmulators;

before(async () => {
  emulators = await startEmulators({ port: 0, smsAppKey: 'k', referenceDate: REFERENCE_DATE });
});

after(async () => {
  await emulators.close();
});

afterEach(() => {
  emulators.faults.reset('hospital');
});

function options(overrides: { baseUrl?: string; slotSearch?: string; slots?: string; count?: number; maxPages?: number } = {}): FhirOptions {
  const search = overrides.count === undefined ? (overrides.slotSearch ?? SLOT_SEARCH) : SLOT_SEARCH.replace('"_count": 50', `"_count": ${overrides.count}`);
  const slot: Record<string, unknown> = { search, response: overrides.slots ?? SLOTS };
  if (overrides.maxPages !== undefined) slot.maxPages = overrides.maxPages;
  const raw = {
    baseUrl: overrides.baseUrl ?? `${emulators.url}/hospital/shanghai/fhir`,
    records: { Slot: slot, Appointment: { search: APPOINTMENT_SEARCH, response: APPOINTMENTS } },
    actions: { bookAppointment: { request: BOOK, response: APPOINTMENTS }, cancelAppointment: { request: CANCEL, response: APPOINTMENTS } },
  };
  // As the catalog does: defaults first, then create.
  const withDefaults = Value.Default(FhirOptions, raw) as FhirOptions;
  assert.ok(Value.Check(FhirOptions, withDefaults), JSON.stringify([...Value.Errors(FhirOptions, withDefaults)][0]));
  return withDefaults;
}

function slotQuery(date?: string): RecordQuery {
  return { recordType: 'Slot', params: date === undefined ? {} : { date } };
}

function signal(): { signal: AbortSignal } {
  return { signal: AbortSignal.timeout(5000) };
}

/** JSONata builds records on null-prototype objects; compare them as plain data. */
function plain(records: unknown[]): unknown[] {
  return records.map((record) => ({ ...(record as object) }));
}

/** The Slot records the mapping should produce for a fresh emulator, computed from the generator without JSONata. */
function expectedSlots(fromDate = '2026-11-01'): unknown[] {
  const directory = buildHospitalDirectory('shanghai', REFERENCE_DATE);
  return directory.slots
    .filter((slot) => slot.date >= fromDate)
    .map((slot) => {
      const doctor = directory.practitioners.find((p) => p.id === slot.practitionerId)!;
      return {
        id: slot.id,
        cityId: 'shanghai',
        departmentId: 'hospital',
        resource: `${doctor.name} ${doctor.title.title} · ${doctor.department}`,
        start: slot.start,
        end: slot.end,
        capacity: slot.capacity,
        remaining: slot.capacity - slot.prebooked,
        feeFen: doctor.title.feeYuan * 100,
      };
    });
}

async function expectCode(promise: Promise<unknown>, code: ErrorCode, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isHutongError(error), `expected a HutongError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (message) assert.match(error.message, message);
    return true;
  });
}

/** A valid resident identity number with serial `n`. */
function nationalId(n: number): string {
  const first17 = `31010519850615${String(n).padStart(3, '0')}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((total, digit, i) => total + Number(digit) * weights[i], 0);
  return first17 + '10X98765432'[sum % 11];
}

function act(connector: Connector, name: string, id: string, recordId: string): Promise<unknown> {
  const action: ActionRequest = { name, identifier: { kind: 'national-id', value: id }, recordId };
  return connector.performAction!(action, signal());
}

/** A local FHIR server that answers every call with `answer` and remembers the URLs it was asked. */
async function fakeServer(answer: (url: string) => unknown): Promise<{ url: string; asked: string[]; close(): Promise<void> }> {
  const asked: string[] = [];
  const server = http.createServer((req, res) => {
    asked.push(req.url ?? '');
    const text = JSON.stringify(answer(req.url ?? ''));
    res.writeHead(200, { 'content-type': 'application/fhir+json' });
    res.end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/fhir`,
    asked,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('fhir connector against the hospital emulator', () => {
  it('maps the week’s registration sessions to Slot, exactly as the emulator holds them', async () => {
    const connector = fhirConnector.create(options(), CONTEXT);
    assert.equal(connector.kind, 'fhir');
    assert.deepEqual([...connector.recordTypes].sort(), ['Appointment', 'Slot']);
    const records = await connector.fetchRecords(slotQuery('2026-11-01'), signal());
    assert.ok(records.length > 30);
    for (const record of records) assert.ok(Value.Check(Slot, record), JSON.stringify([...Value.Errors(Slot, record)][0]));
    assert.deepEqual(plain(records), expectedSlots());
    // From a later date the window moves with it; the emulator publishes nothing past its 7th day.
    assert.deepEqual(plain(await connector.fetchRecords(slotQuery('2026-11-04'), signal())), expectedSlots('2026-11-04'));
  });

  it('follows the next links of small pages, and refuses to cut the results at maxPages', async () => {
    const all = expectedSlots();
    const small = fhirConnector.create(options({ count: 7 }), CONTEXT);
    assert.deepEqual(plain(await small.fetchRecords(slotQuery('2026-11-01'), signal())), all);
    const pages = Math.ceil(all.length / 7);
    const exact = fhirConnector.create(options({ count: 7, maxPages: pages }), CONTEXT);
    assert.equal((await exact.fetchRecords(slotQuery('2026-11-01'), signal())).length, all.length);
    const tooFew = fhirConnector.create(options({ count: 7, maxPages: pages - 1 }), CONTEXT);
    await expectCode(tooFew.fetchRecords(slotQuery('2026-11-01'), signal()), 'HUTONG_ERR_DEPARTMENT_FAULT', new RegExp(`${all.length} Slot results in more than ${pages - 1} pages`));
  });

  it('asks from today in the city’s zone when no date is given, and follows paging links only to its own server', async () => {
    const fake = await fakeServer((url) =>
      url.includes('_pageToken')
        ? { resourceType: 'Bundle', type: 'searchset', total: 0, link: [{ relation: 'next', url: 'http://elsewhere.invalid/fhir/Slot?_pageToken=2' }] }
        : { resourceType: 'Bundle', type: 'searchset', total: 0, link: [{ relation: 'next', url: `${fake.url}/Slot?_pageToken=1` }] },
    );
    try {
      const connector = fhirConnector.create(options({ baseUrl: fake.url }), CONTEXT);
      await expectCode(connector.fetchRecords(slotQuery(), signal()), 'HUTONG_ERR_DEPARTMENT_FAULT', /paging link outside its base URL/);
      const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
      const week = new Date(Date.parse(`${today}T00:00:00Z`) + 7 * 86_400_000).toISOString().slice(0, 10);
      const first = new URL(fake.asked[0], 'http://x');
      assert.equal(first.pathname, '/fhir/Slot');
      assert.deepEqual(first.searchParams.getAll('start'), [`ge${today}T00:00:00+08:00`, `lt${week}T00:00:00+08:00`]);
      assert.equal(fake.asked.length, 2, 'the own next link was followed, the foreign one not');
    } finally {
      await fake.close();
    }
    await expectCode(fhirConnector.create(options(), CONTEXT).fetchRecords(slotQuery('2026-13-01'), signal()), 'HUTONG_ERR_VALIDATION');
  });

  it('turns an OperationOutcome into HUTONG_ERR_DEPARTMENT_OPERATION_OUTCOME with its diagnostics', async () => {
    const badSearch = '{ "resourceType": "Slot", "params": { "start": "ge" & "tomorrow" } }';
    const connector = fhirConnector.create(options({ slotSearch: badSearch }), CONTEXT);
    await expectCode(connector.fetchRecords(slotQuery('2026-11-01'), signal()), 'HUTONG_ERR_DEPARTMENT_OPERATION_OUTCOME', /HTTP 400.*invalid.*"getomorrow" is not a FHIR date search value/);
    const unknownType = fhirConnector.create(options({ slotSearch: '{ "resourceType": "Observation", "params": {} }' }), CONTEXT);
    await expectCode(unknownType.fetchRecords(slotQuery('2026-11-01'), signal()), 'HUTONG_ERR_DEPARTMENT_OPERATION_OUTCOME', /HTTP 404.*Observation is not supported/);
  });

  it('reports throttling, failures, hanging and a department that is down by their codes', { timeout: 10_000 }, async () => {
    const connector = fhirConnector.create(options(), CONTEXT);
    emulators.faults.set('hospital', { throttleRate: 1 });
    await expectCode(connector.fetchRecords(slotQuery('2026-11-01'), signal()), 'HUTONG_ERR_DEPARTMENT_THROTTLED', /HTTP 429, retry after 1 s/);
    emulators.faults.reset('hospital');

    // A failing FHIR server answers its failure as an OperationOutcome.
    emulators.faults.set('hospital', { failRate: 1 });
    await expectCode(connector.fetchRecords(slotQuery('2026-11-01'), signal()), 'HUTONG_ERR_DEPARTMENT_OPERATION_OUTCOME', /HTTP 500/);
    emulators.faults.reset('hospital');

    emulators.faults.set('hospital', { hang: true });
    const started = performance.now();
    await expectCode(connector.fetchRecords(slotQuery('2026-11-01'), { signal: AbortSignal.timeout(300) }), 'HUTONG_ERR_DEPARTMENT_TIMEOUT');
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 2000, `took ${Math.round(elapsed)} ms`);
    emulators.faults.releaseHanging();
    emulators.faults.reset('hospital');

    emulators.faults.set('hospital', { down: true });
    await expectCode(connector.fetchRecords(slotQuery('2026-11-01'), signal()), 'HUTONG_ERR_DEPARTMENT_UNREACHABLE');
    emulators.faults.reset('hospital');

    // And after the faults, the department answers again.
    assert.equal((await connector.fetchRecords(slotQuery('2026-11-01'), signal())).length, expectedSlots().length);
  });

  it('reports a server nobody listens on as HUTONG_ERR_DEPARTMENT_UNREACHABLE', async () => {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const connector = fhirConnector.create(options({ baseUrl: `http://127.0.0.1:${port}/hospital/shanghai/fhir` }), CONTEXT);
    await expectCode(connector.fetchRecords(slotQuery('2026-11-01'), signal()), 'HUTONG_ERR_DEPARTMENT_UNREACHABLE', /ECONNREFUSED/);
  });

  it('reports an answer the mapping cannot read as HUTONG_ERR_DEPARTMENT_MAPPING, and a missing mapping file per call', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'hutong-fhir-'));
    try {
      const real = await readFile(path.resolve(CONFIG_DIR, SLOTS), 'utf8');
      // The real mapping, but reading the fee from the session's name (Chinese text, not a yuan amount).
      const broken = real.replace('$yuanToFen($fee.value)', '$yuanToFen($slot.comment)');
      assert.notEqual(broken, real);
      const file = path.join(dir, 'slots.jsonata');
      await writeFile(file, broken);
      const connector = fhirConnector.create(options({ slots: file }), CONTEXT);
      await expectCode(connector.fetchRecords(slotQuery('2026-11-01'), signal()), 'HUTONG_ERR_DEPARTMENT_MAPPING');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const missing = fhirConnector.create(options({ slots: '../mappings/hospital-fhir/no-such-file.jsonata' }), CONTEXT);
    await new Promise((resolve) => setTimeout(resolve, 50)); // let the file read fail before anyone awaits it
    await expectCode(missing.fetchRecords(slotQuery('2026-11-01'), signal()), 'HUTONG_ERR_DEPARTMENT_FAULT', /no-such-file\.jsonata/);
  });

  it('books a session to the last place, is refused after, lists and cancels the citizen’s appointment', async () => {
    const connector = fhirConnector.create(options(), CONTEXT);
    assert.deepEqual([...(connector.actions ?? [])].sort(), ['bookAppointment', 'cancelAppointment']);
    const slots = (await connector.fetchRecords(slotQuery('2026-11-01'), signal())) as Slot[];
    const slot = slots.filter((s) => s.remaining > 0).sort((a, b) => a.remaining - b.remaining)[0];
    const booked: Appointment[] = [];
    for (let i = 0; i < slot.remaining; i++) {
      const appointment = (await act(connector, 'bookAppointment', nationalId(i + 1), slot.id)) as Appointment;
      assert.ok(Value.Check(Appointment, appointment), JSON.stringify([...Value.Errors(Appointment, appointment)][0]));
      assert.equal(appointment.status, 'confirmed');
      assert.equal(appointment.slotId, slot.id);
      assert.equal(appointment.serviceId, 'medical.hospital-registration');
      assert.match(appointment.confirmationNumber ?? '', /^\d{14}$/);
      assert.ok(appointment.start >= slot.start && appointment.start < slot.end, `${appointment.start} within the session`);
      booked.push(appointment);
    }
    const after = ((await connector.fetchRecords(slotQuery('2026-11-01'), signal())) as Slot[]).find((s) => s.id === slot.id);
    assert.equal(after?.remaining, 0);
    await expectCode(act(connector, 'bookAppointment', nationalId(900), slot.id), 'HUTONG_ERR_DEPARTMENT_REFUSED', /号源已满.*fully booked/);

    const citizen = nationalId(1);
    const mine = await connector.fetchRecords({ recordType: 'Appointment', identifier: { kind: 'national-id', value: citizen } }, signal());
    assert.deepEqual(plain(mine), [{ ...booked[0] }]);
    for (const record of mine) assert.ok(Value.Check(Appointment, record));
    assert.ok(patientForNationalId('shanghai', citizen));

    // Somebody else cannot cancel it; the holder can.
    await expectCode(act(connector, 'cancelAppointment', nationalId(2), booked[0].id), 'HUTONG_ERR_DEPARTMENT_REFUSED', /no Appointment matches/);
    const cancelled = (await act(connector, 'cancelAppointment', citizen, booked[0].id)) as Appointment;
    assert.equal(cancelled.status, 'cancelled');
    assert.ok(Value.Check(Appointment, cancelled));
    const freed = ((await connector.fetchRecords(slotQuery('2026-11-01'), signal())) as Slot[]).find((s) => s.id === slot.id);
    assert.equal(freed?.remaining, 1);
  });
});

describe('fhir connector action headers', () => {
  /** A local FHIR server answering every call with one Appointment, remembering each call's headers. */
  async function recordingServer(): Promise<{ url: string; seen: http.IncomingHttpHeaders[]; close(): Promise<void> }> {
    const seen: http.IncomingHttpHeaders[] = [];
    const server = http.createServer((req, res) => {
      seen.push(req.headers);
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/fhir+json' });
        res.end(JSON.stringify({ resourceType: 'Appointment', id: 'appt-1', status: 'pending', slot: [{ reference: 'Slot/s-1' }], start: '2026-11-02T08:00:00+08:00' }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}/fhir`,
      seen,
      close: () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    };
  }

  function withAction(baseUrl: string, request: string): Connector {
    const raw = { baseUrl, actions: { bookSlot: { request, response: APPOINTMENTS } } };
    return fhirConnector.create(Value.Default(FhirOptions, raw) as FhirOptions, CONTEXT);
  }

  it('sends the If-None-Exist and If-Match an action’s request gives, and refuses any other header as HUTONG_ERR_INTERNAL', async () => {
    const fake = await recordingServer();
    try {
      const conditional = withAction(
        fake.url,
        '{ "method": "POST", "path": "Appointment", "headers": { "If-None-Exist": "identifier=https://hutong.example/fhir/sid/booking-reference|" & params.reference, "if-match": "W/\\"1\\"" }, "body": { "resourceType": "Appointment" } }',
      );
      const action: ActionRequest = { name: 'bookSlot', identifier: { kind: 'national-id', value: nationalId(1) }, recordId: 's-1', params: { reference: 'HT20261101000000000001' } };
      const appointment = (await conditional.performAction!(action, signal())) as Appointment;
      assert.equal(appointment.status, 'held');
      assert.equal(fake.seen[0]!['if-none-exist'], 'identifier=https://hutong.example/fhir/sid/booking-reference|HT20261101000000000001');
      assert.equal(fake.seen[0]!['if-match'], 'W/"1"');
      assert.equal(fake.seen[0]!.accept, 'application/fhir+json');

      // No header at all, and a null one left out, are both fine.
      await withAction(fake.url, '{ "method": "POST", "path": "Appointment", "headers": { "If-Match": null }, "body": {} }').performAction!(action, signal());
      assert.equal(fake.seen[1]!['if-match'], undefined);

      const refused: Array<[string, RegExp]> = [
        ['{ "Authorization": "Bearer x" }', /may set only If-None-Exist and If-Match, not "Authorization"/],
        ['{ "If-None-Exist": 7 }', /If-None-Exist a value that is not printable ASCII text/],
        ['"If-None-Exist: x"', /headers must be an object/],
        ['{ "If-Match": "a\nb" }', /If-Match a value that is not printable ASCII text/],
      ];
      for (const [headers, message] of refused) {
        const connector = withAction(fake.url, `{ "method": "POST", "path": "Appointment", "headers": ${headers}, "body": {} }`);
        await expectCode(connector.performAction!(action, signal()), 'HUTONG_ERR_INTERNAL', message);
      }
      assert.equal(fake.seen.length, 2, 'a refused header sends nothing');
    } finally {
      await fake.close();
    }
  });
});

describe('fhirConnector.validateOptions', () => {
  it('accepts the hospital options', async () => {
    assert.deepEqual(await fhirConnector.validateOptions!(options(), CONTEXT), []);
  });

  it('accepts a department with its base URL alone, which then maps nothing', async () => {
    const bare = Value.Default(FhirOptions, { baseUrl: 'http://127.0.0.1:4100/hospital/shanghai/fhir' }) as FhirOptions;
    assert.ok(Value.Check(FhirOptions, bare));
    assert.deepEqual(await fhirConnector.validateOptions!(bare, CONTEXT), []);
    assert.equal(fhirConnector.create(bare, CONTEXT).recordTypes.size, 0);
  });

  it('reports a bad base URL, a search that does not compile and a missing mapping file, by option path', async () => {
    const broken = options({ baseUrl: 'not a url', slotSearch: '{ "resourceType": ', slots: '../mappings/hospital-fhir/no-such-file.jsonata' });
    const problems = await fhirConnector.validateOptions!(broken, CONTEXT);
    const byPath = new Map(problems.map((p) => [p.path, p.message]));
    assert.equal(problems.length, 3, JSON.stringify(problems));
    assert.match(byPath.get('baseUrl') ?? '', /is not a URL/);
    assert.match(byPath.get('records.Slot.search') ?? '', /does not compile/);
    assert.match(byPath.get('records.Slot.response') ?? '', /no-such-file\.jsonata does not exist/);
  });
});
