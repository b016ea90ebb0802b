/**
 * The `csv` connector kind: departments that deliver batch files instead of answering calls (a
 * water company's nightly bill file). `synchronize` imports what has arrived in the inbox into the
 * hub's store; `fetchRecords` answers citizens from there, so queries work between nightly files.
 * With `payments`, payments go back the same way: a line each in the day's payment file of the
 * outbox, which the department collects (see `csv.payments.ts`).
 */
import { access, copyFile, mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { hutongError, isHutongError, type HutongError } from '../../errors.ts';
import type { RecordType } from '../../model/catalog.ts';
import { defineConnector, type Connector, type ConnectorContext, type HolderCheckResult, type PaymentRecord, type SynchronizeReport } from '../connector.ts';
import { compileMapping, loadMappingFile, resolveMappingFile } from '../mapping.ts';
import { createPaymentFileWriter } from './csv.payments.ts';
import type { BatchRecord, BatchRecordStore, ImportRun, RejectedLine } from './batch-records.ts';
import { BatchFileError, readDataRows, sha256OfFile, verifyBatchFile, type VerifiedFile } from './csv.file.ts';
import { MapperUnavailableError, inProcessRowMapper, startRowMapper, type MappedRow, type RowInput, type RowMapper } from './csv.mapper.ts';
import { compileTrailerFormat, CsvOptions, type TrailerTemplate } from './csv.options.ts';
import { holderNameOf, printedNameAgrees, withHolderName, withoutHolderName } from './holder-name.ts';

/** Files up to this many rows are mapped on the main thread; larger ones in a worker. */
const IN_PROCESS_ROWS = 5_000;

export { CsvOptions } from './csv.options.ts';

type FileReport = SynchronizeReport['files'][number];

// Temp names writers use while a file is still being written; such a file is never read.
const PARTIAL_NAME = /^\.|\.(?:part|partial|tmp|filepart)$/i;


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

/** Lines read from the file and not yet committed: rows to map, and lines already rejected. */
interface PendingBatch {
  readonly rows: RowInput[];
  readonly rejected: RejectedLine[];
  lastLine: number;
}

function createCsvConnector(options: CsvOptions, context: ConnectorContext): Connector {
  const where = `${context.cityId}/${context.departmentId}`;
  const recordType = options.recordType;
  const inbox = options.inbox;
  const filePattern = new RegExp(options.filePattern ?? '\\.csv$');
  const batchSize = options.batchSize ?? 1000;
  const delimiter = options.delimiter ?? ',';
  const trailer: TrailerTemplate = compileTrailerFormat(options.trailer.format);
  const mapperSpec = {
    mappingFile: resolveMappingFile(context.configDir, options.mapping),
    timeZone: context.timeZone,
    recordType,
    identifierField: options.identifierField ?? 'accountNumber',
    bindings: { cityId: context.cityId, departmentId: context.departmentId },
    ...(options.holderCheck ? { holderNameField: options.holderCheck.nameField } : {}),
  };
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

  /**
   * Imports a verified file from where its run stands and returns the finished run. Three stages
   * overlap: this thread reads batch k+1 while the worker maps batch k and the store commits
   * batch k−1; commits stay in line order.
   */
  const importRows = async (store: BatchRecordStore, mapper: RowMapper, run: ImportRun, file: string, verified: VerifiedFile, signal: AbortSignal): Promise<ImportRun> => {
    const fileName = path.basename(file);
    let afterLine = run.lastCommittedLine;
    let committing: Promise<unknown> = Promise.resolve();
    let mapping: Promise<{ batch: PendingBatch; mapped: MappedRow[] }> | undefined;

    const commitMapped = async (next: Promise<{ batch: PendingBatch; mapped: MappedRow[] }>): Promise<void> => {
      const { batch, mapped } = await next;
      const records = new Map<string, BatchRecord>();
      const rejected = [...batch.rejected];
      let linesImported = 0;
      for (const result of mapped) {
        if (result.reason !== undefined) {
          rejected.push({ line: result.line, reason: result.reason });
        } else {
          // A record repeated within the file: the later line wins.
          records.set(result.recordId, {
            recordId: result.recordId,
            identifier: { kind: options.identifierKind, value: result.identifierValue },
            record: withHolderName(result.record, result.holderName),
          });
          linesImported++;
        }
      }
      rejected.sort((a, b) => a.line - b.line);
      await committing;
      if (signal.aborted) throw stopped(signal, `after line ${afterLine} of ${fileName}`);
      committing = store.commitImportBatch(run, { afterLine, lastLine: batch.lastLine, records: [...records.values()], linesImported, rejected });
      committing.catch(() => {}); // awaited before the next commit or at the end
      afterLine = batch.lastLine;
    };

    const dispatch = async (batch: PendingBatch): Promise<void> => {
      const next = mapper.map(batch.rows).then((mapped) => ({ batch, mapped }));
      next.catch(() => {}); // awaited in turn below
      if (mapping) await commitMapped(mapping);
      mapping = next;
    };

    let batch: PendingBatch = { rows: [], rejected: [], lastLine: afterLine };
    try {
      for await (const item of readDataRows(file, verified, { delimiter, signal, afterLine })) {
        if (signal.aborted) throw stopped(signal, `at line ${item.line} of ${fileName}`);
        if (item.problem !== undefined) batch.rejected.push({ line: item.line, reason: item.problem });
        else batch.rows.push({ line: item.line, row: item.row });
        batch.lastLine = item.line;
        if (batch.rows.length + batch.rejected.length >= batchSize) {
          await dispatch(batch);
          batch = { rows: [], rejected: [], lastLine: item.line };
        }
      }
      if (batch.rows.length + batch.rejected.length > 0) await dispatch(batch);
      if (mapping) await commitMapped(mapping);
      await committing;
    } catch (error) {
      await committing.catch(() => {}); // a commit under way lands (or not) before the run gives up
      if (error instanceof MapperUnavailableError) {
        throw hutongError('HUTONG_ERR_DEPARTMENT_MAPPING', `${where}: ${error.message}`, { cause: error });
      }
      throw error;
    }
    return store.finishImportRun(run);
  };

  const synchronizeFile = async (store: BatchRecordStore, mapperFor: (rows: number) => RowMapper, name: string, signal: AbortSignal): Promise<FileReport> => {
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
      verified = await verifyBatchFile(file, { encoding: options.encoding ?? 'auto', delimiter, columns: options.columns, trailer, amountField: options.trailer.amountField, signal });
    } catch (error) {
      if (signal.aborted) throw stopped(signal, `while checking ${name}`, error);
      const reason = error instanceof BatchFileError ? error.message : `cannot read the file: ${messageOf(error)}`;
      await store.failImportRun({ ...start, error: reason });
      return { file: name, status: 'failed', linesImported: 0, linesRejected: [], error: reason };
    }
    let run = await store.beginImportRun({ ...start, encoding: verified.encoding, ...(verified.rowsDeclared === undefined ? {} : { rowsDeclared: verified.rowsDeclared }) });
    if (run.status !== 'imported') {
      try {
        run = await importRows(store, mapperFor(verified.dataRows), run, file, verified, signal);
      } catch (error) {
        if (isHutongError(error)) throw error;
        if (signal.aborted) throw stopped(signal, `while importing ${name}`, error);
        throw error;
      }
    }
    await archiveFile(name, sha256);
    return { file: name, status: 'imported', linesImported: run.linesImported, linesRejected: run.rejectedLines };
  };

  const connector: Connector = {
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
      const records = await store.findRecords(context.cityId, context.departmentId, recordType, query.identifier);
      return records.map(withoutHolderName);
    },

    /**
     * Imports every complete file in the inbox, in name order. A file whose content was imported
     * before is skipped; a file whose trailer does not hold fails and nothing of it is imported;
     * bad lines are rejected with their line number and never stop the rest. Rejects with
     * `HUTONG_ERR_DEPARTMENT_TIMEOUT` when the signal aborts; committed batches stay, and the next
     * run resumes after them.
     */
    async synchronize({ signal }) {
      const store = requireStore();
      const run = queue.then(async (): Promise<SynchronizeReport> => {
        let mapper: RowMapper | undefined;
        let small: RowMapper | undefined;
        // The worker starts with the first large file that has rows to import, and serves the rest;
        // small files are mapped here, faster than a worker starts.
        const mapperFor = (rows: number): RowMapper => (rows <= IN_PROCESS_ROWS ? (small ??= inProcessRowMapper(mapperSpec)) : (mapper ??= startRowMapper(mapperSpec)));
        try {
          const files: FileReport[] = [];
          for (const name of await listInbox()) {
            if (signal.aborted) throw stopped(signal, `before ${name}`);
            files.push(await synchronizeFile(store, mapperFor, name, signal));
          }
          return { files };
        } finally {
          await mapper?.close();
          await small?.close();
        }
      });
      queue = run.catch(() => {});
      return run;
    },
  };
  /** Payments written back to the outbox, when the department takes them (`payments`). */
  const paymentCapability = (payments: NonNullable<CsvOptions['payments']>): Pick<Connector, 'paymentRecordTypes' | 'recordPayment'> => {
    const writer = createPaymentFileWriter(payments, context, delimiter);

    /** Refuses, from the department's records the hub imported, a payment the department would not take. */
    const checkPayable = async (payment: PaymentRecord): Promise<void> => {
      const store = requireStore();
      const records = (await store.findRecords(context.cityId, context.departmentId, recordType, payment.identifier)) as Array<{ id?: unknown; amountFen?: unknown; status?: unknown }>;
      const record = records.find((r) => r.id === payment.recordId);
      if (!record) {
        if (records.length === 0 && (await store.summarizeRecords(context.cityId, context.departmentId)).count === 0) {
          throw hutongError('HUTONG_ERR_DEPARTMENT_NOT_SYNCED', `${where} has not delivered its first file yet; try again shortly`);
        }
        throw hutongError('HUTONG_ERR_DEPARTMENT_REFUSED', `${where} has no ${recordType} ${payment.recordId} under this ${options.identifierKind}`);
      }
      if (record.amountFen !== payment.amountFen) {
        throw hutongError('HUTONG_ERR_DEPARTMENT_REFUSED', `${where}: the payment of ${payment.amountFen} fen differs from the ${recordType}'s ${String(record.amountFen)} fen`);
      }
      if (record.status === 'paid') throw hutongError('HUTONG_ERR_DEPARTMENT_REFUSED', `${where}: ${recordType} ${payment.recordId} is already paid`);
    };

    return {
      paymentRecordTypes: new Set<RecordType>([recordType]),
      /**
       * Writes the payment as a line of the day's payment file, unless its reference is there
       * already; resolves with where the line is (`<file>:<line>`). A record the imported files do
       * not have, another amount, or a record they show paid is refused.
       */
      async recordPayment(payment, { signal }) {
        if (payment.recordType !== recordType) throw new TypeError(`${where} takes no payments for ${payment.recordType}`);
        if (payment.identifier.kind !== options.identifierKind) {
          throw new TypeError(`${where} keeps ${recordType} records by ${options.identifierKind}, not by ${payment.identifier.kind}`);
        }
        const { file, line } = await writer.write(payment, signal, () => checkPayable(payment));
        return { departmentReference: `${file}:${line}` };
      },
    };
  };

  const paying = options.payments ? paymentCapability(options.payments) : {};
  if (!options.holderCheck) return { ...connector, ...paying };
  const { nameField } = options.holderCheck;

  return {
    ...connector,
    ...paying,
    holderCheckKinds: new Set([options.identifierKind]),
    /**
     * Confirms a holder from the imported rows: `unknown-identifier` when no row is held under the
     * identifier, `match` when the holder name printed on every row that has one agrees with the
     * claimed name (masked characters agree with any), `mismatch` otherwise.
     */
    async checkHolder(check, { signal }): Promise<HolderCheckResult> {
      const store = requireStore();
      if (check.identifier.kind !== options.identifierKind) {
        throw new TypeError(`${where} keeps ${recordType} records by ${options.identifierKind}, not by ${check.identifier.kind}`);
      }
      if (signal.aborted) throw hutongError('HUTONG_ERR_DEPARTMENT_TIMEOUT', `${where} did not answer in time`, { cause: signal.reason });
      const records = await store.findRecords(context.cityId, context.departmentId, recordType, check.identifier);
      if (records.length === 0) {
        // Before the department's first file is imported the hub cannot tell "unknown" from "not yet".
        if ((await store.summarizeRecords(context.cityId, context.departmentId)).count === 0) {
          throw hutongError('HUTONG_ERR_DEPARTMENT_NOT_SYNCED', `${where} has not delivered its first file yet; try again shortly`);
        }
        return { outcome: 'unknown-identifier' };
      }
      // Rows imported before holder checks were configured, or with an empty name column, say nothing either way.
      const printed = records.map(holderNameOf).filter((name): name is string => name !== undefined);
      if (printed.length === 0) {
        throw hutongError(
          'HUTONG_ERR_DEPARTMENT_MAPPING',
          `${where}: the imported ${recordType} rows of this ${options.identifierKind} carry no holder name (${nameField}); the next file imported brings it`,
        );
      }
      return { outcome: printed.every((name) => printedNameAgrees(name, check.holder.name)) ? 'match' : 'mismatch' };
    },
  };
}

