import { sql, type Kysely } from 'kysely';

/**
 * Bookings: the places the hub may still hand out per department slot, and every booking with its
 * hold. Reminders: what each citizen subscribed to, what a poll last saw, and every message as a
 * durable, deduplicated schedule that is also the citizen's inbox.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('booking_slots')
    .addColumn('city_id', 'text', (c) => c.notNull())
    .addColumn('department_id', 'text', (c) => c.notNull())
    .addColumn('slot_id', 'text', (c) => c.notNull())
    .addColumn('service_id', 'text', (c) => c.notNull())
    .addColumn('resource', 'text', (c) => c.notNull())
    .addColumn('start_at', 'timestamptz', (c) => c.notNull())
    .addColumn('end_at', 'timestamptz', (c) => c.notNull())
    // Places the hub may still hold: the department's last answer less the hub's own open holds.
    .addColumn('available', 'integer', (c) => c.notNull().check(sql`available >= 0`))
    .addColumn('department_remaining', 'integer', (c) => c.notNull())
    .addColumn('synced_at', 'timestamptz', (c) => c.notNull())
    // Last time a booking of the hub's was confirmed or given up here; older answers cannot raise `available`.
    .addColumn('changed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('booking_slots_pkey', ['city_id', 'department_id', 'slot_id'])
    .execute();

  await db.schema
    .createTable('bookings')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('reference', 'text', (c) => c.notNull().unique())
    .addColumn('citizen_id', 'uuid', (c) => c.notNull().references('citizens.id'))
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('city_id', 'text', (c) => c.notNull())
    .addColumn('service_id', 'text', (c) => c.notNull())
    .addColumn('department_id', 'text', (c) => c.notNull())
    .addColumn('slot_id', 'text', (c) => c.notNull())
    .addColumn('slot_date', 'text', (c) => c.notNull())
    .addColumn('slot_start', 'timestamptz', (c) => c.notNull())
    .addColumn('resource', 'text', (c) => c.notNull())
    .addColumn('identifier_id', 'uuid', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('awaiting', 'text')
    .addColumn('hold_expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('partner_citizen_id', 'uuid', (c) => c.references('citizens.id'))
    .addColumn('partner_national_id', 'text')
    .addColumn('partner_name', 'text')
    .addColumn('partner_confirmed_at', 'timestamptz')
    .addColumn('department_booking_id', 'text')
    .addColumn('confirmation_number', 'text')
    .addColumn('appointment_start', 'timestamptz')
    .addColumn('fee_fen', 'integer')
    .addColumn('note', 'text')
    .addColumn('payable_id', 'text')
    .addColumn('outcome_code', 'text')
    .addColumn('outcome_message', 'text')
    .addColumn('idempotency_key', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // Offices' rule: one active booking per citizen per service per day, whatever process takes it.
  await sql`create unique index bookings_one_active_per_day on bookings (citizen_id, service_id, slot_date) where status in ('held', 'confirmed')`.execute(db);
  await sql`create unique index bookings_idempotency on bookings (citizen_id, idempotency_key) where idempotency_key is not null`.execute(db);
  await sql`create index bookings_open_holds on bookings (hold_expires_at) where status = 'held'`.execute(db);
  await db.schema.createIndex('bookings_citizen').on('bookings').columns(['citizen_id', 'created_at']).execute();
  await db.schema.createIndex('bookings_partner').on('bookings').column('partner_national_id').execute();
  await db.schema.createIndex('bookings_slot').on('bookings').columns(['city_id', 'department_id', 'slot_id']).execute();

  await db.schema
    .createTable('notification_subscriptions')
    .addColumn('citizen_id', 'uuid', (c) => c.notNull().references('citizens.id'))
    .addColumn('city_id', 'text', (c) => c.notNull())
    .addColumn('topic', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('days_before', 'integer')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('unsubscribed_at', 'timestamptz')
    // When a poll last took this subscription; each process claims the ones whose turn has come.
    .addColumn('polled_at', 'timestamptz')
    .addPrimaryKeyConstraint('notification_subscriptions_pkey', ['citizen_id', 'city_id', 'topic'])
    .execute();

  await db.schema
    .createTable('notification_watch')
    .addColumn('citizen_id', 'uuid', (c) => c.notNull().references('citizens.id'))
    .addColumn('city_id', 'text', (c) => c.notNull())
    .addColumn('topic', 'text', (c) => c.notNull())
    .addColumn('identifier_id', 'uuid', (c) => c.notNull())
    // Record ids the last poll saw; a later poll notifies only ids not in it.
    .addColumn('seen', 'jsonb', (c) => c.notNull())
    .addColumn('checked_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('notification_watch_pkey', ['citizen_id', 'city_id', 'topic', 'identifier_id'])
    .execute();

  await db.schema
    .createTable('notifications')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('citizen_id', 'uuid', (c) => c.notNull().references('citizens.id'))
    .addColumn('city_id', 'text', (c) => c.notNull())
    .addColumn('topic', 'text', (c) => c.notNull())
    .addColumn('service_id', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('link', 'text')
    .addColumn('dedupe_key', 'text', (c) => c.notNull())
    .addColumn('scheduled_for', 'timestamptz', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('claimed_at', 'timestamptz')
    .addColumn('sent_at', 'timestamptz')
    .addColumn('read_at', 'timestamptz')
    .addColumn('message_id', 'text')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('notifications_once', ['citizen_id', 'dedupe_key'])
    .execute();
  await sql`create index notifications_due on notifications (scheduled_for) where status = 'scheduled'`.execute(db);
  await db.schema.createIndex('notifications_inbox').on('notifications').columns(['citizen_id', 'created_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['notifications', 'notification_watch', 'notification_subscriptions', 'bookings', 'booking_slots']) {
    await db.schema.dropTable(table).execute();
  }
}
