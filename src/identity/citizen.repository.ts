import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';

export interface IdentifierRow {
  readonly id: string;
  readonly citizenId: string;
  readonly kind: string;
  readonly value: string;
  /** `city/department` that issued the identifier; null for national ones (id card, plate). */
  readonly issuer: string | null;
  readonly consentChannel: string;
  readonly consentTextVersion: string;
  readonly consentedAt: Date;
  readonly createdAt: Date;
}

export interface IdentityRow {
  readonly channel: string;
  readonly createdAt: Date;
  readonly lastLoginAt: Date;
}

const identifierColumns = [
  'id',
  'citizen_id as citizenId',
  'kind',
  'value',
  'issuer',
  'consent_channel as consentChannel',
  'consent_text_version as consentTextVersion',
  'consented_at as consentedAt',
  'created_at as createdAt',
] as const;

/** Citizens, the channel identities they log in with, and the identifiers they link. */
export class CitizenRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * The citizen behind a channel user id, created on first login. Concurrent first logins of one
   * person end with one citizen: the identity's primary key decides, the loser's row is removed.
   */
  async findOrCreateByChannelUser(channel: string, channelUserId: string): Promise<{ citizenId: string; created: boolean }> {
    return this.db.transaction().execute(async (tx) => {
      const existing = await tx
        .updateTable('channel_identities')
        .set({ last_login_at: new Date() })
        .where('channel', '=', channel)
        .where('channel_user_id', '=', channelUserId)
        .returning('citizen_id')
        .executeTakeFirst();
      if (existing) return { citizenId: existing.citizen_id, created: false };
      const citizen = await tx.insertInto('citizens').defaultValues().returning('id').executeTakeFirstOrThrow();
      const identity = await tx
        .insertInto('channel_identities')
        .values({ channel, channel_user_id: channelUserId, citizen_id: citizen.id })
        .onConflict((oc) => oc.columns(['channel', 'channel_user_id']).doUpdateSet({ last_login_at: new Date() }))
        .returning('citizen_id')
        .executeTakeFirstOrThrow();
      if (identity.citizen_id !== citizen.id) {
        await tx.deleteFrom('citizens').where('id', '=', citizen.id).execute();
        return { citizenId: identity.citizen_id, created: false };
      }
      return { citizenId: citizen.id, created: true };
    });
  }

  async findCitizen(citizenId: string): Promise<{ id: string; createdAt: Date } | undefined> {
    return this.db.selectFrom('citizens').select(['id', 'created_at as createdAt']).where('id', '=', citizenId).executeTakeFirst();
  }

  async listIdentities(citizenId: string): Promise<IdentityRow[]> {
    return this.db
      .selectFrom('channel_identities')
      .select(['channel', 'created_at as createdAt', 'last_login_at as lastLoginAt'])
      .where('citizen_id', '=', citizenId)
      .orderBy('created_at')
      .execute();
  }

  async listIdentifiers(citizenId: string, kind?: string): Promise<IdentifierRow[]> {
    let query = this.db.selectFrom('linked_identifiers').select(identifierColumns).where('citizen_id', '=', citizenId);
    if (kind !== undefined) query = query.where('kind', '=', kind);
    return query.orderBy('created_at').orderBy('id').execute();
  }

  async findIdentifier(citizenId: string, kind: string, value: string, issuer: string | null = null): Promise<IdentifierRow | undefined> {
    return this.db
      .selectFrom('linked_identifiers')
      .select(identifierColumns)
      .where('citizen_id', '=', citizenId)
      .where('kind', '=', kind)
      .where('value', '=', value)
      .where((eb) => (issuer === null ? eb('issuer', 'is', null) : eb('issuer', '=', issuer)))
      .executeTakeFirst();
  }

  /**
   * Links an identifier to a citizen. Linking one the citizen already holds returns it unchanged;
   * one held by somebody else returns `{ heldByOther: true }`.
   */
  async linkIdentifier(input: {
    citizenId: string;
    kind: string;
    value: string;
    issuer?: string | null;
    consentChannel: string;
    consentTextVersion: string;
  }): Promise<{ identifier: IdentifierRow; created: boolean } | { heldByOther: true }> {
    const inserted = await this.db
      .insertInto('linked_identifiers')
      .values({
        citizen_id: input.citizenId,
        kind: input.kind,
        value: input.value,
        issuer: input.issuer ?? null,
        consent_channel: input.consentChannel,
        consent_text_version: input.consentTextVersion,
        consented_at: new Date(),
      })
      // The unique index on (kind, issuer, value) decides who holds it.
      .onConflict((oc) => oc.doNothing())
      .returning(identifierColumns)
      .executeTakeFirst();
    if (inserted) return { identifier: inserted, created: true };
    const mine = await this.findIdentifier(input.citizenId, input.kind, input.value, input.issuer ?? null);
    return mine ? { identifier: mine, created: false } : { heldByOther: true };
  }

  /** Removes one of the citizen's identifiers; false when the citizen holds no such identifier. */
  async unlinkIdentifier(citizenId: string, identifierId: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('linked_identifiers')
      .where('id', '=', identifierId)
      .where('citizen_id', '=', citizenId)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}
