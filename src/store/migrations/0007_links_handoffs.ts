import { sql, type Kysely } from 'kysely';

/**
 * Links that open anywhere (`/l/{code}`): what they point at, never who made them in a way a
 * reader sees; and the one-time handoff codes that carry a browser login back to the web app.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('links')
    .addColumn('code', 'text', (c) => c.primaryKey())
    .addColumn('city_id', 'text', (c) => c.notNull())
    .addColumn('service_id', 'text', (c) => c.notNull())
    .addColumn('created_by', 'uuid', (c) => c.references('citizens.id').onDelete('set null'))
    .addColumn('created_channel', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz')
    .addColumn('opened', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable('session_handoffs')
    .addColumn('code_hash', 'text', (c) => c.primaryKey())
    .addColumn('session_id', 'uuid', (c) => c.notNull().references('sessions.id').onDelete('cascade'))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('session_handoffs').execute();
  await db.schema.dropTable('links').execute();
}
