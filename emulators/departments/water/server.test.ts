import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import iconv from 'iconv-lite';
import { startEmulators, type RunningEmulators } from '../../index.ts';
import { billFileName, writeBillFile } from './bill-file.ts';
import { deterministicWaterAccount, generateBillRows, householdOfAccount, waterBill, type WaterBalance } from './bills.ts';
import { paymentFileName } from './payment-file.ts';
import { collectedWaterPayments, waterDropFolder, waterOutboxFolder, writeNightlyBillFiles } from './server.ts';
import { demoResident, holderOf, maskName } from '../../population.ts';

const REFERENCE_DATE = new Date('2026-11-25T10:00:00+08:00');
const ZH_HEADER = '户号,户名,账期,上期读数,本期读数,用水量(立方米),应缴金额(元),缴费截止日,状态';

/** A bill file read back independently of the connector: header, data lines, trailer, and the bytes between. */
async function readBack(file: string, encoding: 'gbk' | 'utf8' = 'gbk') {
  const bytes = await readFile(file);
  const text = iconv.decode(bytes, encoding);
  assert.ok(text.endsWith('\r\n'), 'the file ends with CRLF');
  const lines = text.slice(0, -2).split('\r\n');
  assert.ok(lines.every((line) => !line.includes('\n')), 'every line ends with CRLF');
  const headerBytes = iconv.encode(`${lines[0]}\r\n`, encoding).length + (bytes[0] === 0xef ? 3 : 0);
  const trailerBytes = iconv.encode(`${lines.at(-1)}\r\n`, encoding).length;
  return { header: lines[0], data: lines.slice(1, -1), trailer: lines.at(-1)!, dataBytes: bytes.subarray(headerBytes, bytes.length - trailerBytes) };
}

function fen(yuan: string): number {
  const [whole, fraction = ''] = yuan.split('.');
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
}

