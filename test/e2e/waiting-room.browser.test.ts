import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { Page, Request } from 'playwright-core';
import { assertAccessible, ensureWebBuild, openBrowserRig, PHONE, screenshotBoth, skipWithoutBuild, type BrowserRig } from '../helpers/browser.ts';
import { REFERENCE_DATE, startTestHub, type TestHub } from '../helpers/hub.ts';
import { testEngines } from '../helpers/stores.ts';
import { linkIdentifier, logInWithSmsCode, proveRealName } from '../helpers/citizen-steps.ts';
import { demoCitizen } from '../../src/demo/demo-citizens.ts';
import { generateVehicle } from '../../emulators/departments/vehicle-administration/records.ts';
import { daysBetween } from '../../src/time-zone.ts';

// A person's phone in a burst: the inspection booking's waiting room is full, the person queues in
// the web app, leaves the page and comes back to the same place, and is booked when their turn comes.

const SHANGHAI = { id: 'shanghai', regionCode: '310000', platePrefix: '沪A' };
const SERVICE = 'traffic.inspection-booking';
const SERVICE_PATH = `/app/cities/shanghai/services/${SERVICE}`;
const TICKETS_PATH = '/v1/waiting-room/tickets/';

/** Whether the vehicle is due for inspection (stations take it from 90 days before its due date). */
function vehicleDue(n: number): boolean {
  const today = new Date(REFERENCE_DATE.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
  const vehicle = generateVehicle('shanghai', demoCitizen(n, SHANGHAI).plate, REFERENCE_DATE);
  return vehicle !== undefined && daysBetween(today, vehicle.JYYXQZ) <= 90;
}

/** The first Shanghai demo resident whose vehicle the station takes today. */
function residentWithVehicleDue(): number {
  for (let n = 1; n <= 200; n++) if (vehicleDue(n)) return n;
  throw new Error('no Shanghai demo resident has a vehicle due for inspection');
}
const RESIDENT = residentWithVehicleDue();
/** Other demo residents, in order of arrival: the first takes the room's one admission, the next two queue ahead, the last behind. */
const CROWD = [1, 2, 3, 4, 5].filter((n) => n !== RESIDENT).slice(0, 4);

interface Ticket {
  ticketId: string;
  state: 'waiting' | 'admitted' | 'expired' | 'used';
  position?: number;
  estimatedWaitSeconds?: number;
}

describe('waiting room of the inspection booking in a browser (390 × 844)', () => {
  let rig: BrowserRig | undefined;
  let hub: TestHub;
  let origin: string;
  let page: Page;
  const consoleErrors: string[] = [];
  // The hub's clock stands still unless the test moves it: the room admits nobody until then.
  const base = Date.now();
  let offsetMs = 0;
  /** The crowd's sessions, by arrival. */
  let crowd: string[] = [];
  /** What the page asked the hub for, in order. */
  const requests: Request[] = [];
  let ticketId = '';

  before(async () => {
    if (!ensureWebBuild()) return;
    hub = await startTestHub(testEngines()[0], {}, { clock: () => new Date(base + offsetMs), importBatchFiles: false, waitingRooms: { admitPerSecond: 1, burst: 1 } });
    rig = await openBrowserRig(hub, consoleErrors);
    origin = rig.origin;
    page = await rig.newPage({ viewport: PHONE, hasTouch: true });
    page.on('request', (request) => {
      if (new URL(request.url()).pathname.startsWith('/v1/')) requests.push(request);
    });
    crowd = await Promise.all(CROWD.map((n) => hub.login(demoCitizen(n, SHANGHAI).phone)));
  });

  after(() => rig?.close());

  const skipUnlessBuilt = (t: TestContext): boolean => skipWithoutBuild(rig !== undefined, t);

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  /** Someone of the crowd takes a place in the room through the API (joinWaitingRoom). */
  const join = async (token: string): Promise<Ticket> => {
    const res = await hub.app.inject({ method: 'POST', url: `/v1/cities/shanghai/services/${SERVICE}/waiting-room/tickets`, headers: bearer(token) });
    assert.equal(res.statusCode, 201, res.body);
    return res.json();
  };
  /** Someone asks for their ticket: it keeps their place and lets in whoever's turn has come. */
  const look = async (token: string, id: string): Promise<Ticket> => {
    const res = await hub.app.inject({ method: 'GET', url: `${TICKETS_PATH}${id}`, headers: bearer(token) });
    assert.equal(res.statusCode, 200, res.body);
    return res.json();
  };
  let crowdTickets: Ticket[] = [];

  const queue = () => page.getByRole('status', { name: '排队等候' });
  const slotsRegion = () => page.getByRole('region', { name: '预约时段' });
  const bookingPosts = () => requests.filter((r) => r.method() === 'POST' && new URL(r.url()).pathname === '/v1/bookings');
  /** The signed-in session the app keeps for this tab. */
  const storedSession = async (): Promise<{ accessToken: string; citizenId?: string }> => JSON.parse((await page.evaluate<string | null>("sessionStorage.getItem('hutong.session')")) ?? '{}');
  /** The places in a queue the app keeps for this tab, by storage key. */
  const keptPlaces = async (): Promise<Record<string, string>> =>
    page.evaluate<Record<string, string>>("Object.fromEntries(Object.keys(sessionStorage).filter((k) => k.startsWith('hutong.waiting.')).map((k) => [k, sessionStorage.getItem(k)]))");
  const placeKey = async () => `hutong.waiting.${(await storedSession()).citizenId ?? 'citizen'}.shanghai.${SERVICE}`;

  it('logs in with an SMS code, proves the real name and links the plate (consent to read traffic data with it)', async (t) => {
    if (skipUnlessBuilt(t)) return;
    const person = demoCitizen(RESIDENT, SHANGHAI);
    await page.goto(`${origin}/app/login?next=${encodeURIComponent('/app/me')}`);
    await logInWithSmsCode(page, hub, person.phone);
    await page.waitForURL(`${origin}/app/me`);
    await proveRealName(page, person);
    await linkIdentifier(page, { kind: 'plate', value: person.plate });

    // Linking the plate is consent for the web to read traffic data, which booking asks for.
    await page.getByRole('region', { name: '授权管理' }).getByRole('switch', { name: '交通出行', checked: true }).waitFor();
  });

  it('in a full room, one click on 预约 gives a place in the queue with the people ahead and the wait, read out politely', async (t) => {
    if (skipUnlessBuilt(t)) return;
    // The burst: the first takes the room's one admission, the next two queue.
    crowdTickets = [];
    for (const token of crowd.slice(0, 3)) crowdTickets.push(await join(token));
    assert.deepEqual(
      crowdTickets.map((w) => [w.state, w.position]),
      [['admitted', undefined], ['waiting', 1], ['waiting', 2]],
    );

    await page.goto(`${origin}${SERVICE_PATH}`);
    await page.getByRole('heading', { level: 1, name: '机动车年检预约' }).waitFor();
    const slot = slotsRegion().locator('li.slot').first();
    await slot.waitFor();
    const answered = page.waitForResponse((res) => res.request().method() === 'POST' && new URL(res.url()).pathname === '/v1/bookings');
    await slot.getByRole('button', { name: '预约' }).click();
    const answer = await answered;
    assert.equal(answer.status(), 202, 'a full room answers with a place in its queue');
    ticketId = ((await answer.json()) as { waitingRoom: Ticket }).waitingRoom.ticketId;

    await queue().filter({ hasText: '排队中 · 前面还有 2 人 · 预计等待约 3 秒' }).waitFor();
    assert.equal(await queue().getAttribute('aria-live'), 'polite');
    assert.equal(await slot.getByRole('button').isDisabled(), true, 'no second booking while queued');
    assert.equal(await page.getByRole('region', { name: '我在该服务的预约' }).locator('article[data-booking-id]').count(), 0, 'nothing booked yet');
    // The page keeps asking for its ticket, and only its ticket.
    await page.waitForRequest((r) => r.url().endsWith(`${TICKETS_PATH}${ticketId}`));
    assert.ok(requests.filter((r) => r.url().includes(TICKETS_PATH)).every((r) => r.url().endsWith(ticketId)));

    // Someone arrives after the person: the back of the line is behind them now.
    crowdTickets.push(await join(crowd[3]!));
    assert.equal(crowdTickets[3]!.position, 4);

    await assertAccessible(page, 'the queue');
    await screenshotBoth(page, '50-queue');
  });

  it('shows the queue in English', async (t) => {
    if (skipUnlessBuilt(t)) return;
    await page.getByRole('button', { name: 'Switch to English' }).click();
    const inEnglish = page.getByRole('status', { name: 'Your place in the queue' });
    await inEnglish.filter({ hasText: 'In the queue · 2 ahead of you · about 3 s' }).waitFor();
    await page.getByRole('button', { name: 'Leave the queue' }).waitFor();
    await assertAccessible(page, 'the queue in English');
    await screenshotBoth(page, '51-queue-english');
    await page.getByRole('button', { name: '切换到中文' }).click();
    await queue().filter({ hasText: '前面还有 2 人' }).waitFor();
  });

  it('leaving the page and coming back goes on waiting with the same ticket, moved up, not at the back', async (t) => {
    if (skipUnlessBuilt(t)) return;
    const kept = await keptPlaces();
    assert.deepEqual(Object.keys(kept), [await placeKey()], 'the place is kept for this tab, this person and this service');
    assert.equal(JSON.parse(kept[await placeKey()]!).ticket.ticketId, ticketId);
    await page.getByRole('link', { name: '我的', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: '我的' }).waitFor();
    assert.equal(await queue().count(), 0);

    // While the person is elsewhere, a second passes and the first in line is let in.
    offsetMs += 1_000;
    assert.equal((await look(crowd[1]!, crowdTickets[1]!.ticketId)).state, 'admitted');
    assert.equal((await look(crowd[3]!, crowdTickets[3]!.ticketId)).position, 3, 'the one who came later is still behind');

    const postsBefore = bookingPosts().length;
    const asked = page.waitForRequest((r) => r.url().endsWith(`${TICKETS_PATH}${ticketId}`));
    await page.goBack();
    await page.getByRole('heading', { level: 1, name: '机动车年检预约' }).waitFor();
    await queue().waitFor();
    await asked;
    await queue().filter({ hasText: '排队中 · 前面还有 1 人 · 预计等待约 2 秒' }).waitFor();
    assert.equal(bookingPosts().length, postsBefore, 'coming back books nothing and takes no new place');
    assert.equal((await look(crowd[3]!, crowdTickets[3]!.ticketId)).position, 3, 'the person is still ahead of the one who came later');
  });

  it('when the turn comes, the booking is made by itself and shows confirmed', async (t) => {
    if (skipUnlessBuilt(t)) return;
    // The next in line is let in; a second later the person is.
    offsetMs += 1_000;
    assert.equal((await look(crowd[2]!, crowdTickets[2]!.ticketId)).state, 'admitted');
    await queue().filter({ hasText: '排队中 · 下一位就是您 · 预计等待约 1 秒' }).waitFor();
    offsetMs += 1_000;

    const card = page.getByRole('region', { name: '我在该服务的预约' }).locator('article[data-booking-id]').first();
    await card.getByText('已确认').waitFor();
    await card.getByText('确认号').waitFor();
    assert.equal(await queue().count(), 0, 'the queue screen is gone');
    const posts = bookingPosts();
    assert.equal(posts.length, 2, 'one click: the place in the queue, then the booking with the admitted ticket');
    assert.equal(posts[0]!.headers()['hutong-waiting-ticket'], undefined);
    assert.equal(posts[1]!.headers()['hutong-waiting-ticket'], ticketId);
    assert.equal((await look((await storedSession()).accessToken, ticketId)).state, 'used');
    assert.deepEqual(await keptPlaces(), {}, 'the place is forgotten once used');
    await screenshotBoth(page, '52-queue-booked');
  });

  it('drops a kept ticket that has ended or that the hub does not know, quietly', async (t) => {
    if (skipUnlessBuilt(t)) return;
    const key = await placeKey();
    const slotId = await slotsRegion().locator('li.slot').first().getAttribute('data-slot-id');
    for (const id of [ticketId, '00000000-0000-4000-8000-000000000000']) {
      const kept = { slotId, key: `kept-${id}`, ticket: { ticketId: id, cityId: 'shanghai', serviceId: SERVICE, state: 'waiting', position: 1, estimatedWaitSeconds: 1, pollAfterSeconds: 2, createdAt: new Date(base).toISOString() } };
      await page.evaluate(`sessionStorage.setItem(${JSON.stringify(key)}, ${JSON.stringify(JSON.stringify(kept))})`);
      const asked = page.waitForResponse((res) => res.url().endsWith(`${TICKETS_PATH}${id}`));
      await page.reload();
      await page.getByRole('heading', { level: 1, name: '机动车年检预约' }).waitFor();
      await asked;
      await queue().waitFor({ state: 'detached' });
      await slotsRegion().locator('li.slot').first().getByRole('button', { name: '预约' }).waitFor();
      assert.equal(await slotsRegion().locator('li.slot').first().getByRole('button', { name: '预约' }).isEnabled(), true, `booking is offered again after ticket ${id}`);
      assert.equal(await slotsRegion().locator('.booking-failure').count(), 0, 'no error for a place the person did not just ask for');
      assert.deepEqual(await keptPlaces(), {}, `ticket ${id} is forgotten`);
    }
  });

  it('wrote nothing to the console as an error', (t) => {
    if (skipUnlessBuilt(t)) return;
    assert.deepEqual(consoleErrors, []);
  });
});
