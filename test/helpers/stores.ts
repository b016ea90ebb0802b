import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
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

const PGLITE_VERSION = (JSON.parse(readFileSync(path.resolve('node_modules/@electric-sql/pglite/package.json'), 'utf8')) as { version: string }).version;
let emptyCluster: Promise<Blob> | undefined;

/**
 * A new PGlite cluster, dumped once per machine and PGlite version: creating one takes seconds,
 * loading its dump a fraction of that. Written under another name first, so test processes
 * starting together never read half a file.
 */
function emptyPgliteCluster(): Promise<Blob> {
  emptyCluster ??= (async () => {
    const file = path.join(tmpdir(), `hutong-pglite-${PGLITE_VERSION}-empty-cluster.tar`);
    try {
      return new Blob([await readFile(file)]);
    } catch {
      const pglite = await PGlite.create('memory://');
      const dump = await pglite.dumpDataDir('none');
      await pglite.close();
      const partial = `${file}.${process.pid}`;
      await writeFile(partial, Buffer.from(await dump.arrayBuffer()));
      await rename(partial, file);
      return dump;
    }
  })();
  return emptyCluster;
}

export function testEngines(): TestEngine[] {
  const engines: TestEngine[] = [{ name: 'pglite', open: async () => openStore({ dataDir: 'memory://', pgliteDataDirDump: await emptyPgliteCluster() }) }];
  const databaseUrl = process.env.DATABASE_URL;
  if (databaseUrl) engines.push({ name: 'postgres', open: () => freshPostgres(databaseUrl) });
  return engines;
}
