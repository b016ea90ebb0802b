import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import { startEmulators, type RunningEmulators } from '../../../emulators/index.ts';
import { WEIBO_DEMO_APPS } from '../../../emulators/channels/weibo/weibo.apps.ts';
import { isHutongError, type ErrorCode } from '../../errors.ts';
import { createWeiboChannel, WeiboLoginProof, type WeiboChannelOptions } from './weibo.channel.ts';
import { weiboSettingsFromEnv } from './weibo.settings.ts';

const [APP_A, APP_B] = WEIBO_DEMO_APPS;
let emulators: RunningEmulators;

before(async () => {
  emulators = await startEmulators({ port: 0, smsAppKey: 'k' });
});

after(async () => {
  await emulators.close();
});

const call = () => ({ signal: AbortSignal.timeout(5_000) });

function channelFor(app = APP_A, overrides: Partial<WeiboChannelOptions> = {}) {
  return createWeiboChannel({
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    redirectUri: app.redirectUri,
    apiBase: `${emulators.url}/weibo`,
    pushAccessToken: app.officialAccount.accessToken,
    ...overrides,
  });
}

/** What Weibo does when the person agrees on its authorize page: a code for that app and redirect. */
async function authCode(clientId: string, userId: string, redirectUri?: string): Promise<string> {
  const response = await fetch(`${emulators.url}/weibo/_demo/auth-codes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ clientId, userId, redirectUri }),
  });
  assert.equal(response.status, 200);
  return ((await response.json()) as { code: string }).code;
}

async function setEmulatorClock(offsetSeconds: number): Promise<void> {
  const response = await fetch(`${emulators.url}/weibo/_demo/clock`, { method: 'POST', body: JSON.stringify({ offsetSeconds }) });
  assert.equal(response.status, 200);
}

async function inbox(uid: string): Promise<Array<{ id: string; senderId: string; text: string }>> {
  const response = await fetch(`${emulators.url}/weibo/_demo/users/${uid}/messages`);
  return ((await response.json()) as { messages: [] }).messages;
}

function failsWith(code: ErrorCode, secret?: string) {
  return (error: unknown): boolean => {
    assert.ok(isHutongError(error), `expected a HutongError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (secret !== undefined) {
      assert.ok(!error.message.includes(secret), 'no secret in the message');
      assert.ok(!JSON.stringify(error.details ?? {}).includes(secret), 'no secret in the details');
    }
    return true;
  };
}

