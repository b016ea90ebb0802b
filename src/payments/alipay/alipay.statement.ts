/**
 * Reading Alipay's daily trade statement (`bill_type=trade`): the download is a ZIP holding GBK CSV
 * files, the details (`…_业务明细.csv`) and a summary (`…_业务明细(汇总).csv`). The details file has
 * `#` header and summary lines around one CSV table whose columns are named in Chinese; long numbers
 * carry a trailing tab. No zip package is installed, so the archive is read here (stored or deflated
 * entries, no ZIP64), with every entry's CRC-32 checked.
 */
import { crc32, inflateRawSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import type { StatementLine } from '../provider.ts';

const MAX_ENTRY_BYTES = 256 * 1024 * 1024;

interface ZipFile {
  readonly name: string;
  readonly data: Buffer;
}

/** The files of a ZIP archive; throws on anything it cannot read faithfully. */
export function readZip(zip: Buffer): ZipFile[] {
  const endAt = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (endAt < 0 || endAt + 22 > zip.length) throw new Error('not a ZIP archive');
  const count = zip.readUInt16LE(endAt + 10);
  let at = zip.readUInt32LE(endAt + 16);
  const files: ZipFile[] = [];
  for (let index = 0; index < count; index += 1) {
    if (at + 46 > zip.length || zip.readUInt32LE(at) !== 0x02014b50) throw new Error('broken ZIP central directory');
    const flags = zip.readUInt16LE(at + 8);
    const method = zip.readUInt16LE(at + 10);
    const checksum = zip.readUInt32LE(at + 16);
    const compressedSize = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localAt = zip.readUInt32LE(at + 42);
    const rawName = zip.subarray(at + 46, at + 46 + nameLength);
    // Bit 11 marks UTF-8 names; Alipay writes its names in GBK without it.
    const name = flags & 0x800 ? rawName.toString('utf8') : iconv.decode(rawName, 'gbk');
    if (flags & 0x1) throw new Error('encrypted ZIP entry');
    if (localAt + 30 > zip.length || zip.readUInt32LE(localAt) !== 0x04034b50) throw new Error('broken ZIP entry');
    const dataAt = localAt + 30 + zip.readUInt16LE(localAt + 26) + zip.readUInt16LE(localAt + 28);
    const stored = zip.subarray(dataAt, dataAt + compressedSize);
    if (stored.length !== compressedSize || size > MAX_ENTRY_BYTES) throw new Error('truncated or oversized ZIP entry');
    let data: Buffer;
    if (method === 0) data = stored;
    else if (method === 8) data = inflateRawSync(stored, { maxOutputLength: MAX_ENTRY_BYTES });
    else throw new Error(`unsupported ZIP compression method ${method}`);
    if (data.length !== size || crc32(data) !== checksum) throw new Error('ZIP entry fails its CRC-32 check');
    files.push({ name, data });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return files;
}

/** Integer fen from a yuan amount with up to two decimals, sign allowed. */
export function fenFromYuan(value: string): number | undefined {
  const match = /^(-?)(\d{1,12})(?:\.(\d{1,2}))?$/.exec(value.trim());
  if (!match) return undefined;
  const fen = Number(match[2]) * 100 + Number((match[3] ?? '').padEnd(2, '0'));
  return match[1] === '-' ? -fen : fen;
}

/** A China-time `yyyy-MM-dd HH:mm:ss` as an instant. */
export function fromChinaDateTime(value: string): Date | undefined {
  const match = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})/.exec(value.trim());
  if (!match) return undefined;
  const at = new Date(`${match[1]}T${match[2]}+08:00`);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

const COLUMN = {
  tradeNo: '支付宝交易号',
  outTradeNo: '商户订单号',
  type: '业务类型',
  createdAt: '创建时间',
  finishedAt: '完成时间',
  amount: '订单金额（元）',
  refundNo: '退款批次号/请求号',
} as const;

/**
 * The payment and refund lines of a trade statement archive. Other business types (if Alipay ever
 * lists any) are left out; refunds are listed with negative amounts and become positive fen here.
 *
 * @example
 *   const lines = parseTradeStatement(zipBytes)
 */
export function parseTradeStatement(zip: Buffer): StatementLine[] {
  const details = readZip(zip).find((file) => file.name.endsWith('.csv') && !file.name.includes('汇总'));
  if (!details) throw new Error('the statement archive has no detail file');
  const table = iconv
    .decode(details.data, 'gbk')
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .join('\n');
  const rows = parse(table, { relax_column_count: true, trim: true }) as string[][];
  const [header, ...records] = rows;
  if (!header) throw new Error('the statement has no table');
  const index = Object.fromEntries(Object.entries(COLUMN).map(([key, name]) => [key, header.indexOf(name)])) as Record<keyof typeof COLUMN, number>;
  for (const [key, at] of Object.entries(index)) {
    if (at < 0) throw new Error(`the statement has no column ${COLUMN[key as keyof typeof COLUMN]}`);
  }
  const lines: StatementLine[] = [];
  for (const record of records) {
    const cell = (key: keyof typeof COLUMN): string => (record[index[key]] ?? '').trim();
    const kind = cell('type') === '交易' ? 'payment' : cell('type') === '退款' ? 'refund' : undefined;
    if (!kind) continue;
    const fen = fenFromYuan(cell('amount'));
    const at = fromChinaDateTime(cell('finishedAt')) ?? fromChinaDateTime(cell('createdAt'));
    if (fen === undefined || !at || !cell('tradeNo') || !cell('outTradeNo')) throw new Error('a statement line cannot be read');
    lines.push({
      kind,
      outTradeNo: cell('outTradeNo'),
      ...(kind === 'refund' && cell('refundNo') ? { outRefundNo: cell('refundNo') } : {}),
      providerTradeNo: cell('tradeNo'),
      amountFen: Math.abs(fen),
      at,
    });
  }
  return lines;
}
