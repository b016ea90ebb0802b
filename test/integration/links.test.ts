import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testEngines } from '../helpers/stores.ts';
import { startTestHub, type TestHub } from '../helpers/hub.ts';
import { WECHAT_DEMO_APPS } from '../../emulators/channels/wechat/wechat.apps.ts';

/** User-Agents of the entrances' in-app browsers, as their apps send them. */
const USER_AGENTS = {
  alipay: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Ariver/1.1.0 AliApp(AP/10.6.10.6000) Nebula WK RVKType(0) AlipayDefined(nt:WIFI,ws:390|844|3.0) AlipayClient/10.6.10.6000 Language/zh-Hans Region/CN',
  wechat: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50(0x1800323d) NetType/WIFI Language/zh_CN',
  weibo: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Weibo (iPhone15,2__weibo__14.6.2__iphone__os17.5)',
  taobao: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 AliApp(TB/10.38.10) WindVane/8.7.2 1170x2532 WK',
  web: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
} as const;

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

for (const engine of testEngines()) {
  describe(`links that open in any entrance on ${engine.name}`, () => {
    let hub: TestHub;
    before(async () => {
      hub = await startTestHub(engine);
    });
    after(() => hub.close());

    it('recognises each entrance from its in-app browser and names its wallet and login', async () => {
      const expected = { alipay: 'alipay', wechat: 'wechatpay', weibo: undefined, taobao: 'alipay', web: undefined } as const;
      for (const [channel, ua] of Object.entries(USER_AGENTS)) {
        const res = await hub.app.inject({ method: 'GET', url: '/v1/entrance', headers: { 'user-agent': ua } });
        assert.equal(res.statusCode, 200);
        assert.equal(res.json().channel, channel);
        assert.equal(res.json().preferredWallet, expected[channel as keyof typeof expected], channel);
        assert.equal(res.json().login.kind, channel === 'web' ? 'sms-code' : 'redirect');
      }
      const none = await hub.app.inject({ method: 'GET', url: '/v1/entrance' });
      assert.equal(none.json().channel, 'web', 'no User-Agent is a plain browser');
    });

    it('a link made in WeChat, opened in Alipay, logs the person in through Alipay and lands on the same service', async () => {
      // The person shares from WeChat.
      const wechatCode = await fetch(`${hub.emulators.url}/wechat/_demo/auth-codes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ appid: WECHAT_DEMO_APPS[0].appId, userId: 'sharer-1' }),
      });
      const sharer = (await hub.app.inject({ method: 'POST', url: '/v1/channels/wechat/login', payload: { code: ((await wechatCode.json()) as { code: string }).code } })).json().accessToken as string;
      const created = await hub.app.inject({ method: 'POST', url: '/v1/links', headers: bearer(sharer), payload: { cityId: 'qingdao', serviceId: 'traffic.road-conditions' } });
      assert.equal(created.statusCode, 201, created.body);
      const link = created.json();
      assert.match(link.url, /^http:\/\/localhost(:80)?\/l\/[2-9a-zA-Z]{10}$/);
      assert.equal(link.target, '/app/cities/qingdao/services/traffic.road-conditions');
      const path = new URL(link.url).pathname;

      // Someone opens it inside Alipay.
      const opened = await hub.app.inject({ method: 'GET', url: path, headers: { 'user-agent': USER_AGENTS.alipay } });
      assert.equal(opened.statusCode, 302);
      const authorize = new URL(opened.headers.location as string);
      assert.equal(authorize.origin, new URL(hub.emulators.url).origin, 'to the Alipay authorization page');
      assert.match(authorize.pathname, /publicAppAuthorize\.htm$/);
      const cookie = String(opened.headers['set-cookie']).split(';')[0]!;

      // The Alipay app, with its user signed in, authorizes silently and sends the browser back.
      const platform = await fetch(authorize, { redirect: 'manual', headers: { cookie: 'demo_user_alipay=2088000012340001' } });
      assert.equal(platform.status, 302);
      const callback = new URL(platform.headers.get('location')!);
      assert.equal(callback.pathname, '/v1/channels/alipay/callback');
      assert.equal(callback.searchParams.get('state'), authorize.searchParams.get('state'));

      const forgedBrowser = await hub.app.inject({ method: 'GET', url: `${callback.pathname}${callback.search}` });
      assert.equal(forgedBrowser.statusCode, 400, 'a callback in a browser that did not start the login is refused');
      assert.equal(forgedBrowser.json().error.code, 'HUTONG_ERR_LOGIN_STATE_INVALID');

      const back = await hub.app.inject({ method: 'GET', url: `${callback.pathname}${callback.search}`, headers: { cookie } });
      assert.equal(back.statusCode, 302, back.body);
      const landing = new URL(back.headers.location as string, 'http://localhost');
      assert.equal(landing.pathname, link.target, 'lands on the service the link pointed at');
      const handoff = new URLSearchParams(landing.hash.slice(1)).get('handoff')!;
      assert.ok(handoff && !landing.search.includes(handoff), 'the handoff travels in the fragment, never to a server log');

      const tokens = await hub.app.inject({ method: 'POST', url: '/v1/sessions/handoff', payload: { code: handoff } });
      assert.equal(tokens.statusCode, 200, tokens.body);
      assert.equal(tokens.json().channel, 'alipay', 'logged in through the entrance it was opened in');
      const service = await hub.app.inject({ method: 'GET', url: '/v1/cities/qingdao/services/traffic.road-conditions/records', headers: bearer(tokens.json().accessToken) });
      assert.equal(service.statusCode, 200, service.body);
      const reused = await hub.app.inject({ method: 'POST', url: '/v1/sessions/handoff', payload: { code: handoff } });
      assert.equal(reused.statusCode, 401, 'a handoff code works once');
      const replayedCallback = await hub.app.inject({ method: 'GET', url: `${callback.pathname}${callback.search}`, headers: { cookie } });
      assert.equal(replayedCallback.statusCode, 401, 'the platform code works once');
      assert.equal(replayedCallback.json().error.code, 'HUTONG_ERR_LOGIN_CODE_INVALID');
    });

    it('the same link in a plain browser goes straight to the page; a link carries no personal data; QR codes render', async () => {
      const { token } = await hub.loginDemo(2, 'qingdao');
      const created = (await hub.app.inject({ method: 'POST', url: '/v1/links', headers: bearer(token), payload: { cityId: 'qingdao', serviceId: 'traffic.violations' } })).json();
      const path = new URL(created.url).pathname;
      const plain = await hub.app.inject({ method: 'GET', url: path, headers: { 'user-agent': USER_AGENTS.web } });
      assert.equal(plain.statusCode, 302);
      assert.equal(plain.headers.location, '/app/cities/qingdao/services/traffic.violations');
      for (const [key, value] of Object.entries(created)) {
        if (typeof value === 'string') assert.ok(!/\d{6,}|[\u4e00-\u9fa5][A-Z]D\d{4}/.test(value.replace(/^http:\/\/localhost(:80)?/, '')), `${key} holds no identifier`);
      }
      const svg = await hub.app.inject({ method: 'GET', url: `${path}/qr.svg` });
      assert.equal(svg.statusCode, 200);
      assert.match(String(svg.headers['content-type']), /image\/svg\+xml/);
      assert.match(svg.body, /^<svg[^>]*viewBox/);
      const png = await hub.app.inject({ method: 'GET', url: `${path}/qr.png` });
      assert.equal(png.statusCode, 200);
      assert.deepEqual([...png.rawPayload.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    });

    it('refuses unknown links, links to unknown services, open redirects and altered states with clear codes', async () => {
      const unknown = await hub.app.inject({ method: 'GET', url: '/l/zzzzzzzzzz' });
      assert.equal(unknown.statusCode, 404);
      assert.equal(unknown.json().error.code, 'HUTONG_ERR_LINK_NOT_FOUND');
      const malformed = await hub.app.inject({ method: 'GET', url: '/l/../../etc' });
      assert.ok([400, 404].includes(malformed.statusCode));
      const anonymous = await hub.app.inject({ method: 'POST', url: '/v1/links', payload: { cityId: 'qingdao', serviceId: 'traffic.violations' } });
      assert.equal(anonymous.statusCode, 401);
      const token = await hub.login('13912346661');
      const noService = await hub.app.inject({ method: 'POST', url: '/v1/links', headers: bearer(token), payload: { cityId: 'qingdao', serviceId: 'nope' } });
      assert.equal(noService.json().error.code, 'HUTONG_ERR_SERVICE_NOT_FOUND');
      for (const next of ['https://evil.example/', '//evil.example/app', '/app/\\evil', '/v1/me']) {
        const res = await hub.app.inject({ method: 'GET', url: `/v1/channels/alipay/authorize?next=${encodeURIComponent(next)}` });
        assert.equal(res.statusCode, 400, next);
        assert.equal(res.json().error.code, 'HUTONG_ERR_VALIDATION');
      }
      const web = await hub.app.inject({ method: 'GET', url: '/v1/channels/web/authorize?next=/app/' });
      assert.equal(web.json().error.code, 'HUTONG_ERR_BROWSER_LOGIN_UNSUPPORTED');
      const started = await hub.app.inject({ method: 'GET', url: '/v1/channels/wechat/authorize?next=/app/me' });
      assert.equal(started.statusCode, 302);
      const state = new URL(started.headers.location as string).searchParams.get('state')!;
      const cookie = String(started.headers['set-cookie']).split(';')[0]!;
      const altered = await hub.app.inject({ method: 'GET', url: `/v1/channels/wechat/callback?code=x&state=${state.slice(0, -2)}AA`, headers: { cookie } });
      assert.equal(altered.json().error.code, 'HUTONG_ERR_LOGIN_STATE_INVALID');
      const otherEntrance = await hub.app.inject({ method: 'GET', url: `/v1/channels/weibo/callback?code=x&state=${state}`, headers: { cookie } });
      assert.equal(otherEntrance.json().error.code, 'HUTONG_ERR_LOGIN_STATE_INVALID');
      const declined = await hub.app.inject({ method: 'GET', url: `/v1/channels/wechat/callback?state=${state}`, headers: { cookie } });
      assert.equal(declined.statusCode, 401);
      assert.equal(declined.json().error.code, 'HUTONG_ERR_LOGIN_DECLINED');
    });
  });
}
