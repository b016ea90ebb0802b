import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import { startEmulators, type RunningEmulators } from '../../../emulators/index.ts';
import { TAOBAO_DEMO_APPS } from '../../../emulators/channels/taobao/taobao.apps.ts';
import { isHutongError, type ErrorCode } from '../../errors.ts';
import { createTaobaoChannel, TaobaoLoginProof, type TaobaoChannelOptions } from './taobao.channel.ts';
import { taobaoSettingsFromEnv } from './taobao.settings.ts';
import { topTimestamp } from './top.client.ts';

const [APP_A, APP_B] = TAOBAO_DEMO_APPS;
let emulators: RunningEmulators;

before(async () => {
  emulators = await startEmulators({ port: 0, smsAppKey: 'k' });
});

after(async () => {
  await emulators.close();
});

const call = () => ({ signal: AbortSignal.timeout(5_000) });

function channelFor(app = APP_A, overrides: Partial<TaobaoChannelOptions> = {}) {
  return createTaobaoChannel({
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    redirectUri: app.redirectUri,
    oauthBase: `${emulators.url}/taobao`,
    topGateway: `${emulators.url}/taobao/router/rest`,
    ...overrides,
  });
}

/** What Taobao does when the person agrees on its authorize page: a code for that app and redirect. */
async function authCode(clientId: string, userId: string, redirectUri?: string): Promise<string> {
  const response = await fetch(`${emulators.url}/taobao/_demo/auth-codes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ clientId, userId, redirectUri }),
  });
  assert.equal(response.status, 200);
  return ((await response.json()) as { code: string }).code;
}

async function setEmulatorClock(offsetSeconds: number): Promise<void> {
  const response = await fetch(`${emulators.url}/taobao/_demo/clock`, { method: 'POST', body: JSON.stringify({ offsetSeconds }) });
  assert.equal(response.status, 200);
}

async function inbox(openUid: string): Promise<Array<{ msgId: string; appKey: string; title: string; content: string; pageUrl?: string }>> {
  const response = await fetch(`${emulators.url}/taobao/_demo/users/${encodeURIComponent(openUid)}/messages`);
  return ((await response.json()) as { messages: [] }).messages;
}

function failsWith(code: ErrorCode, secret?: string, platformCode?: RegExp) {
  return (error: unknown): boolean => {
    assert.ok(isHutongError(error), `expected a HutongError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (secret !== undefined) {
      assert.ok(!error.message.includes(secret), 'no secret in the message');
      assert.ok(!JSON.stringify(error.details ?? {}).includes(secret), 'no secret in the details');
    }
    if (platformCode) assert.match(error.message, platformCode);
    return true;
  };
}

