import type { Channel, ChannelMessage } from '../channel.ts';
import { authCodeProof } from '../oauth2/auth-code-proof.ts';
import { callPlatform, channelUnavailable, clip, jsonObject, loginCodeInvalid, rawIntegerField, type PlatformAnswer } from '../oauth2/platform-call.ts';

export const WeiboLoginProof = authCodeProof('WeiboLoginProof', 'the `code` Weibo appended to the redirect URI after the person authorized the app');

export interface WeiboChannelOptions {
  /** The App Key (`client_id`). */
  readonly clientId: string;
  /** The App Secret (`client_secret`); a secret, never logged or put in an error message. */
  readonly clientSecret: string;
  /**
   * The redirect URI the authorization is requested with (the hub's `/v1/channels/weibo/callback`, on
   * the app's registered callback host); Weibo checks it again at the exchange.
   */
  readonly redirectUri: string;
  /** `https://api.weibo.com`, or the emulator's `<emulators>/weibo`; the authorization page is under it too. */
  readonly apiBase: string;
  /**
   * The long-lived access token the hub's official Weibo account granted the app (fan-service
   * platform), used to send direct messages; a secret. Without it the channel sends no messages.
   */
  readonly pushAccessToken?: string;
}

/** Weibo's OAuth2 code 21325 (`invalid_grant`): the code is unknown, used, expired, or not for this app and redirect. */
const INVALID_GRANT = 21325;
const KNOWN_ERROR_CODES: Record<number, string> = {
  21322: 'the redirect URI is not on the app\'s callback host',
  21323: 'the request is missing a parameter',
  21324: 'the hub\'s App Key or App Secret is wrong',
  21328: 'the grant type is not supported',
  21331: 'Weibo is temporarily unavailable',
  21301: 'the push access token is missing',
  21327: 'the push access token expired',
  21332: 'the push access token is not valid',
  20003: 'the person is not a user of this app',
};
/** A Weibo direct message holds at most 300 characters. */
const DM_MAX_CHARS = 300;

function platformError(answer: PlatformAnswer): { errorCode?: number; error?: string } {
  const body = jsonObject(answer);
  return {
    errorCode: typeof body?.error_code === 'number' ? body.error_code : undefined,
    error: typeof body?.error === 'string' ? body.error : undefined,
  };
}

function refused(operation: string, answer: PlatformAnswer): Error {
  const { errorCode, error } = platformError(answer);
  if (errorCode === undefined) return channelUnavailable(`Weibo answered ${operation} with HTTP ${answer.status}`);
  const reason = KNOWN_ERROR_CODES[errorCode];
  // Only the code and Weibo's error name: Weibo's description may echo request values.
  return channelUnavailable(`Weibo refused ${operation}: error_code ${errorCode}${reason ? ` (${reason})` : error ? ` (${error})` : ''}`, {
    details: { platformCode: errorCode },
  });
}

/**
 * The Weibo entrance: the person authorizes the hub's Weibo app, Weibo redirects back with a
 * `code`, and the hub exchanges it (with the same `redirect_uri`) for the person's Weibo uid.
 * The user access token Weibo also returns is not kept: the hub needs only who the person is.
 * Messages go out as direct messages from the hub's official account.
 *
 * @example
 *   const weibo = createWeiboChannel({ clientId, clientSecret, redirectUri, apiBase: 'https://api.weibo.com' })
 *   const { channelUserId } = await weibo.authenticate({ code }, { signal })   // the uid
 */
export function createWeiboChannel(options: WeiboChannelOptions): Channel<typeof WeiboLoginProof> {
  const apiBase = options.apiBase.replace(/\/+$/, '');
  const form = (fields: Record<string, string>): RequestInit => ({
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' },
    body: new URLSearchParams(fields).toString(),
  });

  const channel: Channel<typeof WeiboLoginProof> = {
    id: 'weibo',
    name: { zh: '微博', en: 'Weibo' },
    loginProofSchema: WeiboLoginProof,
    // Weibo has no wallet of its own that the hub's payment providers speak; the person picks one.
    userAgent: /Weibo/,

    browserLogin: {
      // Weibo checks the exchange's redirect_uri against the authorization's: both are the configured one.
      authorizeUrl: ({ state }) =>
        `${apiBase}/oauth2/authorize?${new URLSearchParams({ client_id: options.clientId, redirect_uri: options.redirectUri, response_type: 'code', state, display: 'mobile' })}`,
      // A person who declines comes back with `error=access_denied` and no code.
      proofFromCallback: (query) => (query.error !== undefined || query.code === undefined || query.code === '' ? undefined : { code: query.code }),
    },

    async authenticate(proof, { signal }) {
      const answer = await callPlatform(
        'Weibo',
        'the code exchange',
        new URL(`${apiBase}/oauth2/access_token`),
        form({
          client_id: options.clientId,
          client_secret: options.clientSecret,
          grant_type: 'authorization_code',
          code: proof.code,
          redirect_uri: options.redirectUri,
        }),
        signal,
      );
      if (answer.status !== 200) {
        if (platformError(answer).errorCode === INVALID_GRANT) throw loginCodeInvalid('Weibo', { platformCode: INVALID_GRANT });
        throw refused('the code exchange', answer);
      }
      // The uid is a string on the wire; read it from the text so a numeric one keeps every digit.
      const uid = jsonObject(answer) ? rawIntegerField(answer.text, 'uid') : undefined;
      if (uid === undefined) throw channelUnavailable('Weibo answered the code exchange without a uid');
      return { channelUserId: uid };
    },
  };

  const pushAccessToken = options.pushAccessToken;
  if (pushAccessToken === undefined) return channel;

  const sendDirectMessage = async (uid: string, message: ChannelMessage, signal: AbortSignal): Promise<{ messageId: string }> => {
    const text = clip([message.title, message.body, message.link].filter((part) => part !== undefined && part !== '').join('\n'), DM_MAX_CHARS);
    const answer = await callPlatform(
      'Weibo',
      'the direct message',
      new URL(`${apiBase}/2/direct_messages/new.json`),
      form({ access_token: pushAccessToken, uid, text }),
      signal,
    );
    if (answer.status !== 200) throw refused('the direct message', answer);
    const body = jsonObject(answer);
    const id = typeof body?.idstr === 'string' ? body.idstr : body ? rawIntegerField(answer.text, 'id') : undefined;
    if (id === undefined) throw channelUnavailable('Weibo accepted the direct message without an id');
    return { messageId: id };
  };

  return { ...channel, sendMessage: (uid, message, { signal }) => sendDirectMessage(uid, message, signal) };
}

export { weiboSettingsFromEnv } from './weibo.settings.ts';
