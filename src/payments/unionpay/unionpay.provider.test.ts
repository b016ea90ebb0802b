import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { after, afterEach, before, describe, it } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import { createUnionpayWallet, UNIONPAY_DEMO_KEY_FILES, UNIONPAY_DEMO_MER_ID, type UnionpayWallet } from '../../../emulators/wallets/unionpay/unionpay.wallet.ts';
import { signAcp } from '../../../emulators/wallets/unionpay/acp-signing.ts';
import { isHutongError, type ErrorCode } from '../../errors.ts';
import type { PaymentProvider, ProviderNotification, RawNotification } from '../provider.ts';
import { unionpayProvider, type UnionpaySettings } from './unionpay.provider.ts';
import { listenOnLoopback } from '../../../test/helpers/loopback.ts';

let wallet: UnionpayWallet;
let walletServer: http.Server;
let walletUrl: string;
let notifyServer: http.Server;
let notifyUrl: string;
let provider: PaymentProvider;
let settings: UnionpaySettings;

/** How the hub answers the next notifications: false = not taken yet; true once the list is used up. */
let acceptPlan: boolean[] = [];
const arrived: Array<{ raw: RawNotification; decoded?: ProviderNotification; answered: number }> = [];

async function listen(server: http.Server): Promise<string> {
  return (await listenOnLoopback(server)).url;
}

const call = () => ({ signal: AbortSignal.timeout(5_000) });

before(async () => {
  wallet = createUnionpayWallet({ retryDelaysMs: [20, 40, 80, 160, 320] });
  walletServer = http.createServer(async (req, res) => {
    if (!(await wallet.route(req, res, new URL(req.url ?? '/', 'http://wallet.invalid')))) res.writeHead(404).end();
  });
  walletUrl = await listen(walletServer);
  settings = unionpayProvider.settingsFromEnv({}, { emulatorsUrl: walletUrl, demo: true }) as UnionpaySettings;
  provider = unionpayProvider.create(settings);
  // The hub's notify URL: verify, then acknowledge as the plan says.
  notifyServer = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw: RawNotification = { headers: { ...req.headers }, body: new Uint8Array(Buffer.concat(chunks)) };
    let decoded: ProviderNotification | undefined;
    try {
      decoded = await provider.verifyNotification(raw, call());
    } catch {
      decoded = undefined;
    }
    const ack = provider.acknowledge(decoded !== undefined && (acceptPlan.shift() ?? true));
    arrived.push({ raw, decoded, answered: ack.status });
    res.writeHead(ack.status, { 'content-type': ack.contentType }).end(ack.body);
  });
  notifyUrl = `${await listen(notifyServer)}/v1/payments/notify/unionpay`;
});

after(async () => {
  wallet.close();
  await new Promise((resolve) => walletServer.close(resolve));
  await new Promise((resolve) => notifyServer.close(resolve));
});

afterEach(async () => {
  await demo('/_demo/clock', { offsetSeconds: 0 });
  await demo('/_demo/faults', { responseSignature: 'valid' });
  acceptPlan = [];
});

let sequence = 0;
const tradeNo = (): string => `HT${Date.now().toString(36)}${(sequence += 1).toString().padStart(4, '0')}`;
const today = (): string => new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);

