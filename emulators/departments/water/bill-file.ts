/**
 * The water company's nightly bill file, written as the utility's billing system writes it.
 *
 * Format (one file per city per billing month, `WATER_BILL_<region code>_<YYYYMM>.csv`):
 * - encoding GBK (a UTF-8 export, with or without BOM, exists for tests), CRLF line ends;
 * - line 1: the header, Chinese column names in this order:
 *   户号,户名,账期,上期读数,本期读数,用水量(立方米),应缴金额(元),缴费截止日,状态
 * - lines 2…n+1: one bill per line, fields as in {@link WaterBillRow} (no field needs quoting);
 * - line n+2, the last: the trailer `TRAILER,<rowCount>,<amountSum>,<md5>`, where
 *   `rowCount` is the number of data lines (n),
 *   `amountSum` is the sum, yuan with exactly two decimals, of the 应缴金额(元) field over the data
 *   lines that have all 9 fields and an amount of the form `digits[.d[d]]` (others add nothing), and
 *   `md5` is the lowercase hex MD5 of the file's bytes from the first byte after the header's line
 *   end up to the trailer's first byte: every data line as encoded, each with its CRLF.
 *
 * The file is written under a temporary dot-name ending in `.part` and renamed when complete, so a
 * reader never sees half a file under the final name.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import iconv from 'iconv-lite';
import type { WaterBillRow } from './bills.ts';

type BillField = keyof WaterBillRow;

/** Column layouts the utility's exports have used: the Chinese standard one, and an English one in another order. */
export const HEADER_VARIANTS = {
  zh: [
    ['account', '户号'],
    ['holderName', '户名'],
    ['period', '账期'],
    ['previousReading', '上期读数'],
    ['currentReading', '本期读数'],
    ['usage', '用水量(立方米)'],
    ['amountYuan', '应缴金额(元)'],
    ['dueOn', '缴费截止日'],
    ['status', '状态'],
  ],
  en: [
    ['account', 'ACCOUNT_NO'],
    ['period', 'BILL_MONTH'],
    ['holderName', 'HOLDER_NAME'],
    ['amountYuan', 'AMOUNT_DUE'],
    ['usage', 'USAGE_M3'],
    ['previousReading', 'PREV_READING'],
    ['currentReading', 'CURR_READING'],
    ['dueOn', 'DUE_DATE'],
    ['status', 'STATUS'],
  ],
} as const satisfies Record<string, ReadonlyArray<readonly [BillField, string]>>;

export type HeaderVariant = keyof typeof HEADER_VARIANTS;

/** The trailer's layout, in the placeholder syntax of the CSV connector's `trailer.format` option. */
export const BILL_FILE_TRAILER_FORMAT = 'TRAILER,{rowCount},{amountSum},{md5}';

/** How a malformed line is broken; the kinds are used in turn over `malformedLines`. */
export type MalformedKind = 'missing-field' | 'unparseable-amount' | 'impossible-date';
const MALFORMED_KINDS: readonly MalformedKind[] = ['missing-field', 'unparseable-amount', 'impossible-date'];

export interface WriteBillFileOptions {
  readonly rows: Iterable<WaterBillRow>;
  readonly encoding: 'gbk' | 'utf8';
  /** Only with `utf8`: start the file with a byte-order mark, as Windows tools do. */
  readonly bom?: boolean;
  readonly headerVariant?: HeaderVariant;
  /** Physical line numbers (the header is line 1) to break, e.g. a field left out or an amount "52.80元". */
  readonly malformedLines?: readonly number[];
}

export interface BillFileSummary {
  readonly path: string;
  readonly rowCount: number;
  /** Lines in the file, header and trailer included. */
  readonly lineCount: number;
  readonly trailer: string;
  readonly malformed: ReadonlyArray<{ readonly line: number; readonly kind: MalformedKind }>;
}

/** The file name the utility gives a city's bills of one month. */
export function billFileName(regionCode: string, period: string): string {
  return `WATER_BILL_${regionCode}_${period}.csv`;
}

const AMOUNT = /^\d+(?:\.\d{1,2})?$/;

