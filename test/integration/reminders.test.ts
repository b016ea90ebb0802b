import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testEngines } from '../helpers/stores.ts';
import { REFERENCE_DATE, startTestHub, type TestHub } from '../helpers/hub.ts';
import { zonedInstant, addDays, daysBetween } from '../../src/time-zone.ts';
import { generateVehicle } from '../../emulators/departments/vehicle-administration/records.ts';
import { WECHAT_DEMO_APPS } from '../../emulators/channels/wechat/wechat.apps.ts';
import { demoCitizen } from '../../src/demo/demo-citizens.ts';
import { SEED_CITY_REGIONS } from '../../src/model/regions.ts';
import { afterQuietHours } from '../../src/notify/reminder.service.ts';
import { until } from '../helpers/until.ts';

const ZONE = 'Asia/Shanghai';
const ADMIN = 'reminders-admin-token-0123456789';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const todayInShanghai = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);

describe('quiet hours in the city\'s zone', () => {
  it('moves 22:00–08:00 to 08:00 and leaves the day alone', () => {
    const at = (date: string, h: number, m = 0) => zonedInstant(date, h, m, ZONE);
    assert.deepEqual(afterQuietHours(at('2026-12-01', 23, 30), ZONE), at('2026-12-02', 8));
    assert.deepEqual(afterQuietHours(at('2026-12-02', 3, 0), ZONE), at('2026-12-02', 8));
    assert.deepEqual(afterQuietHours(at('2026-12-02', 22, 0), ZONE), at('2026-12-03', 8));
    assert.deepEqual(afterQuietHours(at('2026-12-02', 7, 59), ZONE), at('2026-12-02', 8));
    assert.deepEqual(afterQuietHours(at('2026-12-02', 8, 0), ZONE), at('2026-12-02', 8));
    assert.deepEqual(afterQuietHours(at('2026-12-02', 21, 59), ZONE), at('2026-12-02', 21, 59));
    assert.equal(at('2026-12-02', 8).toISOString(), '2026-12-02T00:00:00.000Z');
  });
});

const [engine] = testEngines();

