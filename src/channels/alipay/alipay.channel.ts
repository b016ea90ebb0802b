import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { keyPem, keyText, privateKeyFrom, publicKeyFrom } from '../../key-material.ts';
import { Type } from '@sinclair/typebox';
import { AlipayRequestError, AlipaySdk, type IRequestParams } from 'alipay-sdk';
import { hutongError, type HutongError } from '../../errors.ts';
import type { Channel, ChannelBrowserLogin, ChannelCallOptions, ChannelMessage } from '../channel.ts';
import { baseUrl } from '../oauth2/settings.ts';

export const AlipayLoginProof = Type.Object(
  {
    authCode: Type.String({
      minLength: 1,
      maxLength: 64,
      pattern: '^[\\x21-\\x7e]+$',
      description: 'the auth code the Alipay app handed the mini program (my.getAuthCode), used once',
    }),
  },
  { additionalProperties: false, title: 'AlipayLoginProof' },
);

/** How the hub reaches the Alipay open platform as one registered app (public-key mode, RSA2). */
export interface AlipaySettings {
  readonly appId: string;
  /** The app's private key: PEM (PKCS#1 or PKCS#8), or bare base64 as Alipay's key tool prints it. */
  readonly privateKey: string;
  /** The platform's public key ("支付宝公钥"), which every answer must be signed with. */
  readonly alipayPublicKey: string;
  /** The v2 gateway, `https://openapi.alipay.com/gateway.do` in production. */
  readonly gateway: string;
  /**
   * The web authorization page an H5 page inside the Alipay app sends the browser to;
   * `https://openauth.alipay.com/oauth2/publicAppAuthorize.htm` (the default) in production.
   */
  readonly authorizeUrl?: string;
  /** Template for `sendMessage` (applied for in the open platform console); without one the channel has no push. */
  readonly messageTemplateId?: string;
  /** Per-call HTTP timeout of the SDK; default 5000. */
  readonly timeoutMs?: number;
}

export const ALIPAY_PRODUCTION_GATEWAY = 'https://openapi.alipay.com/gateway.do';
export const ALIPAY_PRODUCTION_AUTHORIZE_URL = 'https://openauth.alipay.com/oauth2/publicAppAuthorize.htm';

/** The demo app the emulator registers, and its committed keys (valid against the emulator only). */
const DEMO_APP_ID = '2021000000000001';
const DEMO_TEMPLATE_ID = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const DEMO_KEYS = new URL('../../../emulators/channels/alipay/demo-keys/', import.meta.url);

/** The mini program page that opens a hub link; template messages can only point into the mini program. */
const LINK_PAGE = 'pages/index/index';
const ALIPAY_USER_ID = /^2088\d{12}$/;

/** The slice of a v2 gateway answer the channel reads (wire names; the SDK runs with `camelcase: false`). */
interface GatewayAnswer {
  readonly code?: string;
  readonly sub_code?: string;
  readonly user_id?: unknown;
  readonly open_id?: unknown;
  readonly traceId?: string;
}




