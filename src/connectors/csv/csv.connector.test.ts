import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import iconv from 'iconv-lite';
import { startEmulators, type RunningEmulators } from '../../../emulators/index.ts';
import { BILL_FILE_TRAILER_FORMAT, billFileName, writeBillFile } from '../../../emulators/departments/water/bill-file.ts';
import { deterministicWaterAccount, generateBillRows, waterBill, type WaterBalance } from '../../../emulators/departments/water/bills.ts';
import { waterDropFolder } from '../../../emulators/departments/water/server.ts';
import { testEngines } from '../../../test/helpers/stores.ts';
import { isHutongError, type ErrorCode } from '../../errors.ts';
import '../../model/formats.ts';
import { Bill } from '../../model/records.ts';
import { BatchRecordRepository } from '../../store/batch-records.repository.ts';
import { migrateToLatest, type Store } from '../../store/db.ts';
import type { Connector, ConnectorContext } from '../connector.ts';
import type { BatchRecordStore } from './batch-records.ts';
import { CsvOptions, csvConnector } from './csv.connector.ts';
import { printedNameAgrees } from './holder-name.ts';
import { demoResident } from '../../../emulators/population.ts';

const REFERENCE_DATE = new Date('2026-11-25T10:00:00+08:00');
const CONFIG_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../config/cities');
// The same columns, trailer and mapping as the water-company block of the city YAML.
const COLUMNS = {
  accountNumber: ['户号', 'ACCOUNT_NO'],
  holderName: ['户名', 'HOLDER_NAME'],
  period: ['账期', 'BILL_MONTH'],
  previousReading: ['上期读数', 'PREV_READING'],
  currentReading: ['本期读数', 'CURR_READING'],
  usage: ['用水量(立方米)', 'USAGE_M3'],
  amountYuan: ['应缴金额(元)', 'AMOUNT_DUE'],
  dueOn: ['缴费截止日', 'DUE_DATE'],
  status: ['状态', 'STATUS'],
};
const MAPPING = '../mappings/water-csv/bill.jsonata';
const STATUS = { 未缴: 'unpaid', 已缴: 'paid', 逾期: 'overdue' } as const;

function options(inbox: string, overrides: Record<string, unknown> = {}): CsvOptions {
  const raw = {
    inbox,
    recordType: 'Bill',
    columns: COLUMNS,
    trailer: { format: BILL_FILE_TRAILER_FORMAT, amountField: 'amountYuan' },
    mapping: MAPPING,
    identifierKind: 'utility-account',
    ...overrides,
  };
  const withDefaults = Value.Default(CsvOptions, structuredClone(raw)) as CsvOptions;
  assert.ok(Value.Check(CsvOptions, withDefaults), JSON.stringify([...Value.Errors(CsvOptions, withDefaults)][0]));
  return withDefaults;
}

function context(departmentId: string, batchRecords?: BatchRecordStore): ConnectorContext {
  return { cityId: 'shanghai', departmentId, timeZone: 'Asia/Shanghai', configDir: CONFIG_DIR, ...(batchRecords ? { hub: { batchRecords } } : {}) };
}

function rows(households: number, period = '202610') {
  return generateBillRows('shanghai', period, { households, referenceDate: REFERENCE_DATE });
}

const sync = (connector: Connector, signal: AbortSignal = AbortSignal.timeout(120_000)) => connector.synchronize!({ signal });

