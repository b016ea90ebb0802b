import { sql, type Kysely } from 'kysely';

/**
 * Identifiers issued by one department (a utility account, a library card) carry their issuer,
 * `city/department`; the same number at two utilities is two identifiers.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('linked_identifiers').addColumn('issuer', 'text').execute();
  await db.schema.alterTable('linked_identifiers').dropConstraint('linked_identifiers_kind_value').execute();
  await sql`create unique index linked_identifiers_kind_issuer_value on linked_identifiers (kind, coalesce(issuer, ''), value)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index linked_identifiers_kind_issuer_value`.execute(db);
  await db.schema.alterTable('linked_identifiers').dropColumn('issuer').execute();
  await db.schema.alterTable('linked_identifiers').addUniqueConstraint('linked_identifiers_kind_value', ['kind', 'value']).execute();
}
