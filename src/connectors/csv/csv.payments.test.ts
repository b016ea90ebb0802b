/**
 * Payments written back to the water company as its payment files, through the `csv` connector
 * configured by the emulator's `connector.yaml` (the same block as in the city YAML), and read back
 * as the company reads them.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import iconv from 'iconv-lite';
import { parse as parseYaml } from 'yaml';
import { startEmulators, type RunningEmulators } from '../../../emulators/index.ts';
import { billingPeriods, deterministicWaterAccount, waterBill, type WaterBalance } from '../../../emulators/departments/water/bills.ts';
import { collectedWaterPayments, waterDropFolder, waterOutboxFolder, writeNightlyBillFiles } from '../../../emulators/departments/water/server.ts';
import { testEngines } from '../../../test/helpers/stores.ts';
import { isHutongError, type ErrorCode } from '../../errors.ts';
import { BatchRecordRepository } from '../../store/batch-records.repository.ts';
import { migrateToLatest, type Store } from '../../store/db.ts';
import type { Connector, ConnectorContext, PaymentRecord } from '../connector.ts';
import { CsvOptions, csvConnector } from './csv.connector.ts';

const REFERENCE_DATE = new Date('2026-11-25T10:00:00+08:00');
const CONFIG_DIR = fileURLToPath(new URL('../../../config/cities/', import.meta.url));
const VARIABLE = /\$\{([A-Z0-9_]+)(?::-([^}]*))?\}/g;
const PAID_AT = new Date('2026-11-25T11:30:00+08:00');

async function expectCode(promise: Promise<unknown>, code: ErrorCode, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isHutongError(error), `expected a HutongError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (message) assert.match(error.message, message);
    return true;
  });
}

/** The water company's connector options from its connector.yaml, for Shanghai, with the drop folder as HUTONG_INBOX_DIR. */
async function optionsOf(dropDir: string, overrides: (options: Record<string, unknown>) => void = () => {}): Promise<CsvOptions> {
  const text = await readFile(new URL('../../../emulators/departments/water/connector.yaml', import.meta.url), 'utf8');
  const resolved = text
    .replaceAll('{city}', 'shanghai')
    .replaceAll('{region}', '310000')
    .replace(VARIABLE, (whole, name: string) => (name === 'HUTONG_INBOX_DIR' ? dropDir : whole));
  const raw = (parseYaml(resolved) as { connector: { options: Record<string, unknown> } }).connector.options;
  overrides(raw);
  const options = Value.Default(CsvOptions, structuredClone(raw));
  assert.ok(Value.Check(CsvOptions, options), JSON.stringify([...Value.Errors(CsvOptions, options)][0]));
  return options as CsvOptions;
}

