import type { TSchema, Static } from '@sinclair/typebox';
import type { ChannelId } from '../model/common.ts';

export interface ChannelCallOptions {
  readonly signal: AbortSignal;
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
}
