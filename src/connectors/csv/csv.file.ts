/**
 * Reading a department's batch file: its hash, its encoding, a check of the whole file against its
 * trailer, and its data rows with their physical line numbers. Everything streams; a file is never
 * held in memory whole.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { TextDecoder } from 'node:util';
import { parse } from 'csv-parse';
import iconv from 'iconv-lite';
import { yuanStringToFen } from '../../model/identifiers.ts';
import type { TrailerTemplate } from './csv.options.ts';

export type FileEncoding = 'gbk' | 'utf8';

/** Something wrong with a whole file: it fails, and nothing of it is imported. */
export class BatchFileError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BatchFileError';
  }
}

/** Where each row field is in the file's header. */
export interface ColumnLayout {
  readonly fieldCount: number;
  readonly fields: ReadonlyArray<readonly [field: string, index: number]>;
}

export interface ReadOptions {
  readonly delimiter: string;
  readonly signal: AbortSignal;
}

export interface VerifyOptions extends ReadOptions {
  readonly encoding: FileEncoding | 'auto';
  readonly columns: Readonly<Record<string, readonly string[]>>;
  readonly trailer: TrailerTemplate;
  readonly amountField?: string;
}

/** What checking a file found: how to read it, and that its trailer holds. */
export interface VerifiedFile {
  readonly encoding: FileEncoding;
  readonly layout: ColumnLayout;
  /** Physical line of the trailer; data rows are the non-blank lines between line 1 and it. */
  readonly trailerLine: number;
  readonly dataRows: number;
  readonly rowsDeclared?: number;
}

/** One data row: its physical line (the header is line 1) and either its fields by name or why it cannot be read. */
export type DataRow =
  | { readonly line: number; readonly row: Record<string, string>; readonly problem?: undefined }
  | { readonly line: number; readonly row?: undefined; readonly problem: string };

// A record larger than this is a runaway quote, not a bill line.
const MAX_RECORD_CHARS = 1_000_000;
const AMOUNT = /^\d+(?:\.\d{1,2})?$/;

export async function sha256OfFile(file: string, signal: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { signal })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Header names as departments vary them: full-width brackets (（）), case and surrounding spaces do not count. */
export function normalizeHeaderName(name: string): string {
  return name.normalize('NFKC').trim().toLowerCase();
}

/** Finds every configured field in a header; a missing or twice-present field fails the file. */
export function resolveHeader(header: readonly string[], columns: Readonly<Record<string, readonly string[]>>): ColumnLayout {
  const positions = new Map<string, number[]>();
  header.forEach((name, index) => {
    const key = normalizeHeaderName(name);
    positions.set(key, [...(positions.get(key) ?? []), index]);
  });
  const fields: Array<readonly [string, number]> = [];
  for (const [field, names] of Object.entries(columns)) {
    const found = [...new Set(names.map(normalizeHeaderName))].flatMap((name) => positions.get(name) ?? []).sort((a, b) => a - b);
    if (found.length === 0) throw new BatchFileError(`the header has no column for ${field} (accepted names: ${names.join(', ')})`);
    if (found.length > 1) throw new BatchFileError(`the header has ${found.length} columns for ${field} (columns ${found.map((i) => i + 1).join(', ')})`);
    fields.push([field, found[0]]);
  }
  return { fieldCount: header.length, fields };
}

/** UTF-8 when the first bytes are (a BOM, or valid UTF-8), else GBK; the whole file is checked later. */
async function sniffEncoding(file: string): Promise<FileEncoding> {
  const handle = await open(file, 'r');
  try {
    const { bytesRead, buffer } = await handle.read({ buffer: Buffer.alloc(64 * 1024), position: 0 });
    const head = buffer.subarray(0, bytesRead);
    if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf8';
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
      return 'utf8';
    } catch {
      return 'gbk';
    }
  } finally {
    await handle.close();
  }
}

function isBlankLine(bytes: Buffer): boolean {
  for (const byte of bytes) if (byte !== 0x0d && byte !== 0x0a) return false;
  return true;
}

/**
 * Watches a file's bytes go by: splits them into physical lines (LF never occurs inside a GBK or
 * UTF-8 character), hashes the data region (after the header line, before the trailer line) with
 * MD5, keeps the last non-blank line (the trailer) and, when asked, checks the bytes are UTF-8.
 */
