import { sql, type Kysely } from 'kysely';

/**
 * Records imported from departments' batch files (a water company's nightly CSV), and the import
 * runs that brought them in: one run per file content, with its progress so an interrupted import
 * resumes, and the lines it rejected.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('batch_import_runs')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('city_id', 'text', (c) => c.notNull())
    .addColumn('department_id', 'text', (c) => c.notNull())
    .addColumn('record_type', 'text', (c) => c.notNull())
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('encoding', 'text')
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('importing', 'imported', 'failed')`))
    .addColumn('rows_declared', 'integer')
    .addColumn('lines_imported', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('rejected_lines', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('last_committed_line', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error', 'text')
    .addColumn('started_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    // One run per file content: the same bytes under another name are the same import.
    .addUniqueConstraint('batch_import_runs_content', ['city_id', 'department_id', 'sha256'])
    .execute();

  await db.schema
    .createTable('batch_records')
    .addColumn('city_id', 'text', (c) => c.notNull())
    .addColumn('department_id', 'text', (c) => c.notNull())
    .addColumn('record_type', 'text', (c) => c.notNull())
    .addColumn('record_id', 'text', (c) => c.notNull())
    .addColumn('identifier_kind', 'text', (c) => c.notNull())
    .addColumn('identifier_value', 'text', (c) => c.notNull())
    .addColumn('record', 'jsonb', (c) => c.notNull())
    // The run that last changed the record; a re-import of the same data leaves it as it was.
    .addColumn('import_run_id', 'bigint', (c) => c.notNull().references('batch_import_runs.id'))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // The key an import upserts on, so importing a record again never makes a second one.
    .addPrimaryKeyConstraint('batch_records_pk', ['city_id', 'department_id', 'record_type', 'record_id'])
    .execute();
  // Identifier values (accounts, cards) are nearly unique, so the value alone finds a citizen's records;
  // a wider index would halve the import rate of a 100 000-line file for no gain in lookups.
  await db.schema.createIndex('batch_records_identifier').on('batch_records').column('identifier_value').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('batch_records').ifExists().execute();
  await db.schema.dropTable('batch_import_runs').ifExists().execute();
}
