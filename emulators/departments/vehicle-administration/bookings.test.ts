/**
 * Inspection bookings at the emulated vehicle administration office, over HTTP on loopback: each
 * test gets a fresh office (bookings are in memory) with a clock it moves by hand.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { holderOf } from '../../population.ts';
import { routeRebuiltPerTest } from '../../../test/helpers/loopback.ts';
import { addDays } from '../kit/synthetic.ts';
import { DUE_WINDOW_DAYS, type InspectionBooking } from './bookings.ts';
import { generateInspectionSlots, generateVehicle, type InspectionSlot } from './records.ts';
import { createVehicleAdministrationRoute, VEHICLE_ADMIN_DEMO_API_KEY } from './server.ts';

const REFERENCE_DATE = new Date('2026-11-01T00:00:00+08:00');
const CITY = 'shanghai';

// A fresh office before each test (bookings are in memory), with a clock the tests move.
const office = routeRebuiltPerTest((baseUrl, now) => createVehicleAdministrationRoute({ baseUrl, referenceDate: REFERENCE_DATE }, { apiKey: VEHICLE_ADMIN_DEMO_API_KEY, now }));

interface Answer<T = unknown> {
  status: number;
  body: { code: string; msg: string; data: T };
}

async function call<T = unknown>(method: 'GET' | 'POST', path: string, body?: unknown, apiKey = VEHICLE_ADMIN_DEMO_API_KEY): Promise<Answer<T>> {
  const response = await fetch(`${office.url}/vehicle-administration/${CITY}${path}`, {
    method,
    headers: { 'x-api-key': apiKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Answer<T>['body'] };
}

const SLOTS = generateInspectionSlots(CITY, REFERENCE_DATE);
const LAST_DAY_TO_BOOK = addDays('2026-11-01', DUE_WINDOW_DAYS);

/** Local plates whose inspection is due within the booking window, in a fixed order. */
const DUE_PLATES = Array.from({ length: 400 }, (_, i) => `沪A${10000 + i}`).filter((plate) => generateVehicle(CITY, plate, REFERENCE_DATE)!.JYYXQZ <= LAST_DAY_TO_BOOK);
const NOT_DUE_PLATE = Array.from({ length: 400 }, (_, i) => `沪A${10000 + i}`).find((plate) => generateVehicle(CITY, plate, REFERENCE_DATE)!.JYYXQZ > LAST_DAY_TO_BOOK)!;

let referenceCounter = 0;
function reference(): string {
  return `HT${String(++referenceCounter).padStart(22, '0')}`;
}

/** A booking request by the plate's registered owner. */
function request(slot: InspectionSlot, plate: string, ywlsh = reference()): Record<string, string> {
  const owner = holderOf(CITY, 'plate', plate)!;
  return { sdbh: slot.SDBH, hphm: plate, sfzmhm: owner.nationalId, xm: owner.name, ywlsh };
}

/** The slot with the fewest places left that still has `atLeast`. */
function tightSlot(atLeast = 1): InspectionSlot {
  return SLOTS.filter((s) => Number(s.SYHS) >= atLeast).sort((a, b) => Number(a.SYHS) - Number(b.SYHS))[0]!;
}

async function remaining(slot: InspectionSlot): Promise<number> {
  const answer = await call<{ list: InspectionSlot[] }>('GET', `/inspection/slots?yyrq=${slot.YYRQ}&jczbh=${slot.JCZBH}&pageSize=100`);
  assert.equal(answer.status, 200);
  return Number(answer.body.data.list.find((s) => s.SDBH === slot.SDBH)!.SYHS);
}

