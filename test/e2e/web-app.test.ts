import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { assertAccessible, ensureWebBuild, focused, PHONE, screenshotBoth, tabTo, watchConsole as collectConsoleErrors, openBrowserRig, skipWithoutBuild, type BrowserRig } from '../helpers/browser.ts';
import { REFERENCE_DATE, startTestHub, type TestHub } from '../helpers/hub.ts';
import { testEngines } from '../helpers/stores.ts';
import { linkIdentifier, logInWithSmsCode, proveRealName } from '../helpers/citizen-steps.ts';
import { demoCitizen } from '../../src/demo/demo-citizens.ts';
import { generateViolations } from '../../emulators/departments/traffic-police/violations.ts';
import { generateVehicle } from '../../emulators/departments/vehicle-administration/records.ts';
import { daysBetween } from '../../src/time-zone.ts';
import { scanAndPay as walletScanAndPay, type DemoWallet } from '../helpers/wallets.ts';

// A person's phone, in the browser: the citizen web app served by a real hub, driven in Chromium.
// Every main screen is saved as a phone and a desktop see it, and checked with axe-core.

const VIEWPORT = PHONE;
const SERVICE_PATH = '/app/cities/shanghai/services/traffic.violations';
const SHANGHAI = { id: 'shanghai', regionCode: '310000', platePrefix: '沪A' };

