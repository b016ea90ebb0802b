import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testEngines } from '../helpers/stores.ts';
import { REFERENCE_DATE, startTestHub, type TestHub } from '../helpers/hub.ts';
import { generateViolations } from '../../emulators/departments/traffic-police/violations.ts';
import { demoCitizen } from '../../src/demo/demo-citizens.ts';
import { WECHAT_DEMO_APPS } from '../../emulators/channels/wechat/wechat.apps.ts';
import { scanAndPay as payWithWallet, WALLET_PAY, type DemoWallet } from '../helpers/wallets.ts';

/** Where each wallet's emulator takes a "scan and pay" from its app, and a payer as that wallet names its users. */
type Wallet = DemoWallet;
const WALLETS = Object.keys(WALLET_PAY) as Wallet[];

const WUHAN = { id: 'wuhan', regionCode: '420100', platePrefix: '鄂A' };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const ADMIN = 'test-admin-token-0123456789abcdef';

/** Wuhan demo residents whose plate has at least `min` unpaid violations. */
function residentsWithUnpaidFines(min: number, count: number): number[] {
  const found: number[] = [];
  for (let n = 1; n <= 200 && found.length < count; n++) {
    const unpaid = generateViolations('wuhan', demoCitizen(n, WUHAN).plate, REFERENCE_DATE).filter((v) => v.JKBJ !== '1');
    if (unpaid.length >= min) found.push(n);
  }
  return found;
}

