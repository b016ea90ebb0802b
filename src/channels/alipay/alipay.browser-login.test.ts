import assert from 'node:assert/strict';
import { createAlipayChannel, alipaySettingsFromEnv } from './alipay.channel.ts';
import { describeBrowserLogin } from '../oauth2/browser-login.suite.ts';

describeBrowserLogin('Alipay', (emulatorsUrl) => {
  const settings = alipaySettingsFromEnv({}, { emulatorsUrl, demo: true });
  assert.ok(settings);
  const channel = createAlipayChannel(settings);
  return {
    platform: 'alipay',
    channel,
    callbackUrl: 'http://127.0.0.1:3000/v1/channels/alipay/callback',
    userId: '2088000012345678',
    async demoCodeLogin(userId) {
      const response = await fetch(`${emulatorsUrl}/alipay/_demo/auth-codes`, { method: 'POST', body: JSON.stringify({ userId }) });
      assert.equal(response.status, 201);
      const { authCode } = (await response.json()) as { authCode: string };
      return (await channel.authenticate({ authCode }, { signal: AbortSignal.timeout(10_000) })).channelUserId;
    },
    unknownApp: createAlipayChannel({ ...settings, appId: '2021000000009999' }),
    foreignCallback: { channel, callbackUrl: 'https://elsewhere.example/v1/channels/alipay/callback' },
    checkAuthorizeUrl(url) {
      assert.equal(url.pathname, '/alipay/oauth2/publicAppAuthorize.htm');
      assert.equal(url.searchParams.get('app_id'), settings.appId);
      assert.equal(url.searchParams.get('scope'), 'auth_base');
      assert.equal(url.searchParams.get('redirect_uri'), 'http://127.0.0.1:3000/v1/channels/alipay/callback');
    },
    checkDeclined(callback) {
      assert.equal(callback.searchParams.get('auth_code'), null);
      assert.equal(callback.searchParams.get('app_id'), settings.appId);
    },
  };
});
