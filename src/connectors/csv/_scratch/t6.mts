import { sql } from 'kysely';
import { migrateToLatest } from '../../../store/db.ts';
import { testEngines } from '../../../../test/helpers/stores.ts';
const engine = testEngines().at(-1)!;
for (const variant of ['both', 'no-ident-index', 'value-only-index']) {
const store = await engine.open();
await migrateToLatest(store);
const db = store.db;
if (variant !== 'both') await sql`drop index batch_records_identifier`.execute(db);
if (variant === 'value-only-index') await sql`create index bri on batch_records (identifier_value)`.execute(db);
await db.insertInto('batch_import_runs').values({ city_id: 'c', department_id: 'd', record_type: 'Bill', file_name: 'f', sha256: 's', status: 'importing' }).execute();
const run = (await db.selectFrom('batch_import_runs').select('id').executeTakeFirstOrThrow()).id;
const mk = (k: number, i: number) => { const acct = String(((k*1000+i) * 378551) % 1000000).padStart(6, '0'); return { id: `3100${acct}-2026-10`, acct: `3100${acct}`, record: { id: `3100${acct}-2026-10`, cityId: 'shanghai', departmentId: 'water-company', utility: 'water', accountNumber: `3100${acct}`, period: '2026-10', usage: 22, unit: 'm3', amountFen: 11000, dueOn: '2026-11-20', status: 'unpaid' } } };
const N = 30;
const t = performance.now();
  for (let k = 0; k < N; k++) {
    const rows = Array.from({ length: 1000 }, (_, i) => mk(k, i));
    await db.transaction().execute(async (tx) => {
      await tx.insertInto('batch_records').values(rows.map((r) => ({ city_id: 'shanghai', department_id: 'water-company', record_type: 'Bill', record_id: r.id, identifier_kind: 'utility-account', identifier_value: r.acct, record: JSON.stringify(r.record), import_run_id: run })))
        .onConflict((oc) => oc.columns(['city_id', 'department_id', 'record_type', 'record_id']).doUpdateSet((eb) => ({ record: eb.ref('excluded.record') })).where(sql<boolean>`batch_records.record is distinct from excluded.record`)).execute();
    });
  }
const ms = performance.now() - t;
console.log(variant, Math.round(ms), 'ms', Math.round(N*1000/ms*1000), 'rows/s');
await store.close();
}
