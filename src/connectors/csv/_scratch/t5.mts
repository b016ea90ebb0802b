import { sql } from 'kysely';
import { migrateToLatest } from '../../../store/db.ts';
import { testEngines } from '../../../../test/helpers/stores.ts';
const engine = testEngines().at(-1)!;
const store = await engine.open();
await migrateToLatest(store);
const db = store.db;
await db.insertInto('batch_import_runs').values({ city_id: 'c', department_id: 'd', record_type: 'Bill', file_name: 'f', sha256: 's', status: 'importing' }).execute();
const run = (await db.selectFrom('batch_import_runs').select('id').executeTakeFirstOrThrow()).id;
const mk = (k: number, i: number) => ({ id: `31${String(k*1000+i).padStart(8,'0')}-2026-10`, acct: `31${String(k*1000+i).padStart(8,'0')}`, record: { id: `x${i}`, cityId: 'shanghai', departmentId: 'water-company', utility: 'water', accountNumber: `31${String(k*1000+i).padStart(8,'0')}`, period: '2026-10', usage: 22, unit: 'm3', amountFen: 11000, dueOn: '2026-11-20', status: 'unpaid' } });
const N = 30;
async function values(prefix: string) {
  for (let k = 0; k < N; k++) {
    const rows = Array.from({ length: 1000 }, (_, i) => mk(k, i));
    await db.transaction().execute(async (tx) => {
      await tx.insertInto('batch_records').values(rows.map((r) => ({ city_id: prefix, department_id: 'd', record_type: 'Bill', record_id: r.id, identifier_kind: 'utility-account', identifier_value: r.acct, record: JSON.stringify(r.record), import_run_id: run })))
        .onConflict((oc) => oc.columns(['city_id', 'department_id', 'record_type', 'record_id']).doUpdateSet((eb) => ({ record: eb.ref('excluded.record') })).where(sql<boolean>`batch_records.record is distinct from excluded.record`)).execute();
    });
  }
}
async function recordset(prefix: string) {
  for (let k = 0; k < N; k++) {
    const rows = Array.from({ length: 1000 }, (_, i) => mk(k, i));
    await db.transaction().execute(async (tx) => {
      await sql`insert into batch_records (city_id, department_id, record_type, record_id, identifier_kind, identifier_value, record, import_run_id)
        select ${prefix}, 'd', 'Bill', x.id, 'utility-account', x.acct, x.record, ${run} from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(id text, acct text, record jsonb)
        on conflict (city_id, department_id, record_type, record_id) do update set record = excluded.record where batch_records.record is distinct from excluded.record`.execute(tx);
    });
  }
}
async function unnest(prefix: string) {
  for (let k = 0; k < N; k++) {
    const rows = Array.from({ length: 1000 }, (_, i) => mk(k, i));
    await db.transaction().execute(async (tx) => {
      await sql`insert into batch_records (city_id, department_id, record_type, record_id, identifier_kind, identifier_value, record, import_run_id)
        select ${prefix}, 'd', 'Bill', x.id, 'utility-account', x.acct, x.record, ${run} from unnest(${rows.map(r=>r.id)}::text[], ${rows.map(r=>r.acct)}::text[], ${rows.map(r=>JSON.stringify(r.record))}::jsonb[]) as x(id, acct, record)
        on conflict (city_id, department_id, record_type, record_id) do update set record = excluded.record where batch_records.record is distinct from excluded.record`.execute(tx);
    });
  }
}
for (const [name, fn] of [['values', values], ['recordset', recordset], ['unnest', unnest]] as const) {
  const t = performance.now(); await fn(name); const ms = performance.now() - t;
  const t2 = performance.now(); await fn(name); const ms2 = performance.now() - t2;
  console.log(name, 'insert', Math.round(ms), 'ms; re-upsert unchanged', Math.round(ms2), 'ms', Math.round(N*1000/ms*1000), 'rows/s');
}
await store.close();
