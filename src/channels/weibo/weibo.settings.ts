import { WEIBO_DEMO_APPS } from '../../../emulators/channels/weibo/weibo.apps.ts';
import { baseUrl, readEnv, redirectUri, requireEnv, type ChannelSettingsContext } from '../oauth2/settings.ts';
import type { WeiboChannelOptions } from './weibo.channel.ts';

export const WEIBO_API_BASE = 'https://api.weibo.com';

/**
 * The Weibo channel's settings: `WEIBO_CLIENT_ID`, `WEIBO_CLIENT_SECRET`, `WEIBO_REDIRECT_URI`,
 * `WEIBO_API_BASE` (default the real API when the app is configured; the authorization page,
 * `/oauth2/authorize`, is under it too), `WEIBO_PUSH_ACCESS_TOKEN` (the official account's token; no
 * push without it). In demo mode an unconfigured channel uses the emulator's first demo app, whose
 * callback is the hub's `http://127.0.0.1:3000/v1/channels/weibo/callback`. `undefined`: not installed.
 *
 * @example
 *   const settings = weiboSettingsFromEnv(process.env, { emulatorsUrl, demo: config.demoMode })
 */
export function weiboSettingsFromEnv(env: NodeJS.ProcessEnv, context: ChannelSettingsContext): WeiboChannelOptions | undefined {
  const clientId = readEnv(env, 'WEIBO_CLIENT_ID');
  const apiBase = readEnv(env, 'WEIBO_API_BASE');
  if (clientId !== undefined) {
    return Object.freeze({
      clientId,
      clientSecret: requireEnv(env, 'WEIBO_CLIENT_SECRET', 'WEIBO_CLIENT_ID'),
      redirectUri: redirectUri('WEIBO_REDIRECT_URI', requireEnv(env, 'WEIBO_REDIRECT_URI', 'WEIBO_CLIENT_ID')),
      apiBase: baseUrl('WEIBO_API_BASE', apiBase ?? WEIBO_API_BASE),
      pushAccessToken: readEnv(env, 'WEIBO_PUSH_ACCESS_TOKEN'),
    });
  }
  if (!context.demo) return undefined;
  const demoApp = WEIBO_DEMO_APPS[0];
  return Object.freeze({
    clientId: demoApp.clientId,
    clientSecret: demoApp.clientSecret,
    redirectUri: redirectUri('WEIBO_REDIRECT_URI', readEnv(env, 'WEIBO_REDIRECT_URI') ?? demoApp.redirectUri),
    apiBase: baseUrl('WEIBO_API_BASE', apiBase ?? `${context.emulatorsUrl.replace(/\/+$/, '')}/weibo`),
    pushAccessToken: readEnv(env, 'WEIBO_PUSH_ACCESS_TOKEN') ?? demoApp.officialAccount.accessToken,
  });
}
