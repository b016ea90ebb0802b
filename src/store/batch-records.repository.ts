import { sql, type Kysely, type Selectable } from 'kysely';
import type { BatchRecordStore, ImportBatch, ImportRun, ImportRunStart } from '../connectors/csv/batch-records.ts';
import type { BatchImportRunsTable, Database } from './schema.ts';

function toRun(row: Selectable<BatchImportRunsTable>): ImportRun {
  return {
    id: String(row.id),
    cityId: row.city_id,
    departmentId: row.department_id,
    recordType: row.record_type,
    fileName: row.file_name,
    sha256: row.sha256,
    status: row.status,
    linesImported: row.lines_imported,
    rejectedLines: row.rejected_lines,
    lastCommittedLine: row.last_committed_line,
    ...(row.error === null ? {} : { error: row.error }),
    startedAt: row.started_at,
    ...(row.finished_at === null ? {} : { finishedAt: row.finished_at }),
  };
}

/** A run could not commit because another import of the same content moved it on. */
export class ImportRunMovedError extends Error {
  constructor(run: ImportRun, afterLine: number) {
    super(`import run ${run.id} of ${run.fileName} is no longer at line ${afterLine}; another import of the same file moved it on`);
    this.name = 'ImportRunMovedError';
  }
}

/** Records imported from departments' batch files, and the runs that imported them. */
export class BatchRecordRepository implements BatchRecordStore {
  constructor(private readonly db: Kysely<Database>) {}

  async findRecords(cityId: string, departmentId: string, recordType: string, identifier: { kind: string; value: string }): Promise<unknown[]> {
    const rows = await this.db
      .selectFrom('batch_records')
      .select('record')
      .where('city_id', '=', cityId)
      .where('department_id', '=', departmentId)
      .where('record_type', '=', recordType)
      .where('identifier_kind', '=', identifier.kind)
      .where('identifier_value', '=', identifier.value)
      .orderBy('record_id')
      .execute();
    return rows.map((row) => row.record);
  }

  async findImportRun(cityId: string, departmentId: string, sha256: string): Promise<ImportRun | undefined> {
    const row = await this.db
      .selectFrom('batch_import_runs')
      .selectAll()
      .where('city_id', '=', cityId)
      .where('department_id', '=', departmentId)
      .where('sha256', '=', sha256)
      .executeTakeFirst();
    return row ? toRun(row) : undefined;
  }

