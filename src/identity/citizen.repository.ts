import { CitizenMemory } from './citizen-memory.ts';
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
  /** When the issuer confirmed the citizen holds it; null for identifiers linked before checks existed, which the hub does not use. */
  readonly verifiedAt: Date | null;
  /** Who confirmed it: `national/public-security` or `city/department`. */
  readonly verifiedBy: string | null;
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
  'verified_at as verifiedAt',
  'verified_by as verifiedBy',
] as const;

/** A citizen's proved real name. */
export interface RealNameRow {
  readonly name: string;
  readonly nationalId: string;
  readonly verifiedAt: Date;
}

/** Citizens, the channel identities they log in with, and the identifiers they link. */
export class CitizenRepository {
  constructor(
    private readonly db: Kysely<Database>,
    /** Keeps each citizen's identifiers for a few seconds; every change here makes every hub process forget them. */
    private readonly memory: CitizenMemory = new CitizenMemory({ ttlMs: 0 }),
  ) {}

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

  /** The citizen's identifiers that their issuers confirmed (the ones the hub uses); `includeUnverified` adds the rest. */
  async listIdentifiers(citizenId: string, kind?: string, options: { includeUnverified?: boolean } = {}): Promise<IdentifierRow[]> {
    const all = await this.memory.remember(citizenId, 'identifiers', () =>
      this.db.selectFrom('linked_identifiers').select(identifierColumns).where('citizen_id', '=', citizenId).orderBy('created_at').orderBy('id').execute(),
    );
    return all.filter((i) => (kind === undefined || i.kind === kind) && (options.includeUnverified || i.verifiedAt !== null));
  }

  async findIdentifier(
    citizenId: string,
    kind: string,
    value: string,
    issuer: string | null = null,
    options: { includeUnverified?: boolean } = {},
  ): Promise<IdentifierRow | undefined> {
    let query = this.db
      .selectFrom('linked_identifiers')
      .select(identifierColumns)
      .where('citizen_id', '=', citizenId)
      .where('kind', '=', kind)
      .where('value', '=', value)
      .where((eb) => (issuer === null ? eb('issuer', 'is', null) : eb('issuer', '=', issuer)));
    if (!options.includeUnverified) query = query.where('verified_at', 'is not', null);
    return query.executeTakeFirst();
  }

  /** The real name the citizen proved, with the national id it was proved for. */
  async findRealName(citizenId: string): Promise<RealNameRow | undefined> {
    const row = await this.db
      .selectFrom('citizens')
      .innerJoin('linked_identifiers', 'linked_identifiers.citizen_id', 'citizens.id')
      .select(['citizens.real_name as name', 'linked_identifiers.value as nationalId', 'citizens.real_name_verified_at as verifiedAt'])
      .where('citizens.id', '=', citizenId)
      .where('linked_identifiers.kind', '=', 'national-id')
      .where('linked_identifiers.verified_at', 'is not', null)
      .where('citizens.real_name', 'is not', null)
      .executeTakeFirst();
    return row?.name && row.verifiedAt ? { name: row.name, nationalId: row.nationalId, verifiedAt: row.verifiedAt } : undefined;
  }

  /**
   * Binds a proved real name. When another citizen already holds the national id, the person has
   * proved it is them: this citizen's entrances, identifiers and consents join that citizen and
   * this one is removed (its sessions end with it). Concurrent bindings of one id end with one holder.
   */
  async bindRealName(input: {
    citizenId: string;
    name: string;
    nationalId: string;
    verifiedBy: string;
    consentChannel: string;
    consentTextVersion: string;
  }): Promise<{ citizenId: string; joined: boolean }> {
    const bound = await this.#bindRealName(input);
    await this.memory.changed(input.citizenId, bound.citizenId);
    return bound;
  }

