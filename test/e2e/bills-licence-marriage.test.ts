import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Locator, Page } from 'playwright-core';
import { REFERENCE_DATE, startTestHub, type TestHub } from '../helpers/hub.ts';
import { testEngines } from '../helpers/stores.ts';
import { linkIdentifier, logInWithSmsCode, proveRealName, submitRealName } from '../helpers/citizen-steps.ts';
import { until } from '../helpers/until.ts';
import { scanAndPay } from '../helpers/wallets.ts';
import { assertAccessible, checkAndShoot, PHONE, phoneSuite, screenshotBoth } from '../helpers/browser.ts';
import { demoCitizen, type DemoCitizen } from '../../src/demo/demo-citizens.ts';
import { maskName } from '../../emulators/population.ts';
import { chinaDate } from '../../emulators/departments/kit/synthetic.ts';
import { paymentLedger } from '../../emulators/departments/kit/payments.ts';
import { generateElectricityBills } from '../../emulators/departments/electricity-company/records.ts';
import { generateGasBills } from '../../emulators/departments/gas-company/records.ts';
import { billingPeriods, waterBill } from '../../emulators/departments/water/bills.ts';
import { generateLicence, type LegacyLicence } from '../../emulators/departments/vehicle-administration/records.ts';
import { sexOf } from '../../emulators/departments/civil-affairs/bookings.ts';

// Three seed services by clicking, in a phone-sized Chromium: a utility bill paid with a wallet and
// written back to its company, the licence points, and a marriage registration booked by one person
// and confirmed by the other from WeChat; then the bills again in English, inside Alipay.

const SHANGHAI = { id: 'shanghai', regionCode: '310000', platePrefix: '沪A' };
const servicePath = (serviceId: string) => `/app/cities/shanghai/services/${serviceId}`;
const TODAY = chinaDate(REFERENCE_DATE.getTime());

const WECHAT_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50(0x1800322c) NetType/WIFI Language/zh_CN';
const ALIPAY_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Ariver/1.1.0 AliApp(AP/10.6.10.6000) Nebula WK RVKType(0) AlipayDefined(nt:WIFI,ws:390|844|3.0) AlipayClient/10.6.10.6000 Language/zh-Hans Region/CN';

/** A bill as the company's generator makes it, in the app's words. */
interface ExpectedBill {
  readonly id: string;
  readonly title: string;
  /** The month billed, YYYY-MM. */
  readonly period: string;
  readonly dueOn: string;
  readonly amountFen: number;
  readonly status: 'paid' | 'unpaid' | 'overdue';
}

const yuanToFen = (yuan: string): number => Math.round(Number(yuan) * 100);
/** Text to find as it is inside a regular expression (masked names have stars). */
const literal = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const dashedDate = (compact: string): string => `${compact.slice(0, 4)}-${compact.slice(4, 6)}-${compact.slice(6, 8)}`;

/** The bills of a demo resident's three utility accounts, as the water, power and gas companies generate them. */
function expectedBills(person: DemoCitizen): ExpectedBill[] {
  const electricity = generateElectricityBills('shanghai', person.electricityAccount, REFERENCE_DATE).bills.map((bill) => ({
    id: bill.billNo,
    title: `电费 · ${bill.billYm.slice(0, 4)}-${bill.billYm.slice(4)}`,
    period: `${bill.billYm.slice(0, 4)}-${bill.billYm.slice(4)}`,
    dueOn: bill.payDeadline,
    amountFen: yuanToFen(bill.totalAmt),
    status: ({ 0: 'unpaid', 1: 'paid', 2: 'overdue' } as const)[bill.payStatus],
  }));
  const gas = generateGasBills('shanghai', person.gasAccount, REFERENCE_DATE).billList.map((bill) => ({
    id: bill.billNo,
    title: `燃气费 · ${bill.billMonth}`,
    period: bill.billMonth,
    dueOn: dashedDate(bill.lastPayDate),
    amountFen: yuanToFen(bill.billAmount),
    status: bill.payFlag === 'Y' ? ('paid' as const) : bill.overdueFlag === '1' ? ('overdue' as const) : ('unpaid' as const),
  }));
  const water = billingPeriods(REFERENCE_DATE).map((period) => {
    const bill = waterBill('shanghai', person.number, period, REFERENCE_DATE);
    const month = `${period.slice(0, 4)}-${period.slice(4)}`;
    return {
      id: `${bill.account}-${month}`,
      title: `水费 · ${month}`,
      period: month,
      dueOn: dashedDate(bill.dueOn),
      amountFen: yuanToFen(bill.amountYuan),
      status: bill.status === '已缴' ? ('paid' as const) : bill.status === '逾期' ? ('overdue' as const) : ('unpaid' as const),
    };
  });
  return [...water, ...electricity, ...gas];
}

