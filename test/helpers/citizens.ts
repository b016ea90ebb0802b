import type { Kysely } from 'kysely';
import type { Database } from '../../src/store/schema.ts';
import type { SessionService } from '../../src/identity/session.service.ts';
import { CONSENT_TEXT_VERSION, SCOPES } from '../../src/identity/consent.service.ts';
import { IDENTIFIER_CONSENT_TEXT_VERSION } from '../../src/identity/citizen.service.ts';

/** A person as the seeding writes them: proved real name, and a plate they hold (optional). */
export interface SeededPerson {
  readonly name: string;
  readonly nationalId: string;
  readonly plate?: string;
}

/**
 * Many citizens at once, written straight into the store as the login, real-name and linking
 * flows would leave them (web entrance, every scope consented), each with an access token.
 * For load tests that need thousands of distinct people; behaviour tests use the real flows.
 */
export async function seedCitizens(db: Kysely<Database>, sessions: SessionService, people: readonly SeededPerson[]): Promise<Array<{ citizenId: string; token: string }>> {
  const out: Array<{ citizenId: string; token: string }> = [];
  for (let start = 0; start < people.length; start += 250) {
    const batch = people.slice(start, start + 250);
    const now = new Date();
    const citizens = await db
      .insertInto('citizens')
      .values(batch.map((p) => ({ real_name: p.name, real_name_verified_at: now })))
      .returning('id')
      .execute();
    const ids = citizens.map((c) => c.id);
    await db
      .insertInto('channel_identities')
      .values(ids.map((id, i) => ({ channel: 'web', channel_user_id: `1390000${String(start + i).padStart(4, '0')}`, citizen_id: id })))
      .execute();
    const link = (citizenId: string, kind: string, value: string, verifiedBy: string) => ({
      citizen_id: citizenId,
      kind,
      value,
      issuer: null,
      consent_channel: 'web',
      consent_text_version: IDENTIFIER_CONSENT_TEXT_VERSION,
      consented_at: now,
      verified_at: now,
      verified_by: verifiedBy,
    });
    await db
      .insertInto('linked_identifiers')
      .values(batch.flatMap((p, i) => [link(ids[i]!, 'national-id', p.nationalId, 'national/public-security'), ...(p.plate ? [link(ids[i]!, 'plate', p.plate, 'holder-check')] : [])]))
      .execute();
    await db
      .insertInto('consents')
      .values(ids.flatMap((id) => SCOPES.map((scope) => ({ citizen_id: id, channel: 'web', scope, text_version: CONSENT_TEXT_VERSION }))))
      .execute();
    // Eight at a time: PostgreSQL takes them side by side, PGlite one after the other.
    for (let i = 0; i < ids.length; i += 8) {
      const issued = await Promise.all(ids.slice(i, i + 8).map(async (id) => ({ citizenId: id, token: (await sessions.issue(id, 'web')).accessToken })));
      out.push(...issued);
    }
  }
  return out;
}
