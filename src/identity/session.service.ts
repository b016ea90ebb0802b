import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { hutongError } from '../errors.ts';
import type { ChannelId } from '../model/common.ts';
import type { SessionRepository } from './session.repository.ts';

/** Who is calling: a citizen, through one channel, in one session. */
export interface Principal {
  readonly citizenId: string;
  readonly channel: ChannelId;
  readonly sessionId: string;
}

const ISSUER = 'hutong';
const AUDIENCE = 'hutong-citizen';

/**
 * Issues and checks bearer tokens: an HS256 JWT naming the session, which must still be active in
 * the store, so logout takes effect at once on every hub process.
 */
export class SessionService {
  #key?: Promise<KeyObject>;

  constructor(
    private readonly sessions: SessionRepository,
    private readonly options: { secret?: string; accessTokenTtlSeconds?: number } = {},
  ) {}

  get accessTokenTtlSeconds(): number {
    return this.options.accessTokenTtlSeconds ?? 3600;
  }

  /**
   * The key that signs tokens (and keys login-code hashes): configured, or generated once per
   * store. A KeyObject, so that verifying a token does not import the key each time.
   */
  signingKey(): Promise<KeyObject> {
    this.#key ??= (async () => {
      const secret =
        this.options.secret ?? (await this.sessions.getOrCreateSecret('session-signing-key', () => randomBytes(32).toString('base64url')));
      return createSecretKey(Buffer.from(secret, 'utf8'));
    })().catch((error: unknown) => {
      this.#key = undefined;
      throw error;
    });
    return this.#key;
  }

  async issue(citizenId: string, channel: ChannelId): Promise<{ accessToken: string; expiresIn: number; sessionId: string }> {
    const expiresIn = this.accessTokenTtlSeconds;
    const sessionId = await this.sessions.createSession({ citizenId, channel, expiresAt: new Date(Date.now() + expiresIn * 1000) });
    const accessToken = await new SignJWT({ ch: channel })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(citizenId)
      .setJti(sessionId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${expiresIn}s`)
      .sign(await this.signingKey());
    return { accessToken, expiresIn, sessionId };
  }

  /** The principal behind a bearer token; 401 for a missing, forged, expired or revoked one. */
  async verify(token: string): Promise<Principal> {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, await this.signingKey(), { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'] }));
    } catch (error) {
      const expired = error instanceof joseErrors.JWTExpired;
      throw hutongError('HUTONG_ERR_UNAUTHENTICATED', expired ? 'The access token has expired' : 'The access token is not valid');
    }
    const sessionId = payload.jti;
    if (typeof sessionId !== 'string' || typeof payload.sub !== 'string') {
      throw hutongError('HUTONG_ERR_UNAUTHENTICATED', 'The access token is not valid');
    }
    const session = await this.sessions.findActiveSession(sessionId);
    if (!session || session.citizenId !== payload.sub) {
      throw hutongError('HUTONG_ERR_UNAUTHENTICATED', 'The session has ended; log in again');
    }
    return { citizenId: session.citizenId, channel: session.channel as ChannelId, sessionId };
  }

  revoke(sessionId: string): Promise<void> {
    return this.sessions.revokeSession(sessionId);
  }
}