  async beginImportRun(input: ImportRunStart): Promise<ImportRun> {
    const row = await this.db
      .insertInto('batch_import_runs')
      .values({ ...this.#startValues(input), status: 'importing' })
      .onConflict((oc) =>
        oc
          .columns(['city_id', 'department_id', 'sha256'])
          .doUpdateSet({ status: 'importing', error: null, file_name: input.fileName, encoding: input.encoding ?? null, rows_declared: input.rowsDeclared ?? null, updated_at: sql`now()` })
          .where('batch_import_runs.status', '<>', 'imported'),
      )
      .returningAll()
      .executeTakeFirst();
    if (row) return toRun(row);
    // Already imported (by a concurrent run): nothing to begin.
    const existing = await this.findImportRun(input.cityId, input.departmentId, input.sha256);
    if (!existing) throw new Error(`import run of ${input.fileName} vanished while it was begun`);
    return existing;
  }

  async commitImportBatch(run: ImportRun, batch: ImportBatch): Promise<{ recordsChanged: number }> {
    return this.db.transaction().execute(async (tx) => {
      const moved = await tx
        .updateTable('batch_import_runs')
        .set({
          last_committed_line: batch.lastLine,
          lines_imported: sql`lines_imported + ${batch.linesImported}`,
          rejected_lines: sql`rejected_lines || ${JSON.stringify(batch.rejected)}::jsonb`,
          updated_at: sql`now()`,
        })
        .where('id', '=', run.id)
        .where('status', '=', 'importing')
        .where('last_committed_line', '=', batch.afterLine)
        .executeTakeFirst();
      if (moved.numUpdatedRows !== 1n) throw new ImportRunMovedError(run, batch.afterLine);
      if (batch.records.length === 0) return { recordsChanged: 0 };
      const result = await tx
        .insertInto('batch_records')
        .values(
          batch.records.map((r) => ({
            city_id: run.cityId,
            department_id: run.departmentId,
            record_type: run.recordType,
            record_id: r.recordId,
            identifier_kind: r.identifier.kind,
            identifier_value: r.identifier.value,
            record: JSON.stringify(r.record),
            import_run_id: run.id,
          })),
        )
        .onConflict((oc) =>
          oc
            .columns(['city_id', 'department_id', 'record_type', 'record_id'])
            .doUpdateSet((eb) => ({
              record: eb.ref('excluded.record'),
              identifier_kind: eb.ref('excluded.identifier_kind'),
              identifier_value: eb.ref('excluded.identifier_value'),
              import_run_id: eb.ref('excluded.import_run_id'),
              updated_at: sql`now()`,
            }))
            // An unchanged record is not written at all, so importing the same data again changes nothing.
            .where(
              sql<boolean>`(batch_records.record, batch_records.identifier_kind, batch_records.identifier_value) is distinct from (excluded.record, excluded.identifier_kind, excluded.identifier_value)`,
            ),
        )
        .executeTakeFirst();
      return { recordsChanged: Number(result.numInsertedOrUpdatedRows ?? 0n) };
    });
  }

  async finishImportRun(run: ImportRun): Promise<ImportRun> {
    const row = await this.db
      .updateTable('batch_import_runs')
      .set({ status: 'imported', error: null, updated_at: sql`now()`, finished_at: sql`now()` })
      .where('id', '=', run.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return toRun(row);
  }

  async failImportRun(input: ImportRunStart & { error: string }): Promise<ImportRun> {
    const row = await this.db
      .insertInto('batch_import_runs')
      .values({ ...this.#startValues(input), status: 'failed', error: input.error })
      .onConflict((oc) =>
        oc
          .columns(['city_id', 'department_id', 'sha256'])
          .doUpdateSet({ status: 'failed', error: input.error, file_name: input.fileName, updated_at: sql`now()` })
          .where('batch_import_runs.status', '<>', 'imported'),
      )
      .returningAll()
      .executeTakeFirst();
    return row ? toRun(row) : (await this.findImportRun(input.cityId, input.departmentId, input.sha256))!;
  }

  /** The runs of a department, newest first: what the admin console lists. */
  async listImportRuns(cityId: string, departmentId: string): Promise<ImportRun[]> {
    const rows = await this.db
      .selectFrom('batch_import_runs')
      .selectAll()
      .where('city_id', '=', cityId)
      .where('department_id', '=', departmentId)
      .orderBy('started_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    return rows.map(toRun);
  }

  /**
   * How many records a department has and when one last changed: two equal summaries mean no
   * record was inserted or changed in between.
   */
  async summarizeRecords(cityId: string, departmentId: string): Promise<{ count: number; lastChangedAt: Date | null }> {
    const row = await this.db
      .selectFrom('batch_records')
      .select([sql<string>`count(*)`.as('count'), sql<Date | null>`max(updated_at)`.as('lastChangedAt')])
      .where('city_id', '=', cityId)
      .where('department_id', '=', departmentId)
      .executeTakeFirstOrThrow();
    return { count: Number(row.count), lastChangedAt: row.lastChangedAt };
  }

  #startValues(input: ImportRunStart) {
    return {
      city_id: input.cityId,
      department_id: input.departmentId,
      record_type: input.recordType,
      file_name: input.fileName,
      sha256: input.sha256,
      encoding: input.encoding ?? null,
      rows_declared: input.rowsDeclared ?? null,
    };
  }
}
