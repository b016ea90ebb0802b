/**
 * Payments taken back as a file: each payment is a line of the day's payment file in the outbox,
 * in the encoding and with the trailer of the department's bill files. A file is rewritten whole
 * (a temp name, then a rename) so the department never reads half of it, one writer at a time per
 * file in this process, and a reference already in the file is never written again.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import { hutongError, isHutongError } from '../../errors.ts';
import { yuanStringToFen } from '../../model/identifiers.ts';
import type { ConnectorContext, PaymentRecord } from '../connector.ts';
import { compileMapping, type Mapping } from '../mapping.ts';
import { localDateTime, paymentInput } from '../payment-input.ts';
import { compileTrailerFormat, type CsvPaymentOptions, type TrailerTemplate } from './csv.options.ts';

const AMOUNT = /^\d+(?:\.\d{1,2})?$/;

/** Where a payment's line is: the department's reference for it until it sends its own. */
export interface PaymentLine {
  readonly file: string;
  readonly line: number;
}

/** One writer at a time per payment file in this process, whichever connector instance writes it. */
const FILE_QUEUES = new Map<string, Promise<unknown>>();

function serialized<T>(file: string, task: () => Promise<T>): Promise<T> {
  const run = (FILE_QUEUES.get(file) ?? Promise.resolve()).then(task);
  const tail = run.catch(() => {});
  FILE_QUEUES.set(file, tail);
  void tail.then(() => {
    if (FILE_QUEUES.get(file) === tail) FILE_QUEUES.delete(file);
  });
  return run;
}

function yuan(fen: number): string {
  return `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
}

/** A field as CSV writes it: quoted when it holds the delimiter or a quote; line breaks become spaces, one payment being one line. */
function csvField(value: string, delimiter: string): string {
  const flat = value.replace(/[\r\n]+/g, ' ');
  return flat.includes(delimiter) || flat.includes('"') ? `"${flat.replaceAll('"', '""')}"` : flat;
}

function renderTrailer(format: string, values: { rowCount: number; amountSum: string; md5: string }): string {
  return format.replace('{rowCount}', String(values.rowCount)).replace('{amountSum}', values.amountSum).replace('{md5}', values.md5);
}

/** An existing payment file split as written: the header line, the data lines' bytes, and the values of the data lines. */
interface ExistingFile {
  readonly header: string;
  readonly data: Buffer;
  readonly rows: string[][];
}

export interface PaymentFileWriter {
  /** The file a payment belongs in: the outbox file of its date in the city's zone. */
  fileFor(payment: PaymentRecord): string;
  /**
   * Writes the payment's line unless its reference is in the file already; either way resolves
   * with where the line is. `beforeAppend` runs, in the file's turn, only when the line is new;
   * it may reject to refuse the payment.
   */
  write(payment: PaymentRecord, signal: AbortSignal, beforeAppend: () => Promise<void>): Promise<PaymentLine & { readonly appended: boolean }>;
}

/**
 * The writer of a department's payment files.
 *
 * @example
 *   const writer = createPaymentFileWriter(options.payments, context, ',')
 *   await writer.write(payment, signal, async () => {}) // { file: 'WATER_PAY_310000_20261101.csv', line: 2, appended: true }
 */
