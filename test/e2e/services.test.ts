import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { REFERENCE_DATE, startTestHub, type TestHub } from '../helpers/hub.ts';
import { testEngines } from '../helpers/stores.ts';
import { linkIdentifier, logInWithSmsCode, proveRealName } from '../helpers/citizen-steps.ts';
import { checkAndShoot, phoneSuite } from '../helpers/browser.ts';
import { demoCitizen, type DemoCitizen } from '../../src/demo/demo-citizens.ts';
import { generateLibraryLoans, renewalRefusal } from '../../emulators/departments/library/records.ts';
import { generatePermitApplications } from '../../emulators/departments/exit-entry/records.ts';
import { generateInsuranceSummary } from '../../emulators/departments/social-security/records.ts';

// Every seed service by clicking, in a phone-sized Chromium: My City, renewing a loan, a route's
// road conditions, social insurance and a permit's progress.

const SHANGHAI = { id: 'shanghai', regionCode: '310000', platePrefix: '沪A' };
const servicePath = (serviceId: string) => `/app/cities/shanghai/services/${serviceId}`;

/** A Shanghai demo resident with a loan the library renews today, a permit application and social insurance. */
function residentForEveryService(): DemoCitizen {
  for (let n = 1; n <= 200; n++) {
    const person = demoCitizen(n, SHANGHAI);
    const renewable = generateLibraryLoans('shanghai', person.libraryCard, REFERENCE_DATE).loans.some((loan) => renewalRefusal(loan) === undefined);
    const permits = generatePermitApplications('shanghai', person.nationalId, REFERENCE_DATE).length > 0;
    const insured = generateInsuranceSummary('shanghai', person.nationalId, REFERENCE_DATE) !== undefined;
    if (renewable && permits && insured) return person;
  }
  throw new Error('no Shanghai demo resident has a renewable loan, a permit application and social insurance');
}

/** A date "YYYY-MM-DD" moved by whole days. */
function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

