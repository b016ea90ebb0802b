import { WECHAT_DEMO_APPS } from '../../../emulators/channels/wechat/wechat.apps.ts';
import { baseUrl, readEnv, requireEnv, type ChannelSettingsContext } from '../oauth2/settings.ts';
import type { WechatChannelOptions } from './wechat.channel.ts';

export const WECHAT_API_BASE = 'https://api.weixin.qq.com';

/**
 * The WeChat channel's settings: `WECHAT_APP_ID`, `WECHAT_APP_SECRET`, `WECHAT_API_BASE` (default
 * the real API when the app is configured), `WECHAT_SUBSCRIBE_TEMPLATE_ID` (no push without it).
 * In demo mode an unconfigured channel uses the emulator's first demo app. `undefined`: not installed.
 *
 * @example
 *   const settings = wechatSettingsFromEnv(process.env, { emulatorsUrl, demo: config.demoMode })
 *   if (settings) channels.set('wechat', createWechatChannel(settings))
 */
export function wechatSettingsFromEnv(env: NodeJS.ProcessEnv, context: ChannelSettingsContext): WechatChannelOptions | undefined {
  const appId = readEnv(env, 'WECHAT_APP_ID');
  const apiBase = readEnv(env, 'WECHAT_API_BASE');
  if (appId !== undefined) {
    return Object.freeze({
      appId,
      appSecret: requireEnv(env, 'WECHAT_APP_SECRET', 'WECHAT_APP_ID'),
      apiBase: baseUrl('WECHAT_API_BASE', apiBase ?? WECHAT_API_BASE),
      subscribeTemplateId: readEnv(env, 'WECHAT_SUBSCRIBE_TEMPLATE_ID'),
    });
  }
  if (!context.demo) return undefined;
  const demoApp = WECHAT_DEMO_APPS[0];
  return Object.freeze({
    appId: demoApp.appId,
    appSecret: demoApp.appSecret,
    apiBase: baseUrl('WECHAT_API_BASE', apiBase ?? `${context.emulatorsUrl.replace(/\/+$/, '')}/wechat`),
    subscribeTemplateId: readEnv(env, 'WECHAT_SUBSCRIBE_TEMPLATE_ID') ?? demoApp.subscribeTemplateIds[0],
  });
}
