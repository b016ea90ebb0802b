import { TAOBAO_DEMO_APPS } from '../../../emulators/channels/taobao/taobao.apps.ts';
import { baseUrl, readEnv, redirectUri, requireEnv, type ChannelSettingsContext } from '../oauth2/settings.ts';
import type { TaobaoChannelOptions } from './taobao.channel.ts';

export const TAOBAO_OAUTH_BASE = 'https://oauth.taobao.com';
const VIEWS = ['web', 'tmall', 'wap'] as const;

/**
 * The Taobao channel's settings: `TAOBAO_CLIENT_ID` (App Key), `TAOBAO_CLIENT_SECRET`,
 * `TAOBAO_REDIRECT_URI`, `TAOBAO_OAUTH_BASE` (default the real OAuth server when the app is
 * configured; it serves both the authorization page and the token endpoint), `TAOBAO_TOP_GATEWAY` (the TOP router serving the message method; no push without it),
 * `TAOBAO_VIEW` (`wap` by default). In demo mode an unconfigured channel uses the emulator's first
 * demo app, whose callback is the hub's `http://127.0.0.1:3000/v1/channels/taobao/callback`, and its
 * TOP router. `undefined`: not installed.
 *
 * @example
 *   const settings = taobaoSettingsFromEnv(process.env, { emulatorsUrl, demo: config.demoMode })
 */
export function taobaoSettingsFromEnv(env: NodeJS.ProcessEnv, context: ChannelSettingsContext): TaobaoChannelOptions | undefined {
  const clientId = readEnv(env, 'TAOBAO_CLIENT_ID');
  const oauthBase = readEnv(env, 'TAOBAO_OAUTH_BASE');
  const topGateway = readEnv(env, 'TAOBAO_TOP_GATEWAY');
  const viewText = readEnv(env, 'TAOBAO_VIEW') ?? 'wap';
  const view = VIEWS.find((v) => v === viewText);
  if (view === undefined) throw new Error(`TAOBAO_VIEW must be one of ${VIEWS.join(', ')}, got "${viewText}"`);
  if (clientId !== undefined) {
    return Object.freeze({
      clientId,
      clientSecret: requireEnv(env, 'TAOBAO_CLIENT_SECRET', 'TAOBAO_CLIENT_ID'),
      redirectUri: redirectUri('TAOBAO_REDIRECT_URI', requireEnv(env, 'TAOBAO_REDIRECT_URI', 'TAOBAO_CLIENT_ID')),
      oauthBase: baseUrl('TAOBAO_OAUTH_BASE', oauthBase ?? TAOBAO_OAUTH_BASE),
      topGateway: topGateway === undefined ? undefined : baseUrl('TAOBAO_TOP_GATEWAY', topGateway),
      view,
    });
  }
  if (!context.demo) return undefined;
  const demoApp = TAOBAO_DEMO_APPS[0];
  const emulator = `${context.emulatorsUrl.replace(/\/+$/, '')}/taobao`;
  return Object.freeze({
    clientId: demoApp.clientId,
    clientSecret: demoApp.clientSecret,
    redirectUri: redirectUri('TAOBAO_REDIRECT_URI', readEnv(env, 'TAOBAO_REDIRECT_URI') ?? demoApp.redirectUri),
    oauthBase: baseUrl('TAOBAO_OAUTH_BASE', oauthBase ?? emulator),
    topGateway: baseUrl('TAOBAO_TOP_GATEWAY', topGateway ?? `${emulator}/router/rest`),
    view,
  });
}