for (const engine of testEngines()) {
  describe(`csv connector: payments to the water company, on ${engine.name}`, () => {
    let store: Store;
    let dropDir: string;
    let emulators: RunningEmulators;
    let connector: Connector;
    const context = (): ConnectorContext => ({
      cityId: 'shanghai',
      departmentId: 'water-company',
      timeZone: 'Asia/Shanghai',
      configDir: CONFIG_DIR,
      hub: { batchRecords: new BatchRecordRepository(store.db) },
    });
    const signal = (): AbortSignal => AbortSignal.timeout(10_000);
    const outbox = (): string => waterOutboxFolder(dropDir, 'shanghai');
    let serial = 0;
    const reference = (): string => `HT20261125113000${String(++serial).padStart(10, '0')}`;

    before(async () => {
      dropDir = await mkdtemp(path.join(os.tmpdir(), 'hutong-water-pay-'));
      emulators = await startEmulators({ port: 0, smsAppKey: 'k', referenceDate: REFERENCE_DATE, dropDir });
      store = await engine.open();
      await migrateToLatest(store);
      const options = await optionsOf(dropDir);
      assert.deepEqual(await csvConnector.validateOptions!(options, context()), []);
      connector = csvConnector.create(options, context());
      const report = await connector.synchronize!({ signal: AbortSignal.timeout(120_000) });
      assert.ok(report.files.every((f) => f.status === 'imported'), JSON.stringify(report));
    });
    after(async () => {
      await emulators.close();
      await store.close();
      await rm(dropDir, { recursive: true, force: true });
    });

    /** Unpaid bills of households no earlier test used: the Bill's id, account and amount. */
    let nextHousehold = 1;
    function unpaidBills(count: number): Array<{ id: string; account: string; period: string; amountFen: number }> {
      const bills: Array<{ id: string; account: string; period: string; amountFen: number }> = [];
      while (bills.length < count && nextHousehold <= 200) {
        const n = nextHousehold++;
        const period = billingPeriods(REFERENCE_DATE).find((p) => waterBill('shanghai', n, p, REFERENCE_DATE).status !== '已缴');
        if (!period) continue;
        const bill = waterBill('shanghai', n, period, REFERENCE_DATE);
        bills.push({ id: `${bill.account}-${period.slice(0, 4)}-${period.slice(4)}`, account: bill.account, period, amountFen: Math.round(Number(bill.amountYuan) * 100) });
      }
      assert.equal(bills.length, count, 'enough unpaid bills');
      return bills;
    }

    function payment(bill: { id: string; account: string; amountFen: number }, overrides: Partial<PaymentRecord> = {}): PaymentRecord {
      return {
        recordType: 'Bill',
        recordId: bill.id,
        identifier: { kind: 'utility-account', value: bill.account },
        amountFen: bill.amountFen,
        paymentReference: reference(),
        paidAt: PAID_AT,
        wallet: 'alipay',
        ...overrides,
      };
    }

    async function statusOf(bill: { id: string; account: string }): Promise<unknown> {
      const records = (await connector.fetchRecords({ recordType: 'Bill', identifier: { kind: 'utility-account', value: bill.account } }, { signal: signal() })) as Array<{ id: string; status: string }>;
      return records.find((r) => r.id === bill.id)?.status;
    }

    it('writes concurrent payments as whole lines of the day’s GBK file, each reference once, and the company reads them', async () => {
      assert.deepEqual([...(connector.paymentRecordTypes ?? [])], ['Bill']);
      const [a, b, c] = unpaidBills(3) as [ReturnType<typeof unpaidBills>[number], ReturnType<typeof unpaidBills>[number], ReturnType<typeof unpaidBills>[number]];
      const payA = payment(a);
      const payB = payment(b);
      // Another connector instance (a reloaded catalog) writes the same file at the same time.
      const other = csvConnector.create(await optionsOf(dropDir), context());
      const results = await Promise.all([
        connector.recordPayment!(payA, { signal: signal() }),
        other.recordPayment!(payB, { signal: signal() }),
        connector.recordPayment!(payA, { signal: signal() }),
        other.recordPayment!(payA, { signal: signal() }),
      ]);
      const file = 'WATER_PAY_310000_20261125.csv';
      assert.deepEqual(results.map((r) => r.departmentReference).sort(), [`${file}:2`, `${file}:2`, `${file}:2`, `${file}:3`].sort());
      assert.equal(results[0]!.departmentReference, results[2]!.departmentReference);
      assert.equal(results[0]!.departmentReference, results[3]!.departmentReference);
      assert.deepEqual(await connector.recordPayment!(payA, { signal: signal() }), results[0], 'a later retry gets the same answer');

      assert.deepEqual((await readdir(outbox())).sort(), [file], 'no temp file left behind');
      const text = iconv.decode(await readFile(path.join(outbox(), file)), 'gbk');
      const lines = text.split('\r\n');
      assert.equal(lines.pop(), '', 'the file ends with CRLF');
      assert.equal(lines[0], '缴费流水号,户号,账期,缴费金额(元),缴费时间,缴费渠道');
      assert.equal(lines.length, 4);
      assert.match(lines[3]!, /^TRAILER,2,\d+\.\d{2},[0-9a-f]{32}$/);

      const collected = await collectedWaterPayments(dropDir, 'shanghai');
      assert.deepEqual(collected.rejectedFiles, []);
      assert.equal(collected.duplicates, 0);
      assert.deepEqual(
        collected.payments.map((p) => [p.reference, p.account, p.period, p.amountFen, p.paidAt, p.channel]).sort(),
        [
          [payA.paymentReference, a.account, a.period, a.amountFen, '2026-11-25 11:30:00', 'alipay'],
          [payB.paymentReference, b.account, b.period, b.amountFen, '2026-11-25 11:30:00', 'alipay'],
        ].sort(),
      );

      // The company's balance shows them paid at once; the hub shows them paid after the next nightly file.
      const balance = (await (await fetch(`${emulators.url}/water/shanghai/accounts/${a.account}/balance`)).json()) as WaterBalance;
      assert.equal(balance.bills.find((bill) => bill.period === a.period)?.status, '已缴');
      const untouched = (await (await fetch(`${emulators.url}/water/shanghai/accounts/${c.account}/balance`)).json()) as WaterBalance;
      assert.notEqual(untouched.bills.find((bill) => bill.period === c.period)?.status, '已缴');
      assert.notEqual(await statusOf(a), 'paid');
      await writeNightlyBillFiles(dropDir, REFERENCE_DATE, ['shanghai']);
      await connector.synchronize!({ signal: AbortSignal.timeout(120_000) });
      assert.equal(await statusOf(a), 'paid');
      assert.equal(await statusOf(b), 'paid');
      assert.notEqual(await statusOf(c), 'paid');

      // Paid now: a retry still gets its first answer, another reference is refused.
      assert.deepEqual(await connector.recordPayment!(payA, { signal: signal() }), results[0]);
      await expectCode(connector.recordPayment!(payment(a), { signal: signal() }), 'HUTONG_ERR_DEPARTMENT_REFUSED', /already paid/);
      assert.equal((await collectedWaterPayments(dropDir, 'shanghai')).payments.length, 2);
    });

    it('refuses a wrong amount and an unknown bill, writing nothing', async () => {
      const [bill] = unpaidBills(1) as [ReturnType<typeof unpaidBills>[number]];
      const before = (await collectedWaterPayments(dropDir, 'shanghai')).payments.length;
      await expectCode(connector.recordPayment!(payment(bill, { amountFen: bill.amountFen + 100 }), { signal: signal() }), 'HUTONG_ERR_DEPARTMENT_REFUSED', /differs/);
      await expectCode(connector.recordPayment!(payment({ ...bill, id: `${bill.account}-2020-01` }), { signal: signal() }), 'HUTONG_ERR_DEPARTMENT_REFUSED', /has no Bill/);
      const unknownAccount = deterministicWaterAccount('shanghai', 5000);
      await expectCode(connector.recordPayment!(payment({ ...bill, account: unknownAccount, id: `${unknownAccount}-2026-10` }), { signal: signal() }), 'HUTONG_ERR_DEPARTMENT_REFUSED');
      assert.equal((await collectedWaterPayments(dropDir, 'shanghai')).payments.length, before);
    });

    it('puts a payment in the file of its own day in the city’s zone', async () => {
      const [bill] = unpaidBills(1) as [ReturnType<typeof unpaidBills>[number]];
      // 16:30 UTC is half past midnight the next day in Shanghai.
      const { departmentReference } = await connector.recordPayment!(payment(bill, { paidAt: new Date('2026-11-25T16:30:00Z') }), { signal: signal() });
      assert.equal(departmentReference, 'WATER_PAY_310000_20261126.csv:2');
      const collected = await collectedWaterPayments(dropDir, 'shanghai');
      assert.equal(collected.payments.find((p) => p.account === bill.account)?.paidAt, '2026-11-26 00:30:00');
    });

    it('an outbox that cannot be written, or a damaged payment file, is DEPARTMENT_FAULT, and the retry lands once', async () => {
      const [bill] = unpaidBills(1) as [ReturnType<typeof unpaidBills>[number]];
      const blocked = path.join(dropDir, 'blocked-outbox');
      await writeFile(blocked, 'a file where the folder should be');
      const cannotWrite = csvConnector.create(
        await optionsOf(dropDir, (raw) => {
          (raw.payments as Record<string, unknown>).outbox = blocked;
        }),
        context(),
      );
      const paid = payment(bill, { paidAt: new Date('2026-11-27T09:00:00+08:00') });
      await expectCode(cannotWrite.recordPayment!(paid, { signal: signal() }), 'HUTONG_ERR_DEPARTMENT_FAULT', /cannot write the payment file/);

      const damagedFile = path.join(outbox(), 'WATER_PAY_310000_20261127.csv');
      await mkdir(outbox(), { recursive: true });
      await writeFile(damagedFile, iconv.encode('缴费流水号,户号,账期,缴费金额(元),缴费时间,缴费渠道\r\nHTX,310000,202610,1.00,2026-11-27 09:00:00,alipay\r\n', 'gbk'));
      await expectCode(connector.recordPayment!(paid, { signal: signal() }), 'HUTONG_ERR_DEPARTMENT_FAULT', /does not end with a trailer/);
      assert.deepEqual((await collectedWaterPayments(dropDir, 'shanghai')).rejectedFiles.map((f) => f.file), ['WATER_PAY_310000_20261127.csv']);

      await rm(damagedFile);
      const { departmentReference } = await connector.recordPayment!(paid, { signal: signal() });
      assert.equal(departmentReference, 'WATER_PAY_310000_20261127.csv:2');
      assert.deepEqual(await connector.recordPayment!(paid, { signal: signal() }), { departmentReference });
      assert.equal((await collectedWaterPayments(dropDir, 'shanghai')).payments.filter((p) => p.reference === paid.paymentReference).length, 1);
    });

    it('validateOptions finds a reference or amount column that is not a column, and an outbox that is the inbox', async () => {
      const options = await optionsOf(dropDir, (raw) => {
        const payments = raw.payments as { referenceColumn: string; trailer: { amountColumn: string }; outbox: string };
        payments.referenceColumn = '流水号';
        payments.trailer.amountColumn = '金额';
        payments.outbox = waterDropFolder(dropDir, 'shanghai');
      });
      const problems = await csvConnector.validateOptions!(options, context());
      assert.deepEqual(problems.map((p) => p.path).sort(), ['payments.outbox', 'payments.referenceColumn', 'payments.trailer.amountColumn']);
    });
  });
}