class ByteScan {
  readonly #md5 = createHash('md5');
  #lines = 0;
  #carry: Buffer[] = [];
  // The last non-blank line and the blank lines after it: the trailer, unless another line follows.
  #held: Buffer[] = [];
  #heldLine = 0;
  #utf8: TextDecoder | undefined;
  utf8Valid = true;

  constructor(checkUtf8: boolean) {
    if (checkUtf8) this.#utf8 = new TextDecoder('utf-8', { fatal: true });
  }

  update(chunk: Buffer): void {
    if (this.#utf8 && this.utf8Valid) {
      try {
        this.#utf8.decode(chunk, { stream: true });
      } catch {
        this.utf8Valid = false;
      }
    }
    let start = 0;
    for (let end = chunk.indexOf(0x0a, start); end !== -1; end = chunk.indexOf(0x0a, start)) {
      const piece = chunk.subarray(start, end + 1);
      this.#line(this.#carry.length === 0 ? piece : Buffer.concat([...this.#carry, piece]));
      this.#carry = [];
      start = end + 1;
    }
    if (start < chunk.length) this.#carry.push(chunk.subarray(start));
  }

  end(): void {
    if (this.#carry.length > 0) this.#line(Buffer.concat(this.#carry));
    this.#carry = [];
    if (this.#utf8 && this.utf8Valid) {
      try {
        this.#utf8.decode(); // an incomplete character at the end is not UTF-8 either
      } catch {
        this.utf8Valid = false;
      }
    }
  }

  #line(bytes: Buffer): void {
    this.#lines++;
    if (this.#lines === 1) return; // the header is outside the hashed region
    if (isBlankLine(bytes)) {
      if (this.#held.length > 0) this.#held.push(bytes);
      else this.#md5.update(bytes);
      return;
    }
    for (const held of this.#held) this.#md5.update(held);
    this.#held = [bytes];
    this.#heldLine = this.#lines;
  }

  /** The last non-blank line after the header, with its line number. */
  get trailer(): { line: number; bytes: Buffer } | undefined {
    return this.#heldLine === 0 ? undefined : { line: this.#heldLine, bytes: this.#held[0] };
  }

  get dataMd5(): string {
    return this.#md5.copy().digest('hex');
  }
}

interface CsvLine {
  readonly line: number;
  readonly fields: string[];
}

/**
 * The non-blank CSV records of a file with the physical line each starts on. Line numbers are
 * counted here from the raw records, because csv-parse counts a CRLF inside a quoted field twice.
 */
async function* csvLines(file: string, encoding: FileEncoding, options: ReadOptions & { scan?: ByteScan }): AsyncGenerator<CsvLine> {
  const parser = parse({
    delimiter: options.delimiter,
    raw: true,
    relax_quotes: true,
    relax_column_count: true,
    skip_empty_lines: false,
    max_record_size: MAX_RECORD_CHARS,
  });
  const scan = options.scan;
  const flowing = pipeline(
    createReadStream(file, { signal: options.signal }),
    async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        scan?.update(chunk);
        yield chunk;
      }
      scan?.end();
    },
    iconv.decodeStream(encoding),
    parser,
  );
  flowing.catch(() => {}); // a failure reaches the loop below through the parser
  let nextLine = 1;
  for await (const { record, raw } of parser as AsyncIterable<{ record: string[]; raw: string }>) {
    const line = nextLine;
    let newlines = 0;
    for (let i = raw.indexOf('\n'); i !== -1; i = raw.indexOf('\n', i + 1)) newlines++;
    nextLine += 1 + newlines;
    if (record.length === 1 && record[0] === '') continue;
    yield { line, fields: record };
  }
  await flowing;
}

function yuan(fen: number): string {
  return `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
}

function describeCsvError(error: unknown): string {
  const csv = error as { code?: string; message?: string };
  return csv.code?.startsWith('CSV_') ? `the file is not readable CSV: ${csv.message ?? csv.code}` : '';
}

async function scanFile(file: string, encoding: FileEncoding, checkUtf8: boolean, options: VerifyOptions) {
  const scan = new ByteScan(checkUtf8);
  let layout: ColumnLayout | undefined;
  let held: CsvLine | undefined;
  let dataRows = 0;
  let sumFen = 0;
  let amountIndex: number | undefined;
  // The trailer's sum covers the lines with every field and an amount of the form digits[.d[d]].
  const count = (record: CsvLine): void => {
    dataRows++;
    if (amountIndex === undefined || record.fields.length !== layout!.fieldCount) return;
    const amount = record.fields[amountIndex];
    if (AMOUNT.test(amount)) sumFen += yuanStringToFen(amount);
  };
  try {
    for await (const record of csvLines(file, encoding, { ...options, scan })) {
      if (!layout) {
        layout = resolveHeader(record.fields, options.columns);
        amountIndex = layout.fields.find(([field]) => field === options.amountField)?.[1];
        continue;
      }
      if (held) count(held);
      held = record;
    }
  } catch (error) {
    const csv = describeCsvError(error);
    if (csv) throw new BatchFileError(csv, { cause: error });
    throw error;
  }
  return { scan, layout, trailerRecord: held, dataRows, sumFen };
}

/**
 * Checks a whole file before anything of it is imported: its encoding, its header against
 * `columns`, and its trailer (row count, amount sum, MD5 of the data lines). Throws a
 * {@link BatchFileError} saying what does not hold.
 */
export async function verifyBatchFile(file: string, options: VerifyOptions): Promise<VerifiedFile> {
  let encoding: FileEncoding = options.encoding === 'auto' ? await sniffEncoding(file) : options.encoding;
  let result = await scanFile(file, encoding, encoding === 'utf8', options);
  if (!result.scan.utf8Valid) {
    // Valid UTF-8 at the start, but not throughout: in auto mode that is GBK, read again as such.
    if (options.encoding === 'utf8') throw new BatchFileError('the file is not valid UTF-8');
    encoding = 'gbk';
    result = await scanFile(file, encoding, false, options);
  }
  const { scan, layout, trailerRecord, sumFen } = result;
  if (!layout) throw new BatchFileError('the file is empty');
  const trailer = scan.trailer;
  if (!trailer || !trailerRecord) throw new BatchFileError(`the file has a header and nothing else; it needs a trailer line of the form ${options.trailer.format}`);
  if (trailerRecord.line !== trailer.line) throw new BatchFileError(`the last line (${trailer.line}) is inside a quoted field, so the file has no trailer`);
  const text = iconv.decode(trailer.bytes, encoding).replace(/\r?\n$/, '');
  const match = options.trailer.pattern.exec(text);
  if (!match) throw new BatchFileError(`the last line (${trailer.line}) is not a trailer of the form ${options.trailer.format}; the file may be incomplete`);
  const dataRows = result.dataRows;
  const problems: string[] = [];
  let rowsDeclared: number | undefined;
  options.trailer.checks.forEach((check, i) => {
    const value = match[i + 1];
    if (check === 'rowCount') {
      rowsDeclared = Number(value);
      if (rowsDeclared !== dataRows) problems.push(`the trailer declares ${rowsDeclared} data rows, the file has ${dataRows}`);
    } else if (check === 'amountSum') {
      if (yuanStringToFen(value) !== sumFen) problems.push(`the trailer's amount sum is ${value} yuan, the rows add up to ${yuan(sumFen)} yuan`);
    } else if (value.toLowerCase() !== scan.dataMd5) {
      problems.push(`the trailer's MD5 ${value.toLowerCase()} is not the MD5 of the data lines, ${scan.dataMd5}; the file is damaged or incomplete`);
    }
  });
  if (problems.length > 0) throw new BatchFileError(`trailer mismatch: ${problems.join('; ')}`);
  return { encoding, layout, trailerLine: trailer.line, dataRows, ...(rowsDeclared === undefined ? {} : { rowsDeclared }) };
}

/**
 * The data rows of a verified file after line `afterLine`, in order, each as `{ field: value }`
 * (values trimmed) or with the reason it cannot be read.
 */
export async function* readDataRows(file: string, verified: VerifiedFile, options: ReadOptions & { afterLine: number }): AsyncGenerator<DataRow> {
  const { layout } = verified;
  let header = true;
  for await (const { line, fields } of csvLines(file, verified.encoding, options)) {
    if (header) {
      header = false;
      continue;
    }
    if (line >= verified.trailerLine) return;
    if (line <= options.afterLine) continue;
    if (fields.length !== layout.fieldCount) {
      yield { line, problem: `expected ${layout.fieldCount} fields, found ${fields.length}` };
      continue;
    }
    const row: Record<string, string> = {};
    for (const [field, index] of layout.fields) row[field] = fields[index].trim();
    yield { line, row };
  }
}
