import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { addDays, buildHospitalDirectory, HOSPITAL_CITY_IDS, isValidNationalId, patientForNationalId, SESSIONS, TITLES, type HospitalSlot } from './data.ts';
import { HIS, NATIONAL_ID_SYSTEM } from './fhir.ts';
import { createHospitalRoute, LOCK_MINUTES } from './server.ts';

const REFERENCE_DATE = new Date('2026-11-01T00:00:00+08:00');
const FHIR_JSON = 'application/fhir+json';

interface Resource {
  resourceType: string;
  id?: string;
  [key: string]: unknown;
}

interface Bundle extends Resource {
  type: string;
  total: number;
  link: Array<{ relation: string; url: string }>;
  entry?: Array<{ fullUrl: string; resource: Resource; search: { mode: string } }>;
}

interface Issue {
  severity: string;
  code: string;
  diagnostics: string;
  details?: { coding: Array<{ code: string }>; text: string };
}

let server: http.Server;
let origin: string;
let base: string;
/** The real time the hospital's clock reads; moved by the payment-lock tests. */
let now = 0;

before(async () => {
  let route: ReturnType<typeof createHospitalRoute> | undefined;
  server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://emulators.invalid');
    if (route && (await route(req, res, url))) return;
    res.statusCode = 404;
    res.end('fallthrough');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  route = createHospitalRoute({ baseUrl: origin, referenceDate: REFERENCE_DATE }, { now: () => now });
  base = `${origin}/hospital/shanghai/fhir`;
});

after(async () => {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
});

async function get(pathAndQuery: string): Promise<{ status: number; type: string | null; body: Resource }> {
  const response = await fetch(pathAndQuery.startsWith('http') ? pathAndQuery : `${base}/${pathAndQuery}`, { headers: { accept: FHIR_JSON } });
  return { status: response.status, type: response.headers.get('content-type'), body: (await response.json()) as Resource };
}

async function send(method: string, path: string, body: unknown, contentType = FHIR_JSON, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: Resource }> {
  const response = await fetch(`${base}/${path}`, { method, headers: { ...headers, accept: FHIR_JSON, 'content-type': contentType }, body: JSON.stringify(body) });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Resource };
}

async function search(pathAndQuery: string): Promise<Bundle> {
  const { status, type, body } = await get(pathAndQuery);
  assert.equal(status, 200, JSON.stringify(body));
  assert.match(type ?? '', /^application\/fhir\+json/);
  assert.equal(body.resourceType, 'Bundle');
  assert.equal((body as Bundle).type, 'searchset');
  return body as Bundle;
}

/** The OperationOutcome's only issue, after checking the status and shape. */
function outcomeIssue(answer: { status: number; body: Resource }, status: number, code: string): Issue {
  assert.equal(answer.status, status, JSON.stringify(answer.body));
  assert.equal(answer.body.resourceType, 'OperationOutcome');
  const issues = answer.body.issue as Issue[];
  assert.equal(issues.length, 1);
  assert.equal(issues[0].severity, 'error');
  assert.equal(issues[0].code, code);
  assert.ok(issues[0].diagnostics.length > 0);
  return issues[0];
}

function matches(bundle: Bundle): Resource[] {
  return (bundle.entry ?? []).filter((e) => e.search.mode === 'match').map((e) => e.resource);
}

function extension(resource: Resource, url: string): Record<string, unknown> | undefined {
  return (resource.extension as Array<Record<string, unknown>> | undefined)?.find((e) => e.url === url);
}

function capacityOf(slot: Resource): { total: number; remaining: number } {
  const parts = extension(slot, HIS.slotCapacity)?.extension as Array<{ url: string; valueUnsignedInt: number }>;
  return { total: parts.find((p) => p.url === 'total')!.valueUnsignedInt, remaining: parts.find((p) => p.url === 'remaining')!.valueUnsignedInt };
}