describe('every seed service by clicking (390 × 844, and 1280 × 800 screenshots)', () => {
  const person = residentForEveryService();
  const suite = phoneSuite(() => startTestHub(testEngines()[0], {}, { importBatchFiles: false }));
  const { consoleErrors, skipUnlessBuilt } = suite;
  let hub: TestHub;
  let origin: string;
  let page: Page;

  before(() => {
    if (suite.built) ({ hub, origin, page } = suite);
  });

  const shoot = (name: string) => checkAndShoot(page, name);

  it('logs in with an SMS code, proves the real name, links a plate and a library card', async (t) => {
    if (skipUnlessBuilt(t)) return;
    await page.goto(`${origin}/app/login?next=${encodeURIComponent('/app/me')}`);
    await logInWithSmsCode(page, hub, person.phone);
    await page.waitForURL(`${origin}/app/me`);
    await proveRealName(page, person);
    await linkIdentifier(page, { kind: 'plate', value: person.plate });
    await linkIdentifier(page, { kind: 'library-card', value: person.libraryCard, cityId: 'shanghai' });
    const linked = page.getByRole('region', { name: '已绑定证件' });
    await linked.getByText('车牌号').waitFor();
    await linked.getByText('借书证').waitFor();
  });

  it('sees My City: each section with its status in words, the age of its data and a summary; suggestions lead to Me', async (t) => {
    if (skipUnlessBuilt(t)) return;
    await page.goto(`${origin}/app/?city=shanghai`);
    const myCity = page.getByRole('region', { name: '我的城市' });
    const sections = myCity.locator('li[data-service-id]');
    await sections.first().waitFor();
    // A department slower than the dashboard's deadline misses this answer and fills the cache for the next: reload.
    for (let attempt = 0; attempt < 3 && (await myCity.locator('li[data-status="unavailable"]').count()) > 0; attempt++) {
      await myCity.getByRole('button', { name: '刷新' }).click();
      await myCity.getByRole('button', { name: '刷新' }).waitFor();
    }
    const ids = await Promise.all((await sections.all()).map((item) => item.getAttribute('data-service-id')));
    for (const id of ['culture.library-loans', 'traffic.violations', 'traffic.licence', 'social.insurance', 'civil.exit-entry-progress']) {
      assert.ok(ids.includes(id), `My City shows ${id}: ${ids.join(', ')}`);
    }
    for (const text of await sections.allInnerTexts()) {
      assert.match(text, /正常|缓存数据|部分数据|暂不可用/, `a status in words: ${text}`);
      if (!text.includes('暂不可用')) assert.match(text, /刚刚更新|\d+ 分钟前更新|\d+ 小时前更新/, `the age of the data: ${text}`);
    }
    const loans = sections.filter({ has: page.getByRole('link', { name: '图书借阅与续借' }) });
    assert.match(await loans.innerText(), /本书|借阅中/, 'the loans are summed up in a line');
    assert.match(await sections.filter({ has: page.getByRole('link', { name: '驾驶证记分与状态' }) }).innerText(), /剩余 \d+ 分|暂无记录/);
    // No utility account linked: the bills are suggested, with the way to link one.
    const suggestion = myCity.locator('.suggestions li').filter({ hasText: '水电燃气账单与缴费' });
    assert.equal(await suggestion.getByRole('link', { name: '前往「我的」' }).getAttribute('href'), '/app/me');
    await shoot('my-city');

    await myCity.getByRole('button', { name: '刷新' }).click();
    await myCity.getByRole('button', { name: '刷新' }).waitFor();
    await sections.first().waitFor();
  });

  it('renews a library loan and sees its new due date', async (t) => {
    if (skipUnlessBuilt(t)) return;
    await page.getByRole('region', { name: '我的城市' }).getByRole('link', { name: '图书借阅与续借' }).click();
    await page.waitForURL(`${origin}${servicePath('culture.library-loans')}`);
    const records = page.getByRole('region', { name: '我的记录' });
    const card = records.locator('article').filter({ has: page.getByRole('button', { name: '续借', disabled: false }) }).first();
    await card.waitFor();
    const recordId = await card.getAttribute('data-record-id');
    const dueBefore = /应还日期\s*(\d{4}-\d{2}-\d{2})/.exec(await card.innerText())?.[1];
    assert.ok(dueBefore, 'the card shows the due date');
    const expected = addDays(dueBefore, 30);

    await card.getByRole('button', { name: '续借' }).click();
    const renewed = records.locator(`article[data-record-id="${recordId}"]`);
    await renewed.getByRole('status').filter({ hasText: `续借成功，新的应还日期：${expected}` }).waitFor();
    // The list was loaded again from the library: the card itself shows the new date.
    await renewed.locator('.fields').getByText(expected).waitFor();
    await shoot('library-renewed');
  });

  it('picks a route from named places and sees its road segments in order, with their conditions', async (t) => {
    if (skipUnlessBuilt(t)) return;
    await page.goto(`${origin}${servicePath('traffic.road-conditions')}`);
    const roads = page.getByRole('region', { name: '路线路况' });
    // Without a route: every reported road, the worst first.
    const cityRoads = roads.getByRole('region', { name: '全市路况（拥堵在前）' }).locator('li.road');
    await cityRoads.first().waitFor();
    const severity = { free: 0, slow: 1, congested: 2, blocked: 3 } as Record<string, number>;
    const levels = (await Promise.all((await cityRoads.all()).map((item) => item.getAttribute('data-level')))) as string[];
    assert.deepEqual(levels, [...levels].sort((a, b) => severity[b]! - severity[a]!), 'the worst roads come first');

    const from = roads.getByLabel('起点');
    const to = roads.getByLabel('终点');
    const places = await from.locator('option:not([disabled])').allTextContents();
    assert.ok(places.includes('延安高架路（西端）') && places.includes('延安高架路（东端）'), `named places: ${places.join(', ')}`);
    assert.ok(places.every((p) => !/\d+\.\d+/.test(p)), 'no coordinates to type or read');
    await from.selectOption({ label: '延安高架路（西端）' });
    await to.selectOption({ label: '延安高架路（东端）' });
    await roads.getByRole('button', { name: '查看沿途路况' }).click();

    const route = roads.getByRole('region', { name: '延安高架路（西端） → 延安高架路（东端）' });
    const segments = route.locator('ol > li.road');
    await segments.first().waitFor();
    const texts = await segments.allInnerTexts();
    for (const text of texts) assert.match(text, /畅通|缓行|拥堵|严重拥堵/, `a level in words: ${text}`);
    for (const text of texts) assert.match(text, /\d+\.\d km\/h/, `a speed: ${text}`);
    // Along Yan'an Elevated Road from its west end: its four segments, west to east; crossing roads are only nearby.
    const yanan = texts.filter((text) => text.includes('延安高架路')).map((text) => Number(/第 (\d+) 段/.exec(text)?.[1]));
    assert.deepEqual(yanan, [1, 2, 3, 4], `all four segments, in the order met: ${texts.join(' | ')}`);
    await route.getByText(/^数据时间 \d{4}-\d{2}-\d{2} \d{2}:\d{2}$/).waitFor();
    await shoot('road-conditions');
  });

  it('shows social insurance with months paid and balances in yuan', async (t) => {
    if (skipUnlessBuilt(t)) return;
    await page.goto(`${origin}${servicePath('social.insurance')}`);
    const card = page.getByRole('region', { name: '我的记录' }).locator('article').first();
    await card.waitFor();
    const text = await card.innerText();
    assert.match(text, /累计缴费\s*\d+ 个月/);
    assert.match(text, /养老账户余额\s*¥[\d,]+\.\d{2}/);
    assert.match(text, /正常参保|暂停缴费/);
    await shoot('social-insurance');
  });

  it('shows an exit-entry application as steps, the current one marked', async (t) => {
    if (skipUnlessBuilt(t)) return;
    await page.goto(`${origin}${servicePath('civil.exit-entry-progress')}`);
    const card = page.getByRole('region', { name: '我的记录' }).locator('article').first();
    await card.waitFor();
    const steps = card.getByRole('list', { name: /办理进度$/ }).getByRole('listitem');
    assert.ok((await steps.count()) >= 3);
    const current = card.locator('li[aria-current="step"]');
    assert.equal(await current.count(), 1, 'one current step');
    assert.match(await current.innerText(), /当前/);
    await shoot('permit-progress');
  });

  it('reads the same in English: My City and a route', async (t) => {
    if (skipUnlessBuilt(t)) return;
    await page.goto(`${origin}/app/?city=shanghai`);
    await page.getByRole('button', { name: 'Switch to English' }).click();
    const myCity = page.getByRole('region', { name: 'My City' });
    await myCity.locator('li[data-service-id]').first().waitFor();
    assert.match(await myCity.innerText(), /updated just now|updated \d+ (min|h) ago/);
    assert.doesNotMatch(await myCity.innerText(), /刚刚更新|分钟前更新|数据正常/, 'My City speaks English');
    await shoot('my-city-english');

    await page.goto(`${origin}${servicePath('traffic.road-conditions')}`);
    const roads = page.getByRole('region', { name: 'Conditions along a route' });
    await roads.getByLabel('From').waitFor();
    await roads.getByRole('button', { name: 'Show the route' }).waitFor();
    await shoot('road-conditions-english');
    await page.getByRole('button', { name: '切换到中文' }).click();
    await page.getByRole('region', { name: '路线路况' }).waitFor();
  });

  it('wrote nothing to the console as an error', (t) => {
    if (skipUnlessBuilt(t)) return;
    assert.deepEqual(consoleErrors, []);
  });
});