/** Rejects with the signal's reason as soon as it aborts; the SDK itself cannot be cancelled. */
function untilAborted<T>(start: () => Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    start()
      .then(resolve, reject)
      .finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** The exact text of the object under `key` in a signed answer `{"key":{…},"sign":"…"}`. */
function signedObjectText(raw: string, key: string): string | undefined {
  const at = raw.indexOf(`"${key}"`);
  const signAt = raw.lastIndexOf('"sign"');
  if (at < 0 || signAt < at) return undefined;
  const colon = raw.indexOf(':', at + key.length + 2);
  const text = raw.slice(colon + 1, signAt).trim().replace(/,$/, '').trim();
  return text.startsWith('{') && text.endsWith('}') ? text : undefined;
}

const isRefusal = (answer: GatewayAnswer): boolean => answer.sub_code !== undefined || (answer.code !== undefined && answer.code !== '10000');

function refused(what: string, answer: GatewayAnswer): HutongError {
  // sub_msg is left out: the gateway may echo request parameters (the auth code) in it.
  return hutongError('HUTONG_ERR_CHANNEL_UNAVAILABLE', `Alipay refused ${what} (${answer.code ?? '?'} ${answer.sub_code ?? ''})`.trim(), {
    details: { channel: 'alipay', code: answer.code, subCode: answer.sub_code },
  });
}

/**
 * The Alipay entrance: a person opens the hub's mini program in Alipay, which asks the Alipay app for
 * an auth code (or the hub's H5 page sends the browser to Alipay's web authorization page, which
 * returns with an `auth_code`); the hub exchanges it at the open platform (`alipay.system.oauth.token`, through the
 * official `alipay-sdk`) for the person's Alipay user id (or open_id), and pushes template messages
 * (`alipay.open.app.mini.templatemessage.send`). Requests are RSA2-signed with the app key and every
 * answer must carry the platform's valid signature.
 *
 * @example
 *   const settings = alipaySettingsFromEnv(process.env, { emulatorsUrl, demo: true })
 *   const alipay = settings && createAlipayChannel(settings)
 */
export function createAlipayChannel(settings: AlipaySettings): Channel<typeof AlipayLoginProof> {
  if (!settings.appId) throw new Error('Alipay appId is required');
  const sdk = new AlipaySdk({
    appId: settings.appId,
    privateKey: keyPem(settings.privateKey, 'Alipay privateKey', 'private'),
    keyType: 'PKCS8',
    alipayPublicKey: keyPem(settings.alipayPublicKey, 'Alipay alipayPublicKey', 'public'),
    gateway: settings.gateway,
    signType: 'RSA2',
    timeout: settings.timeoutMs ?? 5000,
    camelcase: false,
  });

  /**
   * The SDK (4.14) cuts the signed text out of an answer by the method's key, so a correctly signed
   * `error_response` (how the platform refuses an auth code) fails its check; those are checked here,
   * with the SDK's own `rsaCheck`, so that a refusal is trusted only when the platform signed it.
   */
  const verifiedErrorResponse = (raw: string | undefined): GatewayAnswer | undefined => {
    if (!raw) return undefined;
    let parsed: { error_response?: unknown; sign?: unknown };
    try {
      parsed = JSON.parse(raw) as typeof parsed;
    } catch {
      return undefined;
    }
    if (typeof parsed.error_response !== 'object' || parsed.error_response === null || typeof parsed.sign !== 'string') return undefined;
    const text = signedObjectText(raw, 'error_response');
    return text !== undefined && sdk.rsaCheck(text, parsed.sign, 'RSA2') ? (parsed.error_response as GatewayAnswer) : undefined;
  };

  const call = async (method: string, params: IRequestParams, { signal }: ChannelCallOptions): Promise<GatewayAnswer> => {
    try {
      const answer = await untilAborted(() => sdk.exec(method, params, { validateSign: true, traceId: randomUUID().replaceAll('-', '') }), signal);
      return answer as GatewayAnswer;
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      const refusal = error instanceof AlipayRequestError ? verifiedErrorResponse(error.responseDataRaw) : undefined;
      if (refusal) return refusal;
      // The SDK's messages quote the raw answer (tokens included), so only a network cause is kept.
      if (error instanceof AlipayRequestError && error.responseDataRaw !== undefined) {
        throw hutongError('HUTONG_ERR_CHANNEL_UNAVAILABLE', 'Alipay answered with a response that failed signature verification or could not be read', {
          details: { channel: 'alipay' },
        });
      }
      throw hutongError('HUTONG_ERR_CHANNEL_UNAVAILABLE', 'Alipay could not be reached', {
        details: { channel: 'alipay' },
        cause: error instanceof AlipayRequestError ? error.cause : error,
      });
    }
  };

  const templateId = settings.messageTemplateId;
  const sendMessage = async (channelUserId: string, message: ChannelMessage, options: ChannelCallOptions): Promise<{ messageId: string }> => {
    const recipient = ALIPAY_USER_ID.test(channelUserId) ? { to_user_id: channelUserId } : { to_open_id: channelUserId };
    const answer = await call(
      'alipay.open.app.mini.templatemessage.send',
      {
        bizContent: {
          ...recipient,
          user_template_id: templateId,
          ...(message.link ? { page: `${LINK_PAGE}?link=${encodeURIComponent(message.link)}` } : {}),
          data: JSON.stringify({ keyword1: { value: message.title }, keyword2: { value: message.body } }),
        },
      },
      options,
    );
    if (isRefusal(answer)) throw refused('the message', answer);
    if (!answer.traceId) throw hutongError('HUTONG_ERR_CHANNEL_UNAVAILABLE', 'Alipay accepted the message without a trace id', { details: { channel: 'alipay' } });
    return { messageId: answer.traceId };
  };

  const authorizeUrl = settings.authorizeUrl ?? ALIPAY_PRODUCTION_AUTHORIZE_URL;
  // auth_base: silent, and enough for the user id; Alipay sends the browser back to any page on the
  // app's authorization callback address, so the hub's callback goes as it is.
  const browserLogin: ChannelBrowserLogin<typeof AlipayLoginProof> = {
    authorizeUrl: ({ state, callbackUrl }) =>
      `${authorizeUrl}?${new URLSearchParams({ app_id: settings.appId, scope: 'auth_base', redirect_uri: callbackUrl, state })}`,
    proofFromCallback: (query) => {
      const authCode = query.auth_code;
      return authCode === undefined || authCode === '' ? undefined : { authCode };
    },
  };

  return {
    id: 'alipay',
    name: { zh: '支付宝', en: 'Alipay' },
    loginProofSchema: AlipayLoginProof,
    preferredWallet: 'alipay',
    userAgent: /AlipayClient/,

    async authenticate(proof, options) {
      const answer = await call('alipay.system.oauth.token', { grantType: 'authorization_code', code: proof.authCode }, options);
      if (answer.sub_code === 'isv.code-invalid') {
        throw hutongError('HUTONG_ERR_LOGIN_CODE_INVALID', 'The Alipay auth code is wrong, used or expired');
      }
      if (isRefusal(answer)) throw refused('the login', answer);
      const id = [answer.user_id, answer.open_id].find((value): value is string => typeof value === 'string' && value !== '');
      if (!id) throw hutongError('HUTONG_ERR_CHANNEL_UNAVAILABLE', 'Alipay answered the login without a user id', { details: { channel: 'alipay' } });
      return { channelUserId: id };
    },

    browserLogin,
    ...(templateId ? { sendMessage } : {}),
  };
}

/**
 * Alipay settings from the environment: `ALIPAY_APP_ID`, `ALIPAY_APP_PRIVATE_KEY` (PEM, base64 or a
 * file path), `ALIPAY_PUBLIC_KEY` (likewise), `ALIPAY_GATEWAY` (default: Alipay's production gateway),
 * `ALIPAY_AUTHORIZE_URL` (the web authorization page; default: Alipay's, openauth.alipay.com),
 * `ALIPAY_MESSAGE_TEMPLATE_ID`. With none of the app's credentials set, demo mode uses the emulator's
 * gateway and authorization page, demo app, demo keys and demo template, and otherwise the result is `undefined` (the hub
 * then leaves the channel out). A half configuration is an error.
 *
 * @example
 *   alipaySettingsFromEnv(process.env, { emulatorsUrl: 'http://127.0.0.1:4100', demo: true })
 */
export function alipaySettingsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  options: { emulatorsUrl: string; demo: boolean },
): AlipaySettings | undefined {
  const value = (name: string): string | undefined => {
    const given = env[name]?.trim();
    return given === undefined || given === '' ? undefined : given;
  };
  const credentials = { ALIPAY_APP_ID: value('ALIPAY_APP_ID'), ALIPAY_APP_PRIVATE_KEY: value('ALIPAY_APP_PRIVATE_KEY'), ALIPAY_PUBLIC_KEY: value('ALIPAY_PUBLIC_KEY') };
  const configured = Object.values(credentials).some((given) => given !== undefined);
  let settings: AlipaySettings;
  if (configured) {
    for (const [name, given] of Object.entries(credentials)) {
      if (given === undefined) throw new Error(`${name} is required when Alipay is configured`);
    }
    settings = {
      appId: credentials.ALIPAY_APP_ID as string,
      privateKey: keyText(credentials.ALIPAY_APP_PRIVATE_KEY as string, 'ALIPAY_APP_PRIVATE_KEY'),
      alipayPublicKey: keyText(credentials.ALIPAY_PUBLIC_KEY as string, 'ALIPAY_PUBLIC_KEY'),
      gateway: value('ALIPAY_GATEWAY') ?? ALIPAY_PRODUCTION_GATEWAY,
      authorizeUrl: baseUrl('ALIPAY_AUTHORIZE_URL', value('ALIPAY_AUTHORIZE_URL') ?? ALIPAY_PRODUCTION_AUTHORIZE_URL),
      ...(value('ALIPAY_MESSAGE_TEMPLATE_ID') ? { messageTemplateId: value('ALIPAY_MESSAGE_TEMPLATE_ID') } : {}),
    };
  } else if (options.demo) {
    settings = {
      appId: DEMO_APP_ID,
      privateKey: readFileSync(new URL('app-private.pem', DEMO_KEYS), 'utf8'),
      alipayPublicKey: readFileSync(new URL('platform-public.pem', DEMO_KEYS), 'utf8'),
      gateway: value('ALIPAY_GATEWAY') ?? `${options.emulatorsUrl.replace(/\/+$/, '')}/alipay/gateway.do`,
      authorizeUrl: baseUrl('ALIPAY_AUTHORIZE_URL', value('ALIPAY_AUTHORIZE_URL') ?? `${options.emulatorsUrl.replace(/\/+$/, '')}/alipay/oauth2/publicAppAuthorize.htm`),
      messageTemplateId: value('ALIPAY_MESSAGE_TEMPLATE_ID') ?? DEMO_TEMPLATE_ID,
    };
  } else {
    return undefined;
  }
  // Fail at start-up, not at the first login, when a key cannot be read.
  privateKeyFrom(settings.privateKey);
  publicKeyFrom(settings.alipayPublicKey);
  return Object.freeze(settings);
}
