import type { Channel, ChannelMessage } from '../channel.ts';
import { AccessTokenCache } from '../oauth2/access-token-cache.ts';
import { authCodeProof } from '../oauth2/auth-code-proof.ts';
import { callPlatform, channelUnavailable, clip, jsonObject, loginCodeInvalid, rawIntegerField, type PlatformAnswer } from '../oauth2/platform-call.ts';
import { WECHAT_AUTHORIZE_BASE } from './wechat.settings.ts';

export const WechatLoginProof = authCodeProof(
  'WechatLoginProof',
  'the `code` WeChat appended to the redirect URI after web authorization (snsapi_base or snsapi_userinfo)',
);

export interface WechatChannelOptions {
  /** The 公众号's AppID (`wx…`). */
  readonly appId: string;
  /** The AppSecret; a secret, never logged or put in an error message. */
  readonly appSecret: string;
  /** `https://api.weixin.qq.com`, or the emulator's `<emulators>/wechat`. */
  readonly apiBase: string;
  /**
   * Where the web authorization page is: `https://open.weixin.qq.com` (the default), or the
   * emulator's `<emulators>/wechat`.
   */
  readonly authorizeBase?: string;
  /** Subscribe-message template taking `thing1` (title) and `thing2` (body); without one the channel sends no messages. */
  readonly subscribeTemplateId?: string;
  /** The hub's clock, for the cached access token (tests move it). */
  readonly now?: () => number;
}

/** Code-exchange errcodes that mean the person's code is no good (not the hub's setup): invalid, used, missing. */
const CODE_REFUSED = new Set([40029, 40163, 41008]);
/** errcodes that mean the app access token is no longer accepted: fetch a new one and retry once. */
const TOKEN_REFUSED = new Set([40001, 40014, 42001]);
const KNOWN_ERRCODES: Record<number, string> = {
  [-1]: 'WeChat is busy',
  40013: 'the hub\'s AppID is not known to WeChat',
  40125: 'the hub\'s AppSecret is wrong',
  40164: 'the hub\'s IP address is not on the app\'s allow list',
  40003: 'the person is not a user of this app',
  40037: 'the subscribe template is not the app\'s',
  43101: 'the person has not subscribed to this message',
  45009: 'the app reached its daily API quota',
};
/** A subscribe message's `thing` keyword holds at most 20 characters. */
const THING_MAX = 20;

/** The errcode of a WeChat answer: 0 for success (WeChat leaves it out of successful answers). */
function errcode(answer: PlatformAnswer, platformOperation: string): number {
  const body = jsonObject(answer);
  if (answer.status !== 200 || !body) {
    throw channelUnavailable(`WeChat answered ${platformOperation} with HTTP ${answer.status}${body ? '' : ' and no JSON'}`);
  }
  return typeof body.errcode === 'number' ? body.errcode : 0;
}

function refused(operation: string, code: number): Error {
  const reason = KNOWN_ERRCODES[code];
  return channelUnavailable(`WeChat refused ${operation}: errcode ${code}${reason ? ` (${reason})` : ''}`, { details: { platformCode: code } });
}

/**
 * The WeChat entrance (公众号 web authorization, 网页授权): the person opens the hub inside WeChat,
 * WeChat redirects back with a `code`, and the hub exchanges it for the person's openid in this app.
 * The unionid WeChat also returns is dropped: it links the person across apps, and a channel must
 * not learn ids beyond its own. Messages go out as subscribe messages with the app's
 * `client_credential` token, cached until shortly before it expires and fetched once at a time.
 *
 * @example
 *   const wechat = createWechatChannel({ appId: 'wx…', appSecret, apiBase: 'https://api.weixin.qq.com' })
 *   const { channelUserId } = await wechat.authenticate({ code }, { signal })   // the openid
 */