/** The status a bill card shows: unpaid past its due date reads as overdue. */
function shownStatus(bill: ExpectedBill): string {
  if (bill.status === 'paid') return '已缴纳';
  return bill.status === 'overdue' || bill.dueOn < TODAY ? '已逾期' : '未缴纳';
}

/** A valid licence with some points used: the meter then says something a person reads. */
function licenceWithPoints(person: DemoCitizen): LegacyLicence | undefined {
  const licence = generateLicence('shanghai', person.nationalId, REFERENCE_DATE);
  const used = Number(licence?.LJJF);
  return licence?.ZT === 'A' && used >= 1 && used <= 11 ? licence : undefined;
}

/** The Shanghai demo resident with an unpaid electricity bill and a valid licence with points used. */
function pickResident(): DemoCitizen {
  for (let n = 1; n <= 200; n++) {
    const person = demoCitizen(n, SHANGHAI);
    const unpaid = generateElectricityBills('shanghai', person.electricityAccount, REFERENCE_DATE).bills.some((bill) => bill.payStatus !== '1');
    if (unpaid && licenceWithPoints(person)) return person;
  }
  throw new Error('no Shanghai demo resident has an unpaid electricity bill and a licence with points used');
}

/** The nearest demo resident of the other sex who is of marriage age (men 22, women 20) a month from now. */
function pickPartner(person: DemoCitizen): DemoCitizen {
  for (let n = 1; n <= 200; n++) {
    const other = demoCitizen(n, SHANGHAI);
    if (other.number === person.number || sexOf(other.nationalId) === sexOf(person.nationalId)) continue;
    const age = Number(TODAY.slice(0, 4)) - Number(other.nationalId.slice(6, 10)) - 1;
    if (age >= (sexOf(other.nationalId) === 'male' ? 22 : 20)) return other;
  }
  throw new Error(`no Shanghai demo resident can marry ${person.name}`);
}

const RESIDENT = pickResident();
const LICENCE = licenceWithPoints(RESIDENT)!;
const PARTNER = pickPartner(RESIDENT);
const BILLS = expectedBills(RESIDENT);
const BILL_TO_PAY = BILLS.find((bill) => bill.id.startsWith(RESIDENT.electricityAccount) && bill.status !== 'paid')!;

