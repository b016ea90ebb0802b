/**
 * Where the CSV connector keeps what it imported from a department's batch files, so that
 * citizens' queries are answered from the last import. Implemented over the store by
 * `src/store/batch-records.repository.ts`.
 *
 * An import run belongs to one file content (its SHA-256): the same bytes under another name are
 * the same run. A run commits its file batch by batch; each commit carries the records, the lines
 * it rejected and the last line it covers, so an interrupted run resumes after its last commit.
 *
 * @example
 *   const run = await store.beginImportRun({ cityId, departmentId, recordType: 'Bill', fileName, sha256, encoding: 'gbk', rowsDeclared: 1000 })
 *   await store.commitImportBatch(run, { afterLine: run.lastCommittedLine, lastLine: 1001, records, linesImported: records.length, rejected: [] })
 *   await store.finishImportRun(run)
 */
export interface BatchRecordStore {
  /** Records of one type held under one identifier, as imported. */
  findRecords(cityId: string, departmentId: string, recordType: string, identifier: { kind: string; value: string }): Promise<unknown[]>;
  /** The run of a file content, or undefined when this content was never seen. */
  findImportRun(cityId: string, departmentId: string, sha256: string): Promise<ImportRun | undefined>;
  /** How many records of the department are kept, and when they last changed; 0 before its first file is imported. */
  summarizeRecords(cityId: string, departmentId: string): Promise<{ count: number; lastChangedAt: Date | null }>;
  /**
   * Starts the run of a file content, or takes up its unfinished one (an interrupted or failed run
   * keeps its progress). A run already `imported` is returned as it is.
   */
  beginImportRun(input: ImportRunStart): Promise<ImportRun>;
  /**
   * In one transaction: upserts the records (a record equal to the stored one is left untouched),
   * appends the rejected lines, and moves the run's last committed line from `afterLine` to
   * `lastLine`. Rejects, committing nothing, when the run is no longer at `afterLine` (another
   * import of the same content moved on). Returns how many records were inserted or changed.
   */
  commitImportBatch(run: ImportRun, batch: ImportBatch): Promise<{ recordsChanged: number }>;
  /** Marks the run imported and returns it with its totals. */
  finishImportRun(run: ImportRun): Promise<ImportRun>;
  /** Records that a file content could not be imported and why; its progress, if any, is kept. */
  failImportRun(input: ImportRunStart & { error: string }): Promise<ImportRun>;
}

export type ImportRunStatus = 'importing' | 'imported' | 'failed';

export interface RejectedLine {
  /** Physical line number in the file; the header is line 1. */
  readonly line: number;
  readonly reason: string;
}

export interface ImportRunStart {
  readonly cityId: string;
  readonly departmentId: string;
  readonly recordType: string;
  readonly fileName: string;
  /** Lowercase hex SHA-256 of the whole file. */
  readonly sha256: string;
  readonly encoding?: string;
  /** Data rows the file's trailer declares. */
  readonly rowsDeclared?: number;
}

export interface ImportRun {
  readonly id: string;
  readonly cityId: string;
  readonly departmentId: string;
  readonly recordType: string;
  readonly fileName: string;
  readonly sha256: string;
  readonly status: ImportRunStatus;
  /** Data lines imported as records, over all commits of the run. */
  readonly linesImported: number;
  readonly rejectedLines: readonly RejectedLine[];
  /** The last physical line a commit covered; 0 before the first commit. */
  readonly lastCommittedLine: number;
  readonly error?: string;
  readonly startedAt: Date;
  readonly finishedAt?: Date;
}

/** One record to keep: its id within (city, department, record type) and the identifier it is held under. */
export interface BatchRecord {
  readonly recordId: string;
  readonly identifier: { readonly kind: string; readonly value: string };
  readonly record: unknown;
}

export interface ImportBatch {
  /** The run's last committed line this batch follows. */
  readonly afterLine: number;
  /** The last physical line this batch covers. */
  readonly lastLine: number;
  /** At most one record per record id. */
  readonly records: readonly BatchRecord[];
  /** Data lines of the batch imported as records (a record id repeated in the batch counts each time). */
  readonly linesImported: number;
  readonly rejected: readonly RejectedLine[];
}