/** Problems of the `payments` option, by option path. */
function paymentProblems(options: CsvOptions, payments: NonNullable<CsvOptions['payments']>, context: ConnectorContext): Array<{ path: string; message: string }> {
  const problems: Array<{ path: string; message: string }> = [];
  const headers = payments.columns.map((column) => column.header);
  payments.columns.forEach((column, i) => {
    if (headers.indexOf(column.header) !== i) problems.push({ path: `payments.columns.${i}.header`, message: `${column.header} is already column ${headers.indexOf(column.header) + 1}` });
    try {
      compileMapping(column.value, context);
    } catch (error) {
      problems.push({ path: `payments.columns.${i}.value`, message: `JSONata does not compile: ${messageOf(error)}` });
    }
  });
  if (!headers.includes(payments.referenceColumn)) problems.push({ path: 'payments.referenceColumn', message: `${payments.referenceColumn} is not one of the columns (${headers.join(', ')})` });
  let checks: readonly string[] = [];
  try {
    checks = compileTrailerFormat(payments.trailer.format).checks;
  } catch (error) {
    problems.push({ path: 'payments.trailer.format', message: messageOf(error) });
  }
  const amountColumn = payments.trailer.amountColumn;
  if (checks.includes('amountSum') && amountColumn === undefined) problems.push({ path: 'payments.trailer.amountColumn', message: '{amountSum} needs the column it adds up' });
  if (amountColumn !== undefined && !headers.includes(amountColumn)) {
    problems.push({ path: 'payments.trailer.amountColumn', message: `${amountColumn} is not one of the columns (${headers.join(', ')})` });
  }
  const outbox = path.resolve(payments.outbox);
  if (outbox === path.resolve(options.inbox) || (options.archive !== undefined && outbox === path.resolve(options.archive))) {
    problems.push({ path: 'payments.outbox', message: 'must be another folder than the inbox and the archive' });
  }
  return problems;
}

export const csvConnector = defineConnector({
  kind: 'csv',
  optionsSchema: CsvOptions,
  async validateOptions(options, context) {
    const problems: Array<{ path: string; message: string }> = [];
    const file = resolveMappingFile(context.configDir, options.mapping);
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
    const nameField = options.holderCheck?.nameField;
    if (nameField !== undefined && !Object.hasOwn(options.columns, nameField)) {
      problems.push({ path: 'holderCheck.nameField', message: `${nameField} is not one of the columns (${Object.keys(options.columns).join(', ')})` });
    }
    if (options.archive !== undefined && path.resolve(options.archive) === path.resolve(options.inbox)) {
      problems.push({ path: 'archive', message: 'must be another folder than the inbox' });
    }
    if (options.payments) problems.push(...paymentProblems(options, options.payments, context));
    return problems;
  },
  create: createCsvConnector,
});
