/**
 * Recording payments with the REST departments that take them (the power supply and gas
 * companies), through the `rest` connector configured by each emulator's `connector.yaml`, the
 * same block as in the city YAML.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { startEmulators, type RunningEmulators } from '../../../emulators/index.ts';
import { paymentLedger } from '../../../emulators/departments/kit/payments.ts';
import { generateElectricityBills } from '../../../emulators/departments/electricity-company/records.ts';
import { generateGasBills } from '../../../emulators/departments/gas-company/records.ts';
import { isHutongError, type ErrorCode } from '../../errors.ts';
import type { Connector, ConnectorContext, PaymentRecord } from '../connector.ts';
import { RestOptions, restConnector } from './rest.connector.ts';

const REFERENCE_DATE = new Date('2026-11-01T00:00:00+08:00');
const CONFIG_DIR = fileURLToPath(new URL('../../../config/cities/', import.meta.url));
const VARIABLE = /\$\{([A-Z0-9_]+)(?::-([^}]*))?\}/g;

let emulators: RunningEmulators;

before(async () => {
  emulators = await startEmulators({ port: 0, smsAppKey: 'k', referenceDate: REFERENCE_DATE });
});

after(async () => {
  await emulators.close();
});

/** The department's connector options from its connector.yaml, for Shanghai, as the catalog reads them. */
async function optionsOf(folder: string): Promise<RestOptions> {
  const text = await readFile(new URL(`../../../emulators/departments/${folder}/connector.yaml`, import.meta.url), 'utf8');
  const vars: Record<string, string | undefined> = { HUTONG_EMULATORS_URL: emulators.url };
  const resolved = text.replaceAll('{city}', 'shanghai').replace(VARIABLE, (whole, name: string, fallback: string | undefined) => vars[name] ?? fallback ?? whole);
  const options = Value.Default(RestOptions, structuredClone((parseYaml(resolved) as { connector: { options: unknown } }).connector.options));
  assert.ok(Value.Check(RestOptions, options), JSON.stringify([...Value.Errors(RestOptions, options)][0]));
  return options as RestOptions;
}

