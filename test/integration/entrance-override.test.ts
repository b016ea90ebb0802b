import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestHub, type TestHub } from '../helpers/hub.ts';
import { testEngines } from '../helpers/stores.ts';

const [engine] = testEngines();
const WECHAT_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50(0x1800322c) NetType/WIFI Language/zh_CN';

describe('GET /v1/entrance?channel= describes the entrance a demo frame names', () => {
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub(engine, {}, { importBatchFiles: false }); // no bills asked for
  });
  after(() => hub.close());

  const entrance = (query: string, userAgent?: string) =>
    hub.app.inject({ method: 'GET', url: `/v1/entrance${query}`, headers: userAgent ? { 'user-agent': userAgent } : {} });

  it('names each installed entrance, whatever browser asks', async () => {
    const expected = {
      alipay: { zh: '支付宝', wallet: 'alipay' },
      wechat: { zh: '微信', wallet: 'wechatpay' },
      taobao: { zh: '淘宝', wallet: 'alipay' },
      weibo: { zh: '微博', wallet: undefined },
    } as const;
    for (const [id, { zh, wallet }] of Object.entries(expected)) {
      const res = await entrance(`?channel=${id}`, WECHAT_UA);
      assert.equal(res.statusCode, 200, `${id}: ${res.body}`);
      const body = res.json();
      assert.equal(body.channel, id);
      assert.equal(body.name.zh, zh);
      assert.equal(body.preferredWallet, wallet);
      assert.deepEqual(body.login, { kind: 'redirect', url: `/v1/channels/${id}/authorize` });
    }
    const web = await entrance('?channel=web', WECHAT_UA);
    assert.equal(web.statusCode, 200);
    assert.deepEqual(web.json(), { channel: 'web', name: { zh: '网页', en: 'Web' }, login: { kind: 'sms-code' } });
  });

  it('without a name, still answers for the User-Agent', async () => {
    assert.equal((await entrance('', WECHAT_UA)).json().channel, 'wechat');
    assert.equal((await entrance('')).json().channel, 'web');
  });

  it('refuses an unknown entrance, and one no web page is open in, with 404 HUTONG_ERR_CHANNEL_NOT_FOUND', async () => {
    for (const id of ['douyin', 'partner', 'ALIPAY']) {
      const res = await entrance(`?channel=${id}`);
      assert.equal(res.statusCode, 404, `${id}: ${res.body}`);
      assert.equal(res.json().error.code, 'HUTONG_ERR_CHANNEL_NOT_FOUND');
    }
    const long = await entrance(`?channel=${'a'.repeat(40)}`);
    assert.equal(long.statusCode, 400);
    assert.equal(long.json().error.code, 'HUTONG_ERR_VALIDATION');
  });

  it('grants nothing: the named entrance still logs in through its platform, bound to this browser', async () => {
    const named = (await entrance('?channel=alipay')).json() as { login: { url: string } };
    const start = await hub.app.inject({ method: 'GET', url: `${named.login.url}?next=${encodeURIComponent('/app/me')}` });
    assert.equal(start.statusCode, 302);
    const platform = new URL(String(start.headers.location));
    assert.ok(platform.href.startsWith(hub.emulators.url), `off to the emulated platform: ${platform.href}`);
    assert.ok(platform.searchParams.get('state'), 'the login carries a signed state');
    // Coming back without the browser's cookie, or without a code, is refused: naming an entrance proves nothing.
    const forged = await hub.app.inject({ method: 'GET', url: `/v1/channels/alipay/callback?state=${platform.searchParams.get('state')}&auth_code=made-up` });
    assert.equal(forged.statusCode, 400);
    assert.equal(forged.json().error.code, 'HUTONG_ERR_LOGIN_STATE_INVALID');
  });
});

describe('GET /v1/entrance?channel= on a hub without the app platforms', () => {
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub(engine, { demoMode: false }, { importBatchFiles: false });
  });
  after(() => hub.close());

  it('knows only the web: an entrance that is not installed is 404', async () => {
    const web = await hub.app.inject({ method: 'GET', url: '/v1/entrance?channel=web' });
    assert.equal(web.json().channel, 'web');
    const wechat = await hub.app.inject({ method: 'GET', url: '/v1/entrance?channel=wechat' });
    assert.equal(wechat.statusCode, 404);
    assert.equal(wechat.json().error.code, 'HUTONG_ERR_CHANNEL_NOT_FOUND');
  });
});
