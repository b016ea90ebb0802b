import type { Channel, ChannelMessage } from '../channel.ts';
import { authCodeProof } from '../oauth2/auth-code-proof.ts';
import { callPlatform, channelUnavailable, clip, jsonObject, loginCodeInvalid } from '../oauth2/platform-call.ts';
import { callTop } from './top.client.ts';

export const TaobaoLoginProof = authCodeProof('TaobaoLoginProof', 'the `code` Taobao appended to the redirect URI after the person authorized the app');

export interface TaobaoChannelOptions {
  /** The App Key: `client_id` in OAuth, `app_key` in TOP. */
  readonly clientId: string;
  /** The App Secret: `client_secret` in OAuth, the TOP signing key; never logged or put in an error message. */
  readonly clientSecret: string;
  /**
   * The redirect URI the authorization is requested with (the hub's `/v1/channels/taobao/callback`,
   * on the app's registered callback host); Taobao checks it again at the exchange.
   */
  readonly redirectUri: string;
  /** `https://oauth.taobao.com`, or the emulator's `<emulators>/taobao`: the authorization page and the token endpoint. */
  readonly oauthBase: string;
  /**
   * The TOP router (`<emulators>/taobao/router/rest` in demo) serving `taobao.miniapp.message.send`;
   * without it the channel sends no messages.
   */
  readonly topGateway?: string;
  /** Which authorization page the person saw: `wap` inside the Taobao app (the default), `web` or `tmall`. */
  readonly view?: 'web' | 'tmall' | 'wap';
  /** The hub's clock, for TOP timestamps. */
  readonly now?: () => number;
}

export const TAOBAO_MESSAGE_METHOD = 'taobao.miniapp.message.send';

/**
 * The Taobao entrance: the person authorizes the hub's Taobao app, Taobao redirects back with a
 * `code`, and the hub exchanges it for the person's `taobao_open_uid` — an id Taobao gives out per
 * app, so it links the person to nothing outside this entrance. The masked nick and the person's
 * access token are not kept. Messages go out through a TOP call signed with the app secret.
 *
 * @example
 *   const taobao = createTaobaoChannel({ clientId, clientSecret, redirectUri, oauthBase: 'https://oauth.taobao.com' })
 *   const { channelUserId } = await taobao.authenticate({ code }, { signal })   // the open uid
 */
export function createTaobaoChannel(options: TaobaoChannelOptions): Channel<typeof TaobaoLoginProof> {
  const oauthBase = options.oauthBase.replace(/\/+$/, '');

  const channel: Channel<typeof TaobaoLoginProof> = {
    id: 'taobao',
    name: { zh: '淘宝', en: 'Taobao' },
    loginProofSchema: TaobaoLoginProof,
    preferredWallet: 'alipay',
    userAgent: /AliApp\(TB/,

    browserLogin: {
      // Taobao checks the exchange's redirect_uri against the authorization's: both are the configured one.
      authorizeUrl: ({ state }) =>
        `${oauthBase}/authorize?${new URLSearchParams({ response_type: 'code', client_id: options.clientId, redirect_uri: options.redirectUri, state, view: options.view ?? 'wap' })}`,
      // A person who declines comes back with `error=access_denied` and no code.
      proofFromCallback: (query) => (query.error !== undefined || query.code === undefined || query.code === '' ? undefined : { code: query.code }),
    },

    async authenticate(proof, { signal }) {
      const answer = await callPlatform(
        'Taobao',
        'the code exchange',
        new URL(`${oauthBase}/token`),
        {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' },
          body: new URLSearchParams({
            grant_type: 'authorization_code',
            client_id: options.clientId,
            client_secret: options.clientSecret,
            code: proof.code,
            redirect_uri: options.redirectUri,
            view: options.view ?? 'wap',
          }).toString(),
        },
        signal,
      );
      const body = jsonObject(answer);
      if (answer.status !== 200) {
        const error = typeof body?.error === 'string' ? body.error : undefined;
        // invalid_grant is the person's code (unknown, used, expired, another app's or redirect's); the rest is the hub's setup or Taobao.
        if (error === 'invalid_grant') throw loginCodeInvalid('Taobao', { platformCode: error });
        throw channelUnavailable(`Taobao refused the code exchange: ${error ?? `HTTP ${answer.status}`}${error === 'invalid_client' ? ' (the hub\'s App Key or App Secret is wrong)' : ''}`, {
          details: { platformCode: error },
        });
      }
      const openUid = body?.taobao_open_uid;
      if (typeof openUid !== 'string' || openUid === '') throw channelUnavailable('Taobao answered the code exchange without a taobao_open_uid');
      return { channelUserId: openUid };
    },
  };

  const gateway = options.topGateway;
  if (gateway === undefined) return channel;
  const top = { gateway, appKey: options.clientId, appSecret: options.clientSecret, now: options.now };

  const sendTopMessage = async (openUid: string, message: ChannelMessage, signal: AbortSignal): Promise<{ messageId: string }> => {
    const result = await callTop(
      top,
      TAOBAO_MESSAGE_METHOD,
      {
        to_open_uid: openUid,
        title: clip(message.title, 20),
        content: clip(message.body, 200),
        ...(message.link === undefined ? {} : { page_url: message.link }),
      },
      signal,
    );
    const msgId = result.msg_id;
    if (typeof msgId !== 'string' && typeof msgId !== 'number') throw channelUnavailable(`Taobao accepted ${TAOBAO_MESSAGE_METHOD} without a msg_id`);
    return { messageId: String(msgId) };
  };

  return { ...channel, sendMessage: (openUid, message, { signal }) => sendTopMessage(openUid, message, signal) };
}

export { taobaoSettingsFromEnv } from './taobao.settings.ts';
