import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { testEngines } from '../../test/helpers/stores.ts';
import { migrateToLatest } from '../store/db.ts';
import { AuditRepository } from './audit.repository.ts';
import { AuditTrail } from './audit.trail.ts';

for (const engine of testEngines()) {
describe(`audit trail on ${engine.name}`, () => {
  it('writes noted reads in a batch, keeping the time each happened', async () => {
    const store = await engine.open();
    await migrateToLatest(store);
    const repository = new AuditRepository(store.db);
    const trail = new AuditTrail(repository, { flushIntervalMs: 60_000 });
    const at = new Date('2026-05-01T10:00:00Z');
    trail.note({ actor: 'citizen:a', action: 'records.list', subject: 'service:x', at });
    trail.note({ actor: 'citizen:a', action: 'records.list', subject: 'service:y' });
    assert.equal(trail.backlog.pending, 2);
    assert.equal((await repository.listByActor('citizen:a')).length, 0, 'nothing written before the flush');
    await trail.flush();
    const entries = await repository.listByActor('citizen:a');
    assert.deepEqual(entries.map((e) => e.subject).sort(), ['service:x', 'service:y']);
    assert.equal(entries.find((e) => e.subject === 'service:x')!.at, at.toISOString());
    assert.deepEqual(trail.backlog, { pending: 0, lost: 0 });
    await store.close();
  });

  it('keeps entries the store refused and writes them once it accepts again; counts what overflowed', async () => {
    const store = await engine.open();
    await migrateToLatest(store);
    const errors: unknown[] = [];
    // A repository whose store refuses writes: the audit table is renamed away, then back.
    const trail = new AuditTrail(new AuditRepository(store.db), { flushIntervalMs: 60_000, maxPending: 3, onFlushError: (e) => errors.push(e) });
    await store.db.schema.alterTable('audit_entries').renameTo('audit_entries_away').execute();
    for (const subject of ['s1', 's2', 's3', 's4']) trail.note({ actor: 'citizen:b', action: 'records.list', subject });
    await trail.flush();
    assert.equal(errors.length, 1);
    assert.deepEqual(trail.backlog, { pending: 3, lost: 1 });
    await store.db.schema.alterTable('audit_entries_away').renameTo('audit_entries').execute();
    await trail.flush();
    const subjects = (await new AuditRepository(store.db).listByActor('citizen:b')).map((e) => e.subject).sort();
    assert.deepEqual(subjects, ['s2', 's3', 's4']);
    await store.close();
  });

  it('flushes by itself once a batch is full', async () => {
    const store = await engine.open();
    await migrateToLatest(store);
    const repository = new AuditRepository(store.db);
    const trail = new AuditTrail(repository, { flushIntervalMs: 60_000, maxBatch: 2 });
    trail.note({ actor: 'citizen:c', action: 'records.list', subject: 's1' });
    trail.note({ actor: 'citizen:c', action: 'records.list', subject: 's2' });
    // The interval is a minute: only the full batch can have started this write.
    for (let i = 0; i < 100 && (await repository.listByActor('citizen:c')).length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal((await repository.listByActor('citizen:c')).length, 2);
    assert.equal(trail.backlog.pending, 0);
    await store.close();
  });
});
}
