/**
 * Marriage registration bookings at the emulated civil affairs bureau, over HTTP on loopback: each
 * test gets a fresh registry (bookings are in memory) with a clock it moves by hand.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nationalIdCheckChar } from '../../../src/model/identifiers.ts';
import { SEED_CITY_REGIONS } from '../../../src/model/regions.ts';
import { demoResident, residentName, type DemoResident } from '../../population.ts';
import { routeRebuiltPerTest } from '../../../test/helpers/loopback.ts';
import type { MarriageBooking } from './bookings.ts';
import { generateMarriageSlots, type MarriageSlot } from './records.ts';
import { createCivilAffairsRoute } from './server.ts';

const REFERENCE_DATE = new Date('2026-11-01T00:00:00+08:00');
const CITY = 'beijing';

// A fresh office before each test (bookings are in memory), with a clock the tests move.
const office = routeRebuiltPerTest((baseUrl, now) => createCivilAffairsRoute({ baseUrl, referenceDate: REFERENCE_DATE }, { now }));

interface Answer<T = unknown> {
  status: number;
  body: { code: number; msg: string; data: T };
}

async function call<T = unknown>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Answer<T>> {
  const response = await fetch(`${office.url}/civil-affairs/${CITY}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Answer<T>['body'] };
}

const SLOTS = generateMarriageSlots(CITY, REFERENCE_DATE);

function resident(n: number): DemoResident {
  return demoResident(n, { id: CITY, ...SEED_CITY_REGIONS[CITY] });
}

/** Demo residents' ids end in their number's sequence digit: odd numbers are men, even women. */
function couple(k: number): { man: DemoResident; woman: DemoResident } {
  return { man: resident(2 * k + 1), woman: resident(2 * k + 2) };
}

/** A registered person born on `birth` (yyyyMMdd), a man when `sequence` is odd. */
function person(birth: string, sequence: number): { name: string; nationalId: string } {
  const first17 = `110105${birth}${String(sequence).padStart(3, '0')}`;
  const nationalId = first17 + nationalIdCheckChar(first17);
  return { name: residentName(nationalId), nationalId };
}

let referenceCounter = 0;
function reference(): string {
  return `HT${String(++referenceCounter).padStart(22, '0')}`;
}

function request(slot: MarriageSlot, man: { name: string; nationalId: string }, woman: { name: string; nationalId: string }, ywlsh = reference()): Record<string, string> {
  return { sdbh: slot.sdbh, nfxm: man.name, nfsfzh: man.nationalId, nvfxm: woman.name, nvfsfzh: woman.nationalId, ywlsh };
}

function tightSlot(atLeast = 1): MarriageSlot {
  return SLOTS.filter((s) => s.syhs >= atLeast).sort((a, b) => a.syhs - b.syhs)[0]!;
}

async function remaining(slot: MarriageSlot): Promise<number> {
  const answer = await call<{ records: MarriageSlot[] }>('GET', `/api/hydj/yysd/page?yyrq=${slot.yyrq}&djjgdm=${slot.djjgdm}&size=100`);
  assert.equal(answer.status, 200);
  return answer.body.data.records.find((s) => s.sdbh === slot.sdbh)!.syhs;
}

