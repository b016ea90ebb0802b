import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001_identity.ts';

/** Migrations in the order they apply; a new one is added here with the next number. */
const MIGRATIONS: Record<string, Migration> = {
  '0001_identity': m0001,
};

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return MIGRATIONS;
  },
};