describe('vehicle administration inspection bookings', () => {
  it('books a place for the owner, lists it under the plate and counts it off the slot', async () => {
    assert.ok(DUE_PLATES.length >= 20, `${DUE_PLATES.length} plates due`);
    const slot = tightSlot(3);
    const plate = DUE_PLATES[0]!;
    const body = request(slot, plate);
    const booked = await call<InspectionBooking>('POST', '/inspection/bookings', body);
    assert.equal(booked.status, 200, JSON.stringify(booked.body));
    assert.equal(booked.body.code, '0000');
    const booking = booked.body.data;
    assert.match(booking.YYLSH, /^31000020261101\d{6}$/);
    assert.deepEqual(
      { ...booking, YYLSH: undefined, YYSJ: undefined },
      {
        YYLSH: undefined,
        YWLSH: body.ywlsh,
        SDBH: slot.SDBH,
        HPHM: plate,
        JCZBH: slot.JCZBH,
        JCZMC: slot.JCZMC,
        JCZDZ: slot.JCZDZ,
        YYRQ: slot.YYRQ,
        KSSJ: slot.KSSJ,
        JSSJ: slot.JSSJ,
        ZT: '1',
        ZTMC: '已预约',
        JCFY: slot.JCFY,
        YYSJ: undefined,
      },
    );
    assert.equal(booking.YYSJ, '2026-11-01 00:00:00');
    assert.equal(await remaining(slot), Number(slot.SYHS) - 1);
    const listed = await call<{ total: number; list: InspectionBooking[] }>('GET', `/inspection/bookings?hphm=${encodeURIComponent(plate)}`);
    assert.deepEqual(listed.body.data, { total: 1, list: [booking] });
    assert.deepEqual((await call<{ total: number }>('GET', `/inspection/bookings?hphm=${encodeURIComponent(DUE_PLATES[1]!)}`)).body.data.total, 0);
  });

  it('answers the same booking to the same ywlsh and books nothing new; the ywlsh on another booking is refused', async () => {
    const slot = tightSlot(3);
    const body = request(slot, DUE_PLATES[0]!);
    const first = await call<InspectionBooking>('POST', '/inspection/bookings', body);
    const again = await call<InspectionBooking>('POST', '/inspection/bookings', body);
    assert.equal(again.status, 200);
    assert.deepEqual(again.body.data, first.body.data);
    assert.equal(await remaining(slot), Number(slot.SYHS) - 1);
    const elsewhere = await call('POST', '/inspection/bookings', { ...body, sdbh: SLOTS.find((s) => s.SDBH !== slot.SDBH)!.SDBH });
    assert.equal(elsewhere.status, 409);
    assert.equal(elsewhere.body.code, '2006');
  });

  it('fills a slot, refuses the next booking with 409 2001, and takes one again after a cancellation', async () => {
    const slot = tightSlot(2);
    const places = Number(slot.SYHS);
    const bookings: InspectionBooking[] = [];
    for (let i = 0; i < places; i++) {
      const answer = await call<InspectionBooking>('POST', '/inspection/bookings', request(slot, DUE_PLATES[i]!));
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      bookings.push(answer.body.data);
    }
    assert.equal(await remaining(slot), 0);
    const full = await call('POST', '/inspection/bookings', request(slot, DUE_PLATES[places]!));
    assert.equal(full.status, 409);
    assert.deepEqual(full.body, { code: '2001', msg: '号源已满 / the slot is fully booked', data: null });

    const cancelled = await call<InspectionBooking>('POST', `/inspection/bookings/${bookings[0]!.YYLSH}/cancel`, { hphm: bookings[0]!.HPHM, ywlsh: bookings[0]!.YWLSH });
    assert.equal(cancelled.status, 200);
    assert.equal(cancelled.body.data.ZT, '2');
    assert.equal(cancelled.body.data.ZTMC, '已取消');
    assert.equal(await remaining(slot), 1);
    const replay = await call<InspectionBooking>('POST', `/inspection/bookings/${bookings[0]!.YYLSH}/cancel`, { hphm: bookings[0]!.HPHM });
    assert.equal(replay.status, 200, 'cancelling twice answers it cancelled');
    assert.deepEqual(replay.body.data, cancelled.body.data);
    assert.equal(await remaining(slot), 1);
    assert.equal((await call('POST', '/inspection/bookings', request(slot, DUE_PLATES[places]!))).status, 200);
    assert.equal(await remaining(slot), 0);
  });

  it('refuses a booker who is not the owner, a vehicle not yet due, a second booking of a plate and a slot that has begun', async () => {
    const slot = tightSlot(3);
    const plate = DUE_PLATES[0]!;
    const stranger = holderOf(CITY, 'plate', DUE_PLATES[1]!)!;
    const notOwner = await call('POST', '/inspection/bookings', { ...request(slot, plate), sfzmhm: stranger.nationalId, xm: stranger.name });
    assert.equal(notOwner.status, 422);
    assert.equal(notOwner.body.code, '2005');
    const wrongName = await call('POST', '/inspection/bookings', { ...request(slot, plate), xm: stranger.name === '王明' ? '李华' : '王明' });
    assert.equal(wrongName.body.code, '2005');

    const notDue = await call('POST', '/inspection/bookings', request(slot, NOT_DUE_PLATE));
    assert.equal(notDue.status, 409);
    assert.equal(notDue.body.code, '2002');

    assert.equal((await call('POST', '/inspection/bookings', request(slot, plate))).status, 200);
    const second = await call('POST', '/inspection/bookings', request(SLOTS.find((s) => s.SDBH !== slot.SDBH && Number(s.SYHS) > 0)!, plate));
    assert.equal(second.status, 409);
    assert.equal(second.body.code, '2003');

    // Eight days on, every slot of the week has begun.
    office.now += 8 * 86_400_000;
    const late = await call('POST', '/inspection/bookings', request(slot, DUE_PLATES[2]!));
    assert.equal(late.status, 409);
    assert.equal(late.body.code, '2004');
  });

  it('cancels only for the plate and reference that hold the booking, and not once its slot has begun', async () => {
    const slot = tightSlot(3);
    const booking = (await call<InspectionBooking>('POST', '/inspection/bookings', request(slot, DUE_PLATES[0]!))).body.data;
    const path = `/inspection/bookings/${booking.YYLSH}/cancel`;
    const otherPlate = await call('POST', path, { hphm: DUE_PLATES[1] });
    assert.equal(otherPlate.status, 404);
    assert.equal(otherPlate.body.code, '1004');
    const otherReference = await call('POST', path, { hphm: booking.HPHM, ywlsh: reference() });
    assert.equal(otherReference.status, 422);
    assert.equal(otherReference.body.code, '2007');
    assert.equal((await call('POST', '/inspection/bookings/310000202611019999999/cancel', {})).status, 404);
    office.now = Date.parse(`${slot.YYRQ}T${slot.KSSJ}:00+08:00`) - REFERENCE_DATE.getTime();
    const begun = await call('POST', path, { hphm: booking.HPHM });
    assert.equal(begun.status, 409);
    assert.equal(begun.body.code, '2008');
  });

  it('answers 404 for an unknown slot or a plate of another city, 400 for a malformed request, 401 without the key', async () => {
    const slot = tightSlot(3);
    const unknownSlot = await call('POST', '/inspection/bookings', { ...request(slot, DUE_PLATES[0]!), sdbh: '3100JC99202611020830' });
    assert.equal(unknownSlot.status, 404);
    assert.equal(unknownSlot.body.code, '1004');
    const elsewhere = await call('POST', '/inspection/bookings', request(slot, '粤A12345'));
    assert.equal(elsewhere.status, 404);
    for (const broken of [{ ywlsh: 'short' }, { sfzmhm: '310101199001010000' }, { hphm: 'ABC' }, { xm: '' }, { sdbh: 7 }]) {
      const answer = await call('POST', '/inspection/bookings', { ...request(slot, DUE_PLATES[0]!), ...broken });
      assert.equal(answer.status, 400, JSON.stringify(broken));
      assert.equal(answer.body.code, '1001');
    }
    assert.equal((await call('GET', '/inspection/bookings')).status, 400);
    assert.equal((await call('POST', '/inspection/bookings', request(slot, DUE_PLATES[0]!), 'wrong-key')).status, 401);
    assert.equal(await remaining(slot), Number(slot.SYHS), 'nothing was booked');
  });
});
