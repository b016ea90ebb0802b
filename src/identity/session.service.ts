import { LRUCache } from 'lru-cache';
import { CitizenMemory } from './citizen-memory.ts';
import { createHash, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
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

export interface TokenPair {
  readonly accessToken: string;
  /** Seconds the access token is valid. */
  readonly expiresIn: number;
  /** Good for one `refresh`; a second use ends the session. */
  readonly refreshToken: string;
}

/** Refresh tokens are kept only as hashes: the store never holds a usable one. */
function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
const AUDIENCE = 'hutong-citizen';

/**
 * Issues and checks bearer tokens: an HS256 JWT naming the session, which must still be active in
 * the store, so logout takes effect at once on every hub process.
 */
export class SessionService {
  #key?: Promise<KeyObject>;
  /** Tokens whose signature was checked already, with what they say, until they expire. */
  readonly #checkedTokens = new LRUCache<string, { citizenId: string; sessionId: string; expiresAt: number }>({ max: 100_000 });
  readonly #memory: CitizenMemory;

  constructor(
    private readonly sessions: SessionRepository,
    private readonly options: { secret?: string; accessTokenTtlSeconds?: number; sessionTtlSeconds?: number; memory?: CitizenMemory } = {},
  ) {
    this.#memory = options.memory ?? new CitizenMemory({ ttlMs: 0 });
  }

  get accessTokenTtlSeconds(): number {
    return this.options.accessTokenTtlSeconds ?? 900;
  }

  /** How long a session lasts without a new login, refreshed or not. */
  get sessionTtlSeconds(): number {
    return this.options.sessionTtlSeconds ?? 30 * 86_400;
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

  /** Starts a session: a short-lived access token and a refresh token that is good for one use. */
  async issue(citizenId: string, channel: ChannelId): Promise<TokenPair & { sessionId: string }> {
    const sessionExpiresAt = new Date(Date.now() + this.sessionTtlSeconds * 1000);
    const sessionId = await this.sessions.createSession({ citizenId, channel, expiresAt: sessionExpiresAt });
    return { ...(await this.#tokens(sessionId, citizenId, channel, sessionExpiresAt)), sessionId };
  }

  /**
   * Trades a refresh token for a new pair. A token used twice ends the session: one of the two
   * holders is not the person.
   */
  async refresh(refreshToken: string): Promise<TokenPair> {
    const used = await this.sessions.useRefreshToken(hashToken(refreshToken));
    if (used.outcome === 'reused' && used.sessionId) {
      const ended = await this.sessions.findActiveSession(used.sessionId);
      await this.sessions.revokeSession(used.sessionId);
      if (ended) await this.#memory.changed(ended.citizenId);
    }
    if (used.outcome !== 'used' || !used.sessionId) {
      throw hutongError('HUTONG_ERR_UNAUTHENTICATED', used.outcome === 'reused' ? 'The refresh token was already used; the session has ended' : 'The refresh token is not valid');
    }
    const session = await this.sessions.findActiveSession(used.sessionId);
    if (!session) throw hutongError('HUTONG_ERR_UNAUTHENTICATED', 'The session has ended; log in again');
    return this.#tokens(used.sessionId, session.citizenId, session.channel as ChannelId, session.expiresAt);
  }

  async #tokens(sessionId: string, citizenId: string, channel: ChannelId, sessionExpiresAt: Date): Promise<TokenPair> {
    const expiresIn = this.accessTokenTtlSeconds;
    const refreshToken = randomBytes(32).toString('base64url');
    await this.sessions.createRefreshToken({ sessionId, tokenHash: hashToken(refreshToken), expiresAt: sessionExpiresAt });
    const accessToken = await new SignJWT({ ch: channel })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(citizenId)
      .setJti(sessionId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${expiresIn}s`)
      .sign(await this.signingKey());
    return { accessToken, expiresIn, refreshToken };
  }

  /** The principal behind a bearer token; 401 for a missing, forged, expired or revoked one. */
  async verify(token: string): Promise<Principal> {
    const { citizenId, sessionId } = await this.#checkToken(token);
    // A session is looked up once every few seconds per process; ending it reaches every process at once.
    const session = await this.#memory.remember(citizenId, `session:${sessionId}`, () => this.sessions.findActiveSession(sessionId));
    if (!session || session.citizenId !== citizenId || session.expiresAt.getTime() <= Date.now()) {
      throw hutongError('HUTONG_ERR_UNAUTHENTICATED', 'The session has ended; log in again');
    }
    return { citizenId: session.citizenId, channel: session.channel as ChannelId, sessionId };
  }

  /**
   * A one-time code for a session started by a browser redirect (an entrance's OAuth callback):
   * the web app trades it for tokens, so no token ever travels in a URL.
   */
  async createHandoff(sessionId: string, ttlSeconds = 120): Promise<string> {
    const code = randomBytes(24).toString('base64url');
    await this.sessions.createHandoff({ sessionId, codeHash: hashToken(code), expiresAt: new Date(Date.now() + ttlSeconds * 1000) });
    return code;
  }

  /** Trades a handoff code, once, for the tokens of its session. */
  async redeemHandoff(code: string): Promise<TokenPair & { citizenId: string; channel: ChannelId }> {
    const sessionId = await this.sessions.redeemHandoff(hashToken(code));
    const session = sessionId ? await this.sessions.findActiveSession(sessionId) : undefined;
    if (!sessionId || !session) throw hutongError('HUTONG_ERR_UNAUTHENTICATED', 'The login handoff code is unknown, used or expired; log in again');
    const channel = session.channel as ChannelId;
    return { ...(await this.#tokens(sessionId, session.citizenId, channel, session.expiresAt)), citizenId: session.citizenId, channel };
  }

  /** Ends every session of the citizen in one entrance (its refresh tokens with them); how many ended. */
  async revokeChannel(citizenId: string, channel: ChannelId): Promise<number> {
    const ended = await this.sessions.revokeChannelSessions(citizenId, channel);
    await this.#memory.changed(citizenId);
    return ended;
  }

  /** Ends one session (logout). */
  async revoke(principal: Pick<Principal, 'citizenId' | 'sessionId'>): Promise<void> {
    await this.sessions.revokeSession(principal.sessionId);
    await this.#memory.changed(principal.citizenId);
  }

  /** The token's signature, issuer, audience and expiry, checked once per token and remembered until it expires. */
  async #checkToken(token: string): Promise<{ citizenId: string; sessionId: string }> {
    const known = this.#checkedTokens.get(token);
    if (known) {
      if (known.expiresAt > Date.now()) return known;
      this.#checkedTokens.delete(token);
      throw hutongError('HUTONG_ERR_UNAUTHENTICATED', 'The access token has expired');
    }
    let payload;
    try {
      ({ payload } = await jwtVerify(token, await this.signingKey(), { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'] }));
    } catch (error) {
      const expired = error instanceof joseErrors.JWTExpired;
      throw hutongError('HUTONG_ERR_UNAUTHENTICATED', expired ? 'The access token has expired' : 'The access token is not valid');
    }
    const sessionId = payload.jti;
    if (typeof sessionId !== 'string' || typeof payload.sub !== 'string' || typeof payload.exp !== 'number') {
      throw hutongError('HUTONG_ERR_UNAUTHENTICATED', 'The access token is not valid');
    }
    const checked = { citizenId: payload.sub, sessionId, expiresAt: payload.exp * 1000 };
    this.#checkedTokens.set(token, checked);
    return checked;
  }
}
