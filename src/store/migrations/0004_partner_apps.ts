import { sql, type Kysely } from 'kysely';

/**
 * Partner apps that join through the `partner` entrance with an Ed25519 key, and the signature
 * nonces each has used, kept until the signature that carried them has expired.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('partner_apps')
    // The id is the `keyid` partners put in their signatures, and the prefix of their users' channel ids.
    .addColumn('id', 'text', (c) => c.primaryKey().check(sql`id ~ '^[a-z][a-z0-9-]{1,62}$'`))
    .addColumn('name', 'text', (c) => c.notNull())
    // The raw 32-byte Ed25519 public key, base64url: a JWK's `x`.
    .addColumn('public_key', 'text', (c) => c.notNull().check(sql`public_key ~ '^[A-Za-z0-9_-]{43}$'`))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active').check(sql`status in ('active', 'revoked')`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('revoked_at', 'timestamptz')
    .execute();

  await db.schema
    .createTable('partner_nonces')
    .addColumn('partner_id', 'text', (c) => c.notNull().references('partner_apps.id').onDelete('cascade'))
    .addColumn('nonce', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    // The key a replay collides on, whichever hub process sees it.
    .addPrimaryKeyConstraint('partner_nonces_pk', ['partner_id', 'nonce'])
    .execute();
  await db.schema.createIndex('partner_nonces_expires_at').on('partner_nonces').column('expires_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('partner_nonces').ifExists().execute();
  await db.schema.dropTable('partner_apps').ifExists().execute();
}
