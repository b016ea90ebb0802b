/**
 * The payment files the water company takes back from payment platforms, read as its billing
 * system reads them.
 *
 * Format (one file per city per payment day, `WATER_PAY_<region code>_<yyyyMMdd>.csv`, dropped in
 * `<dropDir>/<city>/water-company/outbox/`), in the style of the bill files:
 * - encoding GBK, CRLF line ends;
 * - line 1: a header naming at least these columns, in any order:
 *   缴费流水号 (the platform's reference), 户号, 账期 (YYYYMM), 缴费金额(元), 缴费时间 (yyyy-MM-dd HH:mm:ss), 缴费渠道;
 * - one payment per line;
 * - the last line: the trailer `TRAILER,<rowCount>,<amountSum>,<md5>` over the data lines, computed as
 *   for the bill files (amountSum adds 缴费金额(元)).
 *
 * A file whose trailer does not hold is not read at all (it may be half written). A reference seen
 * before, in the same file or an earlier one, is the same payment again and counts once.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';

/** The columns the company reads, by its header names. */
export const PAYMENT_FILE_COLUMNS = {
  reference: '缴费流水号',
  account: '户号',
  period: '账期',
  amountYuan: '缴费金额(元)',
  paidAt: '缴费时间',
  channel: '缴费渠道',
} as const;

export const PAYMENT_FILE_TRAILER = /^TRAILER,(\d+),(\d+(?:\.\d{1,2})?),([0-9a-f]{32})$/i;

/** The name of a city's payment file of one day (`yyyyMMdd`). */
export function paymentFileName(regionCode: string, date: string): string {
  return `WATER_PAY_${regionCode}_${date}.csv`;
}

/** One payment as the company takes it in. */
export interface CollectedPayment {
  readonly reference: string;
  readonly account: string;
  /** 账期 `YYYYMM`. */
  readonly period: string;
  readonly amountFen: number;
  readonly paidAt: string;
  readonly channel: string;
  readonly file: string;
  readonly line: number;
}

export interface PaymentCollection {
  /** Every payment once, in file and line order. */
  readonly payments: readonly CollectedPayment[];
  /** Lines whose reference was seen before: the same payment sent again. */
  readonly duplicates: number;
  readonly rejectedFiles: ReadonlyArray<{ readonly file: string; readonly reason: string }>;
  readonly rejectedLines: ReadonlyArray<{ readonly file: string; readonly line: number; readonly reason: string }>;
}

const AMOUNT = /^\d+(?:\.\d{1,2})?$/;

function fenOf(yuan: string): number {
  const [whole, fraction = ''] = yuan.split('.');
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
}

/** The lines of one file, or why the file cannot be taken. */
function readPaymentFile(bytes: Buffer): { header: string[]; rows: string[][] } | { reason: string } {
  if (bytes.length === 0 || bytes.at(-1) !== 0x0a) return { reason: 'the file does not end with a line break' };
  const headerEnd = bytes.indexOf(0x0a);
  const trailerStart = bytes.lastIndexOf(0x0a, bytes.length - 2) + 1;
  if (trailerStart <= headerEnd) return { reason: 'the file has no trailer' };
  const data = bytes.subarray(headerEnd + 1, trailerStart);
  const trailer = PAYMENT_FILE_TRAILER.exec(iconv.decode(bytes.subarray(trailerStart), 'gbk').trimEnd());
  if (!trailer) return { reason: 'the last line is not a trailer' };
  const [header] = parse(iconv.decode(bytes.subarray(0, headerEnd + 1), 'gbk'), { relax_column_count: true }) as string[][];
  const rows = parse(iconv.decode(data, 'gbk'), { relax_column_count: true, skip_empty_lines: true }) as string[][];
  const amountIndex = header!.indexOf(PAYMENT_FILE_COLUMNS.amountYuan);
  const sumFen = rows.reduce((sum, row) => sum + (AMOUNT.test(row[amountIndex] ?? '') ? fenOf(row[amountIndex]!) : 0), 0);
  if (Number(trailer[1]) !== rows.length) return { reason: `the trailer declares ${trailer[1]} lines, the file has ${rows.length}` };
  if (fenOf(trailer[2]!) !== sumFen) return { reason: `the trailer's amount sum ${trailer[2]} is not the sum of the lines` };
  if (trailer[3]!.toLowerCase() !== createHash('md5').update(data).digest('hex')) return { reason: "the trailer's MD5 is not that of the lines" };
  return { header: header!, rows };
}

/**
 * Every payment in the city's payment files in `outbox`, each reference once.
 *
 * @example
 *   const { payments } = await collectedPayments(waterOutboxFolder(dropDir, 'shanghai'), '310000')
 */
export async function collectedPayments(outbox: string, regionCode: string): Promise<PaymentCollection> {
  let names: string[];
  try {
    names = (await readdir(outbox)).filter((name) => new RegExp(`^WATER_PAY_${regionCode}_\\d{8}\\.csv$`).test(name)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { payments: [], duplicates: 0, rejectedFiles: [], rejectedLines: [] };
    throw error;
  }
  const seen = new Set<string>();
  const payments: CollectedPayment[] = [];
  const rejectedFiles: Array<{ file: string; reason: string }> = [];
  const rejectedLines: Array<{ file: string; line: number; reason: string }> = [];
  let duplicates = 0;
  for (const file of names) {
    const read = readPaymentFile(await readFile(path.join(outbox, file)));
    if ('reason' in read) {
      rejectedFiles.push({ file, reason: read.reason });
      continue;
    }
    const index = Object.fromEntries(Object.entries(PAYMENT_FILE_COLUMNS).map(([field, name]) => [field, read.header.indexOf(name)])) as Record<keyof typeof PAYMENT_FILE_COLUMNS, number>;
    const missing = Object.entries(index).filter(([, i]) => i < 0).map(([field]) => PAYMENT_FILE_COLUMNS[field as keyof typeof PAYMENT_FILE_COLUMNS]);
    if (missing.length > 0) {
      rejectedFiles.push({ file, reason: `the header lacks ${missing.join(', ')}` });
      continue;
    }
    read.rows.forEach((row, i) => {
      const line = i + 2;
      const field = (name: keyof typeof PAYMENT_FILE_COLUMNS): string => (row[index[name]] ?? '').trim();
      const amount = field('amountYuan');
      if (row.length !== read.header.length || field('reference') === '' || !/^\d{10}$/.test(field('account')) || !/^\d{6}$/.test(field('period')) || !AMOUNT.test(amount)) {
        rejectedLines.push({ file, line, reason: 'a field is missing or malformed' });
        return;
      }
      if (seen.has(field('reference'))) {
        duplicates++;
        return;
      }
      seen.add(field('reference'));
      payments.push({
        reference: field('reference'),
        account: field('account'),
        period: field('period'),
        amountFen: fenOf(amount),
        paidAt: field('paidAt'),
        channel: field('channel'),
        file,
        line,
      });
    });
  }
  return { payments, duplicates, rejectedFiles, rejectedLines };
}