async function expectCode(promise: Promise<unknown>, code: ErrorCode, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isHutongError(error), `expected a HutongError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (message) assert.match(error.message, message);
    return true;
  });
}

/** The Bill the mapping should make of household n's row, computed from the generator without JSONata. */
function expectedBill(departmentId: string, n: number, period = '202610'): Bill {
  const row = waterBill('shanghai', n, period, REFERENCE_DATE);
  return {
    id: `${row.account}-${period.slice(0, 4)}-${period.slice(4)}`,
    cityId: 'shanghai',
    departmentId,
    utility: 'water',
    accountNumber: row.account,
    period: `${period.slice(0, 4)}-${period.slice(4)}`,
    usage: row.usage,
    unit: 'm3',
    amountFen: Math.round(Number(row.amountYuan) * 100),
    dueOn: `${row.dueOn.slice(0, 4)}-${row.dueOn.slice(4, 6)}-${row.dueOn.slice(6)}`,
    status: STATUS[row.status],
  };
}

function plain(records: unknown[]): unknown[] {
  return records.map((record) => ({ ...(record as object) }));
}

for (const engine of testEngines()) {
  describe(`csv connector on ${engine.name}`, () => {
    let store: Store;
    let repository: BatchRecordRepository;
    let root: string;
    const inboxOf = (name: string): string => path.join(root, name, 'inbox');

    before(async () => {
      store = await engine.open();
      await migrateToLatest(store);
      repository = new BatchRecordRepository(store.db);
      root = await mkdtemp(path.join(os.tmpdir(), 'hutong-csv-'));
    });
    after(async () => {
      await store.close();
      await rm(root, { recursive: true, force: true });
    });

    it('imports a 100,000-line GBK file in batches, and importing it again changes nothing', async () => {
      const inbox = inboxOf('large');
      const written = await writeBillFile(path.join(inbox, billFileName('310000', '202610')), { rows: rows(99_998), encoding: 'gbk' });
      assert.equal(written.lineCount, 100_000);
      const connector = csvConnector.create(options(inbox), context('water-large', repository));

      const started = performance.now();
      const report = await sync(connector);
      const seconds = (performance.now() - started) / 1000;
      console.log(`[${engine.name}] imported ${written.rowCount} rows (${written.lineCount} lines, GBK) in ${seconds.toFixed(1)} s: ${Math.round(written.rowCount / seconds)} rows/s`);
      assert.deepEqual(report, { files: [{ file: 'WATER_BILL_310000_202610.csv', status: 'imported', linesImported: 99_998, linesRejected: [] }] });
      const imported = await repository.summarizeRecords('shanghai', 'water-large');
      assert.equal(imported.count, 99_998);

      const again = await sync(connector);
      assert.deepEqual(again.files.map((f) => [f.file, f.status, f.linesImported]), [['WATER_BILL_310000_202610.csv', 'already-imported', 0]]);
      assert.deepEqual(await repository.summarizeRecords('shanghai', 'water-large'), imported);

      // The utility sends the same file again under another name: the same content, the same import.
      await copyFile(path.join(inbox, 'WATER_BILL_310000_202610.csv'), path.join(inbox, 'WATER_BILL_310000_202610_RESEND.csv'));
      const resent = await sync(connector);
      assert.deepEqual(resent.files.map((f) => [f.file, f.status]), [
        ['WATER_BILL_310000_202610.csv', 'already-imported'],
        ['WATER_BILL_310000_202610_RESEND.csv', 'already-imported'],
      ]);
      assert.deepEqual(await repository.summarizeRecords('shanghai', 'water-large'), imported);

      for (const n of [1, 200, 99_998]) {
        const records = await connector.fetchRecords({ recordType: 'Bill', identifier: { kind: 'utility-account', value: deterministicWaterAccount('shanghai', n) } }, { signal: AbortSignal.timeout(5000) });
        assert.deepEqual(plain(records), [expectedBill('water-large', n)]);
      }
    });

    it('rejects exactly the malformed lines, by line number and reason, and imports the rest', async () => {
      const inbox = inboxOf('malformed');
      await writeBillFile(path.join(inbox, billFileName('310000', '202610')), { rows: rows(1200), encoding: 'gbk', malformedLines: [7, 600, 1201] });
      // Files still being written, and other files, are not read.
      await writeFile(path.join(inbox, '.WATER_BILL_310000_202611.csv.4242.part'), 'half a file');
      await writeFile(path.join(inbox, 'WATER_BILL_310000_202611.csv.tmp'), 'half a file');
      await writeFile(path.join(inbox, 'README.txt'), 'not a bill file');
      const connector = csvConnector.create(options(inbox), context('water-malformed', repository));

      const report = await sync(connector);
      assert.equal(report.files.length, 1);
      const [file] = report.files;
      assert.equal(file.status, 'imported');
      assert.equal(file.linesImported, 1197);
      assert.deepEqual(file.linesRejected.map((r) => r.line), [7, 600, 1201]);
      assert.match(file.linesRejected[0].reason, /expected 9 fields, found 8/);
      assert.match(file.linesRejected[1].reason, /yuanToFen.*yuan amount/);
      assert.match(file.linesRejected[2].reason, /not a valid Bill: \/dueOn/);
      assert.equal((await repository.summarizeRecords('shanghai', 'water-malformed')).count, 1197);

      const fetch = (n: number) =>
        connector.fetchRecords({ recordType: 'Bill', identifier: { kind: 'utility-account', value: deterministicWaterAccount('shanghai', n) } }, { signal: AbortSignal.timeout(5000) });
      // Line k holds household k − 1.
      for (const broken of [6, 599, 1200]) assert.deepEqual(await fetch(broken), [], `household ${broken} was on a broken line`);
      for (const whole of [5, 7, 1199]) assert.deepEqual(plain(await fetch(whole)), [expectedBill('water-malformed', whole)]);
    });

    it('imports the English header variant and UTF-8 files to the same records as the GBK file', async () => {
      const inbox = inboxOf('variants');
      const connector = csvConnector.create(options(inbox), context('water-variants', repository));
      await writeBillFile(path.join(inbox, 'WATER_BILL_310000_202610.csv'), { rows: rows(600), encoding: 'gbk' });
      const first = await sync(connector);
      const imported = await repository.summarizeRecords('shanghai', 'water-variants');
      assert.equal(imported.count, 600);

      // The same bills in other bytes: new files to import, and not one record differs.
      await writeBillFile(path.join(inbox, 'WATER_BILL_310000_202610_EN.csv'), { rows: rows(600), encoding: 'gbk', headerVariant: 'en' });
      await writeBillFile(path.join(inbox, 'WATER_BILL_310000_202610_UTF8.csv'), { rows: rows(600), encoding: 'utf8' });
      await writeBillFile(path.join(inbox, 'WATER_BILL_310000_202610_UTF8_BOM_EN.csv'), { rows: rows(600), encoding: 'utf8', bom: true, headerVariant: 'en' });
      const variants = await sync(connector);
      assert.deepEqual(
        variants.files.map((f) => [f.file, f.status, f.linesImported, f.linesRejected.length]),
        [
          ['WATER_BILL_310000_202610.csv', 'already-imported', 0, 0],
          ['WATER_BILL_310000_202610_EN.csv', 'imported', 600, 0],
          ['WATER_BILL_310000_202610_UTF8.csv', 'imported', 600, 0],
          ['WATER_BILL_310000_202610_UTF8_BOM_EN.csv', 'imported', 600, 0],
        ],
      );
      assert.deepEqual(first.files[0].linesImported, 600);
      assert.deepEqual(await repository.summarizeRecords('shanghai', 'water-variants'), imported, 'no record inserted or changed');

      // The same rows read as the wrong encoding would not give the same records: auto really chose.
      const utf8 = await readFile(path.join(inbox, 'WATER_BILL_310000_202610_UTF8.csv'));
      assert.notEqual(iconv.decode(utf8, 'gbk'), utf8.toString('utf8'));
    });

    it('fails a file whose trailer does not hold, says why, and imports nothing of it', async () => {
      const inbox = inboxOf('trailer');
      const connector = csvConnector.create(options(inbox), context('water-trailer', repository));
      const good = await writeBillFile(path.join(root, 'trailer', 'good.csv'), { rows: rows(300), encoding: 'gbk' });
      const original = await readFile(good.path);
      await mkdir(inbox, { recursive: true });

      // One amount changed in transit (same length): the sum and the MD5 no longer hold.
      const text = iconv.decode(original, 'gbk');
      const line = text.split('\r\n')[150];
      const fields = line.split(',');
      fields[6] = fields[6].replace(/\d(?=\.\d\d$)/, (d) => String((Number(d) + 1) % 10));
      await writeFile(path.join(inbox, 'A_CHANGED_AMOUNT.csv'), iconv.encode(text.replace(line, fields.join(',')), 'gbk'));
      // A trailer that counts one row more than the file has.
      await writeFile(path.join(inbox, 'B_WRONG_COUNT.csv'), iconv.encode(text.replace(/TRAILER,300,/, 'TRAILER,301,'), 'gbk'));
      // A file cut off in the middle, as a failed transfer leaves it.
      await writeFile(path.join(inbox, 'C_CUT_OFF.csv'), original);
      await truncate(path.join(inbox, 'C_CUT_OFF.csv'), Math.floor(original.length * 0.6));

      const report = await sync(connector);
      assert.deepEqual(report.files.map((f) => [f.file, f.status, f.linesImported]), [
        ['A_CHANGED_AMOUNT.csv', 'failed', 0],
        ['B_WRONG_COUNT.csv', 'failed', 0],
        ['C_CUT_OFF.csv', 'failed', 0],
      ]);
      const [changed, count, cut] = report.files.map((f) => f.error ?? '');
      assert.match(changed, /trailer mismatch: the trailer's amount sum is [\d.]+ yuan, the rows add up to [\d.]+ yuan; the trailer's MD5 \w+ is not the MD5 of the data lines/);
      assert.match(count, /trailer mismatch: the trailer declares 301 data rows, the file has 300$/);
      assert.match(cut, /the last line \(\d+\) is not a trailer of the form TRAILER,\{rowCount\},\{amountSum\},\{md5\}; the file may be incomplete/);
      assert.equal((await repository.summarizeRecords('shanghai', 'water-trailer')).count, 0);
      const runs = await repository.listImportRuns('shanghai', 'water-trailer');
      assert.deepEqual(runs.map((r) => [r.fileName, r.status, r.linesImported, r.error === undefined]).sort(), [
        ['A_CHANGED_AMOUNT.csv', 'failed', 0, false],
        ['B_WRONG_COUNT.csv', 'failed', 0, false],
        ['C_CUT_OFF.csv', 'failed', 0, false],
      ]);

      // A header without a column the configuration needs fails the file too.
      await rm(inbox, { recursive: true });
      await writeBillFile(path.join(inbox, 'D_NO_STATUS.csv'), { rows: rows(10), encoding: 'gbk' });
      const noStatus = csvConnector.create(options(inbox, { columns: { ...COLUMNS, status: ['缴费状态'] } }), context('water-trailer', repository));
      const [headerProblem] = (await sync(noStatus)).files;
      assert.equal(headerProblem.status, 'failed');
      assert.equal(headerProblem.error, 'the header has no column for status (accepted names: 缴费状态)');
    });

    it('resumes an interrupted import after its last committed batch, with every record and rejection once', async () => {
      const inbox = inboxOf('resume');
      await writeBillFile(path.join(inbox, billFileName('310000', '202610')), { rows: rows(3000), encoding: 'gbk', malformedLines: [100, 1500, 2800] });
      const controller = new AbortController();
      const commits: Array<{ afterLine: number; lastLine: number }> = [];
      // The hub's store, with the interruption after the third commit landed.
      const interrupting: BatchRecordStore = {
        findRecords: (...args) => repository.findRecords(...args),
        summarizeRecords: (...args) => repository.summarizeRecords(...args),
        findImportRun: (...args) => repository.findImportRun(...args),
        beginImportRun: (input) => repository.beginImportRun(input),
        finishImportRun: (run) => repository.finishImportRun(run),
        failImportRun: (input) => repository.failImportRun(input),
        async commitImportBatch(run, batch) {
          const result = await repository.commitImportBatch(run, batch);
          commits.push({ afterLine: batch.afterLine, lastLine: batch.lastLine });
          if (commits.length === 3) controller.abort(new Error('the nightly window closed'));
          return result;
        },
      };
      const options250 = options(inbox, { batchSize: 250 });
      await expectCode(sync(csvConnector.create(options250, context('water-resume', interrupting)), controller.signal), 'HUTONG_ERR_DEPARTMENT_TIMEOUT', /resumes after the last committed line/);

      const [interrupted] = await repository.listImportRuns('shanghai', 'water-resume');
      assert.equal(interrupted.status, 'importing');
      assert.equal(interrupted.lastCommittedLine, commits.at(-1)!.lastLine);
      assert.ok(interrupted.lastCommittedLine >= 751 && interrupted.lastCommittedLine < 3001, `stopped mid-file, at line ${interrupted.lastCommittedLine}`);
      const partial = await repository.summarizeRecords('shanghai', 'water-resume');
      assert.equal(partial.count, interrupted.linesImported);
      assert.ok(partial.count < 2997);

      commits.length = 0;
      const resumed = await sync(csvConnector.create(options250, context('water-resume', interrupting)));
      assert.equal(commits[0].afterLine, interrupted.lastCommittedLine, 'the second run starts where the first stopped');
      assert.equal(resumed.files[0].status, 'imported');
      assert.equal(resumed.files[0].linesImported, 2997);
      assert.deepEqual(resumed.files[0].linesRejected.map((r) => r.line), [100, 1500, 2800]);
      assert.equal((await repository.summarizeRecords('shanghai', 'water-resume')).count, 2997);
      const [finished] = await repository.listImportRuns('shanghai', 'water-resume');
      assert.deepEqual([finished.id, finished.status, finished.lastCommittedLine], [interrupted.id, 'imported', 3001]);
    });

    it('confirms who holds an account from the imported rows, by the holder name the file prints', async () => {
      const inbox = inboxOf('holders');
      const signal = AbortSignal.timeout(10_000);
      const person = demoResident(3, { id: 'shanghai', regionCode: '310000', platePrefix: '沪A' });
      const claim = (value: string, name: string) => ({ identifier: { kind: 'utility-account' as const, value }, holder: { name, nationalId: person.nationalId } });
      await writeBillFile(path.join(inbox, billFileName('310000', '202609')), { rows: rows(250, '202609'), encoding: 'gbk' });

      // Imported before holder checks were configured: the rows carry no name to confirm with.
      const plainImport = csvConnector.create(options(inbox), context('water-holders', repository));
      assert.equal(plainImport.holderCheckKinds, undefined);
      assert.equal(plainImport.checkHolder, undefined);
      await sync(plainImport);
      const connector = csvConnector.create(options(inbox, { holderCheck: { nameField: 'holderName' } }), context('water-holders', repository));
      assert.deepEqual([...(connector.holderCheckKinds ?? [])], ['utility-account']);
      await expectCode(connector.checkHolder!(claim(person.waterAccount, person.name), { signal }), 'HUTONG_ERR_DEPARTMENT_MAPPING', /no holder name/);

      // The next file brings the names.
      await writeBillFile(path.join(inbox, billFileName('310000', '202610')), { rows: rows(250), encoding: 'gbk' });
      await sync(connector);
      const check = (value: string, name: string) => connector.checkHolder!(claim(value, name), { signal });
      assert.deepEqual(await check(person.waterAccount, person.name), { outcome: 'match' });
      const [surname, ...given] = Array.from(person.name);
      assert.deepEqual(await check(person.waterAccount, `${surname === '王' ? '李' : '王'}${given.join('')}`), { outcome: 'mismatch' }, 'another surname');
      assert.deepEqual(await check(person.waterAccount, `${person.name}华`), { outcome: 'mismatch' }, 'a longer name');
      assert.deepEqual(await check(deterministicWaterAccount('shanghai', 900), person.name), { outcome: 'unknown-identifier' });
      await assert.rejects(connector.checkHolder!({ ...claim(person.waterAccount, person.name), identifier: { kind: 'plate', value: '沪A12345' } }, { signal }), /not by plate/);

      // Citizens see standard bills, never the name kept beside them.
      const bills = await connector.fetchRecords({ recordType: 'Bill', identifier: { kind: 'utility-account', value: person.waterAccount } }, { signal });
      assert.deepEqual(plain(bills), [expectedBill('water-holders', 3, '202609'), expectedBill('water-holders', 3)]);
    });

    describe('with the emulated water company', () => {
      let dropDir: string;
      let emulators: RunningEmulators;
      let connector: Connector;

      before(async () => {
        dropDir = path.join(root, 'drop');
        emulators = await startEmulators({ port: 0, smsAppKey: 'test-key', referenceDate: REFERENCE_DATE, dropDir });
        const archive = path.join(root, 'archive');
        connector = csvConnector.create(options(waterDropFolder(dropDir, 'shanghai'), { archive }), context('water-company', repository));
      });
      after(() => emulators.close());

      it('imports the nightly files and answers an account with its bills, as the balance endpoint has them', async () => {
        const report = await sync(connector);
        assert.deepEqual(report.files.map((f) => [f.file, f.status, f.linesImported, f.linesRejected.length]), [
          ['WATER_BILL_310000_202608.csv', 'imported', 1000, 0],
          ['WATER_BILL_310000_202609.csv', 'imported', 1000, 0],
          ['WATER_BILL_310000_202610.csv', 'imported', 1000, 0],
        ]);
        assert.deepEqual(await readdir(waterDropFolder(dropDir, 'shanghai')), [], 'imported files are moved to the archive');
        assert.equal((await readdir(path.join(root, 'archive'))).length, 3);

        for (const n of [1, 42, 200]) {
          const account = deterministicWaterAccount('shanghai', n);
          const bills = (await connector.fetchRecords({ recordType: 'Bill', identifier: { kind: 'utility-account', value: account } }, { signal: AbortSignal.timeout(5000) })) as Bill[];
          assert.deepEqual(bills.map((b) => b.period), ['2026-08', '2026-09', '2026-10']);
          for (const bill of bills) assert.ok(Value.Check(Bill, bill), JSON.stringify([...Value.Errors(Bill, bill)][0]));

          const balance = (await (await fetch(`${emulators.url}/water/shanghai/accounts/${account}/balance`)).json()) as WaterBalance;
          const asBills = balance.bills.map((b) => ({
            period: `${b.period.slice(0, 4)}-${b.period.slice(4)}`,
            usage: b.usage,
            amountFen: Math.round(Number(b.amount) * 100),
            dueOn: `${b.dueOn.slice(0, 4)}-${b.dueOn.slice(4, 6)}-${b.dueOn.slice(6)}`,
            status: STATUS[b.status],
          }));
          assert.deepEqual(bills.map(({ period, usage, amountFen, dueOn, status }) => ({ period, usage, amountFen, dueOn, status })).reverse(), asBills);
          assert.equal(balance.amountDueFen, bills.filter((b) => b.status !== 'paid').reduce((sum, b) => sum + b.amountFen, 0));
        }
        assert.deepEqual(await connector.fetchRecords({ recordType: 'Bill', identifier: { kind: 'utility-account', value: '3100000000' } }, { signal: AbortSignal.timeout(5000) }), []);
      });

      it('refuses queries it cannot answer, and works only with the hub store', async () => {
        const signal = AbortSignal.timeout(5000);
        await expectCode(connector.fetchRecords({ recordType: 'Bill' }, { signal }), 'HUTONG_ERR_IDENTIFIER_REQUIRED');
        await assert.rejects(connector.fetchRecords({ recordType: 'Bill', identifier: { kind: 'plate', value: '沪A12345' } }, { signal }), /by utility-account, not by plate/);
        await assert.rejects(connector.fetchRecords({ recordType: 'TrafficViolation', identifier: { kind: 'utility-account', value: '3100000000' } }, { signal }), /maps no TrafficViolation/);
        const storeless = csvConnector.create(options(inboxOf('storeless')), context('water-company'));
        await expectCode(storeless.fetchRecords({ recordType: 'Bill', identifier: { kind: 'utility-account', value: '3100000000' } }, { signal }), 'HUTONG_ERR_STORE_UNAVAILABLE', /context\.hub\.batchRecords/);
        await expectCode(sync(storeless), 'HUTONG_ERR_STORE_UNAVAILABLE');
      });
    });
  });
}

describe('csvConnector.validateOptions', () => {
  const CONTEXT = context('water-company');

  it('accepts the water company options', async () => {
    assert.deepEqual(await csvConnector.validateOptions!(options('/srv/inbox'), CONTEXT), []);
  });

  it('reports a missing mapping, a trailer it cannot check and an amount column that is not configured, by option path', async () => {
    const problems = await csvConnector.validateOptions!(
      options('/srv/inbox', {
        mapping: '../mappings/water-csv/no-such-file.jsonata',
        trailer: { format: 'TRAILER,{rowCount},{total}', amountField: 'amount' },
        archive: '/srv/inbox/',
      }),
      CONTEXT,
    );
    const byPath = new Map(problems.map((p) => [p.path, p.message]));
    assert.equal(problems.length, 4, JSON.stringify(problems));
    assert.match(byPath.get('mapping') ?? '', /no-such-file\.jsonata does not exist/);
    assert.match(byPath.get('trailer.format') ?? '', /\{total\} is not a trailer placeholder/);
    assert.match(byPath.get('trailer.amountField') ?? '', /amount is not one of the columns/);
    assert.match(byPath.get('archive') ?? '', /another folder than the inbox/);
  });
});

describe('csv holder checks', () => {
  it('reads a printed name as agreeing when its length and every unmasked character agree', () => {
    assert.equal(printedNameAgrees('张*明', '张小明'), true);
    assert.equal(printedNameAgrees('张*', '张明'), true);
    assert.equal(printedNameAgrees('张小明', '张小明'), true, 'a name printed in full');
    assert.equal(printedNameAgrees('张＊明', '张小明'), true, 'a full-width star');
    assert.equal(printedNameAgrees('张*明', '张明'), false, 'three characters printed, two claimed');
    assert.equal(printedNameAgrees('张*明', '李小明'), false);
    assert.equal(printedNameAgrees('张*明', '张小华'), false);
    assert.equal(printedNameAgrees('张*', '张小明'), false);
  });

  it('reports a holder name column that is not configured', async () => {
    const problems = await csvConnector.validateOptions!(options('/srv/inbox', { holderCheck: { nameField: 'holder' } }), context('water-company'));
    assert.deepEqual(problems.map((p) => p.path), ['holderCheck.nameField']);
    assert.match(problems[0].message, /holder is not one of the columns/);
    assert.deepEqual(await csvConnector.validateOptions!(options('/srv/inbox', { holderCheck: { nameField: 'holderName' } }), context('water-company')), []);
  });
});