describe('water company emulator', () => {
  let dropDir: string;
  let emulators: RunningEmulators;

  before(async () => {
    dropDir = await mkdtemp(path.join(os.tmpdir(), 'hutong-water-'));
    emulators = await startEmulators({ port: 0, smsAppKey: 'test-key', referenceDate: REFERENCE_DATE, dropDir });
  });
  after(async () => {
    await emulators.close();
    await rm(dropDir, { recursive: true, force: true });
  });

  it('gives every household a distinct 10-digit account that depends only on city and number', () => {
    const accounts = Array.from({ length: 1000 }, (_, i) => deterministicWaterAccount('shanghai', i + 1));
    assert.equal(new Set(accounts).size, 1000);
    for (const account of accounts) assert.match(account, /^3100\d{6}$/);
    assert.equal(deterministicWaterAccount('shanghai', 7), accounts[6]);
    assert.notEqual(deterministicWaterAccount('beijing', 7).slice(4), accounts[6].slice(4), 'another city, other numbers');
    assert.equal(householdOfAccount('shanghai', accounts[199]), 200);
    assert.equal(householdOfAccount('shanghai', deterministicWaterAccount('shanghai', 5000)), undefined, 'no such household in the files');
  });

  it('drops one GBK file per billing month, named by region code and month, with a trailer that holds', async () => {
    const folder = waterDropFolder(dropDir, 'shanghai');
    assert.deepEqual((await readdir(folder)).sort(), ['202608', '202609', '202610'].map((p) => billFileName('310000', p)), 'no temp files left behind');
    const { header, data, trailer, dataBytes } = await readBack(path.join(folder, 'WATER_BILL_310000_202610.csv'));
    assert.equal(header, ZH_HEADER);
    assert.equal(data.length, 1000);
    assert.match(data[0], /^3100\d{6},[\u4e00-\u9fff]\*[\u4e00-\u9fff]?,202610,\d+,\d+,\d+,\d+\.\d{2},20261120,(未缴|已缴|逾期)$/);
    const sum = data.reduce((total, line) => total + fen(line.split(',')[6]), 0);
    const md5 = createHash('md5').update(dataBytes).digest('hex');
    assert.equal(trailer, `TRAILER,1000,${Math.floor(sum / 100)}.${String(sum % 100).padStart(2, '0')},${md5}`);
  });

  it('answers the balance of an account with the bills of the files', async () => {
    const folder = waterDropFolder(dropDir, 'shanghai');
    const filed = new Map<string, string[]>();
    for (const name of await readdir(folder)) {
      for (const line of (await readBack(path.join(folder, name))).data) filed.set(`${line.split(',')[0]}|${line.split(',')[2]}`, line.split(','));
    }
    for (const n of [1, 2, 200]) {
      const account = deterministicWaterAccount('shanghai', n);
      const response = await fetch(`${emulators.url}/water/shanghai/accounts/${account}/balance`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /application\/json; charset=utf-8/);
      const balance = (await response.json()) as WaterBalance;
      assert.equal(balance.account, account);
      assert.deepEqual(balance.bills.map((b) => b.period), ['202610', '202609', '202608']);
      let owed = 0;
      for (const bill of balance.bills) {
        const line = filed.get(`${account}|${bill.period}`);
        assert.ok(line, `the file of ${bill.period} has ${account}`);
        assert.equal(balance.holderName, line[1]);
        assert.deepEqual([bill.previousReading, bill.currentReading, bill.usage].map(String), line.slice(3, 6));
        assert.deepEqual([bill.amount, bill.dueOn, bill.status], line.slice(6, 9));
        if (bill.status !== '已缴') owed += fen(bill.amount);
      }
      assert.equal(balance.amountDueFen, owed);
      assert.equal(fen(balance.amountDue), owed);
      const unpaidDue = balance.bills.filter((b) => b.status !== '已缴').map((b) => b.dueOn).sort();
      assert.equal(balance.dueOn, unpaidDue[0] ?? null);
    }
  });

  it('prints each household under its holder’s name, masked, as the population has it', async () => {
    const { data } = await readBack(path.join(waterDropFolder(dropDir, 'shanghai'), 'WATER_BILL_310000_202610.csv'));
    const printed = new Map(data.map((line) => [line.split(',')[0], line.split(',')[1]]));
    const shanghai = { id: 'shanghai', regionCode: '310000', platePrefix: '沪A' };
    for (const n of [1, 2, 200]) {
      const person = demoResident(n, shanghai);
      assert.equal(printed.get(person.waterAccount), maskName(person.name), `demo resident ${n}`);
    }
    // Households past the demo residents belong to strangers, named all the same.
    const account = deterministicWaterAccount('shanghai', 700);
    assert.equal(printed.get(account), maskName(holderOf('shanghai', 'water-account', account)!.name));
  });

  it('answers 404 JSON for an account no household has, and for a city it does not serve', async () => {
    for (const url of [
      `/water/shanghai/accounts/${deterministicWaterAccount('shanghai', 5000)}/balance`,
      `/water/shanghai/accounts/${deterministicWaterAccount('beijing', 1)}/balance`,
      '/water/shanghai/accounts/12ab/balance',
      `/water/atlantis/accounts/${deterministicWaterAccount('shanghai', 1)}/balance`,
    ]) {
      const response = await fetch(`${emulators.url}${url}`);
      assert.equal(response.status, 404, url);
      assert.match(String(((await response.json()) as { code?: string }).code), /NotFound$/);
    }
  });

  it('writes test files with another header, in UTF-8, and with the lines asked to be broken', async () => {
    const file = path.join(dropDir, 'variants', 'WATER_BILL_310000_202610.csv');
    const summary = await writeBillFile(file, {
      rows: generateBillRows('shanghai', '202610', { households: 50, referenceDate: REFERENCE_DATE }),
      encoding: 'utf8',
      bom: true,
      headerVariant: 'en',
      malformedLines: [4, 9, 30],
    });
    assert.deepEqual(summary.malformed.map((m) => m.kind), ['missing-field', 'unparseable-amount', 'impossible-date']);
    assert.equal((await readFile(file)).subarray(0, 3).toString('hex'), 'efbbbf');
    const { header, data, trailer, dataBytes } = await readBack(file, 'utf8');
    assert.equal(header, 'ACCOUNT_NO,BILL_MONTH,HOLDER_NAME,AMOUNT_DUE,USAGE_M3,PREV_READING,CURR_READING,DUE_DATE,STATUS');
    assert.equal(data[2].split(',').length, 8, 'line 4 lacks a field');
    assert.match(data[7].split(',')[3], /元$/, 'line 9 has an amount that is not a number');
    assert.match(data[28].split(',')[7], /32$/, 'line 30 has an impossible date');
    assert.equal(trailer, summary.trailer);
    assert.ok(trailer.endsWith(createHash('md5').update(dataBytes).digest('hex')));
    await assert.rejects(writeBillFile(file, { rows: [], encoding: 'gbk', malformedLines: [2] }), /not data lines/);
  });

  it('takes payments back from the outbox: each reference once, a file with a broken trailer not at all, and full amounts as paid', async () => {
    const outbox = waterOutboxFolder(dropDir, 'shanghai');
    await mkdir(outbox, { recursive: true });
    /** A payment file as a platform writes it, its trailer right unless asked otherwise. */
    const writePayments = async (date: string, lines: string[], trailer?: string): Promise<void> => {
      const data = iconv.encode(lines.map((line) => `${line}\r\n`).join(''), 'gbk');
      const sum = lines.reduce((total, line) => total + fen(line.split(',')[3]!), 0);
      const right = `TRAILER,${lines.length},${Math.floor(sum / 100)}.${String(sum % 100).padStart(2, '0')},${createHash('md5').update(data).digest('hex')}`;
      const header = iconv.encode('缴费流水号,户号,账期,缴费金额(元),缴费时间,缴费渠道\r\n', 'gbk');
      await writeFile(path.join(outbox, paymentFileName('310000', date)), Buffer.concat([header, data, iconv.encode(`${trailer ?? right}\r\n`, 'gbk')]));
    };
    // Households past those the balance test looks at, whose October bill is not paid yet.
    const unpaid = Array.from({ length: 190 }, (_, i) => waterBill('shanghai', i + 3, '202610', REFERENCE_DATE)).filter((bill) => bill.status !== '已缴');
    const [paidInFull, shortPaid, paidLater] = unpaid;
    assert.ok(paidLater, 'three unpaid bills');
    const line = (reference: string, bill: typeof paidInFull, amount = bill!.amountYuan): string => `${reference},${bill!.account},202610,${amount},2026-11-25 09:00:00,alipay`;
    await writePayments('20261124', [line('HT-A', paidInFull), line('HT-B', shortPaid, '0.01')]);
    await writePayments('20261125', [line('HT-A', paidInFull), line('HT-C', paidLater)], 'TRAILER,2,0.00,00000000000000000000000000000000');

    const collected = await collectedWaterPayments(dropDir, 'shanghai');
    assert.deepEqual(collected.payments.map((p) => [p.reference, p.account, p.file, p.line]), [
      ['HT-A', paidInFull!.account, 'WATER_PAY_310000_20261124.csv', 2],
      ['HT-B', shortPaid!.account, 'WATER_PAY_310000_20261124.csv', 3],
    ]);
    assert.deepEqual(collected.rejectedFiles.map((f) => f.file), ['WATER_PAY_310000_20261125.csv']);
    await writePayments('20261125', [line('HT-A', paidInFull), line('HT-C', paidLater)]);
    const again = await collectedWaterPayments(dropDir, 'shanghai');
    assert.deepEqual(again.payments.map((p) => p.reference), ['HT-A', 'HT-B', 'HT-C']);
    assert.equal(again.duplicates, 1, 'HT-A sent twice counts once');

    const statusOf = async (bill: typeof paidInFull): Promise<string | undefined> => {
      const balance = (await (await fetch(`${emulators.url}/water/shanghai/accounts/${bill!.account}/balance`)).json()) as WaterBalance;
      return balance.bills.find((b) => b.period === '202610')?.status;
    };
    assert.equal(await statusOf(paidInFull), '已缴');
    assert.equal(await statusOf(paidLater), '已缴');
    assert.equal(await statusOf(shortPaid), shortPaid!.status, 'a payment of another amount pays nothing');
    await writeNightlyBillFiles(dropDir, REFERENCE_DATE, ['shanghai']);
    const { data } = await readBack(path.join(waterDropFolder(dropDir, 'shanghai'), 'WATER_BILL_310000_202610.csv'));
    const statuses = new Map(data.map((row) => [row.split(',')[0], row.split(',')[8]]));
    assert.equal(statuses.get(paidInFull!.account), '已缴');
    assert.equal(statuses.get(shortPaid!.account), shortPaid!.status);
  });
});