/** Whether the vehicle is due for inspection (stations take it from 90 days before its due date). */
function vehicleDue(n: number): boolean {
  const today = new Date(REFERENCE_DATE.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
  const vehicle = generateVehicle('shanghai', demoCitizen(n, SHANGHAI).plate, REFERENCE_DATE);
  return vehicle !== undefined && daysBetween(today, vehicle.JYYXQZ) <= 90;
}

/**
 * A Shanghai demo resident whose plate has two unpaid fines today (one to pay, one to ask someone
 * else to pay), and whose vehicle is due for inspection when any such resident's is.
 */
function residentWithUnpaidFines(): number {
  const candidates: number[] = [];
  for (let n = 1; n <= 200; n++) {
    const unpaid = generateViolations('shanghai', demoCitizen(n, SHANGHAI).plate, REFERENCE_DATE).filter((v) => v.JKBJ !== '1');
    if (unpaid.length >= 2) candidates.push(n);
  }
  const resident = candidates.find(vehicleDue) ?? candidates[0];
  if (resident === undefined) throw new Error('no Shanghai demo resident has two unpaid fines');
  return resident;
}
const RESIDENT = residentWithUnpaidFines();
const RESIDENT_VEHICLE_DUE = vehicleDue(RESIDENT);
/** Someone else, who pays a fine the resident shares. */
const FRIEND = RESIDENT === 1 ? 2 : 1;

describe('citizen web app in a browser (390 × 844)', () => {
  let rig: BrowserRig | undefined;
  let hub: TestHub;
  let origin: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const consoleErrors: string[] = [];

  before(async () => {
    if (!ensureWebBuild()) return;
    hub = await startTestHub(testEngines()[0], {}, { importBatchFiles: false });
    rig = await openBrowserRig(hub, consoleErrors);
    ({ origin, browser } = rig);
    page = await rig.newPage({ viewport: VIEWPORT, hasTouch: true });
    context = page.context();
  });

  after(() => rig?.close());

  const skipUnlessBuilt = (t: TestContext): boolean => skipWithoutBuild(rig !== undefined, t);

  const shoot = (name: string, on: Page = page) => screenshotBoth(on, name);

  /** A modal sheet covers the screen a person sees: shoot that screen, not the whole page. */
  const shootScreen = (name: string, on: Page = page) => screenshotBoth(on, name, { fullPage: false });

  /** The signed-in session the app keeps for this tab (one per entrance). */
  const storedSession = async (on: Page = page): Promise<{ accessToken?: string; channel?: string }> =>
    JSON.parse(
      (await on.evaluate<string | null>("(() => { const key = Object.keys(sessionStorage).find((k) => k.startsWith('hutong.session')); return key ? sessionStorage.getItem(key) : null; })()")) ?? '{}',
    );

  /** Waits until the image matched by `selector` has loaded and has a size. */
  const imageLoaded = (on: Page, selector: string) =>
    on.waitForFunction(`(() => { const img = document.querySelector(${JSON.stringify(selector)}); return img !== null && img.complete && img.naturalWidth > 0; })()`);

  /** The wallet app scans the open checkout's QR code (read from the hub's store) and pays it. */
  const scanAndPay = async (wallet: DemoWallet) => {
    const intent = await hub.store.db
      .selectFrom('payment_intents')
      .select(['qr_code_content'])
      .where('wallet', '=', wallet)
      .where('state', '=', 'pending')
      .orderBy('created_at', 'desc')
      .executeTakeFirst();
    assert.ok(intent?.qr_code_content, `no open ${wallet} checkout`);
    await walletScanAndPay(hub.emulators.url, wallet, intent.qr_code_content);
  };

  const watchConsole = (on: Page) => collectConsoleErrors(on, origin, consoleErrors);

  it('opens on the entrance it is in (a plain browser: web) and lists the 12 cities', async (t) => {
    if (skipUnlessBuilt(t)) return;
    const cities = (await hub.app.inject({ method: 'GET', url: '/v1/cities' })).json().items as Array<{ id: string; name: { zh: string } }>;
    assert.equal(cities.length, 12);

    await page.goto(`${origin}/app/`);
    await page.getByRole('heading', { level: 1, name: '城市服务' }).waitFor();
    const entrance = page.getByRole('region', { name: '当前入口' });
    await entrance.getByText('您正在通过「网页」使用互通').waitFor();
    assert.equal(await entrance.locator('[data-channel]').getAttribute('data-channel'), 'web');

    const picker = page.getByRole('region', { name: '选择城市' });
    const buttons = picker.getByRole('button');
    await buttons.first().waitFor();
    assert.deepEqual(await buttons.allTextContents(), cities.map((c) => c.name.zh));

    // Keyboard users see where they are.
    await page.keyboard.press('Tab');
    assert.equal((await focused(page)).outline, 'solid', 'the focused element has a visible outline');
    await assertAccessible(page, 'the home page');
    await shoot('01-home');
  });

  it('lists the services of the city picked: Shanghai', async (t) => {
    if (skipUnlessBuilt(t)) return;
    const services = (await hub.app.inject({ method: 'GET', url: '/v1/cities/shanghai/services' })).json().items as Array<{ id: string; name: { zh: string } }>;
    assert.ok(services.length >= 11);

    // By keyboard alone: Tab to the city, Enter picks it.
    await page.locator('body').click({ position: { x: 1, y: 1 } });
    await tabTo(page, /^上海$/);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${origin}/app/?city=shanghai`);
    assert.equal(await page.getByRole('button', { name: '上海', exact: true }).getAttribute('aria-pressed'), 'true');
    const list = page.getByRole('region', { name: '上海的服务' });
    await list.getByRole('link').first().waitFor();
    const links = list.getByRole('link');
    assert.equal(await links.count(), services.length);
    for (const service of services) {
      const link = list.getByRole('link', { name: new RegExp(`^${service.name.zh}`) });
      assert.equal(await link.getAttribute('href'), `/app/cities/shanghai/services/${service.id}`);
    }
    await assertAccessible(page, 'the city\'s services');
    // Tab goes on to the services, and Enter opens one with its heading focused.
    await tabTo(page, /^交通违法查询与罚款缴纳/, 80);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${origin}${SERVICE_PATH}`);
    await page.getByRole('heading', { level: 1, name: '交通违法查询与罚款缴纳' }).waitFor();
    assert.equal((await focused(page)).tag, 'h1', 'the new page\'s heading has the focus');
    await page.goBack();
    await page.waitForURL(`${origin}/app/?city=shanghai`);
    await shoot('02-shanghai-services');
  });

  it('logs in with an SMS code and comes back to the service page', async (t) => {
    if (skipUnlessBuilt(t)) return;
    const person = demoCitizen(RESIDENT, hub.services.catalog.getCity('shanghai'));

    await page.getByRole('link', { name: /^交通违法查询与罚款缴纳/ }).click();
    await page.waitForURL(`${origin}${SERVICE_PATH}`);
    await page.getByRole('heading', { level: 1, name: '交通违法查询与罚款缴纳' }).waitFor();
    await page.getByText('登录后即可查看您在该服务中的记录。').waitFor();
    await shoot('03-service-logged-out');

    await page.getByRole('button', { name: '登录后查看' }).click();
    await page.waitForURL((url) => url.pathname === '/app/login' && url.searchParams.get('next') === SERVICE_PATH);
    await page.getByLabel('手机号').fill(person.phone);
    await assertAccessible(page, 'the login page');
    await shoot('04-login-phone');
    await page.getByRole('button', { name: '获取验证码' }).click();
    await page.getByLabel('验证码').waitFor();

    const text = hub.emulators.sms.inbox(person.phone)[0]?.text ?? '';
    const code = /\d{6}/.exec(text)?.[0];
    assert.ok(code, `no login code reached ${person.phone}: "${text}"`);
    await page.getByLabel('验证码').fill(code);
    await shoot('05-login-code');
    await page.getByRole('button', { name: '登录', exact: true }).click();

    await page.waitForURL(`${origin}${SERVICE_PATH}`);
    await page.getByRole('heading', { level: 1, name: '交通违法查询与罚款缴纳' }).waitFor();
    assert.ok((await storedSession()).accessToken, 'the session is kept in sessionStorage');
    // The web entrance has no consent to read traffic data yet: the page asks for it and retries.
    const records = page.getByRole('region', { name: '我的记录' });
    await records.getByText('需要您授权本入口读取「交通出行」类数据。').waitFor();
    await shoot('06-consent-needed');
    await records.getByRole('button', { name: '同意授权并重试' }).click();
    // A new citizen has no real name or plate yet: the page says where to add them.
    await records.getByRole('link', { name: '前往「我的」完成' }).waitFor();
    await shoot('07-identifier-needed');
  });

  it('proves the real name, links the plate and shows the violations with fines in yuan', async (t) => {
    if (skipUnlessBuilt(t)) return;
    const person = demoCitizen(RESIDENT, hub.services.catalog.getCity('shanghai'));

    await page.getByRole('link', { name: '前往「我的」完成' }).click();
    await page.waitForURL(`${origin}/app/me`);
    await page.getByRole('heading', { level: 1, name: '我的' }).waitFor();
    await proveRealName(page, person);
    await linkIdentifier(page, { kind: 'plate', value: person.plate });
    await page.getByRole('region', { name: '已绑定证件' }).getByText('车牌号').waitFor();
    await assertAccessible(page, 'the Me page');
    await shoot('08-me');

    await page.goto(`${origin}${SERVICE_PATH}`);
    const records = page.getByRole('region', { name: '我的记录' });
    await records.locator('article').first().waitFor();
    const firstCard = await records.locator('article').first().innerText();
    assert.match(firstCard, /罚款\s*¥\d/, 'fines are shown in yuan');
    await assertAccessible(page, 'the violations');
    await shoot('09-records');
  });

  it('shares the service as a link with a QR code', async (t) => {
    if (skipUnlessBuilt(t)) return;
    const share = page.getByRole('region', { name: '分享' });
    await share.getByRole('button', { name: '生成分享链接和二维码' }).click();
    const qr = share.getByRole('img', { name: '「交通违法查询与罚款缴纳」的二维码' });
    await qr.waitFor();
    await page.waitForFunction("(() => { const img = document.querySelector('.share img'); return img !== null && img.complete && img.naturalWidth > 0; })()");
    assert.match((await share.getByRole('link').getAttribute('href')) ?? '', /\/l\/[^/]+$/);
    await shoot('10-share');
  });

  it('switches to English and back', async (t) => {
    if (skipUnlessBuilt(t)) return;
    await page.getByRole('button', { name: 'Switch to English' }).click();
    await page.getByRole('heading', { level: 1, name: 'Traffic violations and fines' }).waitFor();
    await page.getByRole('region', { name: 'My records' }).getByText('Fine').first().waitFor();
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    await shoot('11-english');
    await page.getByRole('button', { name: '切换到中文' }).click();
    await page.getByRole('heading', { level: 1, name: '交通违法查询与罚款缴纳' }).waitFor();
    assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
  });

  it("pays a fine with a wallet other than the entrance's own: QR code, then paid, and the card shows paid", async (t) => {
    if (skipUnlessBuilt(t)) return;
    const records = page.getByRole('region', { name: '我的记录' });
    const card = records.locator('article').filter({ has: page.getByRole('button', { name: '缴费', exact: true }) }).first();
    await card.waitFor();
    const recordId = await card.getAttribute('data-record-id');
    assert.ok(recordId, 'a payable card names its record');
    const fine = /罚款\s*(¥[\d,.]+)/.exec(await card.innerText())?.[1];
    assert.ok(fine, 'the card shows the fine');

    await card.getByRole('button', { name: '缴费', exact: true }).click();
    const sheet = page.getByRole('dialog', { name: '缴费' });
    await sheet.waitFor();
    await sheet.getByText(fine, { exact: true }).waitFor();
    // The entrance's own wallet comes first and is chosen (a plain browser has none: the first one); any other may be picked.
    const entrance = (await page.evaluate<string>("fetch('/v1/entrance').then((r) => r.text())")) as string;
    const preferred = (JSON.parse(entrance) as { preferredWallet?: string }).preferredWallet;
    const radios = sheet.getByRole('radio');
    assert.equal(await radios.count(), 3);
    assert.equal(await radios.first().isChecked(), true, 'the first wallet is chosen');
    if (preferred) assert.equal(await radios.first().getAttribute('value'), preferred);
    const other = preferred === 'wechatpay' ? 'unionpay' : 'wechatpay';
    const otherName = other === 'wechatpay' ? '微信支付' : '云闪付';
    await sheet.getByRole('radio', { name: otherName }).check();
    await assertAccessible(page, 'the pay sheet', { include: '.sheet' });
    await shootScreen('14-pay-sheet-wallets');
    await sheet.getByRole('button', { name: '生成付款码' }).click();

    await sheet.getByRole('img', { name: `${otherName}付款码` }).waitFor();
    await imageLoaded(page, '.sheet .qr-frame img');
    await sheet.getByText(/^付款码有效期至 \d{2}:\d{2}$/).waitFor();
    await sheet.getByRole('status').filter({ hasText: '等待支付' }).waitFor();
    assert.match(await sheet.innerText(), /交通违法罚款 /, 'the masked description of the payment');
    await shootScreen('15-pay-sheet-qr');

    await scanAndPay(other);
    await sheet.getByText(`支付成功：${fine} 已缴纳。`).waitFor();
    await shootScreen('16-pay-sheet-paid');
    const paidCard = records.locator(`article[data-record-id="${recordId}"]`);
    await paidCard.getByText('已缴纳').waitFor();
    assert.equal(await paidCard.getByRole('button', { name: '缴费', exact: true }).count(), 0, 'a paid fine offers no payment');
    await sheet.getByRole('button', { name: '完成' }).click();
    await sheet.waitFor({ state: 'hidden' });
  });

  it('asks someone to pay: a link anyone can open, paid by another person with another wallet', async (t) => {
    if (skipUnlessBuilt(t)) return;
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
    const records = page.getByRole('region', { name: '我的记录' });
    const card = records.locator('article').filter({ has: page.getByRole('button', { name: '找人代付' }) }).first();
    const recordId = await card.getAttribute('data-record-id');
    await card.getByRole('button', { name: '找人代付' }).click();
    const sheet = page.getByRole('dialog', { name: '找人代付' });
    const link = sheet.getByRole('link');
    await link.waitFor();
    const url = (await link.getAttribute('href')) ?? '';
    const code = /\/l\/([^/]+)$/.exec(url)?.[1];
    assert.ok(code, `a /l/{code} link: ${url}`);
    await sheet.getByRole('img', { name: '代付链接的二维码' }).waitFor();
    await imageLoaded(page, '.sheet .share img');
    await sheet.getByRole('button', { name: '复制链接' }).click();
    await sheet.getByRole('button', { name: '已复制' }).waitFor();
    assert.equal(await page.evaluate<string>('navigator.clipboard.readText()'), url);
    await shootScreen('17-pay-share');
    await sheet.getByRole('button', { name: '关闭' }).click();
    await sheet.waitFor({ state: 'hidden' });

    // Someone else opens the link on their own phone, logs in, and pays with another wallet.
    const friend = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1, locale: 'zh-CN', hasTouch: true });
    try {
      const other = await friend.newPage();
      other.setDefaultTimeout(15_000);
      watchConsole(other);
      await other.goto(url);
      await other.waitForURL(`${origin}/app/pay/${code}`);
      await other.getByRole('heading', { level: 1, name: '代付' }).waitFor();
      const payCard = other.getByRole('region', { name: '上海 · 交通违法查询与罚款缴纳' });
      await payCard.getByText('待支付').waitFor();
      assert.match(await payCard.innerText(), /金额\s*¥\d/);
      await shoot('18-pay-page-login', other);
      await payCard.getByRole('button', { name: '登录后支付' }).click();
      await other.waitForURL((u) => u.pathname === '/app/login' && u.searchParams.get('next') === `/app/pay/${code}`);
      await logInWithSmsCode(other, hub, demoCitizen(FRIEND, hub.services.catalog.getCity('shanghai')).phone);
      await other.waitForURL(`${origin}/app/pay/${code}`);

      await payCard.getByRole('radio', { name: '云闪付' }).check();
      await payCard.getByRole('button', { name: '生成付款码' }).click();
      await payCard.getByRole('img', { name: '云闪付付款码' }).waitFor();
      await imageLoaded(other, '.qr-frame img');
      await shoot('19-pay-page-qr', other);
      await scanAndPay('unionpay');
      await payCard.getByText(/支付成功：¥[\d,.]+ 已缴纳。/).waitFor();
      await payCard.getByText('已付清').waitFor();
      await shoot('20-pay-page-paid', other);
    } finally {
      await friend.close();
    }

    // The owner sees it paid.
    await page.reload();
    await records.locator(`article[data-record-id="${recordId}"]`).getByText('已缴纳').waitFor();
  });

  it("in WeChat's in-app browser, logs in through WeChat and comes back with a one-time handoff", async (t) => {
    if (skipUnlessBuilt(t)) return;
    const wechat = await browser.newContext({
      viewport: VIEWPORT,
      locale: 'zh-CN',
      hasTouch: true,
      userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50(0x1800322c) NetType/WIFI Language/zh_CN',
    });
    try {
      const inWechat = await wechat.newPage();
      inWechat.setDefaultTimeout(15_000);
      watchConsole(inWechat);
      await inWechat.goto(`${origin}/app/`);
      await inWechat.getByRole('region', { name: '当前入口' }).getByText('您正在通过「微信」使用互通').waitFor();
      await inWechat.getByText('默认支付方式：微信支付').waitFor();
      await shoot('12-wechat-home', inWechat);

      // The login page sends the person to WeChat's authorization page at once.
      await inWechat.goto(`${origin}/app/login?next=${encodeURIComponent('/app/me')}`);
      await inWechat.getByRole('heading', { name: /登录微信/ }).waitFor();
      await inWechat.getByLabel(/用户 ID/).fill('demo-00001234');
      await inWechat.getByRole('button', { name: /同意并登录/ }).click();

      await inWechat.waitForURL(`${origin}/app/me`);
      await inWechat.getByRole('region', { name: '账号' }).getByText('微信').waitFor();
      assert.equal(new URL(inWechat.url()).hash, '', 'the handoff code left the address');
      assert.equal((await storedSession(inWechat)).channel, 'wechat');
      await shoot('13-wechat-me', inWechat);
    } finally {
      await wechat.close();
    }
  });

  it('books a vehicle inspection (or is told the vehicle is not due), then a hospital registration through its fee', async (t) => {
    if (skipUnlessBuilt(t)) return;
    await page.goto(`${origin}/app/cities/shanghai/services/traffic.inspection-booking`);
    await page.getByRole('heading', { level: 1, name: '机动车年检预约' }).waitFor();
    const slots = page.getByRole('region', { name: '预约时段' });
    await slots.locator('li.slot').first().waitFor();
    // The days with places left are offered; another day shows its own slots.
    const days = slots.getByRole('group', { name: '选择日期' }).getByRole('button');
    assert.equal(await days.first().getAttribute('aria-pressed'), 'true');
    if ((await days.count()) > 1) {
      await days.nth(1).click();
      assert.equal(await days.nth(1).getAttribute('aria-pressed'), 'true');
    }
    assert.match(await slots.locator('li.slot').first().innerText(), /剩余 \d+ 个名额/);
    await assertAccessible(page, 'the inspection slots');
    await shoot('21-inspection-slots');
    await slots.locator('li.slot').first().getByRole('button', { name: '预约' }).click();
    const mine = page.getByRole('region', { name: '我在该服务的预约' });

    if (RESIDENT_VEHICLE_DUE) {
      const card = mine.locator('article[data-booking-id]').first();
      await card.getByText('已确认').waitFor();
      await card.getByText('确认号').waitFor();
      await shoot('22-inspection-booked');
    } else {
      await slots.getByText(/您的车辆还未到年检时间/).waitFor();
      await slots.getByText('HUTONG_ERR_BOOKING_NOT_DUE').waitFor();
      assert.equal(await mine.locator('article[data-booking-id]').count(), 0, 'a refused booking holds nothing');
      await shoot('22-inspection-not-due');
    }

    // A hospital registration: held until its fee is paid with a wallet, then the hospital confirms it.
    await page.goto(`${origin}/app/cities/shanghai/services/medical.hospital-registration`);
    await page.getByRole('heading', { level: 1, name: '医院预约挂号' }).waitFor();
    const hospitalSlots = page.getByRole('region', { name: '预约时段' });
    const slot = hospitalSlots.locator('li.slot').first();
    await slot.waitFor();
    assert.match(await slot.innerText(), /费用 ¥\d/);
    await slot.getByRole('button', { name: '预约' }).click();
    const card = page.getByRole('region', { name: '我在该服务的预约' }).locator('article[data-booking-id]').first();
    // Without the medical consent for this entrance yet, the page asks for it and books again.
    const consent = hospitalSlots.getByRole('button', { name: '同意授权并重试' });
    await consent.or(card).first().waitFor();
    if (await consent.isVisible()) await consent.click();
    await card.getByText('待确认').waitFor();
    await card.getByText(/请在 \d{2}:\d{2} 前支付费用/).waitFor();
    await shoot('23-hospital-held');
    await card.getByRole('button', { name: '支付费用' }).click();
    const sheet = page.getByRole('dialog', { name: '支付预约费用' });
    await sheet.getByRole('radio').first().waitFor();
    await shootScreen('24-hospital-fee-sheet');
    const wallet = (await sheet.getByRole('radio').first().getAttribute('value')) as DemoWallet;
    await sheet.getByRole('button', { name: '生成付款码' }).click();
    await imageLoaded(page, '.sheet .qr-frame img');
    await scanAndPay(wallet);
    await sheet.getByText(/支付成功：¥[\d,.]+ 已缴纳。/).waitFor();
    await sheet.getByRole('button', { name: '完成' }).click();
    await sheet.waitFor({ state: 'hidden' });
    await card.getByText('已确认').waitFor(); // the app asks about the booking until the hospital confirmed it
    await card.getByText('确认号').waitFor();
    await shoot('25-hospital-confirmed');
  });

  it('lists my bookings and cancels one after asking', async (t) => {
    if (skipUnlessBuilt(t)) return;
    await page.getByRole('link', { name: '我的', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: '我的' }).waitFor();
    await page.getByRole('link', { name: '我的预约' }).click();
    await page.waitForURL(`${origin}/app/bookings`);
    await page.getByRole('heading', { level: 1, name: '我的预约' }).waitFor();
    const confirmed = page.locator('article[data-booking-id]').filter({ hasText: '已确认' }).first();
    await confirmed.waitFor();
    const id = await confirmed.getAttribute('data-booking-id');
    const card = page.locator(`article[data-booking-id="${id}"]`);
    await card.getByRole('button', { name: '取消预约' }).click();
    const ask = card.getByRole('group', { name: /确定要取消这次预约吗/ });
    await ask.waitFor();
    await assertAccessible(page, 'my bookings');
    await shoot('26-my-bookings-cancel');
    await ask.getByRole('button', { name: '确定取消' }).click();
    await card.getByText('已取消').waitFor();
    assert.equal(await card.getByRole('button', { name: '取消预约' }).count(), 0, 'a cancelled booking offers no cancel');
    const token = (await storedSession()).accessToken as string;
    const stored = await hub.app.inject({ method: 'GET', url: `/v1/bookings/${id}`, headers: { authorization: `Bearer ${token}` } });
    assert.equal(stored.json().status, 'cancelled');
    await shoot('27-my-bookings-cancelled');
  });

  it('subscribes to a reminder topic and opens the inbox', async (t) => {
    if (skipUnlessBuilt(t)) return;
    await page.getByRole('link', { name: /^消息/ }).click();
    await page.waitForURL(`${origin}/app/notifications`);
    await page.getByRole('heading', { level: 1, name: '消息' }).waitFor();
    const reminders = page.getByRole('region', { name: '提醒订阅' });
    const topic = reminders.getByRole('checkbox').first();
    await topic.waitFor();
    const wasOn = await topic.isChecked();
    if (wasOn) {
      await topic.uncheck();
      await page.waitForFunction("(() => { const box = document.querySelector('.topics input[type=checkbox]'); return box !== null && !box.disabled && !box.checked; })()");
    }
    await topic.check();
    await reminders.getByText('通过「网页」提醒。').first().waitFor();
    const token = (await storedSession()).accessToken as string;
    const auth = { authorization: `Bearer ${token}` };
    const topics = (await hub.app.inject({ method: 'GET', url: '/v1/me/subscriptions?cityId=shanghai', headers: auth })).json().items as Array<{ subscribed: boolean }>;
    assert.equal(topics[0]?.subscribed, true, 'the hub has the subscription');

    const inbox = page.getByRole('region', { name: '收件箱' });
    const { unread, items } = (await hub.app.inject({ method: 'GET', url: '/v1/me/notifications', headers: auth })).json() as { unread: number; items: unknown[] };
    await inbox.getByRole('status').filter({ hasText: unread === 0 ? '没有未读消息' : `${unread} 条未读` }).waitFor();
    if (items.length === 0) await inbox.getByText('暂无消息。').waitFor();
    await assertAccessible(page, 'the inbox');
    await shoot('28-notifications');
    if (unread > 0) {
      await inbox.locator('li.unread').first().getByRole('button').click();
      await inbox.getByRole('status').filter({ hasText: unread === 1 ? '没有未读消息' : `${unread - 1} 条未读` }).waitFor();
      await shoot('29-notification-open');
    }
  });

  it('manages what this entrance may read: grants a scope, withdraws it after asking', async (t) => {
    if (skipUnlessBuilt(t)) return;
    await page.goto(`${origin}/app/me#data-access`);
    const access = page.getByRole('region', { name: '授权管理' });
    await access.getByRole('heading', { name: '网页可读取的数据' }).waitFor();
    const culture = access.getByRole('switch', { name: '文化教育' });
    const auth = { authorization: `Bearer ${(await storedSession()).accessToken}` };
    const granted = async (scope: string) =>
      ((await hub.app.inject({ method: 'GET', url: '/v1/me/consents', headers: auth })).json().scopes as Array<{ scope: string; granted: boolean }>).find((s) => s.scope === scope)?.granted;

    if (!(await culture.isChecked())) {
      await culture.focus();
      await page.keyboard.press('Space'); // a switch is a checkbox: Space turns it
      await access.getByRole('status').filter({ hasText: '已授权网页读取「文化教育」类数据。' }).waitFor();
    }
    assert.equal(await granted('culture'), true);
    await culture.click();
    await access.getByRole('button', { name: '确定撤回' }).waitFor();
    assert.equal(await granted('culture'), true, 'nothing is withdrawn before the person confirms');
    await assertAccessible(page, 'data access');
    await shoot('30-data-access-withdraw');
    await access.getByRole('button', { name: '确定撤回' }).click();
    await access.getByRole('status').filter({ hasText: '已撤回：网页不再读取「文化教育」类数据。' }).waitFor();
    assert.equal(await granted('culture'), false);
    assert.equal(await culture.isChecked(), false);
  });

  it('wrote nothing to the console as an error', (t) => {
    if (skipUnlessBuilt(t)) return;
    assert.deepEqual(consoleErrors, []);
  });
});
