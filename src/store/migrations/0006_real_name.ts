import { sql, type Kysely } from 'kysely';

/**
 * Real-name binding: the name a citizen proved with the public-security register, when; linked
 * identifiers record who confirmed them; every real-name check is kept (keyed, never the id in
 * clear) so that guessing names against ids is throttled.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('citizens').addColumn('real_name', 'text').execute();
  await db.schema.alterTable('citizens').addColumn('real_name_verified_at', 'timestamptz').execute();
  await db.schema.alterTable('linked_identifiers').addColumn('verified_at', 'timestamptz').execute();
  await db.schema.alterTable('linked_identifiers').addColumn('verified_by', 'text').execute();
  await db.schema
    .createTable('real_name_checks')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('citizen_id', 'uuid', (c) => c.notNull().references('citizens.id').onDelete('cascade'))
    .addColumn('subject_hash', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('real_name_checks_citizen').on('real_name_checks').columns(['citizen_id', 'at']).execute();
  await db.schema.createIndex('real_name_checks_subject').on('real_name_checks').columns(['subject_hash', 'at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('real_name_checks').execute();
  await db.schema.alterTable('linked_identifiers').dropColumn('verified_by').execute();
  await db.schema.alterTable('linked_identifiers').dropColumn('verified_at').execute();
  await db.schema.alterTable('citizens').dropColumn('real_name_verified_at').execute();
  await db.schema.alterTable('citizens').dropColumn('real_name').execute();
}