describe('Taobao channel against the Taobao emulator', () => {
  it('logs a person in with the code Taobao gave them: their open uid for this app, and nothing else', async () => {
    const taobao = channelFor();
    const result = await taobao.authenticate({ code: await authCode(APP_A.clientId, 'citizen-1') }, call());
    assert.deepEqual(Object.keys(result), ['channelUserId']);
    assert.match(result.channelUserId, /^AA[\w-]{22}$/);
    const again = await taobao.authenticate({ code: await authCode(APP_A.clientId, 'citizen-1') }, call());
    assert.equal(again.channelUserId, result.channelUserId);
    const inB = await channelFor(APP_B).authenticate({ code: await authCode(APP_B.clientId, 'citizen-1') }, call());
    assert.notEqual(inB.channelUserId, result.channelUserId, 'open uids differ per app');
  });

  it('sees the masked, URL-encoded nick on the wire (the channel keeps none of it)', async () => {
    const response = await fetch(`${emulators.url}/taobao/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: APP_A.clientId,
        client_secret: APP_A.clientSecret,
        code: await authCode(APP_A.clientId, 'citizen-2'),
        redirect_uri: APP_A.redirectUri,
        view: 'wap',
      }),
    });
    const body = (await response.json()) as { token_type: string; taobao_user_nick: string; taobao_open_uid: string };
    assert.equal(body.token_type, 'Bearer');
    assert.equal(decodeURIComponent(body.taobao_user_nick), '市**2');
  });

  it('refuses a code that was already used', async () => {
    const code = await authCode(APP_A.clientId, 'citizen-3');
    await channelFor().authenticate({ code }, call());
    await assert.rejects(channelFor().authenticate({ code }, call()), failsWith('HUTONG_ERR_LOGIN_CODE_INVALID'));
  });

  it('refuses a forged code', async () => {
    await assert.rejects(channelFor().authenticate({ code: 'Zm9yZ2VkLWNvZGUtMTIzNDU2' }, call()), failsWith('HUTONG_ERR_LOGIN_CODE_INVALID'));
  });

  it('refuses a code after its ten minutes', async () => {
    const code = await authCode(APP_A.clientId, 'citizen-4');
    await setEmulatorClock(601);
    try {
      await assert.rejects(channelFor().authenticate({ code }, call()), failsWith('HUTONG_ERR_LOGIN_CODE_INVALID'));
    } finally {
      await setEmulatorClock(0);
    }
  });

  it('refuses a code issued to another app', async () => {
    const code = await authCode(APP_B.clientId, 'citizen-5');
    await assert.rejects(channelFor(APP_A).authenticate({ code }, call()), failsWith('HUTONG_ERR_LOGIN_CODE_INVALID'));
  });

  it('refuses a code issued for another redirect URI of the app', async () => {
    const otherPage = new URL('/another/page', APP_A.redirectUri).href;
    const code = await authCode(APP_A.clientId, 'citizen-6', otherPage);
    await assert.rejects(channelFor(APP_A).authenticate({ code }, call()), failsWith('HUTONG_ERR_LOGIN_CODE_INVALID'));
  });

  it('reports a wrong App Secret as the platform being unavailable, without the secret, and without burning the code', async () => {
    // invalid_client is the hub's misconfiguration: the person's code is fine and logging in again would not help.
    const wrongSecret = 'dddddddddddddddddddddddddddddddd';
    const code = await authCode(APP_A.clientId, 'citizen-7');
    await assert.rejects(channelFor(APP_A, { clientSecret: wrongSecret }).authenticate({ code }, call()), failsWith('HUTONG_ERR_CHANNEL_UNAVAILABLE', wrongSecret, /invalid_client/));
    assert.match((await channelFor().authenticate({ code }, call())).channelUserId, /^AA/);
  });

  it('reports a redirect URI off the app\'s callback host as the hub\'s setup', async () => {
    const code = await authCode(APP_A.clientId, 'citizen-8');
    await assert.rejects(channelFor(APP_A, { redirectUri: 'https://elsewhere.example/cb' }).authenticate({ code }, call()), failsWith('HUTONG_ERR_CHANNEL_UNAVAILABLE', undefined, /invalid_request/));
  });

  it('reports an unreachable or silent platform as unavailable', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await assert.rejects(channelFor(APP_A, { oauthBase: `http://127.0.0.1:${port}` }).authenticate({ code: 'abc' }, call()), failsWith('HUTONG_ERR_CHANNEL_UNAVAILABLE', APP_A.clientSecret));

    const silent = http.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      await assert.rejects(
        channelFor(APP_A, { oauthBase: `http://127.0.0.1:${(silent.address() as AddressInfo).port}` }).authenticate({ code: 'abc' }, { signal: AbortSignal.timeout(200) }),
        failsWith('HUTONG_ERR_CHANNEL_UNAVAILABLE'),
      );
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('sends a message through a signed TOP call that lands in the person\'s inbox', async () => {
    const taobao = channelFor();
    const { channelUserId: openUid } = await taobao.authenticate({ code: await authCode(APP_A.clientId, 'citizen-9') }, call());
    assert.ok(taobao.sendMessage);
    const sent = await taobao.sendMessage(openUid, { title: '水费账单已出 2026年10月', body: '本期水费 48.60 元，请于 11 月 15 日前缴纳。', link: '/l/cd34' }, call());
    const [received] = await inbox(openUid);
    assert.equal(received.msgId, sent.messageId);
    assert.equal(received.appKey, APP_A.clientId);
    assert.equal(received.title, '水费账单已出 2026年10月');
    assert.equal(received.content, '本期水费 48.60 元，请于 11 月 15 日前缴纳。');
    assert.equal(received.pageUrl, '/l/cd34');
  });

  it('fails a TOP call signed with the wrong secret, sent at the wrong time, or to someone else\'s user', async () => {
    const { channelUserId: openUid } = await channelFor().authenticate({ code: await authCode(APP_A.clientId, 'citizen-10') }, call());
    const wrongSecret = 'cccccccccccccccccccccccccccccccc';
    const message = { title: '提醒', body: '内容' };
    await assert.rejects(channelFor(APP_A, { clientSecret: wrongSecret }).sendMessage!(openUid, message, call()), failsWith('HUTONG_ERR_CHANNEL_UNAVAILABLE', wrongSecret, /code 25/));
    await assert.rejects(channelFor(APP_A, { now: () => Date.now() - 3_600_000 }).sendMessage!(openUid, message, call()), failsWith('HUTONG_ERR_CHANNEL_UNAVAILABLE', undefined, /code 31/));
    await assert.rejects(channelFor(APP_B).sendMessage!(openUid, message, call()), failsWith('HUTONG_ERR_CHANNEL_UNAVAILABLE', undefined, /isv\.invalid-parameter:to_open_uid/));
    assert.equal((await inbox(openUid)).length, 0);
  });

  it('sends no messages without a TOP gateway', () => {
    assert.equal(channelFor(APP_A, { topGateway: undefined }).sendMessage, undefined);
  });

  it('describes the entrance: Alipay, the Taobao app\'s browser, a code as proof', () => {
    const taobao = channelFor();
    assert.equal(taobao.id, 'taobao');
    assert.deepEqual(taobao.name, { zh: '淘宝', en: 'Taobao' });
    assert.equal(taobao.preferredWallet, 'alipay');
    assert.ok(taobao.userAgent?.test('Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 AliApp(TB/10.33.10) WindVane/8.7.2 UT4Aplus/0.0.4'));
    assert.ok(!taobao.userAgent?.test('Mozilla/5.0 AliApp(AP/10.5.0) AlipayClient/10.5.0'));
    assert.ok(Value.Check(TaobaoLoginProof, { code: 'Zm9yZ2VkLWNvZGUtMTIzNDU2' }));
  });

  it('writes TOP timestamps in UTC+8', () => {
    assert.equal(topTimestamp(Date.parse('2026-03-01T00:30:05Z')), '2026-03-01 08:30:05');
  });
});

describe('taobaoSettingsFromEnv', () => {
  const context = { emulatorsUrl: 'http://127.0.0.1:4100', demo: true };

  it('uses the emulator and its demo app in demo mode, returning to the hub\'s Taobao callback', () => {
    assert.equal(APP_A.redirectUri, 'http://127.0.0.1:3000/v1/channels/taobao/callback');
    assert.deepEqual(taobaoSettingsFromEnv({}, context), {
      clientId: APP_A.clientId,
      clientSecret: APP_A.clientSecret,
      redirectUri: APP_A.redirectUri,
      oauthBase: 'http://127.0.0.1:4100/taobao',
      topGateway: 'http://127.0.0.1:4100/taobao/router/rest',
      view: 'wap',
    });
  });

  it('is not installed outside demo mode unless configured', () => {
    assert.equal(taobaoSettingsFromEnv({}, { ...context, demo: false }), undefined);
  });

  it('reads a configured app, pointed at the real OAuth server, with push only when a TOP gateway is set', () => {
    const env = { TAOBAO_CLIENT_ID: '12345678', TAOBAO_CLIENT_SECRET: 's', TAOBAO_REDIRECT_URI: 'https://hutong.example/login/taobao' };
    assert.deepEqual(taobaoSettingsFromEnv(env, { ...context, demo: false }), {
      clientId: '12345678',
      clientSecret: 's',
      redirectUri: 'https://hutong.example/login/taobao',
      oauthBase: 'https://oauth.taobao.com',
      topGateway: undefined,
      view: 'wap',
    });
    assert.throws(() => taobaoSettingsFromEnv({ TAOBAO_CLIENT_ID: '1' }, context), /TAOBAO_CLIENT_SECRET must be set/);
    assert.throws(() => taobaoSettingsFromEnv({ ...env, TAOBAO_VIEW: 'desktop' }, context), /TAOBAO_VIEW/);
  });
});