describe('violation reminders, polled from the traffic police and pushed once', () => {
  const POLL_MS = 1500;
  const DISPATCH_MS = 150;
  let hub: TestHub;
  // Daytime in Shanghai whatever the hour here, moving with real time.
  const started = Date.now();
  const clock = () => new Date(zonedInstant(todayInShanghai, 10, 0, ZONE).getTime() + (Date.now() - started));

  before(async () => {
    hub = await startTestHub(engine, { reminderPollMs: POLL_MS, reminderDispatchMs: DISPATCH_MS }, { clock, importBatchFiles: false });
    await hub.app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(() => hub.close());

  const violationTexts = (phone: string) => hub.emulators.sms.inbox(phone).map((m) => m.text).filter((t) => t.includes('新的交通违法记录'));

  it('a new violation arrives once within one poll interval, by SMS for the web; a restart sends no duplicate', async (t) => {
    const { token, person } = await hub.loginPerson(5, 'shanghai');
    assert.equal((await hub.linkPlate(token, person.plate)).statusCode, 201);
    const sub = await hub.app.inject({ method: 'PUT', url: '/v1/me/subscriptions/shanghai/violation-new', headers: bearer(token) });
    assert.equal(sub.statusCode, 200, sub.body);
    assert.equal(sub.json().channel, 'web');
    // The first poll learns what is there: old violations are not news.
    await until('the first poll', async () => (await hub.store.db.selectFrom('notification_watch').selectAll().execute()).length > 0 || undefined);
    assert.equal(violationTexts(person.phone).length, 0);

    const recordedAt = clock().getTime();
    const number = hub.emulators.trafficPolice.recordViolation('shanghai', person.plate);
    const text = await until('the reminder SMS', () => violationTexts(person.phone)[0]);
    t.diagnostic(`reminder SMS ${clock().getTime() - recordedAt} ms after the camera recorded the violation (poll interval ${POLL_MS} ms)`);
    // The poll that found it began within one interval of the recording (plus the poller's tick);
    // how long the department and the SMS gateway then take depends on the machine's load.
    const found = await hub.store.db.selectFrom('notifications').select('scheduled_for').executeTakeFirstOrThrow();
    const tick = Math.max(200, Math.min(POLL_MS / 5, 10_000));
    const pollStart = found.scheduled_for.getTime() - recordedAt;
    assert.ok(pollStart <= POLL_MS + tick + 1000, `found by a poll ${pollStart} ms after the camera recorded it (poll interval ${POLL_MS} ms)`);
    assert.match(text, /沪A\*+\d{2}/, 'the plate is masked');
    assert.ok(!text.includes(person.plate));
    assert.match(text, /\/v1\/unsubscribe\//, 'one-tap unsubscribe link');

    // The message is marked sent once the gateway has answered, a moment after the phone has it.
    const inbox = await until('the inbox to show it', async () => {
      const res = await hub.app.inject({ method: 'GET', url: '/v1/me/notifications', headers: bearer(token) });
      assert.equal(res.statusCode, 200);
      return res.json().items.length > 0 ? res : undefined;
    });
    assert.equal(inbox.json().items.length, 1);
    assert.equal(inbox.json().unread, 1);
    const row = await hub.store.db.selectFrom('notifications').selectAll().executeTakeFirstOrThrow();
    assert.equal(row.dedupe_key, `violation-new:shanghai:${number}`);

    await hub.restart();
    await sleep(POLL_MS * 2 + 500); // polls after the restart see the same violation again
    assert.equal(violationTexts(person.phone).length, 1, 'no duplicate after a restart');
    const polled = await hub.store.db.selectFrom('notification_subscriptions').select('polled_at').executeTakeFirstOrThrow();
    assert.ok(polled.polled_at!.getTime() > clock().getTime() - POLL_MS * 2, 'the restarted hub kept polling');

    const read = await hub.app.inject({ method: 'POST', url: `/v1/me/notifications/${inbox.json().items[0].id}/read`, headers: bearer(token) });
    assert.equal(read.statusCode, 200);
    assert.ok(read.json().readAt);
    const other = await hub.loginPerson(6, 'shanghai');
    const notMine = await hub.app.inject({ method: 'POST', url: `/v1/me/notifications/${inbox.json().items[0].id}/read`, headers: bearer(other.token) });
    assert.equal(notMine.statusCode, 404, 'nobody else reaches it');
    assert.equal((await hub.app.inject({ method: 'GET', url: '/v1/me/notifications', headers: bearer(other.token) })).json().items.length, 0);

    // One tap: the link from the message, no login.
    const link = new URL(/(http:\/\/\S+\/v1\/unsubscribe\/[^\s）)]+)/.exec(text)![1]!);
    const page = await fetch(link);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<form method="post"/);
    const tampered = await fetch(`${link.href.slice(0, -2)}xx`, { method: 'POST' });
    assert.equal(tampered.status, 400);
    assert.equal(((await tampered.json()) as { error: { code: string } }).error.code, 'HUTONG_ERR_UNSUBSCRIBE_LINK_INVALID');
    const tapped = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, body: '' });
    assert.equal(tapped.status, 200);
    assert.match(await tapped.text(), /已退订/);
    hub.emulators.trafficPolice.recordViolation('shanghai', person.plate);
    await sleep(POLL_MS * 2 + 500);
    assert.equal(violationTexts(person.phone).length, 1, 'nothing after unsubscribing');
    const topics = await hub.app.inject({ method: 'GET', url: '/v1/me/subscriptions?cityId=shanghai', headers: bearer(token) });
    assert.equal(topics.json().items.find((t: { topic: string }) => t.topic === 'violation-new').subscribed, false);
  });

  it('refuses unknown topics and bad input with codes', async () => {
    const { token } = await hub.loginPerson(7, 'shanghai');
    const unknown = await hub.app.inject({ method: 'PUT', url: '/v1/me/subscriptions/shanghai/lottery-results', headers: bearer(token) });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().error.code, 'HUTONG_ERR_TOPIC_NOT_FOUND');
    const badDays = await hub.app.inject({ method: 'PUT', url: '/v1/me/subscriptions/shanghai/bill-due', headers: bearer(token), payload: { daysBefore: -1 } });
    assert.equal(badDays.statusCode, 400);
    assert.equal(badDays.json().error.code, 'HUTONG_ERR_VALIDATION');
    const anonymous = await hub.app.inject({ method: 'GET', url: '/v1/me/notifications' });
    assert.equal(anonymous.statusCode, 401);
    const topics = await hub.app.inject({ method: 'GET', url: '/v1/me/subscriptions?cityId=shanghai', headers: bearer(token) });
    assert.deepEqual(
      (topics.json().items as Array<{ topic: string }>).map((t) => t.topic).sort(),
      ['appointment-tomorrow', 'bill-due', 'inspection-due', 'library-loan-due', 'violation-new'],
    );
  });
});

