import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, type TestContext } from 'node:test';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { WEB_APP_DIST_DIR } from '../../src/http/routes/web-app.routes.ts';
import type { TestHub } from './hub.ts';

// The browser suites drive Debian's Chromium with playwright-core; code run inside the page is
// given as strings, because this project's TypeScript has no DOM types.

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = path.resolve('test/e2e/screenshots');
export const PHONE = { width: 390, height: 844 } as const;
export const DESKTOP = { width: 1280, height: 800 } as const;

const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Builds the web app (citizen app and console) when this checkout has none; false when it cannot be built. */
export function ensureWebBuild(): boolean {
  const built = () => existsSync(path.join(WEB_APP_DIST_DIR, 'index.html')) && existsSync(path.join(WEB_APP_DIST_DIR, 'admin', 'index.html'));
  if (built()) return true;
  const vite = path.resolve('node_modules/vite/bin/vite.js');
  if (!existsSync(vite)) return false;
  const result = spawnSync(process.execPath, [vite, 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], { stdio: 'inherit' });
  return result.status === 0 && built();
}

/** Headless Chromium, and the folder screenshots go to. */
export async function launchChromium(): Promise<Browser> {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: install it (apt-get install -y chromium), as .ci/run does`);
  await mkdir(SCREENSHOTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
}

/** What a browser suite runs against: its hub listening on loopback, and Chromium. */
export interface BrowserRig {
  readonly origin: string;
  readonly browser: Browser;
  /** A page in a context of its own (zh-CN, scale 1, 15 s waits), its console errors collected. */
  newPage(options: BrowserContextOptions): Promise<Page>;
  /** Closes the browser and the hub. */
  close(): Promise<void>;
}

/** Puts the hub on a loopback port and starts Chromium; console errors of every page go to `errors`. */
export async function openBrowserRig(hub: TestHub, errors: string[]): Promise<BrowserRig> {
  await hub.app.listen({ port: 0, host: '127.0.0.1' });
  const origin = `http://127.0.0.1:${(hub.app.server.address() as AddressInfo).port}`;
  const browser = await launchChromium();
  return {
    origin,
    browser,
    async newPage(options) {
      const context = await browser.newContext({ deviceScaleFactor: 1, locale: 'zh-CN', ...options });
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      watchConsole(page, origin, errors);
      return page;
    },
    async close() {
      await browser.close();
      await hub.close();
    },
  };
}

/** Skips the test, saying why, when the web app could not be built; true when skipped. */
export function skipWithoutBuild(built: boolean, t: TestContext): boolean {
  if (built) return false;
  t.skip('the web app is not built and could not be built (run npm run build:web)');
  return true;
}

/**
 * Collects what a page of ours writes to the console as an error, and uncaught exceptions.
 * Pages of other origins (the entrance platforms' emulated login pages) are not ours. Chromium
 * logs every 4xx answer as an error; the API's refusals are answers the page shows, so those
 * are left out.
 */
export function watchConsole(page: Page, origin: string, errors: string[]): void {
  const ours = (url: string) => url.startsWith(`${origin}/app/`) || url.startsWith(`${origin}/admin`);
  page.on('console', (message) => {
    if (message.type() !== 'error' || !ours(page.url())) return;
    const apiRefusal = /^Failed to load resource: the server responded with a status of 4\d\d/.test(message.text()) && message.location().url.startsWith(`${origin}/v1/`);
    if (!apiRefusal) errors.push(`${message.text()} (${message.location().url}) on ${page.url()}`);
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message} on ${page.url()}`));
}

/**
 * Saves the page as a phone (390 × 844) and a desktop (1280 × 800) see it:
 * `<name>-390.png` and `<name>-1280.png`, whole pages. The viewport is put back afterwards.
 */
export async function screenshotBoth(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  const original = page.viewportSize() ?? PHONE;
  for (const size of [PHONE, DESKTOP]) {
    await page.setViewportSize(size);
    await page.evaluate('window.scrollTo(0, 0)'); // a sticky header then sits where a person sees it
    await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${size.width}.png`), fullPage: options.fullPage ?? true });
  }
  await page.setViewportSize(original);
}

let axeSource: string | undefined;

export interface AccessibilityProblem {
  readonly rule: string;
  readonly impact: string | null;
  readonly help: string;
  readonly targets: readonly string[];
}

/**
 * What axe-core finds wrong on the page as it is now: by default the WCAG 2.x A and AA rules
 * (names and labels of controls, contrast, headings, landmarks, ARIA use), serious and critical
 * only unless told otherwise.
 */
