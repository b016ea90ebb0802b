import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openStore, type Store } from '../../src/store/db.ts';

/** A store engine under test: every store test runs on PGlite, and on PostgreSQL when DATABASE_URL is set. */
export interface TestEngine {
  readonly name: 'pglite' | 'postgres';
  /** Opens a fresh, empty store; `close` also removes what it created. */
  open(): Promise<Store>;
}

async function freshPostgres(baseUrl: string): Promise<Store> {
  const name = `hutong_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  const store = await openStore({ databaseUrl: url.toString(), dataDir: 'memory://' });
  return {
    ...store,
    db: store.db,
    engine: store.engine,
    async close() {
      await store.close();
      const cleanup = new pg.Client({ connectionString: baseUrl });
      await cleanup.connect();
      try {
        await cleanup.query(`drop database if exists ${name} with (force)`);
      } finally {
        await cleanup.end();
      }
    },
  };
}

export function testEngines(): TestEngine[] {
  const engines: TestEngine[] = [{ name: 'pglite', open: () => openStore({ dataDir: 'memory://' }) }];
  const databaseUrl = process.env.DATABASE_URL;
  if (databaseUrl) engines.push({ name: 'postgres', open: () => freshPostgres(databaseUrl) });
  return engines;
}