describe('Weibo channel against the Weibo emulator', () => {
  it('logs a person in with the code Weibo gave them: their uid', async () => {
    const weibo = channelFor();
    const result = await weibo.authenticate({ code: await authCode(APP_A.clientId, 'citizen-1') }, call());
    assert.deepEqual(Object.keys(result), ['channelUserId']);
    assert.match(result.channelUserId, /^\d{10}$/);
    const again = await weibo.authenticate({ code: await authCode(APP_A.clientId, 'citizen-1') }, call());
    assert.equal(again.channelUserId, result.channelUserId);
    const other = await weibo.authenticate({ code: await authCode(APP_A.clientId, 'citizen-2') }, call());
    assert.notEqual(other.channelUserId, result.channelUserId);
  });

  it('refuses a code that was already used', async () => {
    const code = await authCode(APP_A.clientId, 'citizen-3');
    await channelFor().authenticate({ code }, call());
    await assert.rejects(channelFor().authenticate({ code }, call()), failsWith('HUTONG_ERR_LOGIN_CODE_INVALID'));
  });

  it('refuses a forged code', async () => {
    await assert.rejects(channelFor().authenticate({ code: 'f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0' }, call()), failsWith('HUTONG_ERR_LOGIN_CODE_INVALID'));
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
    const otherPage = new URL('/somewhere/else', APP_A.redirectUri).href;
    const code = await authCode(APP_A.clientId, 'citizen-6', otherPage);
    await assert.rejects(channelFor(APP_A).authenticate({ code }, call()), failsWith('HUTONG_ERR_LOGIN_CODE_INVALID'));
    assert.match((await channelFor(APP_A, { redirectUri: otherPage }).authenticate({ code }, call())).channelUserId, /^\d+$/);
  });

  it('reports a redirect URI off the app\'s callback host as the hub\'s setup, not the person\'s code', async () => {
    const code = await authCode(APP_A.clientId, 'citizen-7');
    await assert.rejects(channelFor(APP_A, { redirectUri: 'https://elsewhere.example/cb' }).authenticate({ code }, call()), (error: unknown) => {
      failsWith('HUTONG_ERR_CHANNEL_UNAVAILABLE')(error);
      assert.match((error as Error).message, /21322/);
      return true;
    });
  });

  it('reports a wrong App Secret as the platform being unavailable, without the secret, and without burning the code', async () => {
    // 21324 invalid_client is the hub's misconfiguration: the person's code is fine and retrying would not help.
    const wrongSecret = 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee';
    const code = await authCode(APP_A.clientId, 'citizen-8');
    await assert.rejects(channelFor(APP_A, { clientSecret: wrongSecret }).authenticate({ code }, call()), (error: unknown) => {
      failsWith('HUTONG_ERR_CHANNEL_UNAVAILABLE', wrongSecret)(error);
      assert.match((error as Error).message, /21324/);
      return true;
    });
    assert.match((await channelFor().authenticate({ code }, call())).channelUserId, /^\d+$/);
  });

  it('reports an unreachable or silent platform as unavailable', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await assert.rejects(channelFor(APP_A, { apiBase: `http://127.0.0.1:${port}` }).authenticate({ code: 'abc' }, call()), failsWith('HUTONG_ERR_CHANNEL_UNAVAILABLE', APP_A.clientSecret));

    const silent = http.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      await assert.rejects(
        channelFor(APP_A, { apiBase: `http://127.0.0.1:${(silent.address() as AddressInfo).port}` }).authenticate({ code: 'abc' }, { signal: AbortSignal.timeout(200) }),
        failsWith('HUTONG_ERR_CHANNEL_UNAVAILABLE'),
      );
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('sends a direct message from the official account that lands in the person\'s inbox', async () => {
    const weibo = channelFor();
    const { channelUserId: uid } = await weibo.authenticate({ code: await authCode(APP_A.clientId, 'citizen-9') }, call());
    assert.ok(weibo.sendMessage);
    const sent = await weibo.sendMessage(uid, { title: '新的交通违法', body: '沪A12345 在延安高架路超速。', link: 'https://hutong.example/l/ab12' }, call());
    const [received] = await inbox(uid);
    assert.equal(received.id, sent.messageId);
    assert.equal(received.senderId, APP_A.officialAccount.uid);
    assert.equal(received.text, '新的交通违法\n沪A12345 在延安高架路超速。\nhttps://hutong.example/l/ab12');
  });

  it('cuts a long message to what a direct message holds', async () => {
    const weibo = channelFor();
    const { channelUserId: uid } = await weibo.authenticate({ code: await authCode(APP_A.clientId, 'citizen-10') }, call());
    await weibo.sendMessage!(uid, { title: '账单', body: '电'.repeat(400) }, call());
    const [received] = await inbox(uid);
    assert.equal([...received.text].length, 300);
    assert.ok(received.text.endsWith('…'));
  });

  it('refuses to message someone who never used the app, and reports a bad push token', async () => {
    const { channelUserId: uidInB } = await channelFor(APP_B).authenticate({ code: await authCode(APP_B.clientId, 'citizen-11') }, call());
    await assert.rejects(channelFor(APP_A).sendMessage!(uidInB, { title: 't', body: 'b' }, call()), (error: unknown) => {
      failsWith('HUTONG_ERR_CHANNEL_UNAVAILABLE')(error);
      assert.match((error as Error).message, /20003/);
      return true;
    });
    const badToken = '2.00NotTheOfficialAccountsToken';
    await assert.rejects(channelFor(APP_B, { pushAccessToken: badToken }).sendMessage!(uidInB, { title: 't', body: 'b' }, call()), (error: unknown) => {
      failsWith('HUTONG_ERR_CHANNEL_UNAVAILABLE', badToken)(error);
      assert.match((error as Error).message, /21332/);
      return true;
    });
  });

  it('sends no messages without the official account\'s token', () => {
    assert.equal(channelFor(APP_A, { pushAccessToken: undefined }).sendMessage, undefined);
  });

  it('describes the entrance: the Weibo browser, no wallet of its own, a code as proof', () => {
    const weibo = channelFor();
    assert.equal(weibo.id, 'weibo');
    assert.deepEqual(weibo.name, { zh: '微博', en: 'Weibo' });
    assert.equal(weibo.preferredWallet, undefined);
    assert.ok(weibo.userAgent?.test('Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Weibo (iPhone15,3__weibo__14.5.1__iphone__os17.4)'));
    assert.ok(!weibo.userAgent?.test('Mozilla/5.0 MicroMessenger/8.0.47'));
    assert.ok(Value.Check(WeiboLoginProof, { code: '4a1f0c9e7d2b4e68b3c5d7e9f1a2b3c4' }));
    assert.ok(!Value.Check(WeiboLoginProof, {}));
  });
});

describe('weiboSettingsFromEnv', () => {
  const context = { emulatorsUrl: 'http://127.0.0.1:4100/', demo: true };

  it('uses the emulator and its demo app in demo mode, returning to the hub\'s Weibo callback', () => {
    assert.equal(APP_A.redirectUri, 'http://127.0.0.1:3000/v1/channels/weibo/callback');
    assert.deepEqual(weiboSettingsFromEnv({}, context), {
      clientId: APP_A.clientId,
      clientSecret: APP_A.clientSecret,
      redirectUri: APP_A.redirectUri,
      apiBase: 'http://127.0.0.1:4100/weibo',
      pushAccessToken: APP_A.officialAccount.accessToken,
    });
  });

  it('is not installed outside demo mode unless configured', () => {
    assert.equal(weiboSettingsFromEnv({}, { ...context, demo: false }), undefined);
  });

  it('reads a configured app, pointed at the real Weibo API unless told otherwise', () => {
    const env = { WEIBO_CLIENT_ID: '1234567890', WEIBO_CLIENT_SECRET: 's', WEIBO_REDIRECT_URI: 'https://hutong.example/login/weibo/' };
    assert.deepEqual(weiboSettingsFromEnv(env, { ...context, demo: false }), {
      clientId: '1234567890',
      clientSecret: 's',
      redirectUri: 'https://hutong.example/login/weibo/',
      apiBase: 'https://api.weibo.com',
      pushAccessToken: undefined,
    });
    assert.throws(() => weiboSettingsFromEnv({ WEIBO_CLIENT_ID: '1', WEIBO_CLIENT_SECRET: 's' }, context), /WEIBO_REDIRECT_URI must be set/);
    assert.throws(() => weiboSettingsFromEnv({ ...env, WEIBO_REDIRECT_URI: '/relative' }, context), /WEIBO_REDIRECT_URI must be an absolute/);
  });
});