  #bindRealName(input: { citizenId: string; name: string; nationalId: string; verifiedBy: string; consentChannel: string; consentTextVersion: string }): Promise<{ citizenId: string; joined: boolean }> {
    return this.db.transaction().execute(async (tx) => {
      const now = new Date();
      const inserted = await tx
        .insertInto('linked_identifiers')
        .values({
          citizen_id: input.citizenId,
          kind: 'national-id',
          value: input.nationalId,
          issuer: null,
          consent_channel: input.consentChannel,
          consent_text_version: input.consentTextVersion,
          consented_at: now,
          verified_at: now,
          verified_by: input.verifiedBy,
        })
        .onConflict((oc) => oc.doNothing())
        .returning('id')
        .executeTakeFirst();
      if (inserted) {
        await tx.updateTable('citizens').set({ real_name: input.name, real_name_verified_at: now }).where('id', '=', input.citizenId).execute();
        return { citizenId: input.citizenId, joined: false };
      }
      const holder = await tx
        .selectFrom('linked_identifiers')
        .select(['id', 'citizen_id'])
        .where('kind', '=', 'national-id')
        .where('issuer', 'is', null)
        .where('value', '=', input.nationalId)
        .executeTakeFirstOrThrow();
      if (holder.citizen_id === input.citizenId) {
        // Linked before checks existed: the register has confirmed it now.
        await tx.updateTable('linked_identifiers').set({ verified_at: now, verified_by: input.verifiedBy }).where('id', '=', holder.id).execute();
        await tx.updateTable('citizens').set({ real_name: input.name, real_name_verified_at: now }).where('id', '=', input.citizenId).execute();
        return { citizenId: input.citizenId, joined: false };
      }
      const into = holder.citizen_id;
      await tx.updateTable('channel_identities').set({ citizen_id: into }).where('citizen_id', '=', input.citizenId).execute();
      await tx.updateTable('linked_identifiers').set({ citizen_id: into }).where('citizen_id', '=', input.citizenId).execute();
      // A consent the joined citizen already holds for the same entrance and scope stands; the duplicate goes.
      await tx
        .deleteFrom('consents as c')
        .where('c.citizen_id', '=', input.citizenId)
        .where('c.revoked_at', 'is', null)
        .where(({ exists, selectFrom }) =>
          exists(
            selectFrom('consents as d')
              .select('d.id')
              .whereRef('d.channel', '=', 'c.channel')
              .whereRef('d.scope', '=', 'c.scope')
              .where('d.citizen_id', '=', into)
              .where('d.revoked_at', 'is', null),
          ),
        )
        .execute();
      await tx.updateTable('consents').set({ citizen_id: into }).where('citizen_id', '=', input.citizenId).execute();
      await tx.updateTable('citizens').set({ real_name: input.name, real_name_verified_at: now }).where('id', '=', into).execute();
      await tx.deleteFrom('citizens').where('id', '=', input.citizenId).execute();
      return { citizenId: into, joined: true };
    });
  }

  /** Real-name checks of a citizen, or of one national id (by its keyed hash), that failed since a time. */
  async countFailedRealNameChecks(filter: { citizenId: string } | { subjectHash: string }, since: Date): Promise<number> {
    let query = this.db.selectFrom('real_name_checks').select((eb) => eb.fn.countAll<string>().as('n')).where('outcome', '!=', 'match').where('at', '>=', since);
    query = 'citizenId' in filter ? query.where('citizen_id', '=', filter.citizenId) : query.where('subject_hash', '=', filter.subjectHash);
    return Number((await query.executeTakeFirstOrThrow()).n);
  }

  async recordRealNameCheck(input: { citizenId: string; subjectHash: string; outcome: 'match' | 'mismatch' | 'not-found' }): Promise<void> {
    await this.db.insertInto('real_name_checks').values({ citizen_id: input.citizenId, subject_hash: input.subjectHash, outcome: input.outcome }).execute();
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
    /** Who confirmed the citizen holds it (`city/department`). */
    verifiedBy: string;
  }): Promise<{ identifier: IdentifierRow; created: boolean } | { heldByOther: true }> {
    try {
      return await this.#linkIdentifier(input);
    } finally {
      await this.memory.changed(input.citizenId);
    }
  }

  async #linkIdentifier(input: Parameters<CitizenRepository['linkIdentifier']>[0]): Promise<{ identifier: IdentifierRow; created: boolean } | { heldByOther: true }> {
    const now = new Date();
    const inserted = await this.db
      .insertInto('linked_identifiers')
      .values({
        citizen_id: input.citizenId,
        kind: input.kind,
        value: input.value,
        issuer: input.issuer ?? null,
        consent_channel: input.consentChannel,
        consent_text_version: input.consentTextVersion,
        consented_at: now,
        verified_at: now,
        verified_by: input.verifiedBy,
      })
      // The unique index on (kind, issuer, value) decides who holds it.
      .onConflict((oc) => oc.doNothing())
      .returning(identifierColumns)
      .executeTakeFirst();
    if (inserted) return { identifier: inserted, created: true };
    const mine = await this.findIdentifier(input.citizenId, input.kind, input.value, input.issuer ?? null, { includeUnverified: true });
    if (!mine) return { heldByOther: true };
    if (mine.verifiedAt) return { identifier: mine, created: false };
    // Linked before checks existed: the issuer has confirmed it now.
    const confirmed = await this.db
      .updateTable('linked_identifiers')
      .set({ verified_at: now, verified_by: input.verifiedBy })
      .where('id', '=', mine.id)
      .returning(identifierColumns)
      .executeTakeFirstOrThrow();
    return { identifier: confirmed, created: false };
  }

  /** Removes one of the citizen's identifiers; false when the citizen holds no such identifier. */
  async unlinkIdentifier(citizenId: string, identifierId: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('linked_identifiers')
      .where('id', '=', identifierId)
      .where('citizen_id', '=', citizenId)
      .executeTakeFirst();
    await this.memory.changed(citizenId);
    return result.numDeletedRows > 0n;
  }
}
