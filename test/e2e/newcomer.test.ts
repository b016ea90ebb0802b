import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startTestHub, type TestHub } from '../helpers/hub.ts';
import { testEngines } from '../helpers/stores.ts';
import { assertAccessible, focused, phoneSuite, PHONE, screenshotBoth, tabTo } from '../helpers/browser.ts';

// A newcomer with nothing but the browser and a hub in demo mode: they know no resident of the
// emulated world and cannot read its phones, so the app lets them be one — pick a resident, read
// the code their phone received, fill in their name and their identifiers — and every service opens.

interface Resident {
  name: string;
  phone: string;
  nationalId: string;
  plate: string;
  electricityAccount: string;
}

const VIOLATIONS = '/app/cities/shanghai/services/traffic.violations';

describe('a newcomer tries the demo as a resident of the emulated world (390 × 844)', () => {
  const suite = phoneSuite(() => startTestHub(testEngines()[0], {}, { importBatchFiles: false }));
  const { consoleErrors, skipUnlessBuilt } = suite;
  let hub: TestHub;
  let origin: string;
  let page: Page;
  let first: Resident;

  before(async () => {
    if (!suite.built) return;
    ({ hub, origin, page } = suite);
    const listed = await hub.app.inject({ method: 'GET', url: '/v1/demo/residents?cityId=shanghai&count=1' });
    [first] = listed.json().residents as Resident[];
  });

  it('picks a resident by keyboard on the login page, reads the code on their emulated phone and logs in', async (t) => {
    if (skipUnlessBuilt(t)) return;
    await page.goto(`${origin}/app/login?next=${encodeURIComponent(VIOLATIONS)}`);
    await page.getByLabel('手机号').waitFor();
    await tabTo(page, /演示：以模拟居民的身份试用/);
    await page.keyboard.press('Enter');
    const choose = page.getByRole('button', { name: `选择${first.name}` });
    await choose.waitFor();
    await assertAccessible(page, 'the demo residents');
    await screenshotBoth(page, '60-demo-residents');
    await tabTo(page, new RegExp(`选择${first.name}`));
    await page.keyboard.press('Enter');
    assert.equal(await page.getByLabel('手机号').inputValue(), first.phone, 'the resident\'s phone is filled in');
    assert.equal((await focused(page)).text, '手机号', 'and the phone field has the focus, to send the code from');
    await page.getByRole('status').filter({ hasText: `已选择模拟居民${first.name}` }).waitFor();

    await page.getByRole('button', { name: '获取验证码' }).click();
    const phone = page.getByRole('region', { name: `模拟手机 ${first.phone} 收到的短信` });
    await phone.getByText(/您的登录验证码为\d{6}/).waitFor();
    await screenshotBoth(page, '61-demo-phone');
    await phone.getByRole('button', { name: '填入验证码' }).click();
    const sent = /\d{6}/.exec(hub.emulators.sms.inbox(first.phone)[0]?.text ?? '')?.[0];
    assert.equal(await page.getByLabel('验证码').inputValue(), sent, 'the code the phone received');
    await page.getByRole('button', { name: '登录', exact: true }).click();
    await page.waitForURL(`${origin}${VIOLATIONS}`);
  });

  it('proves the resident\'s real name and links their plate and electricity account from what the demo knows', async (t) => {
    if (skipUnlessBuilt(t)) return;
    await page.goto(`${origin}/app/me`);
    const realName = page.getByRole('region', { name: '实名认证' });
    await realName.getByRole('button', { name: `填入模拟居民${first.name}的姓名与身份证号` }).click();
    assert.equal(await realName.getByLabel('姓名').inputValue(), first.name);
    assert.equal(await realName.getByLabel('身份证号').inputValue(), first.nationalId);
    await screenshotBoth(page, '62-demo-real-name');
    await realName.getByRole('checkbox').check();
    await realName.getByRole('button', { name: '提交认证' }).click();
    await realName.getByText('已通过公安部门核验', { exact: false }).waitFor();

    const link = page.getByRole('region', { name: '绑定证件', exact: true });
    await link.getByRole('button', { name: `填入${first.name}的号码 ${first.plate}` }).click();
    await link.getByRole('checkbox').check();
    await link.getByRole('button', { name: '绑定' }).click();
    await link.getByRole('status').filter({ hasText: '已绑定' }).waitFor();

    await link.getByLabel('证件类型').selectOption('utility-account');
    await link.getByLabel('发证单位').selectOption('electricity-company');
    await link.getByRole('button', { name: `填入${first.name}的号码 ${first.electricityAccount}` }).click();
    assert.equal(await link.getByLabel('号码').inputValue(), first.electricityAccount);
    await link.getByRole('button', { name: '绑定' }).click();
    await link.getByRole('status').filter({ hasText: '已绑定' }).waitFor();
    const linked = page.getByRole('region', { name: '已绑定证件' });
    await linked.getByText('车牌号').waitFor();
    await linked.getByText(first.electricityAccount.slice(-4), { exact: false }).waitFor();

    await page.goto(`${origin}${VIOLATIONS}`);
    const records = page.getByRole('region', { name: '我的记录' });
    await records.locator('article[data-record-id]').first().or(records.getByText('暂无记录')).first().waitFor();
  });

  it('reads the same in English, in a new tab that has chosen nobody yet', async (t) => {
    if (skipUnlessBuilt(t)) return;
    const other = await suite.rig.newPage({ viewport: PHONE, hasTouch: true });
    try {
      await other.goto(`${origin}/app/login`);
      await other.getByRole('button', { name: 'Switch to English' }).click();
      await other.getByText('Demo: try it as a resident of the emulated world').click();
      await other.getByRole('button', { name: `Choose ${first.name}` }).click();
      await other.getByRole('status').filter({ hasText: `${first.name}, a resident of the emulated world, is chosen.` }).waitFor();
      assert.equal(await other.getByLabel('Mobile number').inputValue(), first.phone);
      await screenshotBoth(other, '63-demo-residents-english');
    } finally {
      await other.context().close();
    }
  });

  it('wrote nothing to the console as an error', (t) => {
    if (skipUnlessBuilt(t)) return;
    assert.deepEqual(consoleErrors, []);
  });
});
