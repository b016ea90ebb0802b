import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { startEmulators, type RunningEmulators } from '../../../emulators/index.ts';
import { demoUserCookieName, type DemoPlatform } from '../../../emulators/channels/demo-codes.ts';
import { isHutongError } from '../../errors.ts';
import type { Channel } from '../channel.ts';

/** One platform channel's browser login, for `describeBrowserLogin`. */
export interface BrowserLoginCase<P extends TSchema> {
  readonly platform: DemoPlatform;
  /** The channel as demo mode configures it against the running emulators. */
  readonly channel: Channel<P>;
  /** The hub's callback for this channel in demo mode. */
  readonly callbackUrl: string;
  /** A person of the platform, as the demo population names them. */
  readonly userId: string;
  /** The channel user id a `/_demo/auth-codes` login of `userId` gives. */
  demoCodeLogin(userId: string): Promise<string>;
  /** The same channel for an app the platform does not know. */
  readonly unknownApp: Channel<P>;
  /** A channel and callback that would send the browser to a host the app never registered. */
  readonly foreignCallback: { readonly channel: Channel<P>; readonly callbackUrl: string };
  /** The platform's own parameters on the authorization URL. */
  checkAuthorizeUrl(url: URL): void;
  /** What the platform puts on the callback when the person declines, besides the state. */
  checkDeclined(callback: URL): void;
}

const call = () => ({ signal: AbortSignal.timeout(10_000) });

function queryOf(url: URL): Record<string, string> {
  return Object.fromEntries(url.searchParams);
}

/** The callback the platform sent the browser to: on the hub's callback, with the state unchanged. */
function assertCallback(response: Response, callbackUrl: string, state: string): URL {
  assert.equal(response.status, 302, 'the platform redirects the browser');
  const location = new URL(response.headers.get('location') ?? 'about:blank');
  assert.equal(`${location.origin}${location.pathname}`, callbackUrl);
  assert.equal(location.searchParams.get('state'), state);
  return location;
}

async function assertRefused(response: Response): Promise<void> {
  assert.equal(response.status, 400);
  assert.equal(response.headers.get('location'), null, 'no redirect anywhere');
  assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
  assert.match(await response.text(), /role="alert"/);
}

/**
 * The redirect dance of a platform channel against its emulator, without a hub: the authorization
 * URL, the emulated app's signed-in person (the `demo_user_<platform>` cookie) or its sign-in page,
 * the callback query and the code exchange.
 *
 * @example
 *   describeBrowserLogin('WeChat', (emulatorsUrl) => ({ platform: 'wechat', channel: …, … }))
 */