describe('utility bills, licence points and a marriage booking by clicking (390 × 844, and 1280 × 800 screenshots)', () => {
  const suite = phoneSuite(() => startTestHub(testEngines()[0]));
  const { consoleErrors, skipUnlessBuilt } = suite;
  let hub: TestHub;
  let origin: string;
  let page: Page;

  before(() => {
    if (suite.built) ({ hub, origin, page } = suite);
  });

  const shoot = (name: string, on: Page = page) => checkAndShoot(on, name);

  /** A modal sheet covers the screen a person sees: shoot that screen, not the whole page. */
  const shootScreen = (name: string, on: Page = page) => screenshotBoth(on, name, { fullPage: false });

  /** Waits until the image matched by `selector` has loaded and has a size. */
  const imageLoaded = (on: Page, selector: string) =>
    on.waitForFunction(`(() => { const img = document.querySelector(${JSON.stringify(selector)}); return img !== null && img.complete && img.naturalWidth > 0; })()`);

  /** Proves a person's real name in the Me page's form (Chinese or English labels). */

  /** Clicks "consent and retry" when this entrance has not been given the scope yet; the region then shows `ready`. */
  const consentIfAsked = async (region: Locator, ready: Locator, button = '同意授权并重试') => {
    const consent = region.getByRole('button', { name: button });
    await consent.or(ready).first().waitFor();
    if (await consent.isVisible()) await consent.click();
    await ready.waitFor();
  };

  it('logs in with an SMS code, proves the real name and links water, electricity and gas accounts, each confirmed by its company', async (t) => {
    if (skipUnlessBuilt(t)) return;
    await page.goto(`${origin}/app/login?next=${encodeURIComponent('/app/me')}`);
    await logInWithSmsCode(page, hub, RESIDENT.phone);
    await page.waitForURL(`${origin}/app/me`);
    await proveRealName(page, RESIDENT);

    const linked = page.getByRole('region', { name: '已绑定证件' });
    const accounts = [
      ['water-company', '自来水公司', RESIDENT.waterAccount],
      ['electricity-company', '电力公司', RESIDENT.electricityAccount],
      ['gas-company', '燃气公司', RESIDENT.gasAccount],
    ] as const;
    for (const [departmentId, company, account] of accounts) {
      await linkIdentifier(page, { kind: 'utility-account', value: account, cityId: 'shanghai', departmentId });
      // The company confirmed the account is the person's: the row says so.
      const row = linked.getByRole('listitem').filter({ hasText: company });
      await row.waitFor();
      assert.match(await row.innerText(), /水电燃气户号[\s\S]*已核验/, `${company}: ${await row.innerText()}`);
    }
    const utilityRows = linked.getByRole('listitem').filter({ hasText: '水电燃气户号' });
    assert.equal(await utilityRows.count(), 3);
    assert.equal(await utilityRows.filter({ hasText: '已核验' }).count(), 3, 'three confirmed utility accounts');
    await shoot('40-me-utility-accounts');
  });

  it('shows the bills of all three companies with their due dates, and pays an unpaid electricity bill with WeChat Pay', async (t) => {
    if (skipUnlessBuilt(t)) return;
    await page.goto(`${origin}${servicePath('living.utility-bills')}`);
    await page.getByRole('heading', { level: 1, name: '水电燃气账单与缴费' }).waitFor();
    const records = page.getByRole('region', { name: '我的记录' });
    await consentIfAsked(records, records.locator('article[data-record-id]').first());
    for (const bill of BILLS) {
      const card = records.locator(`article[data-record-id="${bill.id}"]`);
      await card.waitFor();
      const text = await card.innerText();
      assert.ok(text.includes(bill.title), `${bill.id}: titled ${bill.title}: ${text}`);
      assert.match(text, new RegExp(`缴费截止日期\\s*${bill.dueOn}`), `${bill.id}: due ${bill.dueOn}: ${text}`);
      assert.ok(text.includes(shownStatus(bill)), `${bill.id}: ${shownStatus(bill)}: ${text}`);
      assert.match(text, /用量\s*\d+ (m³|kWh)\n/, `${bill.id}: usage in units a person reads: ${text}`);
      assert.equal(await card.getByRole('button', { name: '缴费', exact: true }).count(), bill.status === 'paid' ? 0 : 1, `${bill.id}: payable only when unpaid`);
    }
    assert.equal(await records.locator('article[data-record-id]').count(), BILLS.length, 'no bill of anyone else');
    // Whichever company sent them in whichever order: the bills to pay first, soonest due first; then the paid ones, newest first.
    const shownIds = await records.locator('article[data-record-id]').evaluateAll((cards) => cards.map((card) => card.getAttribute('data-record-id')));
    const toPay = BILLS.filter((b) => b.status !== 'paid').sort((a, b) => a.dueOn.localeCompare(b.dueOn) || a.id.localeCompare(b.id));
    const paidBills = BILLS.filter((b) => b.status === 'paid').sort((a, b) => b.period.localeCompare(a.period));
    assert.deepEqual(shownIds.slice(0, toPay.length), toPay.map((b) => b.id), 'the bills to pay come first, soonest due first');
    assert.deepEqual(
      shownIds.slice(toPay.length).map((id) => BILLS.find((b) => b.id === id)!.period),
      paidBills.map((b) => b.period),
      'then the paid ones, newest period first',
    );
    await shoot('40-bills');

    const card = records.locator(`article[data-record-id="${BILL_TO_PAY.id}"]`);
    const amount = (await card.locator('.record-figure').innerText()).trim();
    assert.equal(amount, `¥${(BILL_TO_PAY.amountFen / 100).toFixed(2)}`);
    await card.getByRole('button', { name: '缴费', exact: true }).click();
    const sheet = page.getByRole('dialog', { name: '缴费' });
    await sheet.getByText(amount, { exact: true }).waitFor();
    await sheet.getByRole('radio', { name: '微信支付' }).check();
    await assertAccessible(page, 'the pay sheet', { include: '.sheet' });
    await sheet.getByRole('button', { name: '生成付款码' }).click();
    await sheet.getByRole('img', { name: '微信支付付款码' }).waitFor();
    await imageLoaded(page, '.sheet .qr-frame img');
    await sheet.getByRole('status').filter({ hasText: '等待支付' }).waitFor();
    await shootScreen('41-bill-pay-qr');

    // The WeChat app scans the code and pays it.
    const intent = await hub.store.db.selectFrom('payment_intents').select(['id', 'qr_code_content', 'out_trade_no']).where('wallet', '=', 'wechatpay').where('state', '=', 'pending').executeTakeFirstOrThrow();
    await scanAndPay(hub.emulators.url, 'wechatpay', intent.qr_code_content!);
    await sheet.getByText(`支付成功：${amount} 已缴纳。`).waitFor();
    await sheet.getByRole('button', { name: '完成' }).click();
    await sheet.waitFor({ state: 'hidden' });
    await card.getByText('已缴纳').waitFor();
    assert.equal(await card.getByRole('button', { name: '缴费', exact: true }).count(), 0, 'a paid bill offers no payment');
    await shoot('41-bill-paid');

    // The power company recorded the payment once, under the hub's trade number, and the hub knows its reference.
    const ledger = paymentLedger(hub.emulators.url, 'electricity', 'shanghai');
    const entry = await until('the power company to record the payment', () => ledger?.paymentOf(BILL_TO_PAY.id));
    assert.equal(entry.reference, intent.out_trade_no);
    assert.equal(entry.amountFen, BILL_TO_PAY.amountFen);
    assert.equal(ledger?.recordings(BILL_TO_PAY.id), 1);
    const written = await until('the hub to note the write-back', async () => {
      const row = await hub.store.db.selectFrom('payment_intents').select(['state', 'written_back_at', 'department_reference']).where('id', '=', intent.id).executeTakeFirst();
      return row?.written_back_at ? row : undefined;
    });
    assert.equal(written.state, 'succeeded');
    assert.equal(written.department_reference, entry.departmentReference);

    // Opened again, the bill is still paid.
    await page.reload();
    await records.locator(`article[data-record-id="${BILL_TO_PAY.id}"]`).getByText('已缴纳').waitFor();
  });

  it('shows the licence points the vehicle administration holds for the person', async (t) => {
    if (skipUnlessBuilt(t)) return;
    await page.goto(`${origin}${servicePath('traffic.licence')}`);
    await page.getByRole('heading', { level: 1, name: '驾驶证记分与状态' }).waitFor();
    const records = page.getByRole('region', { name: '我的记录' });
    const card = records.locator('article').filter({ has: page.getByRole('heading', { name: '驾驶证' }) });
    await consentIfAsked(records, card);
    const left = 12 - Number(LICENCE.LJJF);
    const meter = card.getByRole('meter', { name: '剩余记分' });
    assert.equal(await meter.getAttribute('value'), String(left), 'the meter shows the points left');
    assert.equal(await meter.getAttribute('max'), '12');
    assert.equal((await card.locator('.points-value').innerText()).trim(), `${left} / 12 分`);
    const text = await card.innerText();
    assert.match(text, new RegExp(`已记分\\s*${LICENCE.LJJF}\\b`));
    assert.match(text, new RegExp(`有效期至\\s*${LICENCE.YXQZ}`));
    assert.match(text, new RegExp(`准驾车型\\s*${LICENCE.ZJCX}\\b`));
    assert.match(text, /有效/);
    assert.ok(!text.includes(RESIDENT.nationalId), 'the licence number (the national id) is masked');
    await shoot('42-licence');
  });

  it('books a marriage registration naming the other party, who confirms it from WeChat; then it is confirmed', async (t) => {
    if (skipUnlessBuilt(t)) return;
    await page.goto(`${origin}${servicePath('civil.marriage-booking')}`);
    await page.getByRole('heading', { level: 1, name: '婚姻登记预约' }).waitFor();
    const slots = page.getByRole('region', { name: '预约时段' });
    const slot = slots.locator('li.slot').first();
    await slot.waitFor();
    const book = slot.getByRole('button', { name: '预约' });
    assert.equal(await book.isDisabled(), true, 'nothing is booked before the other party is named');
    const partner = slots.getByRole('group', { name: '另一方信息' });
    await partner.getByLabel('对方姓名').fill(PARTNER.name);
    await partner.getByLabel('对方身份证号').fill(PARTNER.nationalId);
    assert.equal(await book.isDisabled(), false);
    await shoot('43-marriage-form');
    const office = (await slot.locator('.slot-resource').innerText()).trim();
    await book.click();

    const mine = page.getByRole('region', { name: '我在该服务的预约' });
    const card = mine.locator('article[data-booking-id]').first();
    await consentIfAsked(slots, card);
    await card.getByText('待确认').waitFor();
    await card.getByText(`等待${maskName(PARTNER.name)}确认`).waitFor();
    assert.deepEqual([await partner.getByLabel('对方姓名').inputValue(), await partner.getByLabel('对方身份证号').inputValue()], ['', ''], "the other party's id is not left on screen");
    assert.match(await card.innerText(), new RegExp(`另一方\\s*${literal(maskName(PARTNER.name))} · 未确认`));
    const bookingId = await card.getAttribute('data-booking-id');
    await shoot('44-marriage-awaiting-partner');

    // The other party, on their own phone in WeChat: logs in through WeChat, proves their name, confirms.
    const wechat = await suite.rig.newPage({ viewport: PHONE, hasTouch: true, userAgent: WECHAT_UA });
    try {
      await wechat.goto(`${origin}/app/login?next=${encodeURIComponent('/app/me')}`);
      await wechat.getByRole('heading', { name: /登录微信/ }).waitFor();
      await wechat.getByLabel(/用户 ID/).fill('demo-00005678');
      await wechat.getByRole('button', { name: /同意并登录/ }).click();
      await wechat.waitForURL(`${origin}/app/me`);
      await wechat.getByRole('region', { name: '账号' }).getByText('微信').waitFor();
      const realName = await submitRealName(wechat, PARTNER);
      await realName.getByText('已通过公安部门核验', { exact: false }).waitFor();

      await wechat.getByRole('link', { name: '我的预约' }).click();
      await wechat.waitForURL(`${origin}/app/bookings`);
      const waiting = wechat.locator(`article[data-booking-id="${bookingId}"]`);
      await waiting.getByText('等待您确认').waitFor();
      const waitingText = await waiting.innerText();
      assert.ok(waitingText.includes(office), `the office: ${waitingText}`);
      assert.match(waitingText, new RegExp(`预约人\\s*${literal(maskName(RESIDENT.name))}预约，您是另一方`), 'the other party sees who asked');
      assert.equal(await waiting.getByRole('button', { name: '取消预约' }).count(), 0, 'only the booker cancels');
      assert.equal(await wechat.locator('html').getAttribute('data-entrance'), 'wechat');
      await shoot('45-marriage-partner-confirm', wechat);
      await waiting.getByRole('button', { name: '确认预约' }).click();
      await waiting.getByText('已确认', { exact: true }).waitFor();
      await waiting.getByText('确认号').waitFor();
      assert.equal(await waiting.getByRole('button', { name: '确认预约' }).count(), 0, 'confirmed once');
    } finally {
      await wechat.context().close();
    }

    // The booker's page follows the booking on its own: confirmed, with the registry's number.
    await card.locator('.booking-status').getByText('已确认', { exact: true }).waitFor();
    const confirmation = /确认号\s*(\S+)/.exec(await card.innerText())?.[1];
    assert.ok(confirmation, 'the confirmation number is shown');
    assert.match(await card.innerText(), new RegExp(`另一方\\s*${literal(maskName(PARTNER.name))} · 已确认`));
    await shoot('46-marriage-confirmed');

    // The registry holds one booking for the couple, man and woman in their places, under that number.
    const answer = await fetch(`${hub.emulators.url}/civil-affairs/shanghai/api/hydj/yy?sfzh=${RESIDENT.nationalId}`);
    const { data } = (await answer.json()) as { data: { records: Array<{ yyh: string; zt: string; nfxm: string; nvfxm: string; djjgmc: string }> } };
    assert.equal(data.records.length, 1);
    const [man, woman] = sexOf(RESIDENT.nationalId) === 'male' ? [RESIDENT, PARTNER] : [PARTNER, RESIDENT];
    assert.deepEqual(
      { yyh: data.records[0]!.yyh, zt: data.records[0]!.zt, nfxm: data.records[0]!.nfxm, nvfxm: data.records[0]!.nvfxm },
      { yyh: confirmation, zt: '1', nfxm: maskName(man.name), nvfxm: maskName(woman.name) },
    );
    assert.ok(office.includes(data.records[0]!.djjgmc), `booked at ${data.records[0]!.djjgmc}, shown as ${office}`);
  });

  it('reads the bills in English inside Alipay: its skin, its login, the same paid bill', async (t) => {
    if (skipUnlessBuilt(t)) return;
    const alipay = await suite.rig.newPage({ viewport: PHONE, hasTouch: true, userAgent: ALIPAY_UA });
    try {
      await alipay.goto(`${origin}${servicePath('living.utility-bills')}`);
      await alipay.getByRole('heading', { level: 1, name: '水电燃气账单与缴费' }).waitFor();
      assert.equal(await alipay.locator('html').getAttribute('data-entrance'), 'alipay');
      await alipay.getByRole('button', { name: 'Switch to English' }).click();
      await alipay.getByRole('heading', { level: 1, name: 'Water, electricity and gas bills' }).waitFor();
      assert.equal(await alipay.locator('html').getAttribute('lang'), 'en');

      // Alipay's own login, then the same person's real name: this entrance joins their account.
      await alipay.getByRole('button', { name: 'Log in to see them' }).click();
      await alipay.getByRole('heading', { name: /登录支付宝/ }).waitFor();
      await alipay.getByLabel(/用户 ID/).fill('2088000012345678');
      await alipay.getByRole('button', { name: /同意并登录/ }).click();
      await alipay.waitForURL(`${origin}${servicePath('living.utility-bills')}`);
      const records = alipay.getByRole('region', { name: 'My records' });
      const goToMe = records.getByRole('link', { name: 'Do it under "Me"' });
      await consentIfAsked(records, goToMe, 'Consent and try again');
      await goToMe.click();
      await alipay.waitForURL(`${origin}/app/me`);
      const realName = await submitRealName(alipay, RESIDENT, { region: 'Real name', name: 'Name', id: 'National id number', submit: 'Prove my real name' });
      await realName.getByText(/Confirmed by the public-security register/).waitFor();

      await alipay.goto(`${origin}${servicePath('living.utility-bills')}`);
      await consentIfAsked(records, records.locator('article[data-record-id]').first(), 'Consent and try again');
      const paid = records.locator(`article[data-record-id="${BILL_TO_PAY.id}"]`);
      await paid.waitFor();
      assert.match(await paid.innerText(), new RegExp(`^Electricity · ${BILL_TO_PAY.title.slice(-7)}\\s*paid\\b[\\s\\S]*Due\\s*${BILL_TO_PAY.dueOn}`));
      const unpaid = records.locator('article[data-record-id]').filter({ has: alipay.getByRole('button', { name: 'Pay', exact: true }) }).first();
      if ((await unpaid.count()) > 0) assert.match(await unpaid.innerText(), /(due in \d+ days?|due today|\d+ days? overdue)/);
      const everything = await alipay.locator('main').innerText();
      assert.doesNotMatch(everything, /[\u3400-\u9fff]/, `no Chinese left on the English page: ${everything.match(/.*[\u3400-\u9fff].*/)?.[0]}`);
      await shoot('47-bills-english-alipay', alipay);
    } finally {
      await alipay.context().close();
    }
  });

  it('wrote nothing to the console as an error', (t) => {
    if (skipUnlessBuilt(t)) return;
    assert.deepEqual(consoleErrors, []);
  });
});