export function createPaymentFileWriter(options: CsvPaymentOptions, context: ConnectorContext, delimiter: string): PaymentFileWriter {
  const where = `${context.cityId}/${context.departmentId}`;
  const encoding = options.encoding ?? 'gbk';
  const encode = (text: string): Buffer => iconv.encode(text, encoding);
  const columns: Array<{ header: string; value: Mapping }> = options.columns.map((column) => ({ header: column.header, value: compileMapping(column.value, context) }));
  const headerLine = options.columns.map((column) => csvField(column.header, delimiter)).join(delimiter);
  const referenceIndex = options.columns.findIndex((column) => column.header === options.referenceColumn);
  const amountIndex = options.trailer.amountColumn === undefined ? -1 : options.columns.findIndex((column) => column.header === options.trailer.amountColumn);
  const trailer: TrailerTemplate = compileTrailerFormat(options.trailer.format);

  const damaged = (name: string, why: string): Error =>
    hutongError('HUTONG_ERR_DEPARTMENT_FAULT', `${where}: the payment file ${name} ${why}; nothing is appended to it until it is repaired`);

  const amountSumOf = (rows: readonly string[][]): string => {
    let fen = 0;
    for (const row of rows) {
      const amount = amountIndex < 0 ? undefined : row[amountIndex]?.trim();
      if (amount !== undefined && AMOUNT.test(amount)) fen += yuanStringToFen(amount);
    }
    return yuan(fen);
  };

  /** Reads and checks a payment file written before; undefined when there is none yet. */
  const readExisting = async (file: string): Promise<ExistingFile | undefined> => {
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const name = path.basename(file);
    const headerEnd = bytes.indexOf(0x0a);
    // The trailer is the last line; the file ends with its line break.
    const trailerStart = bytes.lastIndexOf(0x0a, bytes.length - 2) + 1;
    if (headerEnd < 0 || bytes.at(-1) !== 0x0a || trailerStart <= headerEnd) throw damaged(name, 'has no header and trailer lines');
    const header = iconv.decode(bytes.subarray(0, headerEnd + 1), encoding).replace(/\r?\n$/, '');
    if (header !== headerLine) throw damaged(name, `has another header (${header.slice(0, 120)})`);
    const data = bytes.subarray(headerEnd + 1, trailerStart);
    const rows = parse(iconv.decode(data, encoding), { delimiter, relax_column_count: true, skip_empty_lines: true }) as string[][];
    const match = trailer.pattern.exec(iconv.decode(bytes.subarray(trailerStart), encoding).replace(/\r?\n$/, ''));
    if (!match) throw damaged(name, `does not end with a trailer of the form ${options.trailer.format}`);
    const expected = { rowCount: String(rows.length), amountSum: amountSumOf(rows), md5: createHash('md5').update(data).digest('hex') };
    trailer.checks.forEach((check, i) => {
      const value = check === 'md5' ? match[i + 1].toLowerCase() : check === 'amountSum' ? yuan(yuanStringToFen(match[i + 1])) : match[i + 1];
      if (value !== expected[check]) throw damaged(name, `has a trailer whose ${check} is ${match[i + 1]}, not ${expected[check]}`);
    });
    return { header, data, rows };
  };

  /** Writes the whole file under a temp name, flushed to disk, then renames it into place. */
  const replaceFile = async (file: string, content: Buffer): Promise<void> => {
    const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.part`);
    try {
      const handle = await open(temp, 'wx');
      try {
        await handle.writeFile(content);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, file);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  };

  const fileFor = (payment: PaymentRecord): string => {
    const date = localDateTime(payment.paidAt, context.timeZone).slice(0, 10).replaceAll('-', '');
    return path.join(options.outbox, options.fileName.replace('{date}', date));
  };

  return {
    fileFor,
    async write(payment, signal, beforeAppend) {
      const file = fileFor(payment);
      const name = path.basename(file);
      const input = paymentInput(payment, context);
      const values: string[] = [];
      for (const column of columns) {
        let value: unknown;
        try {
          value = await column.value.evaluate({ ...input });
        } catch (error) {
          throw hutongError('HUTONG_ERR_DEPARTMENT_MAPPING', `${where}: the payment column ${column.header} failed: ${(error as Error).message}`, { cause: error });
        }
        values.push(value === undefined || value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value));
      }
      if (values[referenceIndex] !== payment.paymentReference) {
        throw hutongError('HUTONG_ERR_DEPARTMENT_MAPPING', `${where}: the payment column ${options.referenceColumn} must be the paymentReference`);
      }
      return serialized(file, async () => {
        if (signal.aborted) throw hutongError('HUTONG_ERR_DEPARTMENT_TIMEOUT', `${where}: the payment was not written in time`, { cause: signal.reason });
        try {
          const existing = await readExisting(file);
          const found = existing?.rows.findIndex((row) => row[referenceIndex]?.trim() === payment.paymentReference) ?? -1;
          // The header is line 1, and every payment is one line.
          if (found >= 0) return { file: name, line: found + 2, appended: false };
          await beforeAppend();
          if (signal.aborted) throw hutongError('HUTONG_ERR_DEPARTMENT_TIMEOUT', `${where}: the payment was not written in time`, { cause: signal.reason });
          const rows = [...(existing?.rows ?? []), values];
          const data = Buffer.concat([existing?.data ?? Buffer.alloc(0), encode(`${values.map((v) => csvField(v, delimiter)).join(delimiter)}\r\n`)]);
          const trailerLine = renderTrailer(options.trailer.format, { rowCount: rows.length, amountSum: amountSumOf(rows), md5: createHash('md5').update(data).digest('hex') });
          await mkdir(options.outbox, { recursive: true });
          await replaceFile(file, Buffer.concat([encode(`${headerLine}\r\n`), data, encode(`${trailerLine}\r\n`)]));
          return { file: name, line: rows.length + 1, appended: true };
        } catch (error) {
          if (isHutongError(error)) throw error;
          throw hutongError('HUTONG_ERR_DEPARTMENT_FAULT', `${where}: cannot write the payment file ${name}: ${(error as Error).message}`, { cause: error });
        }
      });
    },
  };
}
