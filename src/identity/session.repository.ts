import { sql, type Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';

export interface LoginCodeRow {
  readonly id: string;
  readonly codeHash: string;
  readonly attempts: number;
  readonly expiresAt: Date;
}

/** Login codes, sessions and the hub's own secrets. */
export class SessionRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async createLoginCode(input: { channel: string; subject: string; codeHash: string; expiresAt: Date }): Promise<void> {
    await this.db
      .insertInto('login_codes')
      .values({ channel: input.channel, subject: input.subject, code_hash: input.codeHash, expires_at: input.expiresAt })
      .execute();
  }

  /** How many codes were issued for the subject since a time, and when the latest was. */
  async recentLoginCodes(channel: string, subject: string, since: Date): Promise<{ count: number; latest?: Date }> {
    const row = await this.db
      .selectFrom('login_codes')
      .select([sql<string>`count(*)`.as('count'), sql<Date | null>`max(created_at)`.as('latest')])
      .where('channel', '=', channel)
      .where('subject', '=', subject)
      .where('created_at', '>=', since)
      .executeTakeFirstOrThrow();
    return { count: Number(row.count), latest: row.latest ?? undefined };
  }

  /** The newest unused, unexpired code for the subject. */
  async latestActiveLoginCode(channel: string, subject: string): Promise<LoginCodeRow | undefined> {
    return this.db
      .selectFrom('login_codes')
      .select(['id', 'code_hash as codeHash', 'attempts', 'expires_at as expiresAt'])
      .where('channel', '=', channel)
      .where('subject', '=', subject)
      .where('used_at', 'is', null)
      .where('expires_at', '>', new Date())
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  /** Counts one attempt; returns the attempts made including this one. */
  async countLoginAttempt(id: string): Promise<number> {
    const row = await this.db
      .updateTable('login_codes')
      .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
      .where('id', '=', id)
      .returning('attempts')
      .executeTakeFirstOrThrow();
    return row.attempts;
  }

  /** Marks a code used; false when it was already used (so a code logs in once). */
  async consumeLoginCode(id: string): Promise<boolean> {
    const result = await this.db
      .updateTable('login_codes')
      .set({ used_at: new Date() })
      .where('id', '=', id)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async createSession(input: { citizenId: string; channel: string; expiresAt: Date }): Promise<string> {
    const row = await this.db
      .insertInto('sessions')
      .values({ citizen_id: input.citizenId, channel: input.channel, expires_at: input.expiresAt })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async findActiveSession(id: string): Promise<{ citizenId: string; channel: string; expiresAt: Date } | undefined> {
    return this.db
      .selectFrom('sessions')
      .select(['citizen_id as citizenId', 'channel', 'expires_at as expiresAt'])
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', new Date())
      .executeTakeFirst();
  }

  async revokeSession(id: string): Promise<void> {
    await this.db.updateTable('sessions').set({ revoked_at: new Date() }).where('id', '=', id).where('revoked_at', 'is', null).execute();
  }

  /** Ends every active session of a citizen in one channel; how many ended. */
  async revokeChannelSessions(citizenId: string, channel: string): Promise<number> {
    const result = await this.db
      .updateTable('sessions')
      .set({ revoked_at: new Date() })
      .where('citizen_id', '=', citizenId)
      .where('channel', '=', channel)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async createRefreshToken(input: { sessionId: string; tokenHash: string; expiresAt: Date }): Promise<void> {
    await this.db.insertInto('refresh_tokens').values({ session_id: input.sessionId, token_hash: input.tokenHash, expires_at: input.expiresAt }).execute();
  }

  /**
   * Uses a refresh token once. `reused` means it was used before: whoever holds it now may have
   * stolen it, so the caller ends the whole session.
   */
  async useRefreshToken(tokenHash: string): Promise<{ outcome: 'used' | 'reused' | 'expired' | 'unknown'; sessionId?: string }> {
    const row = await this.db
      .selectFrom('refresh_tokens')
      .select(['id', 'session_id as sessionId', 'expires_at as expiresAt', 'used_at as usedAt'])
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    if (!row) return { outcome: 'unknown' };
    if (row.usedAt) return { outcome: 'reused', sessionId: row.sessionId };
    if (row.expiresAt.getTime() <= Date.now()) return { outcome: 'expired', sessionId: row.sessionId };
    // Only one of two racing refreshes with the same token wins; the other is a reuse.
    const result = await this.db.updateTable('refresh_tokens').set({ used_at: new Date() }).where('id', '=', row.id).where('used_at', 'is', null).executeTakeFirst();
    return { outcome: result.numUpdatedRows > 0n ? 'used' : 'reused', sessionId: row.sessionId };
  }

  /** A named secret, generated once and shared by every hub process on the same store. */
  async getOrCreateSecret(name: string, generate: () => string): Promise<string> {
    await this.db.insertInto('hub_secrets').values({ name, value: generate() }).onConflict((oc) => oc.column('name').doNothing()).execute();
    const row = await this.db.selectFrom('hub_secrets').select('value').where('name', '=', name).executeTakeFirstOrThrow();
    return row.value;
  }

  /** A one-time code that carries a browser login back to the web app. */
  async createHandoff(input: { sessionId: string; codeHash: string; expiresAt: Date }): Promise<void> {
    await this.db.insertInto('session_handoffs').values({ session_id: input.sessionId, code_hash: input.codeHash, expires_at: input.expiresAt }).execute();
  }

  /** Uses a handoff code once: the session it carries, or undefined when the code is unknown, used or expired. */
  async redeemHandoff(codeHash: string): Promise<string | undefined> {
    const row = await this.db
      .updateTable('session_handoffs')
      .set({ used_at: new Date() })
      .where('code_hash', '=', codeHash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', new Date())
      .returning('session_id')
      .executeTakeFirst();
    return row?.session_id;
  }
}