for (const engine of testEngines()) {
  describe(`paying fines with any wallet from any entrance on ${engine.name}`, () => {
    let hub: TestHub;
    const people = residentsWithUnpaidFines(3, 4);

    before(async () => {
      hub = await startTestHub(engine, { adminToken: ADMIN });
      await hub.app.listen({ host: '127.0.0.1', port: 0 }); // the wallets notify this address
    });
    after(() => hub.close());

    async function unpaidFines(token: string): Promise<Array<{ id: string; fineFen: number }>> {
      const res = await hub.app.inject({ method: 'GET', url: '/v1/cities/wuhan/services/traffic.violations/records', headers: bearer(token) });
      assert.equal(res.statusCode, 200, res.body);
      return (res.json().items as Array<{ id: string; fineFen: number; status: string }>).filter((v) => v.status === 'unpaid');
    }

    const create = (token: string, key: string, body: Record<string, string>) =>
      hub.app.inject({ method: 'POST', url: '/v1/payments', headers: { ...bearer(token), 'idempotency-key': key }, payload: { cityId: 'wuhan', serviceId: 'traffic.violations', ...body } });

    const scanAndPay = (wallet: Wallet, qrCodeContent: string) => payWithWallet(hub.emulators.url, wallet, qrCodeContent);

    async function settled(token: string, id: string, state = 'succeeded'): Promise<Record<string, unknown>> {
      for (let i = 0; i < 400; i++) {
        const res = await hub.app.inject({ method: 'GET', url: `/v1/payments/${id}`, headers: bearer(token) });
        if (res.json().state === state) return res.json();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.fail(`payment ${id} never became ${state}`);
    }

    it('every installed wallet takes a fine: checkout, scan, notification, confirmed with the wallet, shown paid at once', async () => {
      const { token } = await hub.loginDemo(people[0]!, 'wuhan');
      const fines = await unpaidFines(token);
      const installed = hub.services.payments.wallets;
      assert.deepEqual([...installed].sort(), [...WALLETS].sort(), 'every wallet is installed in demo mode');
      for (const [i, wallet] of (installed as Wallet[]).entries()) {
        const fine = fines[i]!;
        const res = await create(token, `pay-${wallet}-1`, { recordId: fine.id, wallet });
        assert.equal(res.statusCode, 201, `${wallet}: ${res.body}`);
        const payment = res.json();
        assert.equal(payment.state, 'pending');
        assert.equal(payment.amountFen, fine.fineFen, 'the amount the department confirmed');
        assert.ok(payment.qrCodeContent, 'a QR checkout');
        assert.ok(!payment.description.includes(demoCitizen(people[0]!, WUHAN).plate), 'the description is masked');
        const qr = await hub.app.inject({ method: 'GET', url: `/v1/payments/${payment.id}/qr.svg`, headers: bearer(token) });
        assert.match(qr.body, /^<svg/);

        await scanAndPay(wallet, payment.qrCodeContent);
        const done = await settled(token, payment.id);
        // The department's write-back may already have added its own (succeeded → succeeded) event.
        const states = (done.history as Array<{ to: string }>).map((h) => h.to).filter((to, i, all) => to !== all[i - 1]);
        assert.deepEqual(states, ['created', 'pending', 'succeeded']);
        const after = await unpaidFines(token);
        assert.ok(!after.some((f) => f.id === fine.id), `${wallet}: the fine shows paid at once`);
        const again = await create(token, `pay-${wallet}-2`, { recordId: fine.id, wallet });
        assert.equal(again.statusCode, 409, 'a payable is paid at most once');
        assert.equal(again.json().error.code, 'HUTONG_ERR_PAYMENT_ALREADY_PAID');
      }
    });

    it('the same Idempotency-Key replays; another body is refused; 200 concurrent calls make one intent', async () => {
      const { token } = await hub.loginDemo(people[1]!, 'wuhan');
      const [fine, other] = await unpaidFines(token);
      const first = await create(token, 'key-a', { recordId: fine!.id, wallet: 'alipay' });
      assert.equal(first.statusCode, 201, first.body);
      const replay = await create(token, 'key-a', { recordId: fine!.id, wallet: 'alipay' });
      assert.equal(replay.statusCode, 201);
      assert.equal(replay.json().id, first.json().id);
      assert.equal(replay.headers['idempotent-replayed'], 'true');
      const misuse = await create(token, 'key-a', { recordId: other!.id, wallet: 'alipay' });
      assert.equal(misuse.statusCode, 422);
      assert.equal(misuse.json().error.code, 'HUTONG_ERR_IDEMPOTENCY_KEY_REUSED');
      const changed = await create(token, 'key-b', { recordId: other!.id, wallet: 'alipay', expectedAmountFen: (other as { fineFen: number }).fineFen + 1 } as never);
      assert.equal(changed.statusCode, 409, 'an amount the payer did not see is never charged');
      assert.equal(changed.json().error.code, 'HUTONG_ERR_PAYABLE_CHANGED');
      const missing = await hub.app.inject({ method: 'POST', url: '/v1/payments', headers: bearer(token), payload: { cityId: 'wuhan', serviceId: 'traffic.violations', recordId: other!.id, wallet: 'alipay' } });
      assert.equal(missing.json().error.code, 'HUTONG_ERR_IDEMPOTENCY_KEY_REQUIRED');

      const burst = await Promise.all(Array.from({ length: 200 }, () => create(token, 'key-burst', { recordId: other!.id, wallet: 'wechatpay' })));
      const ids = new Set(burst.filter((r) => r.statusCode === 201).map((r) => r.json().id));
      assert.equal(ids.size, 1, `one intent for one key (${[...new Set(burst.map((r) => r.statusCode))].join(',')})`);
      assert.ok(burst.every((r) => r.statusCode === 201 || r.json().error.code === 'HUTONG_ERR_IDEMPOTENCY_IN_PROGRESS'));
      const me = (await hub.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(token) })).json().id as string;
      const intents = await hub.store.db.selectFrom('payment_intents').select('id').where('payer_citizen_id', '=', me).execute();
      assert.equal(intents.length, 2, 'key-a and key-burst made one intent each');
    });

    it('a citizen in Alipay pays with WeChat Pay and the reverse; paying one fine with two wallets refunds the second', async () => {
      const person = demoCitizen(people[2]!, WUHAN);
      const { token: webToken } = await hub.loginDemo(people[2]!, 'wuhan');
      const user = person.phone.slice(-8);
      const authCode = await fetch(`${hub.emulators.url}/alipay/_demo/auth-codes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: `20880000${user}` }) });
      const alipayLogin = await hub.app.inject({ method: 'POST', url: '/v1/channels/alipay/login', payload: { authCode: ((await authCode.json()) as { authCode: string }).authCode } });
      const alipayToken = await hub.bindRealName(alipayLogin.json().accessToken, person);
      const [a, b] = await unpaidFines(webToken);

      const inAlipay = await create(alipayToken, 'x-1', { recordId: a!.id, wallet: 'wechatpay' });
      assert.equal(inAlipay.statusCode, 201, inAlipay.body);
      assert.equal(inAlipay.json().channel, 'alipay');
      await scanAndPay('wechatpay', inAlipay.json().qrCodeContent);
      await settled(alipayToken, inAlipay.json().id);

      const viaAlipay = await create(webToken, 'x-2', { recordId: b!.id, wallet: 'alipay' });
      const viaWechat = await create(webToken, 'x-3', { recordId: b!.id, wallet: 'wechatpay' });
      assert.equal(viaWechat.statusCode, 201, 'two open checkouts for one fine are allowed');
      await scanAndPay('alipay', viaAlipay.json().qrCodeContent);
      await settled(webToken, viaAlipay.json().id);
      // The WeChat checkout was closed when Alipay paid; a person who still manages to pay it gets it back.
      const closed = await settled(webToken, viaWechat.json().id, 'closed');
      assert.equal(closed.refundedFen, 0);
    });

    it('pay for me: a shared fine shows only amount and a masked description, another person pays it, both are recorded; refunds never exceed the payment', async () => {
      const owner = demoCitizen(people[3]!, WUHAN);
      const { token: ownerToken } = await hub.loginDemo(people[3]!, 'wuhan');
      const [fine] = await unpaidFines(ownerToken);
      const shared = await hub.app.inject({ method: 'POST', url: '/v1/payments/shares', headers: bearer(ownerToken), payload: { cityId: 'wuhan', serviceId: 'traffic.violations', recordId: fine!.id } });
      assert.equal(shared.statusCode, 201, shared.body);
      const { code, url } = shared.json();
      const opened = await hub.app.inject({ method: 'GET', url: new URL(url).pathname });
      assert.equal(opened.headers.location, `/app/pay/${code}`);
      const view = await hub.app.inject({ method: 'GET', url: `/v1/pay-links/${code}` });
      assert.equal(view.statusCode, 200);
      assert.equal(view.json().amountFen, fine!.fineFen);
      for (const secret of [owner.plate, owner.name, owner.nationalId, owner.phone]) assert.ok(!view.body.includes(secret), 'the payer sees nothing personal');

      // A friend in WeChat pays it with UnionPay.
      const friendCode = await fetch(`${hub.emulators.url}/wechat/_demo/auth-codes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ appid: WECHAT_DEMO_APPS[0].appId, userId: 'friend-1' }) });
      const friend = (await hub.app.inject({ method: 'POST', url: '/v1/channels/wechat/login', payload: { code: ((await friendCode.json()) as { code: string }).code } })).json().accessToken as string;
      const pay = await hub.app.inject({ method: 'POST', url: `/v1/pay-links/${code}/payments`, headers: { ...bearer(friend), 'idempotency-key': 'friend-1' }, payload: { wallet: 'unionpay' } });
      assert.equal(pay.statusCode, 201, pay.body);
      await scanAndPay('unionpay', pay.json().qrCodeContent);
      const done = await settled(friend, pay.json().id);
      assert.equal(done.channel, 'wechat');
      const ownerView = await hub.app.inject({ method: 'GET', url: `/v1/payments/${pay.json().id}`, headers: bearer(ownerToken) });
      assert.equal(ownerView.statusCode, 200, 'the owner sees the payment made for them');
      const row = await hub.store.db.selectFrom('payment_intents').select(['owner_citizen_id', 'payer_citizen_id']).where('id', '=', pay.json().id).executeTakeFirstOrThrow();
      assert.notEqual(row.owner_citizen_id, row.payer_citizen_id, 'payer and owner are both recorded');
      assert.ok(!(await unpaidFines(ownerToken)).some((f) => f.id === fine!.id), 'the owner sees it paid');
      assert.equal((await hub.app.inject({ method: 'GET', url: `/v1/pay-links/${code}` })).json().status, 'paid');
      const stranger = await hub.login('13912347771');
      assert.equal((await hub.app.inject({ method: 'GET', url: `/v1/payments/${pay.json().id}`, headers: bearer(stranger) })).statusCode, 404);

      const refund = (amountFen: number) => hub.app.inject({ method: 'POST', url: `/v1/admin/payments/${pay.json().id}/refunds`, headers: bearer(ADMIN), payload: { amountFen, reason: '罚款更正' } });
      const part = await refund(100);
      assert.equal(part.statusCode, 201, part.body);
      assert.equal(part.json().refundedFen, 100);
      const rest = fine!.fineFen - 100;
      const racing = await Promise.all([refund(rest), refund(rest)]);
      assert.deepEqual(racing.map((r) => r.statusCode).sort(), [201, 422], 'two refunds of the rest: one is taken');
      assert.equal((await refund(1)).statusCode, 422, 'nothing is left to refund');
      const final = await hub.app.inject({ method: 'GET', url: `/v1/payments/${pay.json().id}`, headers: bearer(friend) });
      assert.equal(final.json().refundedFen, fine!.fineFen);
      assert.equal((await hub.app.inject({ method: 'POST', url: `/v1/admin/payments/${pay.json().id}/refunds`, headers: bearer(friend), payload: { amountFen: 1, reason: 'x' } })).statusCode, 403);
    });

    it('a forged notification is refused and kept; a replayed one changes nothing', async () => {
      const { port } = hub.app.server.address() as { port: number };
      const forged = await fetch(`http://127.0.0.1:${port}/v1/payments/notify/alipay`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'out_trade_no=HT20260101aaaaaaaaaaaaaa&trade_status=TRADE_SUCCESS&total_amount=1.00&sign_type=RSA2&sign=Zm9yZ2Vk',
      });
      assert.ok(forged.status >= 400, `refused (${forged.status})`);
      assert.notEqual(await forged.text(), 'success');
      const kept = await hub.store.db.selectFrom('payment_notifications').select(['status', 'error']).where('wallet', '=', 'alipay').where('status', '=', 'rejected').execute();
      assert.ok(kept.length >= 1, 'the forged notification is kept, marked rejected');
      const processed = await hub.store.db.selectFrom('payment_notifications').select(['headers', 'body', 'out_trade_no']).where('wallet', '=', 'wechatpay').where('status', '=', 'processed').executeTakeFirstOrThrow();
      const intent = await hub.store.db.selectFrom('payment_intents').select('id').where('out_trade_no', '=', processed.out_trade_no!).executeTakeFirstOrThrow();
      // That payment's own transitions; its write-back (and other payments') may land meanwhile.
      const eventsOf = () => hub.store.db.selectFrom('payment_events').select((eb) => eb.fn.countAll<string>().as('n')).where('intent_id', '=', intent.id).where('reason', 'not like', 'recorded by the department%').executeTakeFirstOrThrow();
      const before = await eventsOf();
      const replayed = await hub.services.payments.handleNotification('wechatpay', { headers: processed.headers as Record<string, string>, body: Buffer.from(processed.body, 'base64') });
      assert.equal(replayed.accepted, true);
      const afterCount = await eventsOf();
      assert.equal(afterCount.n, before.n, 'no transition from a replay');
    });
  });
}
