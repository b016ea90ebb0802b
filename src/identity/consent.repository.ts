import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';

export interface ConsentRow {
  readonly channel: string;
  readonly scope: string;
  readonly textVersion: string;
  readonly grantedAt: Date;
  readonly revokedAt: Date | null;
}

/** Consent per citizen, channel and data scope; withdrawn consents stay as history. */
export class ConsentRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Grants (or re-grants with a newer text) consent for the scopes; returns the scopes newly granted. */
  async grant(citizenId: string, channel: string, scopes: readonly string[], textVersion: string): Promise<string[]> {
    if (scopes.length === 0) return [];
    return this.db.transaction().execute(async (tx) => {
      // A newer text replaces the standing consent: the old one is closed, the new one recorded.
      await tx
        .updateTable('consents')
        .set({ revoked_at: new Date() })
        .where('citizen_id', '=', citizenId)
        .where('channel', '=', channel)
        .where('scope', 'in', scopes)
        .where('revoked_at', 'is', null)
        .where('text_version', '!=', textVersion)
        .execute();
      const rows = await tx
        .insertInto('consents')
        .values(scopes.map((scope) => ({ citizen_id: citizenId, channel, scope, text_version: textVersion })))
        .onConflict((oc) => oc.columns(['citizen_id', 'channel', 'scope']).where('revoked_at', 'is', null).doNothing())
        .returning('scope')
        .execute();
      return rows.map((r) => r.scope);
    });
  }

  /** Withdraws standing consent for one scope; false when there was none. */
  async revoke(citizenId: string, channel: string, scope: string): Promise<boolean> {
    const result = await this.db
      .updateTable('consents')
      .set({ revoked_at: new Date() })
      .where('citizen_id', '=', citizenId)
      .where('channel', '=', channel)
      .where('scope', '=', scope)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Withdraws every standing consent of one channel; the scopes withdrawn. */
  async revokeChannel(citizenId: string, channel: string): Promise<string[]> {
    const rows = await this.db
      .updateTable('consents')
      .set({ revoked_at: new Date() })
      .where('citizen_id', '=', citizenId)
      .where('channel', '=', channel)
      .where('revoked_at', 'is', null)
      .returning('scope')
      .execute();
    return rows.map((r) => r.scope).sort();
  }

  /** The scopes the channel may read for the citizen now. */
  async standingScopes(citizenId: string, channel: string): Promise<Set<string>> {
    const rows = await this.db
      .selectFrom('consents')
      .select('scope')
      .where('citizen_id', '=', citizenId)
      .where('channel', '=', channel)
      .where('revoked_at', 'is', null)
      .execute();
    return new Set(rows.map((r) => r.scope));
  }

  /** Every consent of the citizen, standing and withdrawn, newest first. */
  async history(citizenId: string): Promise<ConsentRow[]> {
    return this.db
      .selectFrom('consents')
      .select(['channel', 'scope', 'text_version as textVersion', 'granted_at as grantedAt', 'revoked_at as revokedAt'])
      .where('citizen_id', '=', citizenId)
      .orderBy('granted_at', 'desc')
      .execute();
  }
}
