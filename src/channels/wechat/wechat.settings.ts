import { WECHAT_DEMO_APPS } from '../../../emulators/channels/wechat/wechat.apps.ts';
import { baseUrl, readEnv, requireEnv, type ChannelSettingsContext } from '../oauth2/settings.ts';
import type { WechatChannelOptions } from './wechat.channel.ts';

export const WECHAT_API_BASE = 'https://api.weixin.qq.com';
export const WECHAT_AUTHORIZE_BASE = 'https://open.weixin.qq.com';

/**
 * The WeChat channel's settings: `WECHAT_APP_ID`, `WECHAT_APP_SECRET`, `WECHAT_API_BASE` (default
 * the real API when the app is configured), `WECHAT_AUTHORIZE_BASE` (where the web authorization page
 * is; default open.weixin.qq.com when the app is configured), `WECHAT_SUBSCRIBE_TEMPLATE_ID` (no push
 * without it). In demo mode an unconfigured channel uses the emulator's first demo app and the
 * emulator for both. `undefined`: not installed.
 *
 * @example
 *   const settings = wechatSettingsFromEnv(process.env, { emulatorsUrl, demo: config.demoMode })
 *   if (settings) channels.set('wechat', createWechatChannel(settings))
 */
export function wechatSettingsFromEnv(env: NodeJS.ProcessEnv, context: ChannelSettingsContext): WechatChannelOptions | undefined {
  const appId = readEnv(env, 'WECHAT_APP_ID');
  const apiBase = readEnv(env, 'WECHAT_API_BASE');
  const authorizeBase = readEnv(env, 'WECHAT_AUTHORIZE_BASE');
  if (appId !== undefined) {
    return Object.freeze({
      appId,
      appSecret: requireEnv(env, 'WECHAT_APP_SECRET', 'WECHAT_APP_ID'),
      apiBase: baseUrl('WECHAT_API_BASE', apiBase ?? WECHAT_API_BASE),
      authorizeBase: baseUrl('WECHAT_AUTHORIZE_BASE', authorizeBase ?? WECHAT_AUTHORIZE_BASE),
      subscribeTemplateId: readEnv(env, 'WECHAT_SUBSCRIBE_TEMPLATE_ID'),
    });
  }
  if (!context.demo) return undefined;
  const demoApp = WECHAT_DEMO_APPS[0];
  const emulator = `${context.emulatorsUrl.replace(/\/+$/, '')}/wechat`;
  return Object.freeze({
    appId: demoApp.appId,
    appSecret: demoApp.appSecret,
    apiBase: baseUrl('WECHAT_API_BASE', apiBase ?? emulator),
    authorizeBase: baseUrl('WECHAT_AUTHORIZE_BASE', authorizeBase ?? emulator),
    subscribeTemplateId: readEnv(env, 'WECHAT_SUBSCRIBE_TEMPLATE_ID') ?? demoApp.subscribeTemplateIds[0],
  });
}
