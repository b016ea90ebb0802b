import type { TSchema, Static } from '@sinclair/typebox';
import type { ChannelId } from '../model/common.ts';

export interface ChannelCallOptions {
  readonly signal: AbortSignal;
  /**
   * The HTTP request that carried the login, for channels whose proof is the request itself (a
   * partner app's RFC 9421 signature); routes fill it for `channelLogin`, other calls leave it out.
   */
  readonly request?: ChannelRequest;
}

/** A login request as the hub received it, before any parsing changed it. */
export interface ChannelRequest {
  readonly method: string;
  /** The absolute URL the client addressed: scheme, authority, path and query. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The body bytes exactly as received; absent when there was none. */
  readonly rawBody?: Uint8Array;
}

/**
 * One entrance (Alipay, WeChat, the web…): how a person proves who they are there, and what the
 * hub learns from it — a user id that is stable within that channel and means nothing elsewhere.
 *
 * @example
 *   const proof = Value.Parse(channel.loginProofSchema, body)
 *   const { channelUserId } = await channel.authenticate(proof, { signal })
 */
export interface Channel<P extends TSchema = TSchema> {
  readonly id: ChannelId;
  readonly name: { readonly zh: string; readonly en: string };
  /** Body of `channelLogin` for this channel. */
  readonly loginProofSchema: P;
  /**
   * Checks the login proof with the channel (auth code exchange, one-time code…) and returns the
   * channel's user id. Rejects with a `HutongError` (`HUTONG_ERR_LOGIN_CODE_INVALID`, …) otherwise.
   */
  authenticate(proof: Static<P>, options: ChannelCallOptions): Promise<{ channelUserId: string }>;
  /** The wallet people in this entrance expect to pay with; absent for entrances without one. */
  readonly preferredWallet?: 'alipay' | 'wechatpay' | 'unionpay';
  /** Recognises this entrance's in-app browser from its User-Agent (AlipayClient, MicroMessenger…). */
  readonly userAgent?: RegExp;
  /**
   * Sends a message to the person through the entrance's own push API (template/subscribe
   * messages, SMS for the web). Optional: an entrance without a push API leaves it out.
   *
   * @example
   *   await channel.sendMessage?.(channelUserId, { title: '新的交通违法', body: '…', link: '/l/ab12' }, { signal })
   */
  sendMessage?(channelUserId: string, message: ChannelMessage, options: ChannelCallOptions): Promise<{ messageId: string }>;
  /**
   * For entrances that log people in by sending the browser to the platform's authorization page.
   *
   * @example
   *   // GET /v1/channels/weibo/login: off to Weibo, with a state the hub remembers
   *   reply.redirect(channel.browserLogin.authorizeUrl({ state, callbackUrl: `${origin}/v1/channels/weibo/callback` }))
   *   // GET /v1/channels/weibo/callback?code=…&state=…: the state checked, then as channelLogin
   *   const proof = channel.browserLogin.proofFromCallback(request.query)
   *   if (proof === undefined) return declined()
   *   const { channelUserId } = await channel.authenticate(Value.Parse(channel.loginProofSchema, proof), { signal })
   */
  readonly browserLogin?: ChannelBrowserLogin<P>;
}

/** The browser redirect login of an entrance: see `Channel.browserLogin`. */
export interface ChannelBrowserLogin<P extends TSchema = TSchema> {
  /**
   * The platform's authorization URL for this entrance; the platform sends the browser back to the
   * callback with a code and `state` unchanged. `callbackUrl` is the hub's
   * `/v1/channels/{id}/callback`; a platform that registers one fixed redirect URI per app (Weibo,
   * Taobao) uses its configured `redirectUri`, which must be that same callback.
   * A `state` of letters and digits, at most 100 characters, suits every platform (Alipay allows 100).
   */
  authorizeUrl(input: { readonly state: string; readonly callbackUrl: string }): string;
  /**
   * The login proof carried by the platform's callback query, or undefined when there is none (the
   * person declined). The query comes from the browser: check the proof against `loginProofSchema`
   * as any login body before `authenticate`.
   */
  proofFromCallback(query: Readonly<Record<string, string | undefined>>): Static<P> | undefined;
}

/** A message to a person in their entrance; `link` opens the hub's page for it. */
export interface ChannelMessage {
  readonly title: string;
  readonly body: string;
  readonly link?: string;
}
