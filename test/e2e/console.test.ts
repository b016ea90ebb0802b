import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { startTestHub, type TestHub } from '../helpers/hub.ts';
import { testEngines } from '../helpers/stores.ts';
import { assertAccessible, DESKTOP, ensureWebBuild, focused, screenshotBoth, tabTo, watchConsole, openBrowserRig, skipWithoutBuild, type BrowserRig } from '../helpers/browser.ts';
import { scanAndPay, type DemoWallet } from '../helpers/wallets.ts';
import { until } from '../helpers/until.ts';
import { REFERENCE_DATE } from '../helpers/hub.ts';
import { demoCitizen } from '../../src/demo/demo-citizens.ts';
import { generateViolations } from '../../emulators/departments/traffic-police/violations.ts';

// An operator at a desk: the console at /admin/, served by a real hub in demo mode, in Chromium.

const ADMIN_TOKEN = 'console-browser-test-token-000001';
const SHANGHAI = { id: 'shanghai', regionCode: '310000', platePrefix: '沪A' };

/** A Shanghai demo resident with two unpaid fines, paid before the operator looks at the day's payments. */
function residentWithTwoUnpaidFines(): number {
  for (let n = 1; n <= 200; n++) {
    if (generateViolations('shanghai', demoCitizen(n, SHANGHAI).plate, REFERENCE_DATE).filter((v) => v.JKBJ !== '1').length >= 2) return n;
  }
  throw new Error('no Shanghai demo resident has two unpaid fines');
}

const WECHAT_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50(0x1800322c) NetType/WIFI Language/zh_CN';