describe('reminders on the hub\'s clock: quiet hours, the daily cap, things coming due', () => {
  let hub: TestHub;
  let now = zonedInstant(addDays(todayInShanghai, -2), 23, 30, ZONE);
  const set = (date: string, hour: number, minute = 0) => (now = zonedInstant(date, hour, minute, ZONE));

  before(async () => {
    hub = await startTestHub(engine, { reminderPollMs: 60_000, reminderDispatchMs: 0, reminderDailyCap: 2, adminToken: ADMIN }, { clock: () => now });
    // Polls and deliveries are driven by hand below: the timer would act on the moving clock.
    await hub.services.reminders.stop();
  });
  after(() => hub.close());

  const texts = (phone: string) => hub.emulators.sms.inbox(phone).map((m) => m.text).filter((t) => t.includes('新的交通违法记录'));

  it('a reminder due at 23:30 arrives at 08:00; beyond the daily cap, the next morning', async () => {
    const night = addDays(todayInShanghai, -2);
    const { token, person } = await hub.loginDemo(8, 'shanghai');
    assert.equal((await hub.app.inject({ method: 'PUT', url: '/v1/me/subscriptions/shanghai/violation-new', headers: bearer(token) })).statusCode, 200);
    await hub.services.reminders.poll();
    for (let i = 0; i < 3; i++) hub.emulators.trafficPolice.recordViolation('shanghai', person.plate);
    set(night, 23, 40);
    const polled = await hub.services.reminders.poll();
    assert.equal(polled.scheduled, 3);
    const rows = await hub.store.db.selectFrom('notifications').selectAll().execute();
    for (const row of rows) assert.equal(row.scheduled_for.toISOString(), zonedInstant(addDays(night, 1), 8, 0, ZONE).toISOString(), 'held back to 08:00');

    assert.equal((await hub.services.reminders.dispatch()).sent, 0);
    set(addDays(night, 1), 7, 59);
    assert.equal((await hub.services.reminders.dispatch()).sent, 0, 'nothing before 08:00');
    assert.equal(texts(person.phone).length, 0);
    set(addDays(night, 1), 8, 0);
    const first = await hub.services.reminders.dispatch();
    assert.deepEqual(first, { sent: 2, deferred: 1, failed: 0 }, 'the daily cap of 2');
    assert.equal(texts(person.phone).length, 2);
    set(addDays(night, 1), 20, 0);
    assert.equal((await hub.services.reminders.dispatch()).sent, 0, 'the third waits for the next day');
    set(addDays(night, 2), 8, 0);
    assert.equal((await hub.services.reminders.dispatch()).sent, 1);
    assert.equal(texts(person.phone).length, 3);
    assert.equal((await hub.services.reminders.poll()).scheduled, 0, 'polling again finds nothing new');
  });

  it('library loans, bills and inspections coming due are reminded once each', async () => {
    set(todayInShanghai, 9, 0);
    const { token, person } = await hub.loginDemo(4, 'shanghai');
    for (const topic of ['library-loan-due', 'bill-due', 'inspection-due']) {
      const res = await hub.app.inject({ method: 'PUT', url: `/v1/me/subscriptions/shanghai/${topic}`, headers: bearer(token), payload: { daysBefore: topic === 'inspection-due' ? 366 : 3 } });
      assert.equal(res.statusCode, 200, res.body);
    }
    const first = await hub.services.reminders.poll();
    assert.ok(first.scheduled >= 1, `something of citizen 4 comes due: ${JSON.stringify(first)}`);
    const mine = await hub.store.db.selectFrom('notifications').selectAll().where('topic', 'in', ['library-loan-due', 'bill-due', 'inspection-due']).execute();
    assert.ok(mine.some((n) => n.topic === 'library-loan-due'), 'citizen 4 has a loan due within 3 days');
    const dueOn = generateVehicle('shanghai', person.plate, REFERENCE_DATE)!.JYYXQZ;
    assert.equal(mine.some((n) => n.topic === 'inspection-due'), daysBetween(todayInShanghai, dueOn) <= 366, `inspection due on ${dueOn}`);
    set(todayInShanghai, 9, 30);
    await hub.store.db.updateTable('notification_subscriptions').set({ polled_at: null }).execute();
    assert.equal((await hub.services.reminders.poll()).scheduled, 0, 'each thing once');
    const sent = await hub.services.reminders.dispatch();
    assert.ok(sent.sent >= 1);
    assert.ok(hub.emulators.sms.inbox(person.phone).some((m) => m.text.includes('图书到期提醒')));
  });

  it('WeChat: a subscriber from WeChat gets a subscribe message in WeChat, not an SMS', async () => {
    set(todayInShanghai, 11, 0);
    const issued = await fetch(`${hub.emulators.url}/wechat/_demo/auth-codes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ appid: WECHAT_DEMO_APPS[0]!.appId, userId: 'person-31' }) });
    const login = await hub.app.inject({ method: 'POST', url: '/v1/channels/wechat/login', payload: { code: ((await issued.json()) as { code: string }).code } });
    assert.equal(login.statusCode, 200, login.body);
    const person = demoCitizen(31, hub.services.catalog.getCity('shanghai'));
    const token = await hub.bindRealName(login.json().accessToken, person);
    assert.equal((await hub.linkPlate(token, person.plate)).statusCode, 201);
    const sub = await hub.app.inject({ method: 'PUT', url: '/v1/me/subscriptions/shanghai/violation-new', headers: bearer(token) });
    assert.equal(sub.json().channel, 'wechat');
    await hub.services.reminders.poll();
    hub.emulators.trafficPolice.recordViolation('shanghai', person.plate);
    set(todayInShanghai, 11, 10);
    assert.equal((await hub.services.reminders.poll()).scheduled, 1);
    assert.equal((await hub.services.reminders.dispatch()).sent, 1);
    const { channel_user_id: openid } = await hub.store.db.selectFrom('channel_identities').select('channel_user_id').where('channel', '=', 'wechat').executeTakeFirstOrThrow();
    const inbox = (await (await fetch(`${hub.emulators.url}/wechat/_demo/users/${encodeURIComponent(openid)}/messages`)).json()) as { messages: Array<{ data: Record<string, { value: string }> }> };
    assert.equal(inbox.messages.length, 1);
    assert.equal(inbox.messages[0]!.data.thing1!.value, '新的交通违法记录');
    assert.equal(hub.emulators.sms.inbox(person.phone).filter((m) => m.text.includes('交通违法')).length, 0);
    const counts = await hub.app.inject({ method: 'GET', url: '/v1/admin/reminders?since=2000-01-01T00:00:00Z', headers: bearer(ADMIN) });
    assert.equal(counts.statusCode, 200, counts.body);
    assert.ok(counts.json().counts.sent >= 4, 'the operators see what was sent');
    assert.equal((await hub.app.inject({ method: 'GET', url: '/v1/admin/reminders', headers: bearer(token) })).statusCode, 403);
  });

  it('an appointment tomorrow is reminded at 18:00 the evening before', async () => {
    set(todayInShanghai, 9, 0);
    const { token, person } = await hub.loginPerson(dueResident(), 'shanghai');
    await hub.linkPlate(token, person.plate);
    assert.equal((await hub.app.inject({ method: 'PUT', url: '/v1/me/subscriptions/shanghai/appointment-tomorrow', headers: bearer(token) })).statusCode, 200);
    const tomorrow = addDays(todayInShanghai, 1);
    const slots = (await hub.app.inject({ method: 'GET', url: `/v1/cities/shanghai/services/traffic.inspection-booking/slots?date=${tomorrow}` })).json().items as Array<{ id: string; remaining: number }>;
    const booked = await hub.app.inject({ method: 'POST', url: '/v1/bookings', headers: bearer(token), payload: { cityId: 'shanghai', serviceId: 'traffic.inspection-booking', slotId: slots.find((s) => s.remaining > 0)!.id } });
    assert.equal(booked.json().status, 'confirmed', booked.body);
    assert.equal((await hub.services.reminders.poll()).scheduled, 1);
    const row = await hub.store.db.selectFrom('notifications').selectAll().where('topic', '=', 'appointment-tomorrow').executeTakeFirstOrThrow();
    assert.equal(row.scheduled_for.toISOString(), zonedInstant(todayInShanghai, 18, 0, ZONE).toISOString());
    set(todayInShanghai, 17, 59);
    await hub.services.reminders.dispatch();
    assert.ok(!hub.emulators.sms.inbox(person.phone).some((m) => m.text.includes('预约提醒')));
    set(todayInShanghai, 18, 0);
    await hub.services.reminders.dispatch();
    assert.ok(hub.emulators.sms.inbox(person.phone).some((m) => m.text.includes('预约提醒') && m.text.includes('明天')));
  });
});

/** A Shanghai demo resident whose vehicle the station takes now (due within 90 days). */
function dueResident(): number {
  const city = { id: 'shanghai', ...SEED_CITY_REGIONS.shanghai };
  for (let n = 60; n <= 200; n++) {
    const vehicle = generateVehicle('shanghai', demoCitizen(n, city).plate, REFERENCE_DATE);
    if (vehicle && daysBetween(todayInShanghai, vehicle.JYYXQZ) <= 90) return n;
  }
  throw new Error('no due vehicle among the demo residents');
}
