import { Value } from '@sinclair/typebox/value';
import { hutongError } from '../errors.ts';
import type { AuditTrail } from '../audit/audit.trail.ts';
import type { Channel, ChannelCallOptions } from '../channels/channel.ts';
import type { CitizenRepository } from './citizen.repository.ts';
import type { SessionService } from './session.service.ts';

export interface LoginResult {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly tokenType: 'Bearer';
  readonly expiresIn: number;
  readonly citizenId: string;
  readonly channel: string;
  readonly newCitizen: boolean;
}

/** Turns a channel's login proof into a session for the citizen behind it. */
export class LoginService {
  constructor(
    private readonly channels: ReadonlyMap<string, Channel>,
    private readonly citizens: CitizenRepository,
    private readonly sessions: SessionService,
    private readonly audit: AuditTrail,
  ) {}

  channel(channelId: string): Channel {
    const channel = this.channels.get(channelId);
    if (!channel) throw hutongError('HUTONG_ERR_CHANNEL_NOT_FOUND', `No channel "${channelId}" is installed in this hub`);
    return channel;
  }

  /**
   * The entrance whose in-app browser sent this User-Agent (AlipayClient, MicroMessenger, Weibo,
   * AliApp(TB…)); a plain browser is the web entrance.
   */
  recognise(userAgent: string | undefined): Channel {
    for (const channel of this.channels.values()) {
      if (channel.userAgent && userAgent && channel.userAgent.test(userAgent)) return channel;
    }
    return this.channel('web');
  }

  async login(channelId: string, proof: unknown, options: ChannelCallOptions): Promise<LoginResult> {
    const channel = this.channel(channelId);
    if (!Value.Check(channel.loginProofSchema, proof)) {
      const first = Value.Errors(channel.loginProofSchema, proof).First();
      throw hutongError('HUTONG_ERR_VALIDATION', `Login body for ${channelId}: ${first ? `${first.path || '/'} ${first.message}` : 'invalid'}`);
    }
    const { sessionId: _session, ...result } = await this.#start(channel, proof, options);
    return result;
  }

  /**
   * Finishes a browser login: the entrance's platform came back to the hub's callback with a code
   * in `query`. Returns a one-time handoff code for the session, for the web app to redeem.
   */
  async loginFromCallback(channelId: string, query: Readonly<Record<string, string | undefined>>, options: ChannelCallOptions): Promise<{ handoff: string; citizenId: string }> {
    const channel = this.channel(channelId);
    if (!channel.browserLogin) throw hutongError('HUTONG_ERR_BROWSER_LOGIN_UNSUPPORTED', `The ${channelId} entrance has no browser login`);
    const proof = channel.browserLogin.proofFromCallback(query);
    if (proof === undefined) throw hutongError('HUTONG_ERR_LOGIN_DECLINED', `The person did not authorize the hub in ${channel.name.en}`);
    if (!Value.Check(channel.loginProofSchema, proof)) throw hutongError('HUTONG_ERR_VALIDATION', `The ${channel.name.en} callback does not carry a usable code`);
    const started = await this.#start(channel, proof, options);
    return { handoff: await this.sessions.createHandoff(started.sessionId), citizenId: started.citizenId };
  }

  async #start(channel: Channel, proof: unknown, options: ChannelCallOptions): Promise<LoginResult & { sessionId: string }> {
    const channelId = channel.id;
    const { channelUserId } = await channel.authenticate(proof, options);
    const { citizenId, created } = await this.citizens.findOrCreateByChannelUser(channel.id, channelUserId);
    const token = await this.sessions.issue(citizenId, channel.id);
    await this.audit.record({ actor: `citizen:${citizenId}`, action: 'session.login', subject: `session:${token.sessionId}`, detail: { channel: channel.id, newCitizen: created } });
    return { accessToken: token.accessToken, refreshToken: token.refreshToken, tokenType: 'Bearer', expiresIn: token.expiresIn, citizenId, channel: channelId, newCitizen: created, sessionId: token.sessionId };
  }
}
