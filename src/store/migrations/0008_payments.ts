import { sql, type Kysely } from 'kysely';

/**
 * Payments: payables (a fine or a bill, with the amount the department confirmed), payment
 * intents and every transition they made, idempotency keys of createPayment, and wallet
 * notifications kept exactly as they arrived before anything acts on them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('payables')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('city_id', 'text', (c) => c.notNull())
    .addColumn('department_id', 'text', (c) => c.notNull())
    .addColumn('service_id', 'text', (c) => c.notNull())
    .addColumn('record_type', 'text', (c) => c.notNull())
    .addColumn('record_id', 'text', (c) => c.notNull())
    .addColumn('identifier_kind', 'text', (c) => c.notNull())
    .addColumn('identifier_value', 'text', (c) => c.notNull())
    .addColumn('owner_citizen_id', 'uuid', (c) => c.notNull().references('citizens.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('amount_fen', 'integer', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('open'))
    .addColumn('paid_intent_id', 'uuid')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('payment_intents')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('payable_id', 'text', (c) => c.notNull().references('payables.id'))
    .addColumn('owner_citizen_id', 'uuid', (c) => c.notNull())
    .addColumn('payer_citizen_id', 'uuid', (c) => c.notNull())
    .addColumn('wallet', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('amount_fen', 'integer', (c) => c.notNull())
    .addColumn('refunded_fen', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('out_trade_no', 'text', (c) => c.notNull().unique())
    .addColumn('qr_code_content', 'text')
    .addColumn('provider_trade_no', 'text')
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('paid_at', 'timestamptz')
    // Set once the department has recorded the payment (the write-back job).
    .addColumn('written_back_at', 'timestamptz')
    .addColumn('department_reference', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // A payable is paid at most once: one succeeded intent per payable, whatever races.
  await sql`create unique index payment_intents_one_success on payment_intents (payable_id) where state = 'succeeded'`.execute(db);
  await db.schema.createIndex('payment_intents_payable').on('payment_intents').column('payable_id').execute();
  await db.schema.createIndex('payment_intents_state').on('payment_intents').columns(['state', 'created_at']).execute();

  await db.schema
    .createTable('payment_events')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('intent_id', 'uuid', (c) => c.notNull().references('payment_intents.id').onDelete('cascade'))
    .addColumn('from_state', 'text')
    .addColumn('to_state', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('payment_events_intent').on('payment_events').columns(['intent_id', 'at']).execute();

  await db.schema
    .createTable('idempotency_keys')
    .addColumn('citizen_id', 'uuid', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('response_status', 'integer')
    .addColumn('response', 'jsonb')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['citizen_id', 'key'])
    .execute();

  await db.schema
    .createTable('payment_notifications')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('wallet', 'text', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('headers', 'jsonb', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('received'))
    .addColumn('out_trade_no', 'text')
    .addColumn('error', 'text')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['payment_notifications', 'idempotency_keys', 'payment_events', 'payment_intents', 'payables']) {
    await db.schema.dropTable(table).execute();
  }
}
