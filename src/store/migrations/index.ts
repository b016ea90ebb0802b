import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001_identity.ts';
import * as m0002 from './0002_identifier_issuer.ts';
import * as m0003 from './0003_batch_records.ts';
import * as m0004 from './0004_partner_apps.ts';
import * as m0005 from './0005_consents_refresh.ts';
import * as m0006 from './0006_real_name.ts';
import * as m0007 from './0007_links_handoffs.ts';
import * as m0008 from './0008_payments.ts';
import * as m0009 from './0009_pay_for_me_refunds.ts';
import * as m0010 from './0010_bookings_reminders.ts';
import * as m0011 from './0011_waiting_room.ts';

/** Migrations in the order they apply; a new one is added here with the next number. */
const MIGRATIONS: Record<string, Migration> = {
  '0001_identity': m0001,
  '0002_identifier_issuer': m0002,
  '0003_batch_records': m0003,
  '0004_partner_apps': m0004,
  '0005_consents_refresh': m0005,
  '0006_real_name': m0006,
  '0007_links_handoffs': m0007,
  '0008_payments': m0008,
  '0009_pay_for_me_refunds': m0009,
  '0010_bookings_reminders': m0010,
  '0011_waiting_room': m0011,
};

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return MIGRATIONS;
  },
};
