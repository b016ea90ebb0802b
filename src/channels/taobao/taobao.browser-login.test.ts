import assert from 'node:assert/strict';
import { createTaobaoChannel } from './taobao.channel.ts';
import { taobaoSettingsFromEnv } from './taobao.settings.ts';
import { describeBrowserLogin } from '../oauth2/browser-login.suite.ts';

describeBrowserLogin('Taobao', (emulatorsUrl) => {
  const settings = taobaoSettingsFromEnv({}, { emulatorsUrl, demo: true });
  assert.ok(settings);
  const channel = createTaobaoChannel(settings);
  return {
    platform: 'taobao',
    channel,
    callbackUrl: 'http://127.0.0.1:3000/v1/channels/taobao/callback',
    userId: 'demo-12345678',
    async demoCodeLogin(userId) {
      const response = await fetch(`${emulatorsUrl}/taobao/_demo/auth-codes`, { method: 'POST', body: JSON.stringify({ clientId: settings.clientId, userId }) });
      assert.equal(response.status, 200);
      const { code } = (await response.json()) as { code: string };
      return (await channel.authenticate({ code }, { signal: AbortSignal.timeout(10_000) })).channelUserId;
    },
    unknownApp: createTaobaoChannel({ ...settings, clientId: '10000000' }),
    // Taobao returns to the redirect URI the app is configured with, whatever callback the hub names.
    foreignCallback: {
      channel: createTaobaoChannel({ ...settings, redirectUri: 'https://elsewhere.example/v1/channels/taobao/callback' }),
      callbackUrl: 'http://127.0.0.1:3000/v1/channels/taobao/callback',
    },
    checkAuthorizeUrl(url) {
      assert.equal(url.pathname, '/taobao/authorize');
      assert.equal(url.searchParams.get('response_type'), 'code');
      assert.equal(url.searchParams.get('client_id'), settings.clientId);
      assert.equal(url.searchParams.get('redirect_uri'), settings.redirectUri);
      assert.equal(url.searchParams.get('view'), 'wap');
    },
    checkDeclined(callback) {
      assert.equal(callback.searchParams.get('error'), 'access_denied');
      assert.equal(callback.searchParams.get('code'), null);
    },
  };
});