export function createWechatChannel(options: WechatChannelOptions): Channel<typeof WechatLoginProof> {
  const apiBase = options.apiBase.replace(/\/+$/, '');
  const authorizeBase = (options.authorizeBase ?? WECHAT_AUTHORIZE_BASE).replace(/\/+$/, '');
  const endpoint = (path: string, params: Record<string, string>): URL => {
    const url = new URL(`${apiBase}${path}`);
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    return url;
  };

  const tokens = new AccessTokenCache(
    'WeChat',
    async (signal) => {
      const answer = await callPlatform(
        'WeChat',
        'the access token request',
        endpoint('/cgi-bin/token', { grant_type: 'client_credential', appid: options.appId, secret: options.appSecret }),
        { method: 'GET' },
        signal,
      );
      const code = errcode(answer, 'the access token request');
      const body = jsonObject(answer) ?? {};
      if (code !== 0) throw refused('the access token request', code);
      if (typeof body.access_token !== 'string' || body.access_token === '' || typeof body.expires_in !== 'number') {
        throw channelUnavailable('WeChat answered the access token request without a token');
      }
      return { token: body.access_token, expiresInSeconds: body.expires_in };
    },
    options.now,
  );

  const channel: Channel<typeof WechatLoginProof> = {
    id: 'wechat',
    name: { zh: '微信', en: 'WeChat' },
    loginProofSchema: WechatLoginProof,
    preferredWallet: 'wechatpay',
    userAgent: /MicroMessenger/,

    browserLogin: {
      // snsapi_base: silent, and enough for the openid. WeChat reads the parameters in this order.
      authorizeUrl: ({ state, callbackUrl }) =>
        `${authorizeBase}/connect/oauth2/authorize?${new URLSearchParams({ appid: options.appId, redirect_uri: callbackUrl, response_type: 'code', scope: 'snsapi_base', state })}#wechat_redirect`,
      // A person who declines comes back with the state alone.
      proofFromCallback: (query) => (query.code === undefined || query.code === '' ? undefined : { code: query.code }),
    },

    async authenticate(proof, { signal }) {
      const answer = await callPlatform(
        'WeChat',
        'the code exchange',
        endpoint('/sns/oauth2/access_token', { appid: options.appId, secret: options.appSecret, code: proof.code, grant_type: 'authorization_code' }),
        { method: 'GET' },
        signal,
      );
      const code = errcode(answer, 'the code exchange');
      if (CODE_REFUSED.has(code)) throw loginCodeInvalid('WeChat', { platformCode: code });
      if (code !== 0) throw refused('the code exchange', code);
      // Only the openid is read: the unionid (and the person's web access token) stay out of the hub.
      const openid = jsonObject(answer)?.openid;
      if (typeof openid !== 'string' || openid === '') throw channelUnavailable('WeChat answered the code exchange without an openid');
      return { channelUserId: openid };
    },
  };

  const templateId = options.subscribeTemplateId;
  if (templateId === undefined) return channel;

  const sendSubscribeMessage = async (openid: string, message: ChannelMessage, signal: AbortSignal): Promise<{ messageId: string }> => {
    const body = JSON.stringify({
      touser: openid,
      template_id: templateId,
      ...(message.link === undefined ? {} : { page: message.link }),
      data: { thing1: { value: clip(message.title, THING_MAX) }, thing2: { value: clip(message.body, THING_MAX) } },
    });
    for (let attempt = 1; ; attempt += 1) {
      const token = await tokens.get(signal);
      const answer = await callPlatform(
        'WeChat',
        'the subscribe message',
        endpoint('/cgi-bin/message/subscribe/send', { access_token: token }),
        { method: 'POST', headers: { 'content-type': 'application/json' }, body },
        signal,
      );
      const code = errcode(answer, 'the subscribe message');
      if (code === 0) {
        const msgid = rawIntegerField(answer.text, 'msgid');
        if (msgid === undefined) throw channelUnavailable('WeChat accepted the subscribe message without a msgid');
        return { messageId: msgid };
      }
      if (TOKEN_REFUSED.has(code) && attempt === 1) {
        tokens.invalidate(token);
        continue;
      }
      throw refused('the subscribe message', code);
    }
  };

  return { ...channel, sendMessage: (openid, message, { signal }) => sendSubscribeMessage(openid, message, signal) };
}

export { wechatSettingsFromEnv } from './wechat.settings.ts';
