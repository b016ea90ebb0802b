import assert from 'node:assert/strict';
import { createWeiboChannel } from './weibo.channel.ts';
import { weiboSettingsFromEnv } from './weibo.settings.ts';
import { describeBrowserLogin } from '../oauth2/browser-login.suite.ts';

describeBrowserLogin('Weibo', (emulatorsUrl) => {
  const settings = weiboSettingsFromEnv({}, { emulatorsUrl, demo: true });
  assert.ok(settings);
  const channel = createWeiboChannel(settings);
  return {
    platform: 'weibo',
    channel,
    callbackUrl: 'http://127.0.0.1:3000/v1/channels/weibo/callback',
    userId: 'demo-12345678',
    async demoCodeLogin(userId) {
      const response = await fetch(`${emulatorsUrl}/weibo/_demo/auth-codes`, { method: 'POST', body: JSON.stringify({ clientId: settings.clientId, userId }) });
      assert.equal(response.status, 200);
      const { code } = (await response.json()) as { code: string };
      return (await channel.authenticate({ code }, { signal: AbortSignal.timeout(10_000) })).channelUserId;
    },
    unknownApp: createWeiboChannel({ ...settings, clientId: '1000000000' }),
    // Weibo returns to the redirect URI the app is configured with, whatever callback the hub names.
    foreignCallback: {
      channel: createWeiboChannel({ ...settings, redirectUri: 'https://elsewhere.example/v1/channels/weibo/callback' }),
      callbackUrl: 'http://127.0.0.1:3000/v1/channels/weibo/callback',
    },
    checkAuthorizeUrl(url) {
      assert.equal(url.pathname, '/weibo/oauth2/authorize');
      assert.equal(url.searchParams.get('client_id'), settings.clientId);
      assert.equal(url.searchParams.get('redirect_uri'), settings.redirectUri);
      assert.equal(url.searchParams.get('response_type'), 'code');
      assert.equal(url.searchParams.get('display'), 'mobile');
    },
    checkDeclined(callback) {
      assert.equal(callback.searchParams.get('error'), 'access_denied');
      assert.equal(callback.searchParams.get('error_code'), '21330');
      assert.equal(callback.searchParams.get('code'), null);
    },
  };
});
