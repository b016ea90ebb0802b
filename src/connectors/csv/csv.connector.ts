/**
 * The `csv` connector kind: departments that deliver batch files instead of answering calls (a
 * water company's nightly bill file). `synchronize` imports what has arrived in the inbox into the
 * hub's store; `fetchRecords` answers citizens from there, so queries work between nightly files.
 */
import { access, copyFile, mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { hutongError, isHutongError, type HutongError } from '../../errors.ts';
import '../../model/formats.ts';
import type { RecordType } from '../../model/catalog.ts';
import { Bill } from '../../model/records.ts';
import { defineConnector, type Connector, type ConnectorContext, type SynchronizeReport } from '../connector.ts';
import { loadMappingFile, type Mapping } from '../mapping.ts';
import type { BatchRecord, BatchRecordStore, ImportRun, RejectedLine } from './batch-records.ts';
import { BatchFileError, readDataRows, sha256OfFile, verifyBatchFile, type VerifiedFile } from './csv.file.ts';
import { compileTrailerFormat, CsvOptions, type TrailerTemplate } from './csv.options.ts';

export { CsvOptions } from './csv.options.ts';

const RECORD_SCHEMAS: Record<CsvOptions['recordType'], TSchema> = { Bill };

type FileReport = SynchronizeReport['files'][number];

// Temp names writers use while a file is still being written; such a file is never read.
const PARTIAL_NAME = /^\.|\.(?:part|partial|tmp|filepart)$/i;

function mappingPath(context: ConnectorContext, file: string): string {
  return path.resolve(context.configDir, file);
}

function messageOf(error: unknown): string {
  return String((error as { message?: unknown })?.message ?? error);
}

/** Moves a file, across file systems too. */
async function moveFile(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    await copyFile(from, to);
    await rm(from);
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

function createCsvConnector(options: CsvOptions, context: ConnectorContext): Connector {
  const where = `${context.cityId}/${context.departmentId}`;
  const recordType = options.recordType;
  const schema = RECORD_SCHEMAS[recordType];
  const inbox = options.inbox;
  const filePattern = new RegExp(options.filePattern ?? '\\.csv$');
  const batchSize = options.batchSize ?? 1000;
  const identifierField = options.identifierField ?? 'accountNumber';
  const trailer: TrailerTemplate = compileTrailerFormat(options.trailer.format);
  const mapping = loadMappingFile(mappingPath(context, options.mapping), context);
  mapping.catch(() => {}); // a missing or broken file fails synchronize, not the process (unhandled rejection)
  const bindings = { cityId: context.cityId, departmentId: context.departmentId };
  // One synchronization at a time per department; a second call waits for the first.
  let queue: Promise<unknown> = Promise.resolve();

  const requireStore = (): BatchRecordStore => {
    const store = context.hub?.batchRecords;
    if (!store) {
      throw hutongError(
        'HUTONG_ERR_STORE_UNAVAILABLE',
        `${where}: the csv connector answers from the records it imported into the hub's store, and it was created without one (context.hub.batchRecords)`,
      );
    }
    return store;
  };

  const stopped = (signal: AbortSignal, doing: string, cause?: unknown): HutongError =>
    hutongError('HUTONG_ERR_DEPARTMENT_TIMEOUT', `${where}: synchronization stopped ${doing}; the next run resumes after the last committed line`, {
      cause: cause ?? signal.reason,
    });

  const loadMapping = async (): Promise<Mapping> => {
    try {
      return await mapping;
    } catch (error) {
      throw hutongError('HUTONG_ERR_DEPARTMENT_MAPPING', `${where}: the mapping ${mappingPath(context, options.mapping)} cannot be loaded: ${messageOf(error)}`, { cause: error });
    }
  };

  /** Maps one row to a record, or says why the line is rejected. */
  const mapRow = async (compiled: Mapping, row: Record<string, string>, line: number): Promise<BatchRecord | { reason: string }> => {
    let record: unknown;
    try {
      record = await compiled.evaluate(row, { ...bindings, line });
    } catch (error) {
      const token = (error as { token?: unknown }).token;
      return { reason: `the mapping failed${typeof token === 'string' ? ` at $${token}` : ''}: ${messageOf(error)}` };
    }
    if (record === null || typeof record !== 'object' || Array.isArray(record)) return { reason: 'the mapping produced no record' };
    if (!Value.Check(schema, record)) {
      const errors = [...Value.Errors(schema, record)].slice(0, 3).map((e) => `${e.path || '/'} ${e.message}`);
      return { reason: `not a valid ${recordType}: ${errors.join('; ')}` };
    }
    const fields = record as Record<string, unknown>;
    const identifier = fields[identifierField];
    if (typeof identifier !== 'string' || identifier === '') return { reason: `the mapped record has no ${identifierField}` };
    return { recordId: String(fields.id), identifier: { kind: options.identifierKind, value: identifier }, record };
  };

  const listInbox = async (): Promise<string[]> => {
    try {
      const entries = await readdir(inbox, { withFileTypes: true });
      return entries
        .filter((entry) => entry.isFile() && !PARTIAL_NAME.test(entry.name) && filePattern.test(entry.name))
        .map((entry) => entry.name)
        .sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []; // nothing delivered yet
      throw error;
    }
  };

  const archiveFile = async (name: string, sha256: string): Promise<void> => {
    if (!options.archive) return;
    await mkdir(options.archive, { recursive: true });
    let target = path.join(options.archive, name);
    if (await exists(target)) {
      const ext = path.extname(name);
      target = path.join(options.archive, `${path.basename(name, ext)}.${sha256.slice(0, 12)}${ext}`);
    }
    await moveFile(path.join(inbox, name), target);
  };

  /** Imports a verified file from where its run stands; returns the finished run. */
  const importRows = async (store: BatchRecordStore, run: ImportRun, file: string, verified: VerifiedFile, signal: AbortSignal): Promise<ImportRun> => {
    const compiled = await loadMapping();
    let afterLine = run.lastCommittedLine;
    let lastLine = afterLine;
    let linesInBatch = 0;
    let linesImported = 0;
    let records = new Map<string, BatchRecord>();
    let rejected: RejectedLine[] = [];
    // The previous batch's commit runs while the next batch is mapped; commits still go in order.
    let committing: Promise<unknown> = Promise.resolve();
    const commit = async (): Promise<void> => {
      await committing;
      if (signal.aborted) throw stopped(signal, `after line ${afterLine} of ${path.basename(file)}`);
      if (linesInBatch === 0) return;
      committing = store.commitImportBatch(run, { afterLine, lastLine, records: [...records.values()], linesImported, rejected });
      committing.catch(() => {}); // awaited before the next commit or at the end
      afterLine = lastLine;
      linesInBatch = 0;
      linesImported = 0;
      records = new Map();
      rejected = [];
    };
    try {
      for await (const item of readDataRows(file, verified, { delimiter: options.delimiter ?? ',', signal, afterLine })) {
        if (signal.aborted) throw stopped(signal, `at line ${item.line} of ${path.basename(file)}`);
        lastLine = item.line;
        linesInBatch++;
        if (item.problem !== undefined) {
          rejected.push({ line: item.line, reason: item.problem });
        } else {
          const mapped = await mapRow(compiled, item.row, item.line);
          if ('reason' in mapped) {
            rejected.push({ line: item.line, reason: mapped.reason });
          } else {
            records.set(mapped.recordId, mapped); // a record repeated within the file: the later line wins
            linesImported++;
          }
        }
        if (linesInBatch >= batchSize) await commit();
      }
      await commit();
      await committing;
    } catch (error) {
      await committing.catch(() => {}); // a commit under way lands (or not) before the run gives up
      throw error;
    }
    return store.finishImportRun(run);
  };

  const synchronizeFile = async (store: BatchRecordStore, name: string, signal: AbortSignal): Promise<FileReport> => {
    const file = path.join(inbox, name);
    let sha256: string;
    try {
      sha256 = await sha256OfFile(file, signal);
    } catch (error) {
      if (signal.aborted) throw stopped(signal, `while reading ${name}`, error);
      return { file: name, status: 'failed', linesImported: 0, linesRejected: [], error: `cannot read the file: ${messageOf(error)}` };
    }
    const start = { cityId: context.cityId, departmentId: context.departmentId, recordType, fileName: name, sha256 };
    const known = await store.findImportRun(context.cityId, context.departmentId, sha256);
    if (known?.status === 'imported') {
      await archiveFile(name, sha256);
      return { file: name, status: 'already-imported', linesImported: 0, linesRejected: [] };
    }
    let verified: VerifiedFile;
    try {
      verified = await verifyBatchFile(file, { encoding: options.encoding ?? 'auto', delimiter: options.delimiter ?? ',', columns: options.columns, trailer, amountField: options.trailer.amountField, signal });
    } catch (error) {
      if (signal.aborted) throw stopped(signal, `while checking ${name}`, error);
      const reason = error instanceof BatchFileError ? error.message : `cannot read the file: ${messageOf(error)}`;
      await store.failImportRun({ ...start, error: reason });
      return { file: name, status: 'failed', linesImported: 0, linesRejected: [], error: reason };
    }
    let run = await store.beginImportRun({ ...start, encoding: verified.encoding, ...(verified.rowsDeclared === undefined ? {} : { rowsDeclared: verified.rowsDeclared }) });
    if (run.status !== 'imported') {
      try {
        run = await importRows(store, run, file, verified, signal);
      } catch (error) {
        if (isHutongError(error)) throw error;
        if (signal.aborted) throw stopped(signal, `while importing ${name}`, error);
        throw error;
      }
    }
    await archiveFile(name, sha256);
    return { file: name, status: 'imported', linesImported: run.linesImported, linesRejected: run.rejectedLines };
  };

  return {
    kind: 'csv',
    recordTypes: new Set<RecordType>([recordType]),

    async fetchRecords(query, { signal }) {
      if (query.recordType !== recordType) throw new TypeError(`${where} maps no ${query.recordType}`);
      const store = requireStore();
      if (!query.identifier) throw hutongError('HUTONG_ERR_IDENTIFIER_REQUIRED', `${where} keeps ${recordType} records by ${options.identifierKind}; none was given`);
      if (query.identifier.kind !== options.identifierKind) {
        throw new TypeError(`${where} keeps ${recordType} records by ${options.identifierKind}, not by ${query.identifier.kind}`);
      }
      if (signal.aborted) throw hutongError('HUTONG_ERR_DEPARTMENT_TIMEOUT', `${where} did not answer in time`, { cause: signal.reason });
      return store.findRecords(context.cityId, context.departmentId, recordType, query.identifier);
    },

    /**
     * Imports every complete file in the inbox, oldest name first. A file whose content was
     * imported before is skipped; a file whose trailer does not hold fails and nothing of it is
     * imported; bad lines are rejected with their line number and never stop the rest. Rejects
     * with `HUTONG_ERR_DEPARTMENT_TIMEOUT` when the signal aborts; committed batches stay, and the
     * next run resumes after them.
     */
    async synchronize({ signal }) {
      const store = requireStore();
      const run = queue.then(async (): Promise<SynchronizeReport> => {
        const files: FileReport[] = [];
        for (const name of await listInbox()) {
          if (signal.aborted) throw stopped(signal, `before ${name}`);
          files.push(await synchronizeFile(store, name, signal));
        }
        return { files };
      });
      queue = run.catch(() => {});
      return run;
    },
  };
}

export const csvConnector = defineConnector({
  kind: 'csv',
  optionsSchema: CsvOptions,
  async validateOptions(options, context) {
    const problems: Array<{ path: string; message: string }> = [];
    const file = mappingPath(context, options.mapping);
    try {
      await access(file);
      await loadMappingFile(file, context);
    } catch (error) {
      const message = (error as NodeJS.ErrnoException).code === 'ENOENT' ? `mapping file ${file} does not exist` : `mapping file ${file} does not compile: ${messageOf(error)}`;
      problems.push({ path: 'mapping', message });
    }
    try {
      new RegExp(options.filePattern ?? '\\.csv$');
    } catch (error) {
      problems.push({ path: 'filePattern', message: `not a regular expression: ${messageOf(error)}` });
    }
    let checks: readonly string[] = [];
    try {
      checks = compileTrailerFormat(options.trailer.format).checks;
    } catch (error) {
      problems.push({ path: 'trailer.format', message: messageOf(error) });
    }
    const amountField = options.trailer.amountField;
    if (checks.includes('amountSum') && amountField === undefined) {
      problems.push({ path: 'trailer.amountField', message: '{amountSum} needs the column it adds up' });
    }
    if (amountField !== undefined && !Object.hasOwn(options.columns, amountField)) {
      problems.push({ path: 'trailer.amountField', message: `${amountField} is not one of the columns (${Object.keys(options.columns).join(', ')})` });
    }
    if (options.archive !== undefined && path.resolve(options.archive) === path.resolve(options.inbox)) {
      problems.push({ path: 'archive', message: 'must be another folder than the inbox' });
    }
    return problems;
  },
  create: createCsvConnector,
});
