import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import { createAlipayWallet, type AlipayWallet } from '../../../emulators/wallets/alipay/alipay.wallet.ts';
import { isHutongError, type ErrorCode } from '../../errors.ts';
import type { PaymentProvider, ProviderNotification, RawNotification } from '../provider.ts';
import { alipayProvider } from './alipay.provider.ts';
import type { AlipayPaySettings } from './alipay.settings.ts';
import { listenOnLoopback, serveRoute, type Listening } from '../../../test/helpers/loopback.ts';

const PAYER = '2088000000000001';
const call = () => ({ signal: AbortSignal.timeout(10_000) });




function rejectsWith(code: ErrorCode, check?: (error: Error) => void) {
  return (error: unknown): boolean => {
    assert.ok(isHutongError(error), `expected a HutongError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    check?.(error);
    return true;
  };
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const chinaDate = (at: Date): string => new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
const inHalfAnHour = (): Date => new Date(Date.now() + 1_800_000);

/**
 * The hub's side of notifications, as the payments route does it: every notification kept raw,
 * verified by the provider, and answered with the provider's acknowledgement; `accept` decides
 * whether the hub took it.
 */
async function hubNotifyEndpoint(provider: PaymentProvider, accept: (count: number) => boolean) {
  const raws: RawNotification[] = [];
  const verified: ProviderNotification[] = [];
  const server = await listenOnLoopback((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const raw: RawNotification = { headers: req.headers, body: Buffer.concat(chunks) };
      raws.push(raw);
      let accepted = false;
      try {
        verified.push(await provider.verifyNotification(raw, call()));
        accepted = accept(raws.length);
      } catch {
        accepted = false;
      }
      const ack = provider.acknowledge(accepted);
      res.writeHead(ack.status, { 'content-type': ack.contentType }).end(ack.body);
    });
  });
  return { ...server, notifyUrl: `${server.url}/v1/payments/notify/alipay`, raws, verified };
}

describe('alipay payment provider against the Alipay payment emulator (official alipay-sdk)', () => {
  let wallet: AlipayWallet;
  let emulator: Listening;
  let settings: AlipayPaySettings;
  let alipay: PaymentProvider;
  let tradeCounter = 0;
  const closers: Array<() => Promise<void>> = [];
  const nextTradeNo = () => `HT${Date.now().toString(36)}${(tradeCounter += 1)}`;

  const demo = async (path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
    const response = await fetch(`${emulator.url}/alipay-pay/_demo/${path}`, { method: 'POST', body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const checkout = (outTradeNo: string, amountFen: number, notifyUrl = 'http://127.0.0.1:9/unused') =>
    alipay.createCheckout({ outTradeNo, amountFen, subject: '交通违法罚款 沪A***07', expiresAt: inHalfAnHour(), notifyUrl }, call());
  const paidTrade = async (amountFen: number, notifyUrl?: string): Promise<{ outTradeNo: string; providerTradeNo: string }> => {
    const outTradeNo = nextTradeNo();
    const { qrCodeContent } = await checkout(outTradeNo, amountFen, notifyUrl);
    const paid = await demo('pay', { qrCodeContent, payerId: PAYER });
    assert.equal(paid.status, 200);
    return { outTradeNo, providerTradeNo: paid.body.providerTradeNo as string };
  };

  before(async () => {
    wallet = createAlipayWallet({ retryDelaysMs: [30, 30, 30, 30] });
    emulator = await listenOnLoopback(serveRoute(wallet.route));
    const demoSettings = alipayProvider.settingsFromEnv({}, { emulatorsUrl: emulator.url, demo: true });
    assert.ok(demoSettings);
    settings = demoSettings;
    alipay = alipayProvider.create(settings);
  });
  after(async () => {
    wallet.close();
    for (const close of closers) await close();
    await emulator.close();
  });

  describe('settings', () => {
    it('are absent without configuration outside demo mode, and point at the emulator with the demo keys in demo mode', () => {
      assert.equal(alipayProvider.settingsFromEnv({}, { emulatorsUrl: 'http://127.0.0.1:4100', demo: false }), undefined);
      assert.equal(alipayProvider.settingsFromEnv({}, { emulatorsUrl: '', demo: true }), undefined);
      assert.ok(Value.Check(alipayProvider.settingsSchema, settings));
      assert.equal(settings.appId, '2021000000000001');
      assert.equal(settings.endpoint, `${emulator.url}/alipay-pay`);
      const overridden = alipayProvider.settingsFromEnv({ ALIPAY_ENDPOINT: 'http://10.0.0.1:4100/alipay-pay' }, { emulatorsUrl: emulator.url, demo: true });
      assert.equal(overridden?.endpoint, 'http://10.0.0.1:4100/alipay-pay');
    });

    it('read ALIPAY_* (keys as PEM, base64 or a file), refuse half a configuration, and never quote a key in an error', () => {
      const keys = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
      const folder = mkdtempSync(join(tmpdir(), 'hutong-alipay-'));
      writeFileSync(join(folder, 'app-private.pem'), keys.privateKey);
      const bareBase64 = keys.publicKey.replace(/-----[A-Z ]+-----|\s/g, '');
      const configured = alipayProvider.settingsFromEnv(
        { ALIPAY_APP_ID: '2021004100000002', ALIPAY_APP_PRIVATE_KEY: join(folder, 'app-private.pem'), ALIPAY_PUBLIC_KEY: bareBase64 },
        { emulatorsUrl: emulator.url, demo: true },
      );
      assert.ok(configured);
      assert.equal(configured.appId, '2021004100000002');
      assert.equal(configured.endpoint, 'https://openapi.alipay.com');
      assert.equal(configured.gateway, 'https://openapi.alipay.com/gateway.do');
      assert.ok(configured.privateKey.startsWith('-----BEGIN PRIVATE KEY-----'));
      assert.throws(() => alipayProvider.settingsFromEnv({ ALIPAY_APP_ID: '2021004100000002' }, { emulatorsUrl: emulator.url, demo: true }), /ALIPAY_APP_PRIVATE_KEY is required/);
      // A key that does not parse is named, never quoted.
      const brokenKey = `MII${'Q'.repeat(200)}`;
      assert.throws(
        () => alipayProvider.settingsFromEnv({ ALIPAY_APP_ID: '2021004100000002', ALIPAY_APP_PRIVATE_KEY: brokenKey, ALIPAY_PUBLIC_KEY: bareBase64 }, { emulatorsUrl: '', demo: false }),
        (error: Error) => /^ALIPAY_APP_PRIVATE_KEY is not a readable RSA private key$/.test(error.message) && !error.message.includes('QQQQ'),
      );
    });
  });

  it('describes Alipay and answers notifications exactly as Alipay expects', () => {
    assert.equal(alipay.id, 'alipay');
    assert.deepEqual(alipay.name, { zh: '支付宝', en: 'Alipay' });
    assert.deepEqual(alipay.acknowledge(true), { status: 200, contentType: 'text/plain; charset=utf-8', body: 'success' });
    assert.notEqual(alipay.acknowledge(false).body, 'success');
  });

  it('checkout → the payer pays → the notification reaches the hub, verifies, and is acknowledged once', async () => {
    const hub = await hubNotifyEndpoint(alipay, () => true);
    closers.push(hub.close);
    const outTradeNo = nextTradeNo();
    const { qrCodeContent } = await checkout(outTradeNo, 20_000, hub.notifyUrl);
    assert.match(qrCodeContent, /^https:\/\/qr\.alipay\.com\//);
    const paid = await demo('pay', { qrCodeContent, payerId: PAYER });
    assert.deepEqual(paid.body, { outTradeNo, providerTradeNo: paid.body.providerTradeNo, amountFen: 20_000 });

    await waitFor(() => hub.verified.length === 1);
    const [notice] = hub.verified;
    assert.equal(notice.kind, 'payment');
    assert.equal(notice.outTradeNo, outTradeNo);
    assert.equal(notice.state, 'succeeded');
    assert.equal(notice.amountFen, 20_000);
    assert.equal(notice.providerTradeNo, paid.body.providerTradeNo);
    assert.ok(notice.at instanceof Date && Math.abs(notice.at.getTime() - Date.now()) < 60_000);
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(hub.raws.length, 1, 'acknowledged: no retry');
    assert.deepEqual(wallet.notifications(outTradeNo).map((attempt) => attempt.acknowledged), [true]);
  });

  it('rejects a notification whose body or signature was tampered with, or that is not Alipay\'s form', async () => {
    const hub = await hubNotifyEndpoint(alipay, () => true);
    closers.push(hub.close);
    await paidTrade(999, hub.notifyUrl);
    await waitFor(() => hub.raws.length === 1);
    const genuine = hub.raws[0];
    const form = new URLSearchParams(Buffer.from(genuine.body).toString('utf8'));
    assert.ok((await alipay.verifyNotification(genuine, call())).amountFen === 999);

    const forged = (change: (params: URLSearchParams) => void): RawNotification => {
      const copy = new URLSearchParams(form);
      change(copy);
      return { headers: genuine.headers, body: Buffer.from(copy.toString()) };
    };
    const invalid = rejectsWith('HUTONG_ERR_NOTIFICATION_INVALID');
    await assert.rejects(alipay.verifyNotification(forged((p) => p.set('total_amount', '0.01')), call()), invalid);
    await assert.rejects(alipay.verifyNotification(forged((p) => p.set('trade_status', 'TRADE_CLOSED')), call()), invalid);
    const sign = form.get('sign') ?? '';
    await assert.rejects(alipay.verifyNotification(forged((p) => p.set('sign', `${sign.slice(0, 10)}${sign[10] === 'A' ? 'B' : 'A'}${sign.slice(11)}`)), call()), invalid);
    await assert.rejects(alipay.verifyNotification(forged((p) => p.delete('sign')), call()), invalid);
    await assert.rejects(alipay.verifyNotification(forged((p) => p.append('total_amount', '0.01')), call()), invalid);
    await assert.rejects(alipay.verifyNotification({ headers: { 'content-type': 'application/json' }, body: Buffer.from('{}') }, call()), invalid);
    await assert.rejects(alipay.verifyNotification({ headers: {}, body: Buffer.from([0xff, 0xfe, 0x00]) }, call()), invalid);
  });

  it('is notified again after acknowledge(false) until the hub answers acknowledge(true), then no more', async () => {
    const hub = await hubNotifyEndpoint(alipay, (count) => count >= 3);
    closers.push(hub.close);
    const { outTradeNo } = await paidTrade(4_200, hub.notifyUrl);
    await waitFor(() => hub.raws.length === 3);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(hub.raws.length, 3);
    assert.deepEqual(
      wallet.notifications(outTradeNo).map((attempt) => [attempt.attempt, attempt.answer, attempt.acknowledged]),
      [
        [1, 'fail', false],
        [2, 'fail', false],
        [3, 'success', true],
      ],
    );
  });

  it('queries a trade before and after payment', async () => {
    const outTradeNo = nextTradeNo();
    const { qrCodeContent } = await checkout(outTradeNo, 5_050);
    assert.deepEqual(await alipay.queryTrade(outTradeNo, call()), { outTradeNo, state: 'pending' });
    await demo('scan', { qrCodeContent, payerId: PAYER });
    const scanned = await alipay.queryTrade(outTradeNo, call());
    assert.equal(scanned.state, 'pending');
    assert.equal(scanned.amountFen, 5_050);
    const paid = await demo('pay', { qrCodeContent, payerId: PAYER });
    const status = await alipay.queryTrade(outTradeNo, call());
    assert.equal(status.state, 'succeeded');
    assert.equal(status.amountFen, 5_050);
    assert.equal(status.providerTradeNo, paid.body.providerTradeNo);
    assert.ok(status.paidAt && Math.abs(status.paidAt.getTime() - Date.now()) < 60_000);
  });

  it('closes a trade so that it cannot be paid, scanned or not; closing a paid trade is ALREADY_PAID', async () => {
    const scannedNo = nextTradeNo();
    const scanned = await checkout(scannedNo, 300);
    await demo('scan', { qrCodeContent: scanned.qrCodeContent, payerId: PAYER });
    await alipay.closeTrade(scannedNo, call());
    assert.equal((await alipay.queryTrade(scannedNo, call())).state, 'closed');
    assert.equal((await demo('pay', { qrCodeContent: scanned.qrCodeContent, payerId: PAYER })).status, 409);

    const unscannedNo = nextTradeNo();
    const unscanned = await checkout(unscannedNo, 300);
    await alipay.closeTrade(unscannedNo, call());
    assert.equal((await demo('pay', { qrCodeContent: unscanned.qrCodeContent, payerId: PAYER })).status, 409);

    const { outTradeNo } = await paidTrade(300);
    await assert.rejects(alipay.closeTrade(outTradeNo, call()), rejectsWith('HUTONG_ERR_PAYMENT_ALREADY_PAID'));
    assert.equal((await alipay.queryTrade(outTradeNo, call())).state, 'succeeded');
  });

  it('gives the same checkout for the same number and amount, and refuses the number with another amount', async () => {
    const outTradeNo = nextTradeNo();
    const first = await checkout(outTradeNo, 1_000);
    assert.deepEqual(await checkout(outTradeNo, 1_000), first);
    await assert.rejects(checkout(outTradeNo, 1_001), rejectsWith('HUTONG_ERR_WALLET_REFUSED', (error) => assert.match(error.message, /ACQ\.CONTEXT_INCONSISTENT/)));
    await demo('pay', { qrCodeContent: first.qrCodeContent, payerId: PAYER });
    await assert.rejects(checkout(outTradeNo, 1_000), rejectsWith('HUTONG_ERR_PAYMENT_ALREADY_PAID'));
  });

  it('refunds part, then the rest; the same refund number twice is one refund; more than was paid is refused', async () => {
    const hub = await hubNotifyEndpoint(alipay, () => true);
    closers.push(hub.close);
    const { outTradeNo } = await paidTrade(10_000, hub.notifyUrl);
    const refund = (outRefundNo: string, refundFen: number) => alipay.refund({ outTradeNo, outRefundNo, refundFen, totalFen: 10_000, reason: '测试退款' }, call());

    assert.deepEqual(await refund(`${outTradeNo}R1`, 2_500), { outRefundNo: `${outTradeNo}R1`, state: 'succeeded', refundFen: 2_500 });
    assert.deepEqual(await refund(`${outTradeNo}R1`, 2_500), { outRefundNo: `${outTradeNo}R1`, state: 'succeeded', refundFen: 2_500 });
    await assert.rejects(refund(`${outTradeNo}R2`, 7_501), rejectsWith('HUTONG_ERR_WALLET_REFUSED', (error) => assert.match(error.message, /ACQ\.REASON_TRADE_REFUND_FEE_ERR/)));
    assert.equal((await alipay.queryTrade(outTradeNo, call())).state, 'succeeded', 'a partial refund leaves the trade paid');
    // Had R1 been refunded twice, 7 500 would now be more than the balance.
    await refund(`${outTradeNo}R2`, 7_500);
    assert.equal((await alipay.queryTrade(outTradeNo, call())).state, 'refunded');
    await assert.rejects(refund(`${outTradeNo}R3`, 1), rejectsWith('HUTONG_ERR_WALLET_REFUSED'));

    await waitFor(() => hub.verified.length === 3);
    const refunds = hub.verified.filter((notice) => notice.kind === 'refund');
    assert.deepEqual(
      refunds.map(({ outRefundNo, state, amountFen }) => ({ outRefundNo, state, amountFen })),
      [
        { outRefundNo: `${outTradeNo}R1`, state: 'succeeded', amountFen: 2_500 },
        { outRefundNo: `${outTradeNo}R2`, state: 'refunded', amountFen: 10_000 },
      ],
    );
  });

  it('reads the day\'s statement with the payment and the refund in fen, and every statement adjustment', async () => {
    const { outTradeNo, providerTradeNo } = await paidTrade(12_345);
    await alipay.refund({ outTradeNo, outRefundNo: `${outTradeNo}R1`, refundFen: 2_345, totalFen: 12_345, reason: '部分退款' }, call());
    const paidAt = (await alipay.queryTrade(outTradeNo, call())).paidAt as Date;
    const day = chinaDate(paidAt);
    await assert.rejects(alipay.downloadStatement?.(day, call()) ?? Promise.resolve(), rejectsWith('HUTONG_ERR_WALLET_REFUSED', (error) => assert.match(error.message, /isp\.bill_not_exist/)));

    const other = await paidTrade(800);
    try {
      await demo('clock', { offsetSeconds: 86_400 });
      const statement = async () => {
        const lines = await alipay.downloadStatement?.(day, call());
        assert.ok(lines);
        return lines;
      };
      const lines = (await statement()).filter((line) => line.outTradeNo === outTradeNo);
      assert.deepEqual(
        lines.map(({ kind, outRefundNo, providerTradeNo: tradeNo, amountFen }) => ({ kind, outRefundNo, tradeNo, amountFen })),
        [
          { kind: 'payment', outRefundNo: undefined, tradeNo: providerTradeNo, amountFen: 12_345 },
          { kind: 'refund', outRefundNo: `${outTradeNo}R1`, tradeNo: providerTradeNo, amountFen: 2_345 },
        ],
      );
      assert.equal(Math.floor(lines[0].at.getTime() / 1000), Math.floor(paidAt.getTime() / 1000));

      await demo('statement-adjustments', { date: day, kind: 'add-payment', outTradeNo: 'HTUNSEEN000001', amountFen: 4_321 });
      await demo('statement-adjustments', { date: day, kind: 'change-amount', outTradeNo, amountFen: 12_000 });
      await demo('statement-adjustments', { date: day, kind: 'drop-trade', outTradeNo: other.outTradeNo });
      const adjusted = await statement();
      assert.deepEqual(
        adjusted.filter((line) => line.outTradeNo === 'HTUNSEEN000001').map((line) => [line.kind, line.amountFen]),
        [['payment', 4_321]],
      );
      assert.deepEqual(
        adjusted.filter((line) => line.outTradeNo === outTradeNo).map((line) => [line.kind, line.amountFen]),
        [
          ['payment', 12_000],
          ['refund', 2_345],
        ],
      );
      assert.equal(adjusted.filter((line) => line.outTradeNo === other.outTradeNo).length, 0);
    } finally {
      await demo('clock', { offsetSeconds: 0 });
    }
  });

  describe('when the wire goes wrong', () => {
    it('rejects an answer whose signature the emulator corrupted, or left out, as WALLET_UNAVAILABLE', async () => {
      const { outTradeNo } = await paidTrade(100);
      try {
        await demo('faults', { responseSignature: 'corrupt' });
        await assert.rejects(checkout(nextTradeNo(), 100), rejectsWith('HUTONG_ERR_WALLET_UNAVAILABLE', (error) => assert.match(error.message, /signature/)));
        await assert.rejects(alipay.queryTrade(outTradeNo, call()), rejectsWith('HUTONG_ERR_WALLET_UNAVAILABLE'));
        await demo('faults', { responseSignature: 'missing' });
        await assert.rejects(checkout(nextTradeNo(), 100), rejectsWith('HUTONG_ERR_WALLET_UNAVAILABLE'));
        await assert.rejects(alipay.queryTrade(outTradeNo, call()), rejectsWith('HUTONG_ERR_WALLET_UNAVAILABLE'));
      } finally {
        await demo('faults', { responseSignature: 'valid' });
      }
      assert.equal((await alipay.queryTrade(outTradeNo, call())).state, 'succeeded');
      assert.ok((await checkout(nextTradeNo(), 100)).qrCodeContent);
    });

    it('maps HTTP 5xx and an unreachable wallet to WALLET_UNAVAILABLE', async () => {
      try {
        await demo('faults', { serverErrors: 1 });
        await assert.rejects(checkout(nextTradeNo(), 100), rejectsWith('HUTONG_ERR_WALLET_UNAVAILABLE', (error) => assert.match(error.message, /HTTP 500/)));
      } finally {
        await demo('faults', { serverErrors: 0 });
      }
      const gone = await listenOnLoopback(() => undefined);
      const goneUrl = gone.url;
      await gone.close();
      const unreachable = alipayProvider.create({ ...settings, endpoint: `${goneUrl}/alipay-pay` });
      await assert.rejects(unreachable.queryTrade('HT00000001', call()), rejectsWith('HUTONG_ERR_WALLET_UNAVAILABLE', (error) => assert.match(error.message, /could not be reached/)));
    });

    it('is refused by the emulator when it signs with a key that is not the app\'s, and never quotes the key', async () => {
      const stranger = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
      const impostor = alipayProvider.create({ ...settings, privateKey: stranger.privateKey });
      const keyBody = stranger.privateKey.split('\n')[5];
      await assert.rejects(
        impostor.createCheckout({ outTradeNo: nextTradeNo(), amountFen: 100, subject: 's', expiresAt: inHalfAnHour(), notifyUrl: 'http://127.0.0.1:9/n' }, call()),
        rejectsWith('HUTONG_ERR_WALLET_UNAVAILABLE', (error) => {
          assert.match(error.message, /HTTP 401 \(invalid-signature\)/);
          assert.ok(!JSON.stringify({ message: error.message, details: (error as { details?: unknown }).details }).includes(keyBody));
        }),
      );
    });

    it('aborts the request on the wire when the call\'s signal aborts', async () => {
      let closedByClient = false;
      // Never answers; the client giving up shows as its connection closing.
      const hanging = await listenOnLoopback((req) => {
        req.socket.on('close', () => {
          closedByClient = true;
        });
      });
      closers.push(hanging.close);
      const slow = alipayProvider.create({ ...settings, endpoint: `${hanging.url}/alipay-pay`, timeoutMs: 30_000 });
      const started = Date.now();
      const reason = new Error('deadline passed');
      const controller = new AbortController();
      setTimeout(() => controller.abort(reason), 150);
      await assert.rejects(slow.queryTrade('HT00000002', { signal: controller.signal }), (error) => error === reason);
      assert.ok(Date.now() - started < 2_000, 'it did not wait for the SDK timeout');
      await waitFor(() => closedByClient, 2_000);
      await assert.rejects(slow.queryTrade('HT00000003', { signal: AbortSignal.abort(reason) }), (error) => error === reason);
    });
  });
});

