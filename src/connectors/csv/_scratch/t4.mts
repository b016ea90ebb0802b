import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { writeBillFile, BILL_FILE_TRAILER_FORMAT } from '../../../../emulators/departments/water/bill-file.ts';
import { generateBillRows } from '../../../../emulators/departments/water/bills.ts';
import { migrateToLatest } from '../../../store/db.ts';
import { testEngines } from '../../../../test/helpers/stores.ts';
const engine = testEngines().at(-1)!;
import { BatchRecordRepository } from '../../../store/batch-records.repository.ts';
import { csvConnector, CsvOptions } from '../csv.connector.ts';
const dir = await mkdtemp(path.join(os.tmpdir(), 'csvt-'));
const inbox = path.join(dir, 'inbox');
const ref = new Date('2026-11-25T10:00:00+08:00');
let t = performance.now();
const s = await writeBillFile(path.join(inbox, 'WATER_BILL_310000_202610.csv'), { rows: generateBillRows('shanghai', '202610', { households: Number(process.argv[2] ?? 100000), referenceDate: ref }), encoding: 'gbk', malformedLines: [5, 17, 99] });
console.log('write ms', performance.now() - t, s.trailer, s.malformed);
const store = await engine.open();
await migrateToLatest(store);
const repo = new BatchRecordRepository(store.db);
const options = Value.Default(CsvOptions, {
  inbox, recordType: 'Bill', identifierKind: 'utility-account', mapping: path.resolve('config/mappings/water-csv/bill.jsonata'),
  columns: { accountNumber: ['户号'], holderName: ['户名'], period: ['账期'], usage: ['用水量(立方米)'], amountYuan: ['应缴金额(元)'], dueOn: ['缴费截止日'], status: ['状态'] },
  trailer: { format: BILL_FILE_TRAILER_FORMAT, amountField: 'amountYuan' },
}) as CsvOptions;
console.log(Value.Check(CsvOptions, options), [...Value.Errors(CsvOptions, options)].slice(0,2));
const c = csvConnector.create(options, { cityId: 'shanghai', departmentId: 'water-company', timeZone: 'Asia/Shanghai', configDir: process.cwd(), hub: { batchRecords: repo } });
t = performance.now();
const r = await c.synchronize!({ signal: AbortSignal.timeout(120000) });
const ms = performance.now() - t;
console.log('import ms', ms, JSON.stringify(r).slice(0, 600));
console.log(await repo.summarizeRecords('shanghai', 'water-company'));
t = performance.now();
console.log(JSON.stringify(await c.synchronize!({ signal: AbortSignal.timeout(120000) })), performance.now() - t);
await store.close();