async function demo(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${walletUrl}/unionpay${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

function checkout(outTradeNo: string, amountFen: number, expiresInMs = 15 * 60_000, target: PaymentProvider = provider) {
  return target.createCheckout({ outTradeNo, amountFen, subject: '交通违法罚款 沪A***07', expiresAt: new Date(Date.now() + expiresInMs), notifyUrl }, call());
}

async function paidTrade(amountFen: number): Promise<{ outTradeNo: string; providerTradeNo: string }> {
  const outTradeNo = tradeNo();
  const { qrCodeContent } = await checkout(outTradeNo, amountFen);
  const paid = await demo('/_demo/pay', { qrCodeContent, payerId: 'citizen-1' });
  assert.equal(paid.status, 200);
  await wallet.idle();
  return { outTradeNo, providerTradeNo: paid.json.providerTradeNo as string };
}

function failsWith(code: ErrorCode, ...mentions: string[]) {
  return (error: unknown): boolean => {
    assert.ok(isHutongError(error), `expected a HutongError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    for (const text of mentions) assert.ok(error.message.includes(text), `"${error.message}" mentions ${text}`);
    assert.ok(!error.message.includes('PRIVATE KEY') && !error.message.includes(settings.merchantPrivateKey.slice(40, 80)), 'no key in the message');
    return true;
  };
}

/** A notification body with one field changed, the signature left as it was. */
function withField(raw: RawNotification, name: string, value: string): RawNotification {
  const form = new URLSearchParams(Buffer.from(raw.body).toString('utf8'));
  form.set(name, value);
  return { headers: raw.headers, body: new Uint8Array(Buffer.from(form.toString())) };
}

describe('UnionPay settings', () => {
  it('uses the emulator and its demo merchant in demo mode, nothing when not configured, and refuses half a configuration', () => {
    assert.ok(Value.Check(unionpayProvider.settingsSchema, settings));
    assert.equal(settings.gateway, `${walletUrl}/unionpay`);
    assert.equal(settings.fileTransUrl, `${walletUrl}/unionpay/gateway/api/fileTransReq.do`);
    assert.equal(settings.merId, UNIONPAY_DEMO_MER_ID);
    assert.equal(unionpayProvider.settingsFromEnv({}, { emulatorsUrl: walletUrl, demo: false }), undefined);
    assert.throws(() => unionpayProvider.settingsFromEnv({ UNIONPAY_MER_ID: '898000000000002' }, { emulatorsUrl: walletUrl, demo: true }), /UNIONPAY_CERT_ID is required/);
    const configured = unionpayProvider.settingsFromEnv(
      {
        UNIONPAY_MER_ID: '898000000000002',
        UNIONPAY_CERT_ID: '123',
        UNIONPAY_MERCHANT_PRIVATE_KEY: UNIONPAY_DEMO_KEY_FILES.merchantPrivate.pathname,
        UNIONPAY_PLATFORM_PUBLIC_KEY: readFileSync(UNIONPAY_DEMO_KEY_FILES.platformPublic, 'utf8'),
      },
      { emulatorsUrl: walletUrl, demo: true },
    );
    assert.equal(configured?.gateway, 'https://gateway.95516.com');
    assert.equal(configured?.fileTransUrl, 'https://filedownload.95516.com/');
    assert.match(configured?.merchantPrivateKey ?? '', /BEGIN PRIVATE KEY/);
  });
});

describe('UnionPay provider against the UnionPay emulator', () => {
  it('creates a QR checkout; the payment is notified to the notify URL and verifyNotification accepts it', async () => {
    const outTradeNo = tradeNo();
    const { qrCodeContent } = await checkout(outTradeNo, 20000);
    assert.match(qrCodeContent, /^https:\/\/qr\.95516\.com\//);
    const paid = await demo('/_demo/pay', { qrCodeContent, payerId: 'citizen-1' });
    await wallet.idle();
    const notification = arrived.find((a) => a.decoded?.outTradeNo === outTradeNo);
    assert.ok(notification, 'the notification reached the notify URL and verified');
    assert.equal(notification.answered, 200);
    const { at, ...rest } = notification.decoded as ProviderNotification;
    assert.deepEqual(rest, { kind: 'payment', outTradeNo, state: 'succeeded', amountFen: 20000, providerTradeNo: paid.json.providerTradeNo });
    assert.ok(at && Math.abs(at.getTime() - Date.now()) < 60_000, 'paid just now');
  });

  it('rejects a notification whose body or signature was tampered with, or signed by another key', async () => {
    const { outTradeNo } = await paidTrade(500);
    const raw = arrived.find((a) => a.decoded?.outTradeNo === outTradeNo)?.raw as RawNotification;
    await assert.rejects(provider.verifyNotification(withField(raw, 'txnAmt', '1'), call()), failsWith('HUTONG_ERR_NOTIFICATION_INVALID'));
    const signature = new URLSearchParams(Buffer.from(raw.body).toString('utf8')).get('signature') as string;
    const flipped = `${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`;
    await assert.rejects(provider.verifyNotification(withField(raw, 'signature', flipped), call()), failsWith('HUTONG_ERR_NOTIFICATION_INVALID'));
    // A forger signing with their own key and naming it in signPubKeyCert.
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const fields = Object.fromEntries(new URLSearchParams(Buffer.from(raw.body).toString('utf8')));
    fields.signPubKeyCert = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    fields.signature = signAcp(fields, privateKey);
    const forged: RawNotification = { headers: raw.headers, body: new Uint8Array(Buffer.from(new URLSearchParams(fields).toString())) };
    await assert.rejects(provider.verifyNotification(forged, call()), failsWith('HUTONG_ERR_NOTIFICATION_INVALID'));
    await assert.rejects(provider.verifyNotification({ headers: {}, body: new Uint8Array(Buffer.from('not a form')) }, call()), failsWith('HUTONG_ERR_NOTIFICATION_INVALID'));
  });

  it('is notified again while the hub answers acknowledge(false), and no more after acknowledge(true)', async () => {
    assert.deepEqual(provider.acknowledge(true), { status: 200, contentType: 'text/plain; charset=utf-8', body: 'ok' });
    assert.notEqual(provider.acknowledge(false).status, 200);
    acceptPlan = [false, false];
    const { outTradeNo } = await paidTrade(700);
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.deepEqual(wallet.notifications(outTradeNo).map((a) => a.status), [500, 500, 200]);
    assert.equal(arrived.filter((a) => a.decoded?.outTradeNo === outTradeNo).length, 3);
  });

  it('queries a trade: pending before payment, succeeded with amount, queryId and time after', async () => {
    const outTradeNo = tradeNo();
    const { qrCodeContent } = await checkout(outTradeNo, 1500);
    assert.deepEqual(await provider.queryTrade(outTradeNo, call()), { outTradeNo, state: 'pending' });
    const paid = await demo('/_demo/pay', { qrCodeContent, payerId: 'citizen-2' });
    const status = await provider.queryTrade(outTradeNo, call());
    assert.equal(status.state, 'succeeded');
    assert.equal(status.amountFen, 1500);
    assert.equal(status.providerTradeNo, paid.json.providerTradeNo);
    assert.ok(status.paidAt && Math.abs(status.paidAt.getTime() - Date.now()) < 60_000);
  });

  it('closes a trade once UnionPay has ended it at its payTimeout; a paid one is ALREADY_PAID; an open one cannot be closed yet', async () => {
    const open = tradeNo();
    const { qrCodeContent } = await checkout(open, 800, 60_000);
    await assert.rejects(provider.closeTrade(open, call()), failsWith('HUTONG_ERR_WALLET_REFUSED', 'payTimeout'));
    await demo('/_demo/clock', { offsetSeconds: 120 });
    await provider.closeTrade(open, call());
    assert.equal((await provider.queryTrade(open, call())).state, 'closed');
    assert.equal((await demo('/_demo/pay', { qrCodeContent, payerId: 'late' })).status, 409, 'nobody can pay it any more');
    await demo('/_demo/clock', { offsetSeconds: 0 });
    const { outTradeNo: paid } = await paidTrade(900);
    await assert.rejects(provider.closeTrade(paid, call()), failsWith('HUTONG_ERR_PAYMENT_ALREADY_PAID'));
  });

  it('returns the same checkout for the same trade and amount, and refuses the same trade number with another amount', async () => {
    const outTradeNo = tradeNo();
    const first = await checkout(outTradeNo, 1000);
    assert.deepEqual(await checkout(outTradeNo, 1000), first);
    await assert.rejects(checkout(outTradeNo, 1001), failsWith('HUTONG_ERR_WALLET_REFUSED', 'respCode 12'));
  });

  it('refuses a trade number UnionPay does not accept as an orderId, with its code', async () => {
    await assert.rejects(checkout('HT-2026-12', 100), failsWith('HUTONG_ERR_WALLET_REFUSED', 'respCode 10'));
  });

  it('refunds partly and fully, the same refund number once, and refuses more than was paid', async () => {
    const { outTradeNo } = await paidTrade(1000);
    const partial = await provider.refund({ outTradeNo, outRefundNo: 'r1', refundFen: 300, totalFen: 1000, reason: 'overpaid' }, call());
    assert.deepEqual(partial, { outRefundNo: 'r1', state: 'succeeded', refundFen: 300 });
    assert.deepEqual(await provider.refund({ outTradeNo, outRefundNo: 'r1', refundFen: 300, totalFen: 1000, reason: 'overpaid' }, call()), partial);
    await assert.rejects(provider.refund({ outTradeNo, outRefundNo: 'r2', refundFen: 701, totalFen: 1000, reason: 'too much' }, call()), failsWith('HUTONG_ERR_WALLET_REFUSED', 'respCode 33'));
    await assert.rejects(provider.refund({ outTradeNo, outRefundNo: 'r1', refundFen: 200, totalFen: 1000, reason: 'changed' }, call()), failsWith('HUTONG_ERR_WALLET_REFUSED', 'respCode 12'));
    const rest = await provider.refund({ outTradeNo, outRefundNo: 'r3', refundFen: 700, totalFen: 1000, reason: 'cancelled' }, call());
    assert.equal(rest.state, 'succeeded');
    await wallet.idle();
    const refunds = arrived.map((a) => a.decoded).filter((d) => d?.kind === 'refund' && d.outTradeNo === outTradeNo);
    assert.deepEqual(
      refunds.map((d) => [d?.outRefundNo, d?.amountFen, d?.state]),
      [
        ['r1', 300, 'refunded'],
        ['r3', 700, 'refunded'],
      ],
      'one notification per refund, at the checkout\'s notify URL',
    );
  });

  it('refuses to refund a trade nobody paid', async () => {
    const outTradeNo = tradeNo();
    await checkout(outTradeNo, 100);
    await assert.rejects(provider.refund({ outTradeNo, outRefundNo: 'r1', refundFen: 100, totalFen: 100, reason: 'x' }, call()), failsWith('HUTONG_ERR_WALLET_REFUSED'));
  });

  it('downloads the day\'s statement with the payment and the refund in fen, and each adjustment shows', async () => {
    const { outTradeNo, providerTradeNo } = await paidTrade(4321);
    await provider.refund({ outTradeNo, outRefundNo: 'back-1', refundFen: 1321, totalFen: 4321, reason: 'partial' }, call());
    const lines = await provider.downloadStatement!(today(), call());
    const payment = lines.find((l) => l.kind === 'payment' && l.outTradeNo === outTradeNo);
    assert.deepEqual({ ...payment, at: undefined }, { kind: 'payment', outTradeNo, providerTradeNo, amountFen: 4321, at: undefined });
    assert.ok(payment?.at instanceof Date && Math.abs(payment.at.getTime() - Date.now()) < 60_000);
    const refund = lines.find((l) => l.kind === 'refund' && l.outTradeNo === outTradeNo);
    assert.equal(refund?.outRefundNo, 'back-1');
    assert.equal(refund?.amountFen, 1321);

    const changed = await paidTrade(5000);
    const dropped = await paidTrade(6000);
    const unseen = tradeNo();
    for (const adjustment of [
      { kind: 'add-payment', outTradeNo: unseen, amountFen: 777 },
      { kind: 'drop-trade', outTradeNo: dropped.outTradeNo },
      { kind: 'change-amount', outTradeNo: changed.outTradeNo, amountFen: 4999 },
    ]) {
      assert.equal((await demo('/_demo/statement-adjustments', { date: today(), ...adjustment })).status, 200);
    }
    const adjusted = await provider.downloadStatement!(today(), call());
    assert.equal(adjusted.find((l) => l.outTradeNo === unseen)?.amountFen, 777);
    assert.equal(adjusted.find((l) => l.outTradeNo === dropped.outTradeNo), undefined);
    assert.equal(adjusted.find((l) => l.outTradeNo === changed.outTradeNo)?.amountFen, 4999);
    await assert.rejects(provider.downloadStatement!('2026-02-30', call()), failsWith('HUTONG_ERR_VALIDATION'));
  });

  it('treats an answer whose signature does not verify, or that has none, as the wallet being unavailable', async () => {
    await demo('/_demo/faults', { responseSignature: 'corrupt' });
    await assert.rejects(checkout(tradeNo(), 100), failsWith('HUTONG_ERR_WALLET_UNAVAILABLE', 'signature'));
    await demo('/_demo/faults', { responseSignature: 'missing' });
    await assert.rejects(provider.downloadStatement!(today(), call()), failsWith('HUTONG_ERR_WALLET_UNAVAILABLE', 'unsigned'));
  });

  it('is refused by UnionPay (respCode 11) when it signs with a key the merchant did not register', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const stranger = unionpayProvider.create({ ...settings, merchantPrivateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() });
    await assert.rejects(checkout(tradeNo(), 100, 60_000, stranger), failsWith('HUTONG_ERR_WALLET_REFUSED', 'respCode 11'));
  });

  it('cannot ask UnionPay about a trade this process did not send (no txnTime)', async () => {
    await assert.rejects(provider.queryTrade(tradeNo(), call()), failsWith('HUTONG_ERR_WALLET_REFUSED', 'txnTime'));
  });
});

describe('UnionPay provider when the wallet cannot be reached', () => {
  it('maps an unreachable gateway, an HTTP 5xx and a missed deadline to WALLET_UNAVAILABLE', async () => {
    const closed = http.createServer();
    const closedUrl = await listen(closed);
    await new Promise((resolve) => closed.close(resolve));
    const unreachable = unionpayProvider.create({ ...settings, gateway: `${closedUrl}/unionpay` });
    await assert.rejects(checkout(tradeNo(), 100, 60_000, unreachable), failsWith('HUTONG_ERR_WALLET_UNAVAILABLE', 'could not be reached'));

    const failing = http.createServer((_req, res) => res.writeHead(502).end('Bad Gateway'));
    const failingUrl = await listen(failing);
    const broken = unionpayProvider.create({ ...settings, gateway: failingUrl });
    await assert.rejects(checkout(tradeNo(), 100, 60_000, broken), failsWith('HUTONG_ERR_WALLET_UNAVAILABLE', 'HTTP 502'));

    const silent = http.createServer(() => undefined);
    const silentUrl = await listen(silent);
    const slow = unionpayProvider.create({ ...settings, gateway: silentUrl });
    await assert.rejects(
      slow.createCheckout({ outTradeNo: tradeNo(), amountFen: 100, subject: 's', expiresAt: new Date(Date.now() + 60_000), notifyUrl }, { signal: AbortSignal.timeout(100) }),
      failsWith('HUTONG_ERR_WALLET_UNAVAILABLE', 'in time'),
    );
    silent.closeAllConnections();
    await new Promise((resolve) => failing.close(resolve));
    await new Promise((resolve) => silent.close(resolve));
  });
});