describe('civil affairs marriage registration bookings', () => {
  it('books a couple, lists the booking under either party and counts it off the slot', async () => {
    const slot = tightSlot(3);
    const { man, woman } = couple(1);
    const body = request(slot, man, woman);
    const booked = await call<MarriageBooking>('POST', '/api/hydj/yy', body);
    assert.equal(booked.status, 200, JSON.stringify(booked.body));
    assert.equal(booked.body.code, 200);
    const booking = booked.body.data;
    assert.equal(booking.yyh, `${slot.sdbh}${String(slot.zhs - slot.syhs + 1).padStart(3, '0')}`);
    assert.equal(booking.ywlsh, body.ywlsh);
    assert.deepEqual(
      [booking.sdbh, booking.djjgmc, booking.yyrq, booking.kssj, booking.jssj, booking.zt, booking.ztmc],
      [slot.sdbh, slot.djjgmc, slot.yyrq, slot.kssj, slot.jssj, '1', '已预约'],
    );
    assert.ok(!JSON.stringify(booking).includes(man.nationalId), 'ids are not echoed');
    assert.equal(await remaining(slot), slot.syhs - 1);
    for (const party of [man, woman]) {
      const listed = await call<{ records: MarriageBooking[]; total: number }>('GET', `/api/hydj/yy?sfzh=${party.nationalId}`);
      assert.deepEqual(listed.body.data, { records: [booking], total: 1 });
    }
  });

  it('answers the same booking to the same ywlsh and books nothing new', async () => {
    const slot = tightSlot(3);
    const { man, woman } = couple(2);
    const body = request(slot, man, woman);
    const first = await call<MarriageBooking>('POST', '/api/hydj/yy', body);
    const again = await call<MarriageBooking>('POST', '/api/hydj/yy', body);
    assert.equal(again.status, 200);
    assert.deepEqual(again.body.data, first.body.data);
    assert.equal(await remaining(slot), slot.syhs - 1);
    const reused = await call('POST', '/api/hydj/yy', { ...request(slot, couple(3).man, couple(3).woman), ywlsh: body.ywlsh });
    assert.equal(reused.status, 409);
    assert.equal(reused.body.code, 40904);
  });

  it('fills a slot, refuses the next couple with 409 40901, and takes one again after a cancellation', async () => {
    const slot = tightSlot(2);
    const bookings: MarriageBooking[] = [];
    for (let k = 0; k < slot.syhs; k++) {
      const { man, woman } = couple(10 + k);
      const answer = await call<MarriageBooking>('POST', '/api/hydj/yy', request(slot, man, woman));
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      bookings.push(answer.body.data);
    }
    assert.equal(await remaining(slot), 0);
    const next = couple(40);
    const full = await call('POST', '/api/hydj/yy', request(slot, next.man, next.woman));
    assert.equal(full.status, 409);
    assert.deepEqual(full.body, { code: 40901, msg: '该时段号源已满 / the slot is fully booked', data: null });

    const first = bookings[0]!;
    const holder = couple(10).woman;
    const cancelled = await call<MarriageBooking>('POST', `/api/hydj/yy/${first.yyh}/qx`, { sfzh: holder.nationalId, ywlsh: first.ywlsh });
    assert.equal(cancelled.status, 200);
    assert.equal(cancelled.body.data.zt, '2');
    assert.equal(await remaining(slot), 1);
    const replay = await call<MarriageBooking>('POST', `/api/hydj/yy/${first.yyh}/qx`, { sfzh: holder.nationalId });
    assert.deepEqual(replay.body.data, cancelled.body.data, 'cancelling twice answers it cancelled');
    const taken = await call<MarriageBooking>('POST', '/api/hydj/yy', request(slot, next.man, next.woman));
    assert.equal(taken.status, 200);
    assert.notEqual(taken.body.data.yyh, first.yyh, 'a booking number is never handed out twice');
    assert.equal(await remaining(slot), 0);
  });

  it('refuses two men, a swapped couple, the under-aged, a wrong name, a party already booked and a past slot', async () => {
    const slot = tightSlot(3);
    const { man, woman } = couple(3);
    const twoMen = await call('POST', '/api/hydj/yy', request(slot, man, couple(4).man));
    assert.equal(twoMen.status, 422);
    assert.deepEqual(twoMen.body, { code: 42201, msg: '双方须为一男一女 / the parties must be one man and one woman', data: null });
    assert.equal((await call('POST', '/api/hydj/yy', request(slot, woman, couple(4).woman))).body.code, 42201);
    const swapped = await call('POST', '/api/hydj/yy', request(slot, woman, man));
    assert.equal(swapped.status, 422);
    assert.equal(swapped.body.code, 42205);

    // 21 years old on the slot's day: a woman may marry, a man may not.
    const birth = `${Number(slot.yyrq.slice(0, 4)) - 21}${slot.yyrq.slice(5, 7)}${slot.yyrq.slice(8, 10)}`;
    const youngMan = person(birth, 101);
    const underAge = await call('POST', '/api/hydj/yy', request(slot, youngMan, woman));
    assert.equal(underAge.status, 422);
    assert.equal(underAge.body.code, 42202);
    const girl = person(`${Number(birth.slice(0, 4)) + 2}${birth.slice(4)}`, 102);
    assert.equal((await call('POST', '/api/hydj/yy', request(slot, man, girl))).body.code, 42202, '19-year-old woman');

    const misnamed = await call('POST', '/api/hydj/yy', request(slot, man, { ...woman, name: woman.name === '王明' ? '李华' : '王明' }));
    assert.equal(misnamed.status, 422);
    assert.equal(misnamed.body.code, 42203);

    const youngWoman = person(birth, 104);
    assert.equal((await call('POST', '/api/hydj/yy', request(slot, man, youngWoman))).status, 200, 'a 21-year-old woman may marry');
    const again = await call('POST', '/api/hydj/yy', request(SLOTS.find((s) => s.sdbh !== slot.sdbh && s.syhs > 0)!, man, woman));
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 40902);

    office.now += 30 * 86_400_000;
    const other = couple(5);
    const past = await call('POST', '/api/hydj/yy', request(slot, other.man, other.woman));
    assert.equal(past.status, 409);
    assert.equal(past.body.code, 40903);
  });

  it('cancels only for a party with the booking’s reference, and answers 400 to invalid ids', async () => {
    const slot = tightSlot(3);
    const { man, woman } = couple(6);
    const booking = (await call<MarriageBooking>('POST', '/api/hydj/yy', request(slot, man, woman))).body.data;
    const outsider = await call('POST', `/api/hydj/yy/${booking.yyh}/qx`, { sfzh: couple(7).man.nationalId });
    assert.equal(outsider.status, 404);
    const wrongReference = await call('POST', `/api/hydj/yy/${booking.yyh}/qx`, { sfzh: man.nationalId, ywlsh: reference() });
    assert.equal(wrongReference.status, 422);
    assert.equal(wrongReference.body.code, 42204);

    const invalid = `${man.nationalId.slice(0, 17)}${man.nationalId[17] === '0' ? '1' : '0'}`;
    const badId = await call('POST', '/api/hydj/yy', { ...request(slot, couple(8).man, couple(8).woman), nfsfzh: invalid });
    assert.equal(badId.status, 400);
    assert.equal(badId.body.code, 400);
    assert.equal((await call('POST', '/api/hydj/yy', { ...request(slot, couple(8).man, couple(8).woman), ywlsh: 'x' })).status, 400);
    assert.equal((await call('POST', '/api/hydj/yy', { ...request(slot, couple(8).man, couple(8).woman), sdbh: '110000HY9920261102' })).status, 404);
    assert.equal((await call('GET', '/api/hydj/yy?sfzh=123')).status, 400);
    assert.equal(await remaining(slot), slot.syhs - 1, 'only the first couple was booked');
  });
});