function amountFen(text: string): number {
  const [whole, fraction = ''] = text.split('.');
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function fieldText(row: WaterBillRow, field: BillField): string {
  return String(row[field]);
}

/** The fields of one line, broken the requested way. */
function lineFields(row: WaterBillRow, variant: HeaderVariant, kind: MalformedKind | undefined): string[] {
  const fields: string[] = [];
  for (const [field] of HEADER_VARIANTS[variant]) {
    if (kind === 'missing-field' && field === 'holderName') continue;
    let text = fieldText(row, field);
    if (kind === 'unparseable-amount' && field === 'amountYuan') text = `${text}元`;
    if (kind === 'impossible-date' && field === 'dueOn') text = `${text.slice(0, 6)}32`;
    fields.push(text);
  }
  return fields;
}

const LINES_PER_CHUNK = 1000;

/**
 * Writes a bill file at `file` (atomically: a `.part` temp name, then a rename) and returns what it
 * wrote, including the trailer and which lines it broke.
 *
 * @example
 *   await writeBillFile('/tmp/WATER_BILL_310000_202610.csv', {
 *     rows: generateBillRows('shanghai', '202610', { referenceDate }), encoding: 'gbk', malformedLines: [17],
 *   })
 */
export async function writeBillFile(file: string, options: WriteBillFileOptions): Promise<BillFileSummary> {
  const variant = options.headerVariant ?? 'zh';
  const encode = (text: string): Buffer => (options.encoding === 'gbk' ? iconv.encode(text, 'gbk') : Buffer.from(text, 'utf8'));
  const broken = [...new Set(options.malformedLines ?? [])].sort((a, b) => a - b);
  const kindOf = new Map(broken.map((line, i) => [line, MALFORMED_KINDS[i % MALFORMED_KINDS.length]]));
  const columnCount = HEADER_VARIANTS[variant].length;
  const amountIndex = HEADER_VARIANTS[variant].findIndex(([field]) => field === 'amountYuan');

  await mkdir(path.dirname(file), { recursive: true });
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.part`);
  const out = createWriteStream(temp);
  const failed = once(out, 'error').then(([error]) => Promise.reject(error as Error));
  failed.catch(() => {});
  const write = async (bytes: Buffer): Promise<void> => {
    if (!out.write(bytes)) await Promise.race([once(out, 'drain'), failed]);
  };

  try {
    const header = HEADER_VARIANTS[variant].map(([, name]) => name).join(',');
    await write(Buffer.concat([options.encoding === 'utf8' && options.bom ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0), encode(`${header}\r\n`)]));
    const md5 = createHash('md5');
    let line = 1;
    let sumFen = 0;
    let chunk: string[] = [];
    const flush = async (): Promise<void> => {
      if (chunk.length === 0) return;
      const bytes = encode(chunk.join(''));
      chunk = [];
      md5.update(bytes);
      await write(bytes);
    };
    for (const row of options.rows) {
      line++;
      const fields = lineFields(row, variant, kindOf.get(line));
      if (fields.length === columnCount && AMOUNT.test(fields[amountIndex])) sumFen += amountFen(fields[amountIndex]);
      chunk.push(`${fields.map(csvField).join(',')}\r\n`);
      if (chunk.length === LINES_PER_CHUNK) await flush();
    }
    await flush();
    const rowCount = line - 1;
    const outside = broken.filter((n) => n < 2 || n > line);
    if (outside.length > 0) throw new RangeError(`malformedLines ${outside.join(', ')} are not data lines (2…${line})`);
    const trailer = `TRAILER,${rowCount},${Math.floor(sumFen / 100)}.${String(sumFen % 100).padStart(2, '0')},${md5.digest('hex')}`;
    await write(encode(`${trailer}\r\n`));
    out.end();
    await Promise.race([once(out, 'close'), failed]);
    await rename(temp, file);
    return { path: file, rowCount, lineCount: line + 1, trailer, malformed: broken.map((n) => ({ line: n, kind: kindOf.get(n)! })) };
  } catch (error) {
    out.destroy();
    await rm(temp, { force: true });
    throw error;
  }
}
