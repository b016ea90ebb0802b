import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BILL_FILE_TRAILER_FORMAT, writeBillFile } from '../../../emulators/departments/water/bill-file.ts';
import { generateBillRows, type WaterBillRow } from '../../../emulators/departments/water/bills.ts';
import { BatchFileError, readDataRows, verifyBatchFile, type VerifyOptions } from './csv.file.ts';
import { compileTrailerFormat } from './csv.options.ts';

const REFERENCE_DATE = new Date('2026-11-25T10:00:00+08:00');
const COLUMNS = { accountNumber: ['户号', 'ACCOUNT_NO'], holderName: ['户名', 'HOLDER_NAME'], amountYuan: ['应缴金额（元）', 'AMOUNT_DUE'], status: ['状态', 'STATUS'] };

function verifyOptions(overrides: Partial<VerifyOptions> = {}): VerifyOptions {
  return {
    encoding: 'auto',
    delimiter: ',',
    columns: COLUMNS,
    trailer: compileTrailerFormat(BILL_FILE_TRAILER_FORMAT),
    amountField: 'amountYuan',
    signal: AbortSignal.timeout(10_000),
    ...overrides,
  };
}

function rows(households: number): WaterBillRow[] {
  return [...generateBillRows('shanghai', '202610', { households, referenceDate: REFERENCE_DATE })];
}

describe('reading a batch file', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'hutong-csv-file-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('matches header names across full-width brackets, and counts physical lines across a quoted line break', async () => {
    const bills = rows(6);
    bills[2] = { ...bills[2], holderName: '王*\r\n明' }; // quoted by the writer; spans lines 4 and 5
    const file = path.join(dir, 'quoted.csv');
    await writeBillFile(file, { rows: bills, encoding: 'gbk' });
    const verified = await verifyBatchFile(file, verifyOptions());
    assert.deepEqual([verified.encoding, verified.dataRows, verified.trailerLine, verified.rowsDeclared], ['gbk', 6, 9, 6]);
    const read = [];
    for await (const row of readDataRows(file, verified, { delimiter: ',', signal: AbortSignal.timeout(10_000), afterLine: 0 })) read.push(row);
    assert.deepEqual(read.map((r) => r.line), [2, 3, 4, 6, 7, 8]);
    assert.deepEqual(read.map((r) => r.row?.accountNumber), bills.map((b) => b.account));
    assert.equal(read[2].row?.holderName, '王*\r\n明');

    const resumed = [];
    for await (const row of readDataRows(file, verified, { delimiter: ',', signal: AbortSignal.timeout(10_000), afterLine: 5 })) resumed.push(row.line);
    assert.deepEqual(resumed, [6, 7, 8]);
  });

  it('reads a file as GBK when it is UTF-8 only at the start, and refuses it when told it is UTF-8', async () => {
    // An English export whose first 80 kB happen to be ASCII; Chinese text comes later.
    const ascii = rows(1600).map((bill, i) => (i < 1500 ? { ...bill, holderName: 'N/A', status: 'PAID' as WaterBillRow['status'] } : bill));
    const file = path.join(dir, 'late-gbk.csv');
    await writeBillFile(file, { rows: ascii, encoding: 'gbk', headerVariant: 'en' });
    assert.ok((await readFile(file)).subarray(0, 80_000).every((byte) => byte < 0x80), 'the start is ASCII, so valid UTF-8');
    const verified = await verifyBatchFile(file, verifyOptions());
    assert.equal(verified.encoding, 'gbk');
    assert.equal(verified.dataRows, 1600);
    await assert.rejects(verifyBatchFile(file, verifyOptions({ encoding: 'utf8' })), (error: unknown) => {
      assert.ok(error instanceof BatchFileError);
      assert.equal(error.message, 'the file is not valid UTF-8');
      return true;
    });
  });

  it('accepts a file without rows, and fails an empty file, a header alone, and a header naming a field twice', async () => {
    const empty = path.join(dir, 'empty.csv');
    await writeBillFile(empty, { rows: [], encoding: 'gbk' });
    const verified = await verifyBatchFile(empty, verifyOptions());
    assert.deepEqual([verified.dataRows, verified.rowsDeclared], [0, 0], 'a header and a trailer with no rows is a valid file');
    await assert.rejects(verifyBatchFile(empty, verifyOptions({ columns: { ...COLUMNS, status: ['状态', 'STATUS', '户名'] } })), /the header has 2 columns for status \(columns 2, 9\)/);

    const nothing = path.join(dir, 'nothing.csv');
    await writeFile(nothing, '');
    await assert.rejects(verifyBatchFile(nothing, verifyOptions()), /^BatchFileError: the file is empty$/);
    const headerOnly = path.join(dir, 'header-only.csv');
    await writeFile(headerOnly, 'ACCOUNT_NO,HOLDER_NAME,AMOUNT_DUE,STATUS\r\n');
    await assert.rejects(verifyBatchFile(headerOnly, verifyOptions()), /has a header and nothing else; it needs a trailer line of the form TRAILER,\{rowCount\}/);
  });
});