describe('operator console in a browser (1280 × 800)', () => {
  let rig: BrowserRig | undefined;
  let hub: TestHub;
  let origin: string;
  let browser: Browser;
  let page: Page;
  let paidFen = 0;
  const consoleErrors: string[] = [];

  before(async () => {
    if (!ensureWebBuild()) return;
    hub = await startTestHub(testEngines()[0], { adminToken: ADMIN_TOKEN, reminderPollMs: 300, reminderDispatchMs: 300 }, { importBatchFiles: false });
    rig = await openBrowserRig(hub, consoleErrors);
    ({ origin, browser } = rig);
    // Citizens in WeChat look at inspection slots: twice, so the second answer comes from the cache.
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${origin}/v1/cities/shanghai/services/traffic.inspection-booking/slots`, { headers: { 'user-agent': WECHAT_UA } });
      assert.equal(res.status, 200, await res.text());
    }
    // A citizen pays two fines with two wallets, and the traffic police record both.
    const { token, person } = await hub.loginPerson(residentWithTwoUnpaidFines(), 'shanghai');
    assert.equal((await hub.linkPlate(token, person.plate)).statusCode, 201);
    const authorization = `Bearer ${token}`;
    const records = await hub.app.inject({ method: 'GET', url: '/v1/cities/shanghai/services/traffic.violations/records', headers: { authorization } });
    const unpaid = (records.json().items as Array<{ id: string; status: string; fineFen: number }>).filter((v) => v.status === 'unpaid');
    for (const [i, wallet] of (['wechatpay', 'unionpay'] as DemoWallet[]).entries()) {
      const created = await hub.app.inject({
        method: 'POST',
        url: '/v1/payments',
        headers: { authorization, 'idempotency-key': `console-fine-${i}` },
        payload: { cityId: 'shanghai', serviceId: 'traffic.violations', recordId: unpaid[i]!.id, wallet },
      });
      assert.equal(created.statusCode, 201, created.body);
      await scanAndPay(hub.emulators.url, wallet, created.json().qrCodeContent);
    }
    paidFen = unpaid[0]!.fineFen + unpaid[1]!.fineFen;
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    await until('both fines recorded by the traffic police', async () =>
      (await hub.app.inject({ method: 'GET', url: '/v1/admin/payments/summary', headers: admin })).json().writeBack?.done === 2 ? true : undefined,
    );
    // The same citizen asks to be told of new violations, and a camera records one: a reminder (sent, or waiting for the morning at night).
    const subscribed = await hub.app.inject({ method: 'PUT', url: '/v1/me/subscriptions/shanghai/violation-new', headers: { authorization } });
    assert.equal(subscribed.statusCode, 200, subscribed.body);
    await until('the first reminder poll', async () => (await hub.store.db.selectFrom('notification_watch').selectAll().execute()).length > 0 || undefined);
    hub.emulators.trafficPolice.recordViolation('shanghai', person.plate);
    await until('the reminder of the new violation', async () => (await hub.store.db.selectFrom('notifications').selectAll().execute()).length > 0 || undefined);
    page = await rig.newPage({ viewport: DESKTOP });
  });

  after(() => rig?.close());

  const skipUnlessBuilt = (t: TestContext): boolean => skipWithoutBuild(rig !== undefined, t);

  const nav = () => page.getByRole('navigation', { name: '控制台导航' });

  it('asks for the operator token, refuses a wrong one and opens the overview with the right one', async (t) => {
    if (skipUnlessBuilt(t)) return;
    await page.goto(`${origin}/admin/`);
    await page.getByRole('heading', { level: 1, name: '登录运营控制台' }).waitFor();
    await assertAccessible(page, 'the console login');
    await page.getByLabel('运营令牌').fill('not-the-operator-token-at-all');
    await page.getByRole('button', { name: '登录', exact: true }).click();
    await page.getByText('令牌未被接受，请重新输入。').waitFor();
    await screenshotBoth(page, 'console-01-login');

    await page.getByLabel('运营令牌').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: '登录', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: '运行概览' }).waitFor();
    assert.equal(await page.evaluate<string | null>("sessionStorage.getItem('hutong.admin-token')"), ADMIN_TOKEN);
    await page.getByRole('img').first().waitFor();
    await assertAccessible(page, 'the overview');
    await screenshotBoth(page, 'console-02-overview');
  });

  it('takes a token from the address once and removes it from there', async (t) => {
    if (skipUnlessBuilt(t)) return;
    const other = await browser.newPage({ viewport: DESKTOP });
    try {
      watchConsole(other, origin, consoleErrors);
      await other.goto(`${origin}/admin/#token=${ADMIN_TOKEN}`);
      await other.getByRole('heading', { level: 1, name: '运行概览' }).waitFor();
      assert.equal(new URL(other.url()).hash, '', 'the token left the address bar');
    } finally {
      await other.close();
    }
  });

  it('shows every department with its breaker and latency, and flips an emulator fault switch', async (t) => {
    if (skipUnlessBuilt(t)) return;
    // By keyboard: Tab to the navigation link, Enter follows it, the page's heading takes the focus.
    await tabTo(page, /^部门系统$/);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: '部门系统' }).waitFor();
    assert.equal((await focused(page)).tag, 'h1');
    assert.equal(await nav().getByRole('link', { name: '部门系统' }).getAttribute('aria-current'), 'page');

    await page.getByLabel('城市', { exact: true }).selectOption('shanghai');
    const table = page.getByRole('table').first();
    const row = table.getByRole('row').filter({ hasText: 'vehicle-administration' }).first();
    await row.waitFor();
    assert.match(await row.innerText(), /\d/, 'the vehicle office shows its calls');

    const group = page.getByRole('group', { name: /transport-bureau/ });
    await group.getByLabel('失败率（0–1）').fill('0.5');
    await group.getByRole('button', { name: '应用' }).click();
    await group.getByRole('status').getByText('已应用。').waitFor();
    const faults = (await hub.app.inject({ method: 'GET', url: '/v1/admin/emulator-faults', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json() as {
      departments: Array<{ name: string; settings: { failRate: number } }>;
    };
    assert.equal(faults.departments.find((d) => d.name === 'transport-bureau')?.settings.failRate, 0.5, 'the emulator took the switch');
    await assertAccessible(page, 'the departments');
    await screenshotBoth(page, 'console-03-departments');
    await group.getByRole('button', { name: '重置' }).click();
    await group.getByRole('status').getByText('已重置为正常。').waitFor();
  });

  it('shows traffic per entrance and service', async (t) => {
    if (skipUnlessBuilt(t)) return;
    await nav().getByRole('link', { name: '流量' }).click();
    await page.getByRole('heading', { level: 1, name: '访问流量' }).waitFor();
    await page.getByRole('img', { name: /微信/ }).first().waitFor();
    assert.match(await page.locator('main').innerText(), /机动车年检预约/, 'the service the WeChat citizens used is listed by name');
    await assertAccessible(page, 'the traffic page');
    await screenshotBoth(page, 'console-04-traffic');
  });

  it('shows payments and the reconciliation of a day', async (t) => {
    if (skipUnlessBuilt(t)) return;
    await nav().getByRole('link', { name: '支付' }).click();
    await page.getByRole('heading', { level: 1, name: '支付与对账' }).waitFor();
    await page.getByLabel('日期').waitFor();
    await page.getByRole('button', { name: '重新对账' }).waitFor();
    const totals = page.getByRole('region', { name: '当日汇总' });
    const tile = (title: string) => totals.locator('.tile').filter({ has: page.locator('dt', { hasText: new RegExp(`^${title}$`) }) }).locator('.tile-value');
    assert.equal(await tile('支付笔数').innerText(), '2');
    assert.equal(await tile('成功笔数').innerText(), '2');
    assert.equal(await tile('成功金额').innerText(), `¥${(paidFen / 100).toFixed(2)}`);
    assert.equal(await tile('已回写').innerText(), '2', 'both reached the traffic police');
    await totals.getByRole('img', { name: '各支付方式的成功金额' }).waitFor();
    const byWallet = totals.getByRole('table', { name: '按支付方式' });
    await byWallet.getByRole('row').filter({ hasText: '微信支付' }).waitFor();
    await byWallet.getByRole('row').filter({ hasText: '云闪付' }).waitFor();
    await assertAccessible(page, 'the payments page');
    await screenshotBoth(page, 'console-05-payments');
  });

  it('shows reminders sent', async (t) => {
    if (skipUnlessBuilt(t)) return;
    await nav().getByRole('link', { name: '提醒' }).click();
    await page.getByRole('heading', { level: 1, name: '提醒' }).waitFor();
    await page.getByLabel('时间范围').waitFor();
    const byStatus = page.getByRole('table', { name: '提醒条数（按状态）' });
    assert.equal(await byStatus.getByRole('row', { name: /合计/ }).getByRole('cell').innerText(), '1', 'the one reminder of the new violation');
    await page.getByRole('img', { name: '各状态的提醒条数' }).waitFor();
    await assertAccessible(page, 'the reminders page');
    await screenshotBoth(page, 'console-06-reminders');
  });

  it('switches to English', async (t) => {
    if (skipUnlessBuilt(t)) return;
    await page.getByRole('button', { name: 'Switch to English' }).click();
    await page.getByRole('heading', { level: 1, name: 'Reminders' }).waitFor();
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Overview' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await screenshotBoth(page, 'console-07-overview-english');
    await page.getByRole('button', { name: '切换到中文' }).click();
    await page.getByRole('heading', { level: 1, name: '运行概览' }).waitFor();
  });

  it('wrote nothing to the console as an error', (t) => {
    if (skipUnlessBuilt(t)) return;
    assert.deepEqual(consoleErrors, []);
  });
});
