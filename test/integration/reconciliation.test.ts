import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testEngines } from '../helpers/stores.ts';
import { REFERENCE_DATE, startTestHub, type TestHub } from '../helpers/hub.ts';
import { generateViolations } from '../../emulators/departments/traffic-police/violations.ts';
import { demoCitizen } from '../../src/demo/demo-citizens.ts';
import { WALLET_PAY } from '../helpers/wallets.ts';

const ADMIN = 'test-admin-token-0123456789abcdef';
const NINGBO = { id: 'ningbo', regionCode: '330200', platePrefix: '浙B' };
const PREFIX = { alipay: '/alipay-pay', wechatpay: '/wechatpay', unionpay: '/unionpay' } as const;
type Wallet = keyof typeof PREFIX;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Today in China, the day the statements are reconciled for. */
const today = () => new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);

describe('reconciliation against every wallet\'s statement', () => {
  const [engine] = testEngines();
  let hub: TestHub;
  let token: string;
  let fines: Array<{ id: string }>;
  const number = (() => {
    for (let n = 1; n <= 200; n++) {
      if (generateViolations('ningbo', demoCitizen(n, NINGBO).plate, REFERENCE_DATE).filter((v) => v.JKBJ !== '1').length >= 5) return n;
    }
    throw new Error('no resident with five unpaid fines');
  })();

  before(async () => {
    // Nothing listens where the wallets notify (port 1): every notification is lost, as when the hub is cut off.
    hub = await startTestHub(engine, { adminToken: ADMIN, port: 1, writeBackGraceMs: 0 });
    ({ token } = await hub.loginDemo(number, 'ningbo'));
    const list = await hub.app.inject({ method: 'GET', url: '/v1/cities/ningbo/services/traffic.violations/records', headers: bearer(token) });
    fines = (list.json().items as Array<{ id: string; status: string }>).filter((f) => f.status === 'unpaid');
  });
  after(() => hub.close());

  const emulator = async (wallet: Wallet, path: string, body: unknown) => {
    const res = await fetch(`${hub.emulators.url}${PREFIX[wallet]}/_demo/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.ok(res.ok, `${wallet} ${path}: ${res.status} ${await res.text()}`);
  };
  const clocks = async (offsetSeconds: number) => {
    for (const wallet of Object.keys(PREFIX) as Wallet[]) await emulator(wallet, 'clock', { offsetSeconds });
  };
  const pay = async (i: number, wallet: Wallet, scan = true) => {
    const res = await hub.app.inject({ method: 'POST', url: '/v1/payments', headers: { ...bearer(token), 'idempotency-key': `r-${i}` }, payload: { cityId: 'ningbo', serviceId: 'traffic.violations', recordId: fines[i]!.id, wallet } });
    assert.equal(res.statusCode, 201, res.body);
    if (scan) await emulator(wallet, 'pay', { qrCodeContent: res.json().qrCodeContent, payerId: WALLET_PAY[wallet].payerId });
    return res.json() as { id: string; outTradeNo: string; amountFen: number };
  };
  const admin = (method: 'GET' | 'POST', url: string, payload?: unknown) =>
    hub.app.inject({ method, url, headers: bearer(ADMIN), ...(payload ? { payload } : {}) });
  const recorded = async (id: string) => {
    for (let i = 0; i < 200; i++) {
      const row = await hub.store.db.selectFrom('payment_intents').select('written_back_at').where('id', '=', id).executeTakeFirstOrThrow();
      if (row.written_back_at) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.fail(`payment ${id} was never recorded by its department`);
  };

  it('finds payments whose notification was lost by asking the wallets, and reports nothing for a clean day', async () => {
    const paid = [await pay(0, 'alipay'), await pay(1, 'wechatpay'), await pay(2, 'alipay')];
    const settled = await admin('POST', '/v1/admin/payments/settle-pending', { olderThanMinutes: 0 });
    assert.equal(settled.statusCode, 200, settled.body);
    assert.equal(settled.json().changed, 3, 'the three lost notifications were made good by asking');
    for (const p of paid) await recorded(p.id);

    await clocks(36 * 3600); // the day is over at the wallets: their statements are out
    const report = await admin('GET', `/v1/admin/reconciliation?date=${today()}`);
    assert.equal(report.statusCode, 200, report.body);
    assert.deepEqual(report.json().mismatches, [], 'a clean day reports nothing');
    const read = Object.fromEntries((report.json().wallets as Array<{ wallet: string; statement: string; matched: number }>).map((w) => [w.wallet, w]));
    assert.equal(read.alipay.matched, 2);
    assert.equal(read.wechatpay.matched, 1);
    assert.equal(read.unionpay.statement, 'read');
    await clocks(0);
  });

  it('reports each of five kinds of mismatch, and only those', async () => {
    const [a, b] = await hub.store.db.selectFrom('payment_intents').select(['out_trade_no', 'wallet', 'amount_fen']).where('state', '=', 'succeeded').orderBy('created_at').execute();
    // Two checkouts: one the department cannot record once paid, one whose payment news never comes.
    const unrecorded = await pay(3, 'wechatpay', false);
    const lost = await pay(4, 'unionpay', false);
    hub.emulators.faults.set('traffic-police', { failRate: 1 });
    const checkout = await hub.app.inject({ method: 'GET', url: `/v1/payments/${unrecorded.id}`, headers: bearer(token) });
    await emulator('wechatpay', 'pay', { qrCodeContent: checkout.json().qrCodeContent, payerId: WALLET_PAY.wechatpay.payerId });
    assert.equal((await admin('POST', '/v1/admin/payments/settle-pending', { olderThanMinutes: 0 })).json().changed, 1);
    const date = today();
    await emulator('unionpay', 'statement-adjustments', { date, kind: 'add-payment', outTradeNo: lost.outTradeNo, amountFen: lost.amountFen });
    await emulator('alipay', 'statement-adjustments', { date, kind: 'add-payment', outTradeNo: 'HT20260101000000ffffffffff', amountFen: 5000 });
    await emulator(a!.wallet as Wallet, 'statement-adjustments', { date, kind: 'change-amount', outTradeNo: a!.out_trade_no, amountFen: a!.amount_fen + 100 });
    await emulator(b!.wallet as Wallet, 'statement-adjustments', { date, kind: 'drop-trade', outTradeNo: b!.out_trade_no });

    await clocks(36 * 3600);
    const report = await admin('GET', `/v1/admin/reconciliation?date=${date}`);
    await clocks(0);
    hub.emulators.faults.reset();
    assert.equal(report.statusCode, 200, report.body);
    const kinds = Object.fromEntries((report.json().mismatches as Array<{ kind: string; outTradeNo: string }>).map((m) => [m.kind, m.outTradeNo]));
    assert.deepEqual(kinds, {
      'amount-mismatch': a!.out_trade_no,
      'missing-there': b!.out_trade_no,
      'missing-here': lost.outTradeNo,
      'unknown-trade': 'HT20260101000000ffffffffff',
      'not-recorded-by-department': unrecorded.outTradeNo,
    });
    assert.equal(report.json().mismatches.length, 5, 'nothing else');
  });

  it('refuses a malformed date and anyone without the operator token', async () => {
    assert.equal((await admin('GET', '/v1/admin/reconciliation?date=2026-13-45')).statusCode, 400);
    const anonymous = await hub.app.inject({ method: 'GET', url: `/v1/admin/reconciliation?date=${today()}` });
    assert.equal(anonymous.statusCode, 403);
    const citizen = await hub.app.inject({ method: 'GET', url: `/v1/admin/reconciliation?date=${today()}`, headers: bearer(token) });
    assert.equal(citizen.statusCode, 403);
  });
});
