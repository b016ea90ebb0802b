import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { testEngines } from '../helpers/stores.ts';
import { REFERENCE_DATE, startTestHub, type TestHub } from '../helpers/hub.ts';
import { generateVehicle } from '../../emulators/departments/vehicle-administration/records.ts';
import { VEHICLE_ADMIN_DEMO_API_KEY } from '../../emulators/departments/vehicle-administration/server.ts';
import { maskName } from '../../emulators/population.ts';
import { demoCitizen } from '../../src/demo/demo-citizens.ts';
import { daysBetween } from '../../src/time-zone.ts';
import { SEED_CITY_REGIONS } from '../../src/model/regions.ts';
import { scanAndPay } from '../helpers/wallets.ts';

const SHANGHAI = { id: 'shanghai', ...SEED_CITY_REGIONS.shanghai };
const today = new Date(REFERENCE_DATE.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Shanghai demo residents whose vehicle the station takes now (due within 90 days), or not. */
function residents(due: boolean, count: number, from = 1): number[] {
  const found: number[] = [];
  for (let n = from; n <= 200 && found.length < count; n++) {
    const vehicle = generateVehicle('shanghai', demoCitizen(n, SHANGHAI).plate, REFERENCE_DATE);
    if (vehicle && daysBetween(today, vehicle.JYYXQZ) <= 90 === due) found.push(n);
  }
  return found;
}

interface Slot {
  id: string;
  start: string;
  remaining: number;
  feeFen?: number;
}

for (const engine of testEngines()) {
  describe(`booking slots on ${engine.name}`, () => {
    let hub: TestHub;
    let offsetMs = 0;
    before(async () => {
      hub = await startTestHub(engine, { bookingSweepMs: 0, reminderPollMs: 0, reminderDispatchMs: 0 }, { clock: () => new Date(Date.now() + offsetMs), importBatchFiles: false });
      await hub.app.listen({ host: '127.0.0.1', port: 0 }); // the wallets notify this address
    });
    after(() => hub.close());

    const slots = async (serviceId: string): Promise<Slot[]> => {
      const res = await hub.app.inject({ method: 'GET', url: `/v1/cities/shanghai/services/${serviceId}/slots` });
      assert.equal(res.statusCode, 200, res.body);
      return res.json().items;
    };
    const book = (token: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
      hub.app.inject({ method: 'POST', url: '/v1/bookings', headers: { ...bearer(token), ...headers }, payload: { cityId: 'shanghai', ...body } });

    it('inspection: a double click books once, one booking a day, cancel frees the place, a vehicle not due is refused', async () => {
      const [n] = residents(true, 1);
      const { token, person } = await hub.loginPerson(n!, 'shanghai');
      const open = (await slots('traffic.inspection-booking')).filter((s) => s.remaining >= 2);
      const slot = open[0]!;
      assert.equal((await book(token, { serviceId: 'traffic.inspection-booking', slotId: slot.id })).json().error.code, 'HUTONG_ERR_IDENTIFIER_REQUIRED');
      assert.equal((await hub.linkPlate(token, person.plate)).statusCode, 201);
      const [first, second] = await Promise.all([0, 1].map(() => book(token, { serviceId: 'traffic.inspection-booking', slotId: slot.id })));
      assert.deepEqual([first!.statusCode, second!.statusCode].sort(), [200, 201], 'the second click gets the same booking');
      assert.equal(first!.json().id, second!.json().id);
      // The second click may arrive while the first is still with the station: it sees the hold.
      const booking = [first!, second!].find((r) => r.statusCode === 201)!.json();
      assert.ok(['held', 'confirmed'].includes([first!, second!].find((r) => r.statusCode === 200)!.json().status));
      assert.equal(booking.status, 'confirmed');
      assert.ok(booking.confirmationNumber, 'the station\'s booking number');
      assert.equal((await slots('traffic.inspection-booking')).find((s) => s.id === slot.id)!.remaining, slot.remaining - 1);

      const sameDay = open.find((s) => s.id !== slot.id && s.start.slice(0, 10) === slot.start.slice(0, 10))!;
      const limit = await book(token, { serviceId: 'traffic.inspection-booking', slotId: sameDay.id });
      assert.equal(limit.statusCode, 409);
      assert.equal(limit.json().error.code, 'HUTONG_ERR_BOOKING_LIMIT');

      const other = await hub.loginPerson(n! + 100 > 200 ? 1 : n! + 100, 'shanghai');
      assert.equal((await hub.app.inject({ method: 'GET', url: `/v1/bookings/${booking.id}`, headers: bearer(other.token) })).statusCode, 404, 'nobody else sees it');
      assert.equal((await hub.app.inject({ method: 'DELETE', url: `/v1/bookings/${booking.id}`, headers: bearer(other.token) })).statusCode, 404, 'nor cancels it');
      const mine = await hub.app.inject({ method: 'GET', url: '/v1/bookings', headers: bearer(token) });
      assert.deepEqual(mine.json().items.map((b: { id: string }) => b.id), [booking.id]);

      const cancelled = await hub.app.inject({ method: 'DELETE', url: `/v1/bookings/${booking.id}`, headers: bearer(token) });
      assert.equal(cancelled.statusCode, 200, cancelled.body);
      assert.equal(cancelled.json().status, 'cancelled');
      const station = await fetch(`${hub.emulators.url}/vehicle-administration/shanghai/inspection/bookings?hphm=${encodeURIComponent(person.plate)}`, { headers: { 'x-api-key': VEHICLE_ADMIN_DEMO_API_KEY } });
      assert.deepEqual(((await station.json()) as { data: { list: Array<{ ZT: string }> } }).data.list.map((b) => b.ZT), ['2'], 'cancelled at the station too');
      assert.equal((await slots('traffic.inspection-booking')).find((s) => s.id === slot.id)!.remaining, slot.remaining, 'the place is free again');
      const again = await book(token, { serviceId: 'traffic.inspection-booking', slotId: sameDay.id });
      assert.equal(again.statusCode, 201, again.body);

      const [late] = residents(false, 1);
      const notDue = await hub.loginPerson(late!, 'shanghai');
      await hub.linkPlate(notDue.token, notDue.person.plate);
      const refused = await book(notDue.token, { serviceId: 'traffic.inspection-booking', slotId: slot.id });
      assert.equal(refused.statusCode, 422, refused.body);
      assert.equal(refused.json().error.code, 'HUTONG_ERR_BOOKING_NOT_DUE');
      assert.equal((await slots('traffic.inspection-booking')).find((s) => s.id === slot.id)!.remaining, slot.remaining, 'the refused hold is released');
    });

    it('a department that says no releases the hold with a code, and the hub follows its answer', async () => {
      const [n, walkIn] = residents(true, 2, 40);
      const { token, person } = await hub.loginPerson(n!, 'shanghai');
      await hub.linkPlate(token, person.plate);
      const slot = (await slots('traffic.inspection-booking')).find((s) => s.remaining === 1)!;
      // Someone at the station's own counter takes the last place while the hub's list is still cached.
      const counter = demoCitizen(walkIn!, SHANGHAI);
      const taken = await fetch(`${hub.emulators.url}/vehicle-administration/shanghai/inspection/bookings`, {
        method: 'POST',
        headers: { 'x-api-key': VEHICLE_ADMIN_DEMO_API_KEY, 'content-type': 'application/json' },
        body: JSON.stringify({ sdbh: slot.id, hphm: counter.plate, sfzmhm: counter.nationalId, xm: counter.name, ywlsh: `COUNTER${randomBytes(8).toString('hex')}` }),
      });
      assert.equal(taken.status, 200);
      const refused = await book(token, { serviceId: 'traffic.inspection-booking', slotId: slot.id });
      assert.equal(refused.statusCode, 409, refused.body);
      assert.equal(refused.json().error.code, 'HUTONG_ERR_BOOKING_REFUSED');
      assert.match(refused.json().error.message, /号源已满|full/);
      assert.equal((await slots('traffic.inspection-booking')).find((s) => s.id === slot.id)!.remaining, 0, 'the hub now hands out nothing there');
      const full = await book(token, { serviceId: 'traffic.inspection-booking', slotId: slot.id });
      assert.equal(full.json().error.code, 'HUTONG_ERR_SLOT_FULL', 'refused by the hub without asking the department again');
    });

    it('marriage: both parties confirm within the hold; an expired hold frees its place', async () => {
      // Demo residents with an odd last digit are men, even women; all are of age.
      const groom = await hub.loginPerson(11, 'shanghai');
      const bride = demoCitizen(12, SHANGHAI);
      const open = (await slots('civil.marriage-booking')).filter((s) => s.remaining >= 2);
      const slot = open[0]!;
      const missing = await book(groom.token, { serviceId: 'civil.marriage-booking', slotId: slot.id });
      assert.equal(missing.statusCode, 400);
      assert.equal(missing.json().error.code, 'HUTONG_ERR_PARTNER_REQUIRED');
      const held = await book(groom.token, { serviceId: 'civil.marriage-booking', slotId: slot.id, partner: { name: bride.name, nationalId: bride.nationalId } });
      assert.equal(held.statusCode, 201, held.body);
      assert.equal(held.json().status, 'held');
      assert.equal(held.json().awaiting, 'partner');
      assert.notEqual(held.json().partner.name, bride.name, 'the partner\'s name is masked to the booker');
      assert.equal((await slots('civil.marriage-booking')).find((s) => s.id === slot.id)!.remaining, slot.remaining - 1, 'the place is held');

      const stranger = await hub.loginPerson(14, 'shanghai');
      const notPartner = await hub.app.inject({ method: 'POST', url: `/v1/bookings/${held.json().id}/partner-confirmation`, headers: bearer(stranger.token) });
      assert.equal(notPartner.statusCode, 404);
      const partner = await hub.loginPerson(12, 'shanghai');
      const listed = await hub.app.inject({ method: 'GET', url: '/v1/bookings', headers: bearer(partner.token) });
      assert.equal(listed.json().items[0].role, 'partner');
      assert.equal(listed.json().items[0].bookedBy, maskName(groom.person.name), 'the other party sees who asked, masked');
      assert.equal(held.json().bookedBy, undefined, 'the booker is not told their own name');
      const confirmed = await hub.app.inject({ method: 'POST', url: `/v1/bookings/${held.json().id}/partner-confirmation`, headers: bearer(partner.token) });
      assert.equal(confirmed.statusCode, 200, confirmed.body);
      assert.equal(confirmed.json().status, 'confirmed');
      assert.ok(confirmed.json().confirmationNumber);

      const other = await hub.loginPerson(15, 'shanghai');
      const partner2 = demoCitizen(16, SHANGHAI);
      const second = await book(other.token, { serviceId: 'civil.marriage-booking', slotId: slot.id, partner: { name: partner2.name, nationalId: partner2.nationalId } });
      assert.equal(second.statusCode, 201, second.body);
      const before = (await slots('civil.marriage-booking')).find((s) => s.id === slot.id)!.remaining;
      offsetMs = 31 * 60_000; // past the 30-minute hold
      assert.equal(await hub.services.bookings.expireHolds(), 1);
      offsetMs = 0;
      assert.equal((await slots('civil.marriage-booking')).find((s) => s.id === slot.id)!.remaining, before + 1, 'the expired hold gave its place back');
      const late = await hub.loginPerson(16, 'shanghai');
      const tooLate = await hub.app.inject({ method: 'POST', url: `/v1/bookings/${second.json().id}/partner-confirmation`, headers: bearer(late.token) });
      assert.equal(tooLate.statusCode, 409);
      assert.equal(tooLate.json().error.code, 'HUTONG_ERR_BOOKING_EXPIRED');
    });

    it('hospital: the registration fee is paid with any wallet, then the hospital confirms; cancelling refunds it', async () => {
      const { token } = await hub.loginPerson(21, 'shanghai');
      const slot = (await slots('medical.hospital-registration')).find((s) => s.remaining >= 1 && (s.feeFen ?? 0) > 0)!;
      const held = await book(token, { serviceId: 'medical.hospital-registration', slotId: slot.id }, { 'idempotency-key': 'reg-1' });
      assert.equal(held.statusCode, 201, held.body);
      assert.equal(held.json().awaiting, 'payment');
      assert.equal(held.json().feeFen, slot.feeFen);
      const replay = await book(token, { serviceId: 'medical.hospital-registration', slotId: slot.id }, { 'idempotency-key': 'reg-1' });
      assert.equal(replay.statusCode, 200);
      assert.equal(replay.json().id, held.json().id);
      const reused = await book(token, { serviceId: 'medical.hospital-registration', slotId: 'another-slot' }, { 'idempotency-key': 'reg-1' });
      assert.equal(reused.statusCode, 422);
      assert.equal(reused.json().error.code, 'HUTONG_ERR_IDEMPOTENCY_KEY_REUSED');

      const pay = await hub.app.inject({
        method: 'POST',
        url: '/v1/payments',
        headers: { ...bearer(token), 'idempotency-key': 'fee-1' },
        payload: { cityId: 'shanghai', serviceId: 'medical.hospital-registration', recordId: held.json().id, wallet: 'wechatpay' },
      });
      assert.equal(pay.statusCode, 201, pay.body);
      assert.equal(pay.json().amountFen, slot.feeFen);
      await scanAndPay(hub.emulators.url, 'wechatpay', pay.json().qrCodeContent);
      let booking: Record<string, unknown> = {};
      for (let i = 0; i < 200 && booking.status !== 'confirmed'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        booking = (await hub.app.inject({ method: 'GET', url: `/v1/bookings/${held.json().id}`, headers: bearer(token) })).json();
      }
      assert.equal(booking.status, 'confirmed', 'the hospital confirmed the paid registration');
      assert.ok(booking.confirmationNumber);

      const cancelled = await hub.app.inject({ method: 'DELETE', url: `/v1/bookings/${held.json().id}`, headers: bearer(token) });
      assert.equal(cancelled.statusCode, 200, cancelled.body);
      const payment = (await hub.app.inject({ method: 'GET', url: `/v1/payments/${pay.json().id}`, headers: bearer(token) })).json();
      assert.equal(payment.refundedFen, slot.feeFen, 'the fee went back');

      const unpaid = await book(token, { serviceId: 'medical.hospital-registration', slotId: slot.id });
      assert.equal(unpaid.json().awaiting, 'payment');
      offsetMs = 16 * 60_000; // past the hospital's 15-minute lock
      assert.equal(await hub.services.bookings.expireHolds(), 1);
      offsetMs = 0;
      const expired = (await hub.app.inject({ method: 'GET', url: `/v1/bookings/${unpaid.json().id}`, headers: bearer(token) })).json();
      assert.equal(expired.status, 'expired');
      const late = await hub.app.inject({
        method: 'POST',
        url: '/v1/payments',
        headers: { ...bearer(token), 'idempotency-key': 'fee-2' },
        payload: { cityId: 'shanghai', serviceId: 'medical.hospital-registration', recordId: unpaid.json().id, wallet: 'alipay' },
      });
      assert.equal(late.statusCode, 409);
      assert.equal(late.json().error.code, 'HUTONG_ERR_BOOKING_EXPIRED');
    });

    it('bad input gets a 4xx with a stable code', async () => {
      const { token } = await hub.loginPerson(30, 'shanghai');
      const cases: Array<[string, Awaited<ReturnType<typeof book>>, number, string]> = [
        ['unknown slot', await book(token, { serviceId: 'medical.hospital-registration', slotId: 'no-such-slot' }), 404, 'HUTONG_ERR_SLOT_NOT_FOUND'],
        ['no service', await book(token, { slotId: 'x' }), 400, 'HUTONG_ERR_VALIDATION'],
        ['not a booking service', await book(token, { serviceId: 'social.insurance', slotId: 'x' }), 503, 'HUTONG_ERR_SERVICE_UNAVAILABLE'],
        ['bad partner id', await book(token, { serviceId: 'civil.marriage-booking', slotId: 'x', partner: { name: '王芳', nationalId: '12345' } }), 400, 'HUTONG_ERR_VALIDATION'],
        ['unknown city', await hub.app.inject({ method: 'POST', url: '/v1/bookings', headers: bearer(token), payload: { cityId: 'atlantis', serviceId: 'x', slotId: 'x' } }), 404, 'HUTONG_ERR_CITY_NOT_FOUND'],
        ['no login', await hub.app.inject({ method: 'POST', url: '/v1/bookings', payload: { cityId: 'shanghai', serviceId: 'x', slotId: 'x' } }), 401, 'HUTONG_ERR_UNAUTHENTICATED'],
        ['bad date', await hub.app.inject({ method: 'GET', url: '/v1/cities/shanghai/services/civil.marriage-booking/slots?date=tomorrow' }), 400, 'HUTONG_ERR_VALIDATION'],
        ['no booking', await hub.app.inject({ method: 'DELETE', url: '/v1/bookings/00000000-0000-4000-8000-000000000000', headers: bearer(token) }), 404, 'HUTONG_ERR_BOOKING_NOT_FOUND'],
      ];
      for (const [what, res, status, code] of cases) {
        assert.equal(res.statusCode, status, `${what}: ${res.body}`);
        assert.equal(res.json().error.code, code, what);
      }
    });
  });
}
