import assert from 'node:assert/strict';
import { createWechatChannel } from './wechat.channel.ts';
import { wechatSettingsFromEnv } from './wechat.settings.ts';
import { describeBrowserLogin } from '../oauth2/browser-login.suite.ts';

describeBrowserLogin('WeChat', (emulatorsUrl) => {
  const settings = wechatSettingsFromEnv({}, { emulatorsUrl, demo: true });
  assert.ok(settings);
  const channel = createWechatChannel(settings);
  return {
    platform: 'wechat',
    channel,
    callbackUrl: 'http://127.0.0.1:3000/v1/channels/wechat/callback',
    userId: 'demo-12345678',
    async demoCodeLogin(userId) {
      const response = await fetch(`${emulatorsUrl}/wechat/_demo/auth-codes`, { method: 'POST', body: JSON.stringify({ appid: settings.appId, userId }) });
      assert.equal(response.status, 200);
      const { code } = (await response.json()) as { code: string };
      return (await channel.authenticate({ code }, { signal: AbortSignal.timeout(10_000) })).channelUserId;
    },
    unknownApp: createWechatChannel({ ...settings, appId: 'wx0000000000000000' }),
    foreignCallback: { channel, callbackUrl: 'https://elsewhere.example/v1/channels/wechat/callback' },
    checkAuthorizeUrl(url) {
      assert.equal(url.pathname, '/wechat/connect/oauth2/authorize');
      assert.deepEqual([...url.searchParams.keys()], ['appid', 'redirect_uri', 'response_type', 'scope', 'state'], 'in the order WeChat reads them');
      assert.equal(url.searchParams.get('appid'), settings.appId);
      assert.equal(url.searchParams.get('response_type'), 'code');
      assert.equal(url.searchParams.get('scope'), 'snsapi_base');
      assert.equal(url.hash, '#wechat_redirect');
    },
    checkDeclined(callback) {
      assert.deepEqual([...callback.searchParams.keys()], ['state'], 'WeChat returns the state alone');
    },
  };
});
