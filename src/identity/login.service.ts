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

  async login(channelId: string, proof: unknown, options: ChannelCallOptions): Promise<LoginResult> {
    const channel = this.channel(channelId);
    if (!Value.Check(channel.loginProofSchema, proof)) {
      const first = Value.Errors(channel.loginProofSchema, proof).First();
      throw hutongError('HUTONG_ERR_VALIDATION', `Login body for ${channelId}: ${first ? `${first.path || '/'} ${first.message}` : 'invalid'}`);
    }
    const { channelUserId } = await channel.authenticate(proof, options);
    const { citizenId, created } = await this.citizens.findOrCreateByChannelUser(channel.id, channelUserId);
    const token = await this.sessions.issue(citizenId, channel.id);
    await this.audit.record({ actor: `citizen:${citizenId}`, action: 'session.login', subject: `session:${token.sessionId}`, detail: { channel: channel.id, newCitizen: created } });
    return { accessToken: token.accessToken, refreshToken: token.refreshToken, tokenType: 'Bearer', expiresIn: token.expiresIn, citizenId, channel: channel.id, newCitizen: created };
  }
}
