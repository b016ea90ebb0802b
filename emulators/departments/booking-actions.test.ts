/**
 * The booking actions of the city YAML (bookSlot, confirmBooking, cancelBooking), performed the way
 * the hub performs them: Shanghai's file loaded by the catalog, its connectors built by the catalog,
 * against the vehicle administration, marriage registry and hospital emulators on loopback. Every
 * answer must map to a valid standard Appointment, and every refusal reach the hub as
 * HUTONG_ERR_DEPARTMENT_REFUSED.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import '../../src/model/formats.ts';
import { RECORD_SCHEMAS } from '../../src/model/index.ts';
import type { Appointment, Slot, Vehicle } from '../../src/model/records.ts';
import { SEED_CITY_REGIONS } from '../../src/model/regions.ts';
import { isHutongError } from '../../src/errors.ts';
import { loadCityFile } from '../../src/catalog/catalog.loader.ts';
import { Catalog } from '../../src/catalog/catalog.service.ts';
import type { ActionRequest, Connector } from '../../src/connectors/connector.ts';
import type { IdentifierKind } from '../../src/model/common.ts';
import type { EmulatorRoute } from '../http-kit.ts';
import { demoResident, holderOf } from '../population.ts';
import { addDays } from './kit/synthetic.ts';
import { createVehicleAdministrationRoute } from './vehicle-administration/server.ts';
import { generateVehicle } from './vehicle-administration/records.ts';
import { DUE_WINDOW_DAYS } from './vehicle-administration/bookings.ts';
import { createCivilAffairsRoute } from './civil-affairs/server.ts';
import { createHospitalRoute, LOCK_MINUTES } from './hospital/server.ts';

const REFERENCE_DATE = new Date('2026-11-01T00:00:00+08:00');
const CITY_FILE = fileURLToPath(new URL('../../config/cities/shanghai.yaml', import.meta.url));
const SHANGHAI = { id: 'shanghai', ...SEED_CITY_REGIONS.shanghai };

let server: http.Server;
let catalog: Catalog;
/** The real time the emulators' clocks read; the hospital test moves it past a payment lock. */
let now = 0;

before(async () => {
  let routes: EmulatorRoute[] = [];
  server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://emulators.invalid');
    for (const route of routes) if (await route(req, res, url)) return;
    res.statusCode = 404;
    res.end('no emulator');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const context = { baseUrl: url, referenceDate: REFERENCE_DATE };
  routes = [
    createVehicleAdministrationRoute(context, { now: () => now }),
    createCivilAffairsRoute(context, { now: () => now }),
    createHospitalRoute(context, { now: () => now }),
  ];
  const loaded = await loadCityFile(CITY_FILE, { HUTONG_EMULATORS_URL: url, HUTONG_INBOX_DIR: path.join(os.tmpdir(), 'hutong-booking-actions') });
  assert.ok(loaded.config, JSON.stringify(loaded.problems));
  catalog = new Catalog([{ file: CITY_FILE, dir: path.dirname(CITY_FILE), config: loaded.config }]);
});

after(async () => {
  await catalog?.close();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
});

const options = (): { signal: AbortSignal } => ({ signal: AbortSignal.timeout(5000) });

function act(connector: Connector, name: string, kind: IdentifierKind, identifier: string, recordId: string, params: Record<string, string>): Promise<unknown> {
  const action: ActionRequest = { name, identifier: { kind, value: identifier }, recordId, params };
  return connector.performAction!(action, options());
}

/** JSONata builds records on null-prototype objects; compare them as plain data. */
function plain<T>(value: unknown): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function assertAppointment(value: unknown): Appointment {
  assert.ok(Value.Check(RECORD_SCHEMAS.Appointment, value), `${JSON.stringify([...Value.Errors(RECORD_SCHEMAS.Appointment, value)][0])} in ${JSON.stringify(value)}`);
  return plain<Appointment>(value);
}

async function assertRefused(promise: Promise<unknown>, message: RegExp, departmentCode?: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isHutongError(error), String(error));
    assert.equal(error.code, 'HUTONG_ERR_DEPARTMENT_REFUSED', error.message);
    assert.match(error.message, message);
    if (departmentCode !== undefined) assert.equal((error.details as { departmentCode?: string }).departmentCode, departmentCode);
    return true;
  });
}

async function slots(connector: Connector): Promise<Slot[]> {
  return plain<Slot[]>(await connector.fetchRecords({ recordType: 'Slot', params: { date: '2026-11-01' } }, options()));
}

/** The open slot with the fewest places left. */
function tightest(list: readonly Slot[], atLeast = 1): Slot {
  return list.filter((s) => s.remaining >= atLeast && s.start >= '2026-11-03').sort((a, b) => a.remaining - b.remaining)[0]!;
}

