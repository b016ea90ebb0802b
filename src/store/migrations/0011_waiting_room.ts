import { sql, type Kysely } from 'kysely';

/**
 * Waiting rooms of booking services: per room (`city/service`) a token bucket of admissions, and
 * the tickets of the people waiting in it, first come first admitted. Every hub process on the
 * store takes the same room row lock, so they share one queue and one admission rate.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('waiting_rooms')
    .addColumn('room', 'text', (c) => c.primaryKey())
    // Admissions the room may still give now (fractions accumulate between refills); at most its burst.
    .addColumn('credit', 'double precision', (c) => c.notNull().check(sql`credit >= 0`))
    .addColumn('refilled_at', 'timestamptz', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('waiting_room_tickets')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('room', 'text', (c) => c.notNull().references('waiting_rooms.room'))
    .addColumn('citizen_id', 'uuid', (c) => c.notNull().references('citizens.id'))
    // The order of arrival: tickets are admitted by it.
    .addColumn('seq', 'bigint', (c) => c.notNull().generatedAlwaysAsIdentity())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    // Last time its holder asked for it; a waiting ticket not asked for in 30 seconds is given up.
    .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull())
    .addColumn('admitted_at', 'timestamptz')
    .addColumn('admitted_until', 'timestamptz')
    .addColumn('used_at', 'timestamptz')
    .addColumn('abandoned_at', 'timestamptz')
    .execute();
  // One place per person per room while they wait.
  await sql`create unique index waiting_room_tickets_one_place on waiting_room_tickets (room, citizen_id) where admitted_at is null and abandoned_at is null`.execute(db);
  await sql`create index waiting_room_tickets_queue on waiting_room_tickets (room, seq) where admitted_at is null and abandoned_at is null`.execute(db);
  await sql`create index waiting_room_tickets_seen on waiting_room_tickets (room, last_seen_at) where admitted_at is null and abandoned_at is null`.execute(db);
  await db.schema.createIndex('waiting_room_tickets_citizen').on('waiting_room_tickets').columns(['citizen_id', 'room', 'seq']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('waiting_room_tickets').execute();
  await db.schema.dropTable('waiting_rooms').execute();
}