/** A valid resident identity number (Shanghai Huangpu, born 1990-01-01) with serial `n`. */
function nationalId(n: number): string {
  const first17 = `31010119900101${String(n).padStart(3, '0')}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((total, digit, i) => total + Number(digit) * weights[i], 0);
  return first17 + '10X98765432'[sum % 11];
}

function booking(slotId: string, nationalIdValue: string): Record<string, unknown> {
  return {
    resourceType: 'Appointment',
    status: 'booked',
    slot: [{ reference: `Slot/${slotId}` }],
    participant: [{ actor: { type: 'Patient', identifier: { system: NATIONAL_ID_SYSTEM, value: nationalIdValue } }, status: 'accepted' }],
  };
}

const directory = buildHospitalDirectory('shanghai', REFERENCE_DATE);

describe('synthetic hospital data', () => {
  it('is deterministic, differs between cities and keeps a session’s data when the reference date moves', () => {
    assert.deepEqual(buildHospitalDirectory('shanghai', REFERENCE_DATE), directory);
    assert.notDeepEqual(buildHospitalDirectory('beijing', REFERENCE_DATE).practitioners, directory.practitioners);
    const nextDay = buildHospitalDirectory('shanghai', new Date(REFERENCE_DATE.getTime() + 86_400_000));
    const overlap = (slots: readonly HospitalSlot[]): HospitalSlot[] => slots.filter((s) => s.date >= '2026-11-02' && s.date < '2026-11-08');
    assert.deepEqual(overlap(nextDay.slots), overlap(directory.slots));
  });

  it('staffs every city with doctors of three titles in clinical departments, and 7 days of half-day sessions', () => {
    for (const cityId of HOSPITAL_CITY_IDS) {
      const { practitioners, slots, firstDate } = buildHospitalDirectory(cityId, REFERENCE_DATE);
      assert.equal(firstDate, '2026-11-01');
      assert.equal(practitioners.length, 8);
      assert.deepEqual(new Set(practitioners.map((p) => p.title.title)), new Set(TITLES.map((t) => t.title)));
      for (const department of ['内科', '儿科', '骨科']) assert.ok(practitioners.some((p) => p.department === department), `${cityId} ${department}`);
      assert.equal(new Set(practitioners.map((p) => p.name)).size, 8, 'names unique');
      assert.ok(slots.length > 30, `${cityId} has ${slots.length} sessions`);
      for (const slot of slots) {
        assert.ok(slot.date >= '2026-11-01' && slot.date <= '2026-11-07');
        const session = SESSIONS.find((s) => s.code === slot.session.code)!;
        assert.equal(slot.start, `${slot.date}T${session.start}:00+08:00`);
        assert.equal(slot.end, `${slot.date}T${session.end}:00+08:00`);
        assert.ok(slot.prebooked >= 0 && slot.prebooked <= slot.capacity && slot.capacity > 0);
      }
    }
  });

  it('finds a patient for every valid national id, with the sex and birth date it encodes', () => {
    const id = nationalId(11);
    assert.ok(isValidNationalId(id));
    const patient = patientForNationalId('shanghai', id)!;
    assert.equal(patient.birthDate, '1990-01-01');
    assert.equal(patient.gender, 'male'); // 17th digit 1
    assert.deepEqual(patientForNationalId('shanghai', id), patient);
    assert.equal(patientForNationalId('shanghai', `${id.slice(0, 17)}${id[17] === '0' ? '1' : '0'}`), undefined, 'wrong check character');
  });
});

describe('hospital FHIR server', () => {
  it('publishes a CapabilityStatement for FHIR 4.0.1 JSON', async () => {
    const { status, type, body } = await get('metadata');
    assert.equal(status, 200);
    assert.match(type ?? '', /^application\/fhir\+json/);
    assert.equal(body.resourceType, 'CapabilityStatement');
    assert.equal(body.fhirVersion, '4.0.1');
    const resources = (body.rest as Array<{ resource: Array<{ type: string; interaction: Array<{ code: string }> }> }>)[0].resource;
    assert.deepEqual(resources.map((r) => r.type).sort(), ['Appointment', 'Patient', 'Practitioner', 'Schedule', 'Slot']);
    assert.deepEqual(resources.find((r) => r.type === 'Appointment')!.interaction.map((i) => i.code), ['read', 'search-type', 'create', 'patch']);
  });

  it('lists doctors and one Schedule per doctor whose service type is the department', async () => {
    const doctors = await search('Practitioner');
    assert.equal(doctors.total, 8);
    const names = matches(doctors).map((p) => (p.name as Array<{ text: string }>)[0].text);
    assert.deepEqual(names, directory.practitioners.map((p) => p.name));
    const schedules = await search('Schedule?_include=Schedule:actor');
    assert.equal(schedules.total, 8);
    for (const schedule of matches(schedules)) {
      const doctor = directory.practitioners.find((p) => `Practitioner/${p.id}` === (schedule.actor as Array<{ reference: string }>)[0].reference)!;
      assert.equal((schedule.serviceType as Array<{ text: string }>)[0].text, doctor.department);
    }
    assert.equal((schedules.entry ?? []).filter((e) => e.search.mode === 'include').length, 8, 'the doctors are included');
    const one = await search(`Schedule?actor=Practitioner/${directory.practitioners[2].id}`);
    assert.deepEqual(matches(one).map((s) => s.id), [directory.practitioners[2].scheduleId]);
  });

  it('searches the sessions of a day by start, status and schedule', async () => {
    const day = await search('Slot?start=ge2026-11-02&start=lt2026-11-03&_count=100');
    const expected = directory.slots.filter((s) => s.date === '2026-11-02');
    assert.equal(day.total, expected.length);
    assert.deepEqual(matches(day).map((s) => s.id), expected.map((s) => s.id));
    for (const slot of matches(day)) {
      const source = directory.slots.find((s) => s.id === slot.id)!;
      const doctor = directory.practitioners.find((p) => p.id === source.practitionerId)!;
      assert.deepEqual(capacityOf(slot), { total: source.capacity, remaining: source.capacity - source.prebooked });
      assert.equal(slot.status, source.capacity > source.prebooked ? 'free' : 'busy');
      assert.deepEqual(extension(slot, HIS.registrationFee)?.valueMoney, { value: doctor.title.feeYuan, currency: 'CNY' });
      assert.equal((slot.schedule as { reference: string }).reference, `Schedule/${doctor.scheduleId}`);
      assert.equal(slot.start, source.start);
    }

    const free = await search('Slot?start=ge2026-11-01T00:00:00%2B08:00&start=lt2026-11-08T00:00:00%2B08:00&status=free&_count=100');
    assert.deepEqual(matches(free).map((s) => s.id), directory.slots.filter((s) => s.capacity > s.prebooked).map((s) => s.id));
    assert.ok(free.total < directory.slots.length, 'some sessions are fully booked already');

    const schedule = directory.practitioners[0].scheduleId;
    const mine = await search(`Slot?schedule=Schedule/${schedule}&start=ge2026-11-01&_count=100`);
    assert.deepEqual(matches(mine).map((s) => s.id), directory.slots.filter((s) => s.scheduleId === schedule).map((s) => s.id));
    const utc = await search('Slot?start=ge2026-11-02T05:00:00Z&start=lt2026-11-02T06:00:00Z&_count=100');
    assert.deepEqual(matches(utc).map((s) => s.id), expected.filter((s) => s.session.code === 'pm').map((s) => s.id), '13:30 +08:00 is 05:30Z');
  });

  it('pages with _count and a page token, including each page’s schedules and doctors', async () => {
    const seen: string[] = [];
    let url: string | undefined = 'Slot?start=ge2026-11-01&start=lt2026-11-08&_include=Slot:schedule&_include:iterate=Schedule:actor&_count=7';
    let pages = 0;
    while (url) {
      const page = await search(url);
      pages++;
      assert.equal(page.total, directory.slots.length);
      const slots = matches(page);
      assert.ok(slots.length <= 7);
      const included = (page.entry ?? []).filter((e) => e.search.mode === 'include').map((e) => `${e.resource.resourceType}/${e.resource.id}`);
      for (const slot of slots) {
        const schedule = (slot.schedule as { reference: string }).reference;
        assert.ok(included.includes(schedule), `${schedule} included`);
        assert.ok(included.includes(`Practitioner/${schedule.replace('Schedule/sch-', '')}`), 'its doctor included');
      }
      seen.push(...slots.map((s) => String(s.id)));
      url = page.link.find((l) => l.relation === 'next')?.url;
      if (url) assert.match(url, /_pageToken=/);
    }
    assert.equal(pages, Math.ceil(directory.slots.length / 7));
    assert.deepEqual(seen, directory.slots.map((s) => s.id));
  });

  it('answers bad search parameters with 400 and an OperationOutcome', async () => {
    assert.match(outcomeIssue(await get('Slot?start=tomorrow'), 400, 'invalid').diagnostics, /not a FHIR date search value/);
    assert.match(outcomeIssue(await get('Slot?start=ge2026-02-30'), 400, 'invalid').diagnostics, /not a real date/);
    assert.match(outcomeIssue(await get('Slot?status=open'), 400, 'invalid').diagnostics, /not a Slot status/);
    assert.match(outcomeIssue(await get('Slot?colour=red'), 400, 'not-supported').diagnostics, /"colour" is not supported/);
    assert.match(outcomeIssue(await get('Slot?_count=-1'), 400, 'invalid').diagnostics, /_count/);
    assert.match(outcomeIssue(await get('Slot?_pageToken=garbage'), 400, 'invalid').diagnostics, /page token/);
    assert.match(outcomeIssue(await get('Slot?_include=Slot:patient'), 400, 'not-supported').diagnostics, /Slot:schedule/);
    outcomeIssue(await get('Patient'), 400, 'required');
    outcomeIssue(await get('Appointment'), 400, 'required');
  });

  it('answers unknown resources, types and cities with 404 and an OperationOutcome', async () => {
    assert.match(outcomeIssue(await get('Slot/dr-99-20261102-am'), 404, 'not-found').diagnostics, /Slot\/dr-99-20261102-am is not known/);
    outcomeIssue(await get('Observation?code=x'), 404, 'not-supported');
    outcomeIssue(await get(`${origin}/hospital/atlantis/fhir/metadata`), 404, 'not-found');
    const read = await get(`Slot/${directory.slots[0].id}`);
    assert.equal(read.status, 200);
    assert.equal(read.body.resourceType, 'Slot');
  });

  it('finds a patient by national id, and nobody for an invalid one', async () => {
    const id = nationalId(1);
    const found = await search(`Patient?identifier=${encodeURIComponent(`${NATIONAL_ID_SYSTEM}|${id}`)}`);
    assert.equal(found.total, 1);
    const patient = matches(found)[0];
    assert.equal(patient.id, patientForNationalId('shanghai', id)!.id);
    assert.deepEqual((patient.identifier as Array<{ system: string; value: string }>)[0], { use: 'official', system: NATIONAL_ID_SYSTEM, value: id });
    assert.equal(patient.birthDate, '1990-01-01');
    const invalid = `${id.slice(0, 17)}${id[17] === '0' ? '1' : '0'}`;
    assert.equal((await search(`Patient?identifier=${encodeURIComponent(`${NATIONAL_ID_SYSTEM}|${invalid}`)}`)).total, 0);
    assert.equal((await search(`Patient?identifier=${encodeURIComponent(`urn:oid:1.2.3|${id}`)}`)).total, 0, 'another identifier system');
    assert.equal((await get(`Patient/${patient.id}`)).status, 200);
  });

  it('books a session to capacity, then refuses with 409 and an OperationOutcome; a cancellation frees a place', async () => {
    // The free session with the fewest places left.
    const slot = directory.slots.filter((s) => s.capacity > s.prebooked).sort((a, b) => a.capacity - a.prebooked - (b.capacity - b.prebooked))[0];
    const doctor = directory.practitioners.find((p) => p.id === slot.practitionerId)!;
    const places = slot.capacity - slot.prebooked;
    const appointments: Resource[] = [];
    for (let i = 0; i < places; i++) {
      const created = await send('POST', 'Appointment', booking(slot.id, nationalId(100 + i)));
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.status, 'booked');
      assert.equal(created.headers.get('location'), `${base}/Appointment/${created.body.id}/_history/1`);
      const sequence = slot.prebooked + 1 + i;
      assert.equal(extension(created.body, HIS.visitSequence)?.valueUnsignedInt, sequence);
      // The estimated visit time follows the visit number.
      assert.equal(Date.parse(String(created.body.start)), slot.startMs + (sequence - 1) * doctor.title.visitMinutes * 60_000);
      assert.deepEqual(created.body.slot, [{ reference: `Slot/${slot.id}` }]);
      const patientRef = (created.body.participant as Array<{ actor: { reference: string } }>)[0].actor.reference;
      assert.equal(patientRef, `Patient/${patientForNationalId('shanghai', nationalId(100 + i))!.id}`);
      appointments.push(created.body);
    }
    const full = (await get(`Slot/${slot.id}`)).body;
    assert.equal(full.status, 'busy');
    assert.deepEqual(capacityOf(full), { total: slot.capacity, remaining: 0 });
    const freeNow = await search(`Slot?_id=${slot.id}&status=free`);
    assert.equal(freeNow.total, 0);

    const refused = await send('POST', 'Appointment', booking(slot.id, nationalId(999)));
    const issue = outcomeIssue(refused, 409, 'conflict');
    assert.match(issue.diagnostics, /fully booked/);
    assert.equal(issue.details?.coding[0].code, 'slot-full');

    // Read, search by patient, cancel with JSON Patch.
    const first = appointments[0];
    assert.deepEqual((await get(`Appointment/${first.id}`)).body, first);
    const patientRef = (first.participant as Array<{ actor: { reference: string } }>)[0].actor.reference;
    const byPatient = await search(`Appointment?patient=${patientRef}`);
    assert.deepEqual(matches(byPatient).map((a) => a.id), [first.id]);
    const byIdentifier = await search(`Appointment?patient.identifier=${encodeURIComponent(`${NATIONAL_ID_SYSTEM}|${nationalId(100)}`)}`);
    assert.deepEqual(matches(byIdentifier).map((a) => a.id), [first.id]);

    const cancel = [{ op: 'replace', path: '/status', value: 'cancelled' }];
    const cancelled = await send('PATCH', `Appointment/${first.id}`, cancel, 'application/json-patch+json');
    assert.equal(cancelled.status, 200);
    assert.equal(cancelled.body.status, 'cancelled');
    assert.equal((cancelled.body.meta as { versionId: string }).versionId, '2');
    assert.deepEqual(capacityOf((await get(`Slot/${slot.id}`)).body), { total: slot.capacity, remaining: 1 });
    assert.equal((await send('PATCH', `Appointment/${first.id}`, cancel, 'application/json-patch+json')).body.status, 'cancelled', 'cancelling twice is harmless');

    // The freed visit number goes to the next patient.
    const again = await send('POST', 'Appointment', booking(slot.id, nationalId(999)));
    assert.equal(again.status, 201);
    assert.equal(extension(again.body, HIS.visitSequence)?.valueUnsignedInt, slot.prebooked + 1);
  });

  it('refuses a second booking of the same patient in a session, and unknown slots or patients', async () => {
    const slot = directory.slots.filter((s) => s.capacity - s.prebooked >= 2).at(-1)!;
    assert.equal((await send('POST', 'Appointment', booking(slot.id, nationalId(500)))).status, 201);
    assert.equal(outcomeIssue(await send('POST', 'Appointment', booking(slot.id, nationalId(500))), 409, 'duplicate').details?.coding[0].code, 'duplicate-booking');
    outcomeIssue(await send('POST', 'Appointment', booking('dr-99-20261102-am', nationalId(501))), 422, 'not-found');
    const literal = { ...booking(slot.id, nationalId(501)), participant: [{ actor: { reference: 'Patient/pat-unknown' }, status: 'accepted' }] };
    outcomeIssue(await send('POST', 'Appointment', literal), 422, 'not-found');
    // A patient found by identifier may then be named by reference.
    const patientId = matches(await search(`Patient?identifier=${encodeURIComponent(`${NATIONAL_ID_SYSTEM}|${nationalId(501)}`)}`))[0].id;
    const byReference = await send('POST', 'Appointment', { ...literal, participant: [{ actor: { reference: `Patient/${patientId}` }, status: 'accepted' }] });
    assert.equal(byReference.status, 201);
    outcomeIssue(await send('POST', 'Appointment', { ...booking(slot.id, nationalId(502)), status: undefined }), 400, 'required');
    outcomeIssue(await send('POST', 'Appointment', { resourceType: 'Patient' }), 400, 'invalid');
    outcomeIssue(await send('POST', 'Appointment', booking(slot.id, nationalId(502)), 'text/plain'), 415, 'not-supported');
  });

  it('cancels only through a JSON Patch to cancelled, and conditionally only for the patient who holds it', async () => {
    const slot = directory.slots.filter((s) => s.capacity - s.prebooked >= 1).at(-2)!;
    const created = await send('POST', 'Appointment', booking(slot.id, nationalId(600)));
    assert.equal(created.status, 201);
    const id = String(created.body.id);
    outcomeIssue(await send('PUT', `Appointment/${id}`, { ...created.body, status: 'cancelled' }), 405, 'not-supported');
    outcomeIssue(await send('PATCH', `Appointment/${id}`, [{ op: 'replace', path: '/status', value: 'cancelled' }]), 415, 'not-supported');
    outcomeIssue(await send('PATCH', `Appointment/${id}`, [{ op: 'replace', path: '/status', value: 'fulfilled' }], 'application/json-patch+json'), 422, 'business-rule');
    outcomeIssue(await send('PATCH', `Appointment/${id}`, [{ op: 'remove', path: '/slot' }], 'application/json-patch+json'), 422, 'not-supported');
    outcomeIssue(await send('PATCH', 'Appointment/appt-999999', [{ op: 'replace', path: '/status', value: 'cancelled' }], 'application/json-patch+json'), 404, 'not-found');

    const cancel = [{ op: 'replace', path: '/status', value: 'cancelled' }];
    const as = (n: number): string => `Appointment?_id=${id}&patient.identifier=${encodeURIComponent(`${NATIONAL_ID_SYSTEM}|${nationalId(n)}`)}`;
    outcomeIssue(await send('PATCH', as(601), cancel, 'application/json-patch+json'), 404, 'not-found');
    assert.equal((await get(`Appointment/${id}`)).body.status, 'booked', 'another patient cannot cancel it');
    const cancelled = await send('PATCH', as(600), cancel, 'application/json-patch+json');
    assert.equal(cancelled.status, 200);
    assert.equal(cancelled.body.status, 'cancelled');
  });

  it('leaves paths outside /hospital to the next route', async () => {
    const response = await fetch(`${origin}/elsewhere`);
    assert.equal(response.status, 404);
    assert.equal(await response.text(), 'fallthrough');
    assert.equal(addDays('2026-12-31', 1), '2027-01-01');
  });
});

describe('hospital booking with a payment lock (锁号)', () => {
  const REFERENCE_SYSTEM = 'https://hutong.example/fhir/sid/booking-reference';
  const PATCH = 'application/json-patch+json';
  const LOCK_MS = LOCK_MINUTES * 60_000;

  function pending(slotId: string, nationalIdValue: string, reference: string): Record<string, unknown> {
    return { ...booking(slotId, nationalIdValue), status: 'pending', identifier: [{ system: REFERENCE_SYSTEM, value: reference }] };
  }
  const ifNoneExist = (reference: string): Record<string, string> => ({ 'if-none-exist': `identifier=${REFERENCE_SYSTEM}|${reference}` });
  const pay = (trade: string): unknown[] => [
    { op: 'replace', path: '/status', value: 'booked' },
    { op: 'add', path: '/extension/-', value: { url: HIS.paymentReference, valueString: trade } },
  ];

  /** A session late in the week with at least `places` left now, and its remaining count. */
  async function openSlot(places: number, skip = 0): Promise<{ slot: HospitalSlot; remaining: number }> {
    const candidates = directory.slots.filter((s) => s.date >= '2026-11-05' && s.capacity - s.prebooked >= places);
    const slot = candidates[skip]!;
    return { slot, remaining: capacityOf((await get(`Slot/${slot.id}`)).body).remaining };
  }

  const remainingOf = async (slot: HospitalSlot): Promise<number> => capacityOf((await get(`Slot/${slot.id}`)).body).remaining;
  const instant = (ms: number): string => `${new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19)}+08:00`;

  it('locks a visit number for 15 minutes when the session has a fee, and books it once paid', async () => {
    const { slot, remaining } = await openSlot(3);
    const doctor = directory.practitioners.find((p) => p.id === slot.practitionerId)!;
    assert.ok(doctor.title.feeYuan > 0);
    const lockedAt = REFERENCE_DATE.getTime() + now;
    const created = await send('POST', 'Appointment', pending(slot.id, nationalId(700), 'HTLOCK0000000000000001'), FHIR_JSON, ifNoneExist('HTLOCK0000000000000001'));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.status, 'pending');
    assert.equal(extension(created.body, HIS.lockExpires)?.valueDateTime, instant(lockedAt + LOCK_MS));
    assert.deepEqual(extension(created.body, HIS.registrationFee)?.valueMoney, { value: doctor.title.feeYuan, currency: 'CNY' });
    const identifiers = created.body.identifier as Array<{ system: string; value: string }>;
    assert.ok(identifiers.some((i) => i.system === REFERENCE_SYSTEM && i.value === 'HTLOCK0000000000000001'), 'carries the caller’s reference');
    assert.ok(identifiers.some((i) => i.system === HIS.registrationNumber));
    assert.equal(await remainingOf(slot), remaining - 1, 'the locked number is taken');

    // The same conditional create again is the same booking: 200, nothing new taken.
    const replay = await send('POST', 'Appointment', pending(slot.id, nationalId(700), 'HTLOCK0000000000000001'), FHIR_JSON, ifNoneExist('HTLOCK0000000000000001'));
    assert.equal(replay.status, 200);
    assert.deepEqual(replay.body, created.body);
    assert.equal(await remainingOf(slot), remaining - 1);

    now += LOCK_MS - 60_000;
    const paid = await send('PATCH', `Appointment/${created.body.id}`, pay('ALI2026110100001'), PATCH);
    assert.equal(paid.status, 200, JSON.stringify(paid.body));
    assert.equal(paid.body.status, 'booked');
    assert.equal(extension(paid.body, HIS.paymentReference)?.valueString, 'ALI2026110100001');
    assert.equal(extension(paid.body, HIS.lockExpires), undefined, 'a booked appointment holds no lock');
    assert.equal((paid.body.meta as { versionId: string }).versionId, '2');
    const again = await send('PATCH', `Appointment/${created.body.id}`, pay('ALI2026110100002'), PATCH);
    assert.equal(again.status, 200);
    assert.deepEqual(again.body, paid.body, 'booking it again answers it unchanged');

    now += LOCK_MS;
    assert.equal((await get(`Appointment/${created.body.id}`)).body.status, 'booked', 'a paid booking does not expire');
    assert.equal(await remainingOf(slot), remaining - 1);
  });

  it('releases a lock not paid within 15 minutes: cancelled “lock expired”, the number freed, a late payment refused', async () => {
    const { slot, remaining } = await openSlot(3, 1);
    const created = await send('POST', 'Appointment', pending(slot.id, nationalId(710), 'HTLOCK0000000000000002'), FHIR_JSON, ifNoneExist('HTLOCK0000000000000002'));
    assert.equal(created.status, 201);
    assert.equal(await remainingOf(slot), remaining - 1);

    now += LOCK_MS - 1000;
    assert.equal((await get(`Appointment/${created.body.id}`)).body.status, 'pending', 'still held one second before');
    now += 1000;
    const expired = (await get(`Appointment/${created.body.id}`)).body;
    assert.equal(expired.status, 'cancelled');
    assert.deepEqual(expired.cancelationReason, { text: 'lock expired' });
    assert.equal(await remainingOf(slot), remaining, 'the number went back to the session');
    const byPatient = await search(`Appointment?patient.identifier=${encodeURIComponent(`${NATIONAL_ID_SYSTEM}|${nationalId(710)}`)}`);
    assert.deepEqual(matches(byPatient).map((a) => a.status), ['cancelled']);

    const late = outcomeIssue(await send('PATCH', `Appointment/${created.body.id}`, pay('ALI2026110100003'), PATCH), 422, 'business-rule');
    assert.equal(late.details?.coding[0].code, 'lock-expired');
    // The reference still names that booking: a retry gets it back as it is, and takes no number.
    const retry = await send('POST', 'Appointment', pending(slot.id, nationalId(710), 'HTLOCK0000000000000002'), FHIR_JSON, ifNoneExist('HTLOCK0000000000000002'));
    assert.equal(retry.status, 200);
    assert.equal(retry.body.id, created.body.id);
    assert.equal(await remainingOf(slot), remaining);
  });

  it('books only a pending Appointment with one payment reference, and searches If-None-Exist only by identifier', async () => {
    const { slot } = await openSlot(3, 2);
    const created = await send('POST', 'Appointment', pending(slot.id, nationalId(720), 'HTLOCK0000000000000003'));
    assert.equal(created.status, 201);
    const id = String(created.body.id);
    assert.equal(outcomeIssue(await send('PATCH', `Appointment/${id}`, [{ op: 'replace', path: '/status', value: 'booked' }], PATCH), 422, 'business-rule').details?.coding[0].code, 'payment-required');
    const foreign = [{ op: 'replace', path: '/status', value: 'booked' }, { op: 'add', path: '/extension/-', value: { url: 'https://elsewhere.example/x', valueString: 'y' } }];
    outcomeIssue(await send('PATCH', `Appointment/${id}`, foreign, PATCH), 422, 'not-supported');
    assert.equal((await send('PATCH', `Appointment/${id}`, [{ op: 'replace', path: '/status', value: 'cancelled' }], PATCH)).body.status, 'cancelled');
    assert.equal(outcomeIssue(await send('PATCH', `Appointment/${id}`, pay('ALI2026110100004'), PATCH), 422, 'business-rule').details?.coding[0].code, 'not-pending');

    outcomeIssue(await send('POST', 'Appointment', pending(slot.id, nationalId(721), 'HTLOCK0000000000000004'), FHIR_JSON, { 'if-none-exist': 'status=booked' }), 400, 'not-supported');
    outcomeIssue(await send('POST', 'Appointment', pending(slot.id, nationalId(721), 'HTLOCK0000000000000004'), FHIR_JSON, { 'if-none-exist': `identifier=${REFERENCE_SYSTEM}|` }), 400, 'invalid');
    // Without a body identifier, the conditional create still carries what it was asked to find.
    const bare = { ...booking(slot.id, nationalId(722)), status: 'pending' };
    const first = await send('POST', 'Appointment', bare, FHIR_JSON, ifNoneExist('HTLOCK0000000000000005'));
    assert.equal(first.status, 201);
    assert.equal((await send('POST', 'Appointment', bare, FHIR_JSON, ifNoneExist('HTLOCK0000000000000005'))).body.id, first.body.id);
  });
});
