import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Browser, BrowserContext, FrameLocator, Page } from 'playwright-core';
import { startTestHub, type TestHub } from '../helpers/hub.ts';
import { testEngines } from '../helpers/stores.ts';
import { accessibilityProblems, assertAccessible, DESKTOP, ensureWebBuild, PHONE, SCREENSHOTS, watchConsole as collectConsoleErrors, openBrowserRig, skipWithoutBuild, type BrowserRig } from '../helpers/browser.ts';

// The demo page: the web app in a phone frame as each entrance shows it, each frame logged in
// through its own platform's authorization page.

const SKINS = ['alipay', 'wechat', 'taobao', 'weibo', 'web'] as const;
/** Where the demo apps of Weibo and Taobao are registered to come back to: `npm start`'s hub. */
const REGISTERED_HUB = 'http://127.0.0.1:3000';

describe('the entrances demo page, and every entrance skin', () => {
  let rig: BrowserRig | undefined;
  let hub: TestHub;
  let origin: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const consoleErrors: string[] = [];

  const watchConsole = (on: Page) => collectConsoleErrors(on, origin, consoleErrors);

  before(async () => {
    if (!ensureWebBuild()) return;
    hub = await startTestHub(testEngines()[0], {}, { importBatchFiles: false });
    rig = await openBrowserRig(hub, consoleErrors);
    ({ origin, browser } = rig);
    page = await rig.newPage({ viewport: DESKTOP });
    context = page.context();
    // Weibo sends the browser back to the callback registered for its demo app, npm start's hub;
    // this hub listens on another port, so its answer is pointed here (the code stays bound to that URI).
    await context.route(`${hub.emulators.url}/weibo/oauth2/authorize**`, async (route) => {
      const response = await route.fetch({ maxRedirects: 0 });
      const location = response.headers().location;
      if (!location?.startsWith(`${REGISTERED_HUB}/`)) return route.fulfill({ response });
      return route.fulfill({ response, headers: { ...response.headers(), location: `${origin}${location.slice(REGISTERED_HUB.length)}` } });
    });
  });

  after(() => rig?.close());

  const skipUnlessBuilt = (t: TestContext): boolean => skipWithoutBuild(rig !== undefined, t);

  const frameOf = (id: string): FrameLocator => page.frameLocator(`iframe[name="hutong-entrance-${id}"]`);

  /** The frame's skin: `<html data-entrance>`, the primary colour and the header bar's background. */
  const skinIn = (on: Page | FrameLocator) =>
    // Run in the page or frame itself, where `document` is its own.
    on.locator('html').evaluate(
      `(() => {
        const style = getComputedStyle(document.documentElement);
        return {
          entrance: document.documentElement.dataset.entrance ?? null,
          brand: style.getPropertyValue('--brand').trim(),
          header: getComputedStyle(document.querySelector('.app-header')).backgroundColor,
        };
      })()`,
    ) as Promise<{ entrance: string | null; brand: string; header: string }>;

  /** In a frame: from the home page's "log in" through the platform's authorization page and back. */
  const logInThroughPlatform = async (frame: FrameLocator, platform: string, userId: string) => {
    await frame.getByRole('region', { name: '当前入口' }).getByRole('link', { name: '登录', exact: true }).click();
    await frame.getByRole('heading', { name: new RegExp(`登录${platform}`) }).waitFor();
    await frame.getByLabel(/用户 ID/).fill(userId);
    await frame.getByRole('button', { name: /同意并登录/ }).click();
    await frame.getByRole('region', { name: '当前入口' }).getByText('已登录').waitFor();
  };


  const storedSession = async (id: string) =>
    JSON.parse((await page.evaluate<string | null>(`sessionStorage.getItem('hutong.session.${id}')`)) ?? 'null') as { channel?: string } | null;

  it('logs in inside the Alipay frame and the Weibo frame, each through its platform, and keeps both', async (t) => {
    if (skipUnlessBuilt(t)) return;
    await page.goto(`${origin}/app/demo`);
    await page.getByRole('heading', { level: 1, name: '一个互通，五个入口' }).waitFor();
    const tabs = page.getByRole('tablist', { name: '入口' }).getByRole('tab');
    assert.deepEqual(await tabs.allTextContents(), ['支付宝', '微信', '淘宝', '微博', '网页']);
    await assertAccessible(page, 'the demo page itself');

    await page.getByRole('tab', { name: '支付宝' }).click();
    assert.equal(await page.getByRole('tab', { name: '支付宝' }).getAttribute('aria-selected'), 'true');
    const alipay = frameOf('alipay');
    await alipay.getByRole('region', { name: '当前入口' }).getByText('您正在通过「支付宝」使用互通').waitFor();
    await alipay.getByText('默认支付方式：支付宝').waitFor();
    await logInThroughPlatform(alipay, '支付宝', '2088000012345678');
    assert.equal(await alipay.locator('html').evaluate('location.hash'), '', 'the handoff code left the address');
    assert.equal((await storedSession('alipay'))?.channel, 'alipay');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'entrance-demo-alipay-1280.png'), fullPage: true });

    await page.getByRole('tab', { name: '微博' }).click();
    const weibo = frameOf('weibo');
    await weibo.getByRole('region', { name: '当前入口' }).getByText('您正在通过「微博」使用互通').waitFor();
    await weibo.getByRole('region', { name: '当前入口' }).getByText('未登录').waitFor(); // the Alipay login is not Weibo's
    await logInThroughPlatform(weibo, '微博', 'demo-00001234');
    assert.equal((await storedSession('weibo'))?.channel, 'weibo');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'entrance-demo-weibo-1280.png'), fullPage: true });

    // Back to Alipay: the same frame, still logged in; Weibo's is kept, hidden.
    await page.getByRole('tab', { name: '支付宝' }).click();
    assert.ok(await page.locator('iframe[name="hutong-entrance-alipay"]').isVisible());
    assert.ok(!(await page.locator('iframe[name="hutong-entrance-weibo"]').isVisible()));
    await alipay.getByRole('region', { name: '当前入口' }).getByText('已登录').waitFor();
    assert.equal(await page.locator('iframe[name="hutong-entrance-weibo"]').count(), 1, 'the Weibo frame stays open');
    assert.equal((await storedSession('alipay'))?.channel, 'alipay');

    const alipaySkin = await skinIn(alipay);
    const weiboSkin = await skinIn(weibo);
    assert.equal(alipaySkin.entrance, 'alipay');
    assert.equal(weiboSkin.entrance, 'weibo');
    assert.notEqual(alipaySkin.brand, weiboSkin.brand, 'each frame has its own primary colour');
    assert.notEqual(alipaySkin.header, weiboSkin.header);
    // The container's title bar is drawn above the app's header, its buttons hidden from screen readers.
    assert.equal(await alipay.locator('.container-bar .bar-side[aria-hidden="true"]').count(), 2);
  });

  it('is driven by keyboard: arrows move between the entrances, Enter and Space open one', async (t) => {
    if (skipUnlessBuilt(t)) return;
    const focusedTab = () => page.evaluate<string>("document.activeElement?.getAttribute('role') === 'tab' ? document.activeElement.textContent : ''");
    // From the field before the list, Tab lands on the chosen entrance.
    await page.getByLabel('打开时的城市').focus();
    await page.keyboard.press('Tab');
    assert.equal(await focusedTab(), '支付宝');
    assert.equal(await page.evaluate<string>('getComputedStyle(document.activeElement).outlineStyle'), 'solid', 'the focused tab shows an outline');
    await page.keyboard.press('ArrowDown');
    assert.equal(await focusedTab(), '微信');
    assert.equal(await page.getByRole('tab', { name: '支付宝' }).getAttribute('aria-selected'), 'true', 'moving does not open');
    await page.keyboard.press('ArrowRight');
    assert.equal(await focusedTab(), '淘宝');
    await page.keyboard.press('Enter');
    assert.equal(await page.getByRole('tab', { name: '淘宝' }).getAttribute('aria-selected'), 'true');
    await frameOf('taobao').getByText('您正在通过「淘宝」使用互通').waitFor();
    await page.keyboard.press('End');
    assert.equal(await focusedTab(), '网页');
    await page.keyboard.press('Space');
    assert.equal(await page.getByRole('tab', { name: '网页' }).getAttribute('aria-selected'), 'true');
    await frameOf('web').getByText('您正在通过「网页」使用互通').waitFor();
    await page.keyboard.press('Home');
    assert.equal(await focusedTab(), '支付宝');
    await page.keyboard.press('ArrowUp');
    assert.equal(await focusedTab(), '网页', 'the arrows wrap around');
    // Only the chosen tab is in the Tab order; Tab leaves the list for the frame.
    assert.deepEqual(await page.evaluate("[...document.querySelectorAll('[role=tab]')].map((tab) => tab.tabIndex)"), [-1, -1, -1, -1, 0]);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate<string>('document.activeElement?.tagName'), 'IFRAME');
  });

  it('on a narrow screen offers links that open the app as each entrance', async (t) => {
    if (skipUnlessBuilt(t)) return;
    await page.setViewportSize({ width: 480, height: 800 });
    try {
      const link = page.getByRole('link', { name: '以「微信」入口打开' });
      await link.waitFor();
      assert.equal(await page.getByRole('tablist').count(), 0, 'no phone frame on a phone');
      assert.equal(await link.getAttribute('target'), 'hutong-entrance-wechat');
      const [opened] = await Promise.all([context.waitForEvent('page'), link.click()]);
      watchConsole(opened);
      await opened.getByRole('region', { name: '当前入口' }).getByText('您正在通过「微信」使用互通').waitFor();
      assert.equal((await skinIn(opened)).entrance, 'wechat');
      await opened.close();
    } finally {
      await page.setViewportSize(DESKTOP);
    }
  });

  it('dresses the home page in each entrance skin (390 × 844), with readable contrast', async (t) => {
    if (skipUnlessBuilt(t)) return;
    const brands = new Set<string>();
    const lowContrast: string[] = [];
    for (const id of SKINS) {
      const phone = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 1, locale: 'zh-CN', hasTouch: true });
      try {
        // As in the demo's frame: the window's name says the entrance.
        await phone.addInitScript(`window.name = 'hutong-entrance-${id}'`);
        const skin = await phone.newPage();
        skin.setDefaultTimeout(15_000);
        watchConsole(skin);
        await skin.goto(`${origin}/app/?city=shanghai`);
        await skin.getByRole('region', { name: '上海的服务' }).getByRole('link').first().waitFor();
        const { entrance, brand } = await skinIn(skin);
        assert.equal(entrance, id);
        brands.add(brand);
        assert.equal(await skin.locator('.container-bar').count(), id === 'web' ? 0 : 1, `${id}: the app's title bar`);
        await skin.screenshot({ path: path.join(SCREENSHOTS, `skin-${id}-390.png`) });

        const contrast = await accessibilityProblems(skin, { rules: ['color-contrast'], minImpact: 'minor' });
        lowContrast.push(...contrast.map((problem) => `${id}: ${problem.help} at ${problem.targets.join(', ')}`));
      } finally {
        await phone.close();
      }
    }
    assert.deepEqual(lowContrast, [], 'text below 4.5:1');
    assert.equal(brands.size, SKINS.length, 'five different primary colours');
  });

  it('wrote nothing to the console as an error', (t) => {
    if (skipUnlessBuilt(t)) return;
    assert.deepEqual(consoleErrors, []);
  });
});