export async function accessibilityProblems(
  page: Page,
  options: { include?: string; rules?: readonly string[]; minImpact?: 'minor' | 'moderate' | 'serious' | 'critical' } = {},
): Promise<AccessibilityProblem[]> {
  axeSource ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  if (!(await page.evaluate<boolean>('typeof window.axe === "object"'))) await page.addScriptTag({ content: axeSource });
  const context = JSON.stringify(options.include ?? 'body');
  const rules = options.rules ?? ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
  // Tags (wcag…) or rule ids; frames are checked on their own, as pages of their own.
  const runOnly = JSON.stringify(rules.every((rule) => rule.startsWith('wcag')) ? { type: 'tag', values: rules } : { type: 'rule', values: rules });
  const results = await page.evaluate<Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: string[] }> }>>(
    `window.axe.run(document.querySelector(${context}), { iframes: false, runOnly: ${runOnly}, resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target.map(String) })) })))`,
  );
  const order = ['minor', 'moderate', 'serious', 'critical'];
  const floor = order.indexOf(options.minImpact ?? 'serious');
  return results
    .filter((v) => order.indexOf(v.impact ?? 'minor') >= floor)
    .map((v) => ({ rule: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 5).flatMap((n) => n.target) }));
}

/** Fails with axe's findings, named by the screen they were found on. */
export async function assertAccessible(page: Page, screen: string, options: { include?: string } = {}): Promise<void> {
  const problems = await accessibilityProblems(page, options);
  assert.deepEqual(problems, [], `accessibility problems on ${screen}:\n${problems.map((p) => `- ${p.rule} (${p.impact}): ${p.help} at ${p.targets.join(', ')}`).join('\n')}`);
}

/** The element that has the keyboard focus: its tag, role, accessible text and whether its outline shows. */
export async function focused(page: Page): Promise<{ tag: string; role: string | null; text: string; outline: string }> {
  return page.evaluate(`(() => {
    const el = document.activeElement;
    if (!el) return { tag: '', role: null, text: '', outline: 'none' };
    const labelled = el.getAttribute('aria-labelledby');
    const text = el.getAttribute('aria-label') || (labelled ? labelled.split(' ').map((id) => document.getElementById(id)?.textContent ?? '').join(' ') : '') || (el.labels && el.labels[0] ? el.labels[0].textContent : '') || el.textContent || '';
    return { tag: el.tagName.toLowerCase(), role: el.getAttribute('role'), text: text.trim(), outline: getComputedStyle(el).outlineStyle };
  })()`);
}

/** Presses Tab until the focused element's text matches, at most `limit` times; returns how many presses. */
export async function tabTo(page: Page, text: RegExp, limit = 40): Promise<number> {
  for (let presses = 1; presses <= limit; presses++) {
    await page.keyboard.press('Tab');
    const now = await focused(page);
    if (text.test(now.text)) {
      assert.notEqual(now.outline, 'none', `the focused ${now.tag} "${now.text}" shows no outline`);
      return presses;
    }
  }
  throw new Error(`Tab never reached an element matching ${text} within ${limit} presses`);
}

/** What {@link phoneSuite} gives the tests of its `describe`, once its `before` has run. */
export interface PhoneSuite {
  readonly hub: TestHub;
  readonly rig: BrowserRig;
  readonly origin: string;
  /** A phone-sized page (390 × 844, touch) in a context of its own. */
  readonly page: Page;
  /** Every console error of every page of the suite. */
  readonly consoleErrors: string[];
  /** Whether the suite started (the web app is built). */
  readonly built: boolean;
  /** Skips the test, saying why, when the web app could not be built; true when skipped. */
  skipUnlessBuilt(t: TestContext): boolean;
}

/**
 * The usual phone-sized browser suite, registered in the current `describe`: before its tests a hub
 * (`startHub`), Chromium and a page; after them both closed. Nothing starts when the web app cannot be built.
 *
 * @example
 *   const suite = phoneSuite(() => startTestHub(testEngines()[0]))
 *   it('opens', async (t) => { if (suite.skipUnlessBuilt(t)) return; await suite.page.goto(`${suite.origin}/app/`) })
 */
export function phoneSuite(startHub: () => Promise<TestHub>): PhoneSuite {
  const started: { hub?: TestHub; rig?: BrowserRig; page?: Page } = {};
  const consoleErrors: string[] = [];
  before(async () => {
    if (!ensureWebBuild()) return;
    started.hub = await startHub();
    started.rig = await openBrowserRig(started.hub, consoleErrors);
    started.page = await started.rig.newPage({ viewport: PHONE, hasTouch: true });
  });
  after(() => started.rig?.close());
  const get = <K extends keyof typeof started>(key: K): NonNullable<(typeof started)[K]> => {
    const value = started[key];
    assert.ok(value, `the browser suite has no ${key}: the web app is not built`);
    return value;
  };
  return {
    get hub() {
      return get('hub');
    },
    get rig() {
      return get('rig');
    },
    get origin() {
      return get('rig').origin;
    },
    get page() {
      return get('page');
    },
    consoleErrors,
    get built() {
      return started.rig !== undefined;
    },
    skipUnlessBuilt: (t) => skipWithoutBuild(started.rig !== undefined, t),
  };
}

/** Checks the screen with axe-core, then saves it at both sizes. */
export async function checkAndShoot(page: Page, name: string): Promise<void> {
  await assertAccessible(page, name);
  await screenshotBoth(page, name);
}