export function describeBrowserLogin<P extends TSchema>(name: string, makeCase: (emulatorsUrl: string) => BrowserLoginCase<P>): void {
  describe(`${name} browser login against its emulator`, () => {
    let emulators: RunningEmulators;
    let c: BrowserLoginCase<P>;
    let stateCount = 0;
    const nextState = (): string => `st${Date.now().toString(36)}n${(stateCount += 1)}`;
    const cookie = (userId: string): Record<string, string> => ({ cookie: `other=1; ${demoUserCookieName(c.platform)}=${encodeURIComponent(userId)}` });
    const browserLogin = (channel: Channel<P>) => {
      assert.ok(channel.browserLogin, `${name} logs people in by browser redirect`);
      return channel.browserLogin;
    };
    /** The person's answer on the sign-in page: the form posted back to the authorization URL. */
    const submitForm = (authorizeUrl: string, fields: Record<string, string>): Promise<Response> =>
      fetch(authorizeUrl, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields).toString(),
      });

    before(async () => {
      emulators = await startEmulators({ port: 0, smsAppKey: 'k' });
      c = makeCase(emulators.url);
    });
    after(async () => {
      await emulators.close();
    });

    it('sends the browser to the authorization page and back with a code that logs the person in as a demo-code login does', async () => {
      const state = nextState();
      const authorizeUrl = new URL(browserLogin(c.channel).authorizeUrl({ state, callbackUrl: c.callbackUrl }));
      assert.ok(authorizeUrl.href.startsWith(`${emulators.url}/${c.platform}/`), 'demo mode points at the emulator');
      c.checkAuthorizeUrl(authorizeUrl);

      const response = await fetch(authorizeUrl, { redirect: 'manual', headers: cookie(c.userId) });
      const callback = assertCallback(response, c.callbackUrl, state);
      const proof = browserLogin(c.channel).proofFromCallback(queryOf(callback));
      assert.ok(proof !== undefined, 'the callback carries a login proof');
      assert.ok(Value.Check(c.channel.loginProofSchema, proof), 'the proof is a valid login body');
      const { channelUserId } = await c.channel.authenticate(proof, call());
      assert.equal(channelUserId, await c.demoCodeLogin(c.userId));
    });

    it('refuses the second login with a code from the browser flow', async () => {
      const state = nextState();
      const response = await fetch(browserLogin(c.channel).authorizeUrl({ state, callbackUrl: c.callbackUrl }), { redirect: 'manual', headers: cookie(c.userId) });
      const proof = browserLogin(c.channel).proofFromCallback(queryOf(assertCallback(response, c.callbackUrl, state))) as Static<P>;
      await c.channel.authenticate(proof, call());
      await assert.rejects(c.channel.authenticate(proof, call()), (error: unknown) => isHutongError(error) && error.code === 'HUTONG_ERR_LOGIN_CODE_INVALID');
    });

    it('asks whom to sign in as when nobody is signed in to the app, and the form signs them in', async () => {
      const state = nextState();
      const authorizeUrl = browserLogin(c.channel).authorizeUrl({ state, callbackUrl: c.callbackUrl });
      const page = await fetch(authorizeUrl, { redirect: 'manual' });
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
      const html = await page.text();
      assert.match(html, /<html lang="zh-CN">/);
      assert.match(html, /<form method="post"/);
      assert.match(html, /<label for="user-id">[^<]*<span lang="en">User id<\/span><\/label>/);
      assert.match(html, /<input id="user-id" name="user_id"[^>]* required/);
      assert.match(html, /<button type="submit" name="decision" value="allow">/);
      assert.match(html, /<button type="submit" name="decision" value="deny"/);

      const wrong = await submitForm(authorizeUrl, { user_id: '', decision: 'allow' });
      assert.equal(wrong.status, 400);
      assert.match(await wrong.text(), /aria-invalid="true"/);

      const signedIn = await submitForm(authorizeUrl, { user_id: c.userId, decision: 'allow' });
      const callback = assertCallback(signedIn, c.callbackUrl, state);
      assert.match(signedIn.headers.get('set-cookie') ?? '', new RegExp(`^${demoUserCookieName(c.platform)}=${encodeURIComponent(c.userId)};.*HttpOnly`));
      const proof = browserLogin(c.channel).proofFromCallback(queryOf(callback)) as Static<P>;
      assert.equal((await c.channel.authenticate(proof, call())).channelUserId, await c.demoCodeLogin(c.userId));
    });

    it('comes back without a proof when the person declines', async () => {
      const state = nextState();
      const authorizeUrl = browserLogin(c.channel).authorizeUrl({ state, callbackUrl: c.callbackUrl });
      const callback = assertCallback(await submitForm(authorizeUrl, { decision: 'deny' }), c.callbackUrl, state);
      c.checkDeclined(callback);
      assert.equal(browserLogin(c.channel).proofFromCallback(queryOf(callback)), undefined);
      assert.equal(browserLogin(c.channel).proofFromCallback({}), undefined);
    });

    it('refuses an app it does not know, without redirecting', async () => {
      const url = browserLogin(c.unknownApp).authorizeUrl({ state: nextState(), callbackUrl: c.callbackUrl });
      await assertRefused(await fetch(url, { redirect: 'manual', headers: cookie(c.userId) }));
    });

    it('refuses a redirect URI on a host the app did not register, without sending the browser there', async () => {
      const { channel, callbackUrl } = c.foreignCallback;
      const url = browserLogin(channel).authorizeUrl({ state: nextState(), callbackUrl });
      await assertRefused(await fetch(url, { redirect: 'manual', headers: cookie(c.userId) }));
      await assertRefused(await submitForm(url, { user_id: c.userId, decision: 'allow' }));
      await assertRefused(await submitForm(url, { decision: 'deny' }));
    });
  });
}
