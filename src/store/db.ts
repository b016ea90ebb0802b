import { mkdir } from 'node:fs/promises';
import { Kysely, Migrator, PostgresDialect, sql, type MigrationResultSet } from 'kysely';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import type { Database } from './schema.ts';
import { migrationProvider } from './migrations/index.ts';

export type StoreEngine = 'pglite' | 'postgres';

/** The hub's store: Kysely over `pg`, on an embedded PGlite or a PostgreSQL server. */
export interface Store {
  readonly db: Kysely<Database>;
  readonly engine: StoreEngine;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** PostgreSQL connection string; when absent the embedded PGlite store is used. */
  readonly databaseUrl?: string;
  /** PGlite data folder, or `memory://` for a store that keeps nothing. */
  readonly dataDir: string;
  /** Connections to a PostgreSQL server (PGlite always has one). */
  readonly poolSize?: number;
  /**
   * A new PGlite store starts from this dump of a data folder (`PGlite.dumpDataDir`) instead of
   * creating its cluster, which is most of the time it takes to open: tests open hundreds.
   */
  readonly pgliteDataDirDump?: Blob;
}

/**
 * Opens the store. PGlite runs in this process and takes its folder for itself, so only one
 * process may open a given data folder; PostgreSQL can be shared by any number of hubs.
 *
 * @example
 *   const store = await openStore({ dataDir: 'memory://' })
 *   await migrateToLatest(store)
 */
export async function openStore(options: StoreOptions): Promise<Store> {
  if (options.databaseUrl) {
    // A store that refuses connections fails a request at once (cached reads go on without it); one
    // merely busy keeps requests waiting for a pooled connection, up to 15 s.
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolSize ?? 10, connectionTimeoutMillis: 15_000 });
    // An idle connection the server ends (restart, failover, administrator) leaves the pool by
    // itself and the next query opens a new one; unheard, the pool's 'error' event would end the process.
    pool.on('error', () => {});
    // So does a connection lost while checked out between two statements (a transaction's): its next statement fails instead.
    pool.on('connect', (client) => client.on('error', () => {}));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, engine: 'postgres', close: () => db.destroy() };
  }
  if (!options.dataDir.startsWith('memory://')) await mkdir(options.dataDir, { recursive: true });
  const pglite = await PGlite.create(options.dataDir, options.pgliteDataDirDump ? { loadDataDir: options.pgliteDataDirDump } : {});
  // createPgConfig gives node-postgres a connection that speaks to PGlite in-process.
  const pool = new pg.Pool(createPgConfig(pglite) as unknown as pg.PoolConfig);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    engine: 'pglite',
    async close() {
      await db.destroy();
      await pglite.close();
    },
  };
}

function migratorFor(store: Store): Migrator {
  return new Migrator({ db: store.db, provider: migrationProvider });
}

/** Applies every pending migration; throws with the failing migration's name on error. */
export async function migrateToLatest(store: Store): Promise<MigrationResultSet> {
  const outcome = await migratorFor(store).migrateToLatest();
  if (outcome.error) {
    const failed = outcome.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`Migration ${failed} failed: ${String((outcome.error as Error).message ?? outcome.error)}`, {
      cause: outcome.error,
    });
  }
  return outcome;
}

/** Names of migrations that exist in the code but are not applied to the store. */
export async function pendingMigrations(store: Store): Promise<string[]> {
  const migrations = await migratorFor(store).getMigrations();
  return migrations.filter((m) => m.executedAt === undefined).map((m) => m.name);
}

/** Answers when the store takes a query; throws otherwise. */
export async function pingStore(store: Store): Promise<void> {
  await sql`select 1`.execute(store.db);
}