let referenceCounter = 0;
function reference(): string {
  return `HT20261101${String(++referenceCounter).padStart(12, '0')}`;
}

describe('booking actions of the city YAML, through the catalog’s connectors', () => {
  it('vehicle administration: books, replays, refuses a full slot, cancels; and maps the Vehicle', async () => {
    const connector = catalog.connectorFor('shanghai', 'vehicle-administration');
    assert.ok(connector.actions?.has('bookSlot') && connector.actions.has('cancelBooking'));
    const lastDay = addDays('2026-11-01', DUE_WINDOW_DAYS);
    const plates = Array.from({ length: 300 }, (_, i) => `沪A${20000 + i}`).filter((p) => generateVehicle('shanghai', p, REFERENCE_DATE)!.JYYXQZ <= lastDay);
    const slot = tightest(await slots(connector), 2);
    const bookFor = (plate: string, ref = reference()): Promise<unknown> => {
      const owner = holderOf('shanghai', 'plate', plate)!;
      return act(connector, 'bookSlot', 'plate', plate, slot.id, { reference: ref, name: owner.name, nationalId: owner.nationalId });
    };

    const ref = reference();
    const appointment = assertAppointment(await bookFor(plates[0]!, ref));
    assert.equal(appointment.status, 'confirmed');
    assert.deepEqual([appointment.cityId, appointment.departmentId, appointment.slotId, appointment.serviceId], ['shanghai', 'vehicle-administration', slot.id, 'traffic.inspection-booking']);
    assert.deepEqual([appointment.start, appointment.end, appointment.feeFen], [slot.start, slot.end, slot.feeFen]);
    assert.equal(appointment.confirmationNumber, appointment.id);
    assert.match(appointment.note ?? '', /机动车检测站/);
    assert.deepEqual(assertAppointment(await bookFor(plates[0]!, ref)), appointment, 'the same reference is the same booking');

    const booked = [appointment];
    for (const plate of plates.slice(1, slot.remaining)) booked.push(assertAppointment(await bookFor(plate)));
    assert.equal((await slots(connector)).find((s) => s.id === slot.id)!.remaining, 0);
    await assertRefused(bookFor(plates[slot.remaining]!), /号源已满/, '2001');

    const cancel = (): Promise<unknown> => act(connector, 'cancelBooking', 'plate', plates[0]!, appointment.id, { reference: ref });
    const cancelled = assertAppointment(await cancel());
    assert.equal(cancelled.status, 'cancelled');
    assert.deepEqual(assertAppointment(await cancel()), cancelled, 'cancelling again answers it cancelled');
    assertAppointment(await bookFor(plates[slot.remaining]!)); // the freed place

    const [vehicle] = plain<Vehicle[]>(await connector.fetchRecords({ recordType: 'Vehicle', identifier: { kind: 'plate', value: plates[0]! } }, options()));
    assert.ok(Value.Check(RECORD_SCHEMAS.Vehicle, vehicle), JSON.stringify(vehicle));
    const source = generateVehicle('shanghai', plates[0]!, REFERENCE_DATE)!;
    assert.deepEqual(vehicle, {
      cityId: 'shanghai',
      departmentId: 'vehicle-administration',
      plate: plates[0],
      plateType: source.HPZL,
      description: `${source.CLPP1} ${source.CLXH} ${source.CSYS}色`,
      registeredOn: source.CCDJRQ,
      inspectionDueOn: source.JYYXQZ,
      status: source.ZT === 'A' ? 'normal' : 'inspection-overdue',
    });
    assert.deepEqual(await connector.fetchRecords({ recordType: 'Vehicle', identifier: { kind: 'plate', value: '粤A12345' } }, options()), [], 'a plate of another city');
  });

  it('marriage registry: a woman books with her partner, replays, is refused for two women, cancels', async () => {
    const connector = catalog.connectorFor('shanghai', 'civil-affairs');
    const slot = tightest(await slots(connector), 2);
    // Even demo numbers are women, odd ones men: the booker here is the woman.
    const [woman, man, otherWoman] = [demoResident(12, SHANGHAI), demoResident(13, SHANGHAI), demoResident(14, SHANGHAI)];
    const ref = reference();
    const params = { reference: ref, name: woman.name, nationalId: woman.nationalId, partnerName: man.name, partnerNationalId: man.nationalId };
    const appointment = assertAppointment(await act(connector, 'bookSlot', 'national-id', woman.nationalId, slot.id, params));
    assert.equal(appointment.status, 'confirmed');
    assert.deepEqual([appointment.slotId, appointment.serviceId, appointment.start, appointment.end], [slot.id, 'civil.marriage-booking', slot.start, slot.end]);
    assert.match(appointment.note ?? '', /婚姻登记处/);
    assert.deepEqual(assertAppointment(await act(connector, 'bookSlot', 'national-id', woman.nationalId, slot.id, params)), appointment);

    const twoWomen = { reference: reference(), name: otherWoman.name, nationalId: otherWoman.nationalId, partnerName: demoResident(16, SHANGHAI).name, partnerNationalId: demoResident(16, SHANGHAI).nationalId };
    await assertRefused(act(connector, 'bookSlot', 'national-id', otherWoman.nationalId, slot.id, twoWomen), /双方须为一男一女/, '42201');
    const rebook = { ...params, reference: reference() };
    await assertRefused(act(connector, 'bookSlot', 'national-id', woman.nationalId, slot.id, rebook), /已有有效的婚姻登记预约/, '40902');

    // Either party may cancel.
    const cancelled = assertAppointment(await act(connector, 'cancelBooking', 'national-id', man.nationalId, appointment.id, { reference: ref }));
    assert.equal(cancelled.status, 'cancelled');
    assert.equal((await slots(connector)).find((s) => s.id === slot.id)!.remaining, slot.remaining, 'the place is free again');
  });

  it('hospital: locks a number, replays, confirms with the payment, cancels; a lock left unpaid expires; a full session refuses', async () => {
    const connector = catalog.connectorFor('shanghai', 'hospital');
    assert.deepEqual([...(connector.actions ?? [])].sort(), ['bookSlot', 'cancelBooking', 'confirmBooking']);
    const patient = demoResident(21, SHANGHAI);
    const listed = await slots(connector);
    const slot = tightest(listed, 2);
    const nearlyFull = tightest(listed.filter((s) => s.id !== slot.id));
    const ref = reference();
    const book = (who = patient, bookingReference = ref): Promise<unknown> =>
      act(connector, 'bookSlot', 'national-id', who.nationalId, slot.id, { reference: bookingReference, name: who.name, nationalId: who.nationalId });

    const held = assertAppointment(await book());
    assert.equal(held.status, 'held');
    assert.equal(held.holdExpiresAt, `2026-11-01T00:${String(LOCK_MINUTES).padStart(2, '0')}:00+08:00`);
    assert.equal(held.feeFen, slot.feeFen);
    assert.ok(held.start >= slot.start && held.end! <= slot.end && held.start < held.end!);
    assert.match(held.note ?? '', /第\d+号/);
    assert.match(held.confirmationNumber ?? '', /^\d{14}$/);
    assert.deepEqual(assertAppointment(await book()), held, 'the same reference is the same booking');

    const confirm = (id: string, who = patient): Promise<unknown> =>
      act(connector, 'confirmBooking', 'national-id', who.nationalId, id, { reference: ref, paymentReference: 'ALI20261101000000000001' });
    const confirmed = assertAppointment(await confirm(held.id));
    assert.equal(confirmed.status, 'confirmed');
    assert.equal(confirmed.holdExpiresAt, undefined);
    assert.deepEqual(assertAppointment(await confirm(held.id)), confirmed, 'confirming twice changes nothing');
    await assertRefused(confirm(held.id, demoResident(22, SHANGHAI)), /no Appointment matches/);

    const cancelled = assertAppointment(await act(connector, 'cancelBooking', 'national-id', patient.nationalId, held.id, { reference: ref }));
    assert.equal(cancelled.status, 'cancelled');

    // A second patient's lock runs out: expired, the number back, the late payment refused.
    const late = demoResident(23, SHANGHAI);
    const lateRef = reference();
    const lock = assertAppointment(await book(late, lateRef));
    now += LOCK_MINUTES * 60_000;
    const [expired] = plain<Appointment[]>(await connector.fetchRecords({ recordType: 'Appointment', identifier: { kind: 'national-id', value: late.nationalId } }, options()));
    assert.equal(assertAppointment(expired).status, 'expired');
    assert.equal(expired!.id, lock.id);
    // Both the cancelled and the expired booking gave their number back.
    assert.equal((await slots(connector)).find((s) => s.id === slot.id)!.remaining, slot.remaining);
    await assertRefused(confirm(lock.id, late), /锁号已超时/);
    assert.equal(assertAppointment(await book(late, lateRef)).status, 'expired', 'its reference still names the expired booking');

    const bookInto = (n: number): Promise<unknown> => {
      const who = demoResident(n, SHANGHAI);
      return act(connector, 'bookSlot', 'national-id', who.nationalId, nearlyFull.id, { reference: reference(), name: who.name, nationalId: who.nationalId });
    };
    for (let n = 0; n < nearlyFull.remaining; n++) assert.equal(assertAppointment(await bookInto(100 + n)).status, 'held');
    await assertRefused(bookInto(150), /号源已满/);
  });
});