async function expectCode(promise: Promise<unknown>, code: ErrorCode, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isHutongError(error), `expected a HutongError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (message) assert.match(error.message, message);
    return true;
  });
}

interface PayableBill {
  readonly id: string;
  readonly amountFen: number;
  readonly paid: boolean;
}

/** Both companies, each with how to read its generated bills and its ledger's name. */
const COMPANIES = [
  {
    departmentId: 'electricity-company',
    folder: 'electricity-company',
    segment: 'electricity',
    prefix: 'DF310000',
    accountBase: 3_100_100_000,
    bills: (account: string): PayableBill[] =>
      generateElectricityBills('shanghai', account, REFERENCE_DATE).bills.map((b) => ({ id: b.billNo, amountFen: Math.round(Number(b.totalAmt) * 100), paid: b.payStatus === '1' })),
  },
  {
    departmentId: 'gas-company',
    folder: 'gas-company',
    segment: 'gas',
    prefix: 'RQJF310000',
    accountBase: 3_100_200_000,
    bills: (account: string): PayableBill[] =>
      generateGasBills('shanghai', account, REFERENCE_DATE).billList.map((b) => ({ id: b.billNo, amountFen: Math.round(Number(b.billAmount) * 100), paid: b.payFlag === 'Y' })),
  },
] as const;

for (const company of COMPANIES) {
  describe(`rest connector: payments to the ${company.departmentId}`, () => {
    const context: ConnectorContext = { cityId: 'shanghai', departmentId: company.departmentId, timeZone: 'Asia/Shanghai', configDir: CONFIG_DIR };
    const signal = (): AbortSignal => AbortSignal.timeout(5000);
    let connector: Connector;
    let nextAccount = 0;
    let serial = 0;
    const reference = (): string => `HT20261101101530${company.segment}${String(++serial).padStart(6, '0')}`;
    const ledger = () => paymentLedger(emulators.url, company.segment, 'shanghai')!;

    before(async () => {
      connector = restConnector.create(await optionsOf(company.folder), context);
      assert.deepEqual(await restConnector.validateOptions!(await optionsOf(company.folder), context), []);
    });

    /** An account of its own for each test, with `unpaid` unpaid bills and `paid` paid ones. */
    function account(unpaid: number, paid = 0): { account: string; unpaid: PayableBill[]; paid: PayableBill[] } {
      for (; nextAccount < 10_000; ) {
        const candidate = String(company.accountBase + nextAccount++);
        const bills = company.bills(candidate);
        const open = bills.filter((b) => !b.paid);
        const settled = bills.filter((b) => b.paid);
        if (open.length >= unpaid && settled.length >= paid) return { account: candidate, unpaid: open, paid: settled };
      }
      throw new Error('no account fits');
    }

    function payment(holder: string, bill: PayableBill, overrides: Partial<PaymentRecord> = {}): PaymentRecord {
      return {
        recordType: 'Bill',
        recordId: bill.id,
        identifier: { kind: 'utility-account', value: holder },
        amountFen: bill.amountFen,
        paymentReference: reference(),
        paidAt: new Date('2026-11-01T10:15:30+08:00'),
        wallet: 'wechatpay',
        ...overrides,
      };
    }

    async function statusOf(holder: string, billId: string): Promise<unknown> {
      const bills = (await connector.fetchRecords({ recordType: 'Bill', identifier: { kind: 'utility-account', value: holder } }, { signal: signal() })) as Array<{ id: string; status: string }>;
      return bills.find((b) => b.id === billId)?.status;
    }

    it('records a payment, after which the bill is paid; the same reference again records nothing new', async () => {
      assert.deepEqual([...(connector.paymentRecordTypes ?? [])], ['Bill']);
      const { account: holder, unpaid } = account(1);
      const bill = unpaid[0]!;
      assert.notEqual(await statusOf(holder, bill.id), 'paid');
      const paid = payment(holder, bill);
      const first = await connector.recordPayment!(paid, { signal: signal() });
      assert.match(first.departmentReference, new RegExp(`^${company.prefix}\\d{8}$`));
      assert.equal(await statusOf(holder, bill.id), 'paid');
      const entry = ledger().paymentOf(bill.id);
      assert.equal(entry?.reference, paid.paymentReference);
      assert.equal(entry?.amountFen, bill.amountFen);
      assert.equal(entry?.channel, 'wechatpay');
      assert.match(entry?.paidAt ?? '', /^2026-?11-?01 ?10:?15:?30$/, 'the pay time in Shanghai time');

      assert.deepEqual(await connector.recordPayment!(paid, { signal: signal() }), first);
      assert.equal(ledger().recordings(bill.id), 1, 'recorded once');
    });

    it('refuses a second reference for a paid bill, a wrong amount, an unknown bill and a bill paid before', async () => {
      const { account: holder, unpaid } = account(2);
      const [first, second] = unpaid as [PayableBill, PayableBill];
      await connector.recordPayment!(payment(holder, first), { signal: signal() });
      await expectCode(connector.recordPayment!(payment(holder, first), { signal: signal() }), 'HUTONG_ERR_DEPARTMENT_REFUSED', /already paid/);
      assert.equal(ledger().recordings(first.id), 1);

      await expectCode(connector.recordPayment!(payment(holder, second, { amountFen: second.amountFen + 1 }), { signal: signal() }), 'HUTONG_ERR_DEPARTMENT_REFUSED', /amount differs/i);
      assert.notEqual(await statusOf(holder, second.id), 'paid');
      assert.equal(ledger().recordings(second.id), 0);

      await expectCode(connector.recordPayment!(payment(holder, { ...second, id: `${second.id}X` }), { signal: signal() }), 'HUTONG_ERR_DEPARTMENT_REFUSED', /no such bill/);
      const { account: other, paid } = account(0, 1);
      await expectCode(connector.recordPayment!(payment(other, paid[0]!), { signal: signal() }), 'HUTONG_ERR_DEPARTMENT_REFUSED', /already paid/);
    });

    it('a department fault is HUTONG_ERR_DEPARTMENT_FAULT, not a refusal, and the retry records the payment once', async () => {
      const { account: holder, unpaid } = account(1);
      const paid = payment(holder, unpaid[0]!);
      await connector.fetchRecords({ recordType: 'Bill', identifier: paid.identifier }, { signal: signal() }); // any token is fetched before the fault
      emulators.faults.set(company.segment, { failRate: 1 });
      try {
        await expectCode(connector.recordPayment!(paid, { signal: signal() }), 'HUTONG_ERR_DEPARTMENT_FAULT');
      } finally {
        emulators.faults.reset(company.segment);
      }
      emulators.faults.set(company.segment, { throttleRate: 1 });
      try {
        await expectCode(connector.recordPayment!(paid, { signal: signal() }), 'HUTONG_ERR_DEPARTMENT_THROTTLED');
      } finally {
        emulators.faults.reset(company.segment);
      }
      assert.equal(ledger().recordings(unpaid[0]!.id), 0);
      const { departmentReference } = await connector.recordPayment!(paid, { signal: signal() });
      assert.equal(ledger().paymentOf(unpaid[0]!.id)?.departmentReference, departmentReference);
      assert.equal(ledger().recordings(unpaid[0]!.id), 1);
    });
  });
}

describe('rest connector: payments to the electricity-company need the bill.pay scope', () => {
  it('a token for reading bills only is refused with 403, a fault the configuration must fix', async () => {
    const options = await optionsOf('electricity-company');
    assert.ok(options.auth?.type === 'oauth2-client-credentials');
    const readOnly = restConnector.create({ ...options, auth: { ...options.auth, scope: 'bill.read' } }, {
      cityId: 'shanghai',
      departmentId: 'electricity-company',
      timeZone: 'Asia/Shanghai',
      configDir: CONFIG_DIR,
    });
    const bill = generateElectricityBills('shanghai', '3100109999', REFERENCE_DATE).bills.find((b) => b.payStatus !== '1')!;
    await expectCode(
      readOnly.recordPayment!(
        {
          recordType: 'Bill',
          recordId: bill.billNo,
          identifier: { kind: 'utility-account', value: '3100109999' },
          amountFen: Math.round(Number(bill.totalAmt) * 100),
          paymentReference: 'HT20261101101530scope000001',
          paidAt: new Date(),
          wallet: 'alipay',
        },
        { signal: AbortSignal.timeout(5000) },
      ),
      'HUTONG_ERR_DEPARTMENT_FAULT',
      /HTTP 403: insufficient_scope/,
    );
  });
});
