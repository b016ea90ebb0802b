import assert from 'node:assert/strict';
import { createCipheriv, createPrivateKey, createSign, generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createWechatpayWallet, WECHATPAY_RETRY_DELAYS_MS, type WechatpayWallet } from '../../../emulators/wallets/wechatpay/wechatpay.wallet.ts';
import { readWechatpayDemoKeys, WECHATPAY_DEMO_MERCHANT } from '../../../emulators/wallets/wechatpay/wechatpay.demo-merchant.ts';
import { isHutongError, type ErrorCode } from '../../errors.ts';
import type { PaymentProvider, ProviderNotification, RawNotification } from '../provider.ts';
import { createWechatpayProvider, wechatpayProvider } from './wechatpay.provider.ts';
import type { WechatpaySettings } from './wechatpay.settings.ts';
import { listenOnLoopback } from '../../../test/helpers/loopback.ts';

const KEYS = readWechatpayDemoKeys();
const call = () => ({ signal: AbortSignal.timeout(5_000) });
const minutes = (count: number): Date => new Date(Date.now() + count * 60_000);

let wallet: WechatpayWallet;
let emulatorsUrl: string;
let settings: WechatpaySettings;
let provider: PaymentProvider;
const servers: http.Server[] = [];

/** What the hub's notify route does: keep the raw notification, verify it, answer the wallet. */
interface NotifyInbox {
  readonly url: string;
  readonly raw: RawNotification[];
  readonly verified: ProviderNotification[];
  /** How many notifications the hub answers as not taken before it takes them. */
  refuseFirst: number;
}

async function listen(handler: http.RequestListener): Promise<string> {
  const listening = await listenOnLoopback(handler);
  servers.push(listening.server);
  return listening.url;
}

async function notifyInbox(hub: PaymentProvider = provider): Promise<NotifyInbox> {
  const inbox: NotifyInbox = { url: '', raw: [], verified: [], refuseFirst: 0 };
  const origin = await listen(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw: RawNotification = { headers: { ...req.headers }, body: new Uint8Array(Buffer.concat(chunks)) };
    inbox.raw.push(raw);
    let accepted = false;
    try {
      inbox.verified.push(await hub.verifyNotification(raw, call()));
      accepted = inbox.refuseFirst <= 0;
      inbox.refuseFirst--;
    } catch {
      accepted = false;
    }
    const ack = hub.acknowledge(accepted);
    res.writeHead(ack.status, { 'content-type': ack.contentType }).end(ack.body);
  });
  return Object.assign(inbox, { url: `${origin}/v1/payments/notify/wechatpay` });
}

async function demo(path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${emulatorsUrl}/wechatpay/_demo/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function eventually<T>(check: () => T | undefined, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function failsWith(code: ErrorCode, ...mentions: string[]) {
  return (error: unknown): boolean => {
    assert.ok(isHutongError(error), `expected a HutongError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    for (const mention of mentions) assert.ok(error.message.includes(mention), `"${error.message}" mentions ${mention}`);
    for (const secret of [KEYS.apiV3Key, KEYS.merchantPrivateKey.split('\n')[1]]) {
      assert.ok(!error.message.includes(secret) && !JSON.stringify(error.details ?? {}).includes(secret), 'no secret in the error');
    }
    return true;
  };
}

async function checkoutAndPay(outTradeNo: string, amountFen: number, notifyUrl: string): Promise<{ qrCodeContent: string; providerTradeNo: string }> {
  const { qrCodeContent } = await provider.createCheckout({ outTradeNo, amountFen, subject: '交通违法罚款 沪A***07', expiresAt: minutes(15), notifyUrl }, call());
  const paid = await demo('pay', { qrCodeContent, payerId: 'citizen-1' });
  assert.equal(paid.status, 200);
  assert.equal(paid.body.outTradeNo, outTradeNo);
  return { qrCodeContent, providerTradeNo: String(paid.body.providerTradeNo) };
}

/** A notification signed with the demo platform key, its resource sealed with `apiV3Key`. */
function forgedNotification(content: Record<string, unknown>, apiV3Key: string): RawNotification {
  const nonce = randomBytes(6).toString('hex');
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(apiV3Key), Buffer.from(nonce)).setAAD(Buffer.from('transaction'));
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(content)), cipher.final(), cipher.getAuthTag()]).toString('base64');
  const body = JSON.stringify({
    id: 'EV-forged',
    create_time: '2026-03-10T12:00:00+08:00',
    resource_type: 'encrypt-resource',
    event_type: 'TRANSACTION.SUCCESS',
    summary: '支付成功',
    resource: { algorithm: 'AEAD_AES_256_GCM', ciphertext, associated_data: 'transaction', original_type: 'transaction', nonce },
  });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signatureNonce = randomBytes(16).toString('hex');
  const signature = createSign('RSA-SHA256').update(`${timestamp}\n${signatureNonce}\n${body}\n`).sign(createPrivateKey(KEYS.platformPrivateKey), 'base64');
  return {
    headers: { 'wechatpay-timestamp': timestamp, 'wechatpay-nonce': signatureNonce, 'wechatpay-serial': WECHATPAY_DEMO_MERCHANT.platformPublicKeyId, 'wechatpay-signature': signature },
    body: Buffer.from(body),
  };
}

before(async () => {
  // WeChat Pay's schedule, a thousand times faster.
  wallet = createWechatpayWallet({ retryDelaysMs: WECHATPAY_RETRY_DELAYS_MS.map((ms) => ms / 1000), refundSettleMs: 20 });
  emulatorsUrl = await listen((req, res) => {
    void Promise.resolve(wallet.route(req, res, new URL(req.url ?? '/', 'http://emulators.invalid'))).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  });
  const demoSettings = wechatpayProvider.settingsFromEnv({}, { emulatorsUrl, demo: true });
  assert.ok(demoSettings);
  settings = { ...demoSettings, timeoutMs: 3_000 };
  provider = wechatpayProvider.create(settings);
});

after(async () => {
  wallet.close();
  for (const server of servers) server.closeAllConnections();
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
});

describe('WeChat Pay provider: settings', () => {
  it('is not installed without settings outside demo mode, and uses the emulator with the demo merchant in demo mode', () => {
    assert.equal(wechatpayProvider.settingsFromEnv({}, { emulatorsUrl: 'http://127.0.0.1:4100', demo: false }), undefined);
    const demoSettings = wechatpayProvider.settingsFromEnv({}, { emulatorsUrl: 'http://127.0.0.1:4100/', demo: true });
    assert.equal(demoSettings?.baseUrl, 'http://127.0.0.1:4100/wechatpay');
    assert.equal(demoSettings?.mchid, WECHATPAY_DEMO_MERCHANT.mchid);
    assert.equal(demoSettings?.platformPublicKeyId, WECHATPAY_DEMO_MERCHANT.platformPublicKeyId);
  });

  it('reads a real configuration, and names what is missing from a half one without printing any value', () => {
    const env = {
      WECHATPAY_MCHID: '1230000109',
      WECHATPAY_MERCHANT_SERIAL: WECHATPAY_DEMO_MERCHANT.merchantSerial,
      WECHATPAY_MERCHANT_PRIVATE_KEY: KEYS.merchantPrivateKey.replaceAll('\n', '\\n'),
      WECHATPAY_PLATFORM_PUBLIC_KEY: KEYS.platformPublicKey,
      WECHATPAY_PLATFORM_PUBLIC_KEY_ID: WECHATPAY_DEMO_MERCHANT.platformPublicKeyId,
      WECHATPAY_APIV3_KEY: KEYS.apiV3Key,
      WECHAT_APP_ID: 'wx1234567890abcdef',
    };
    const real = wechatpayProvider.settingsFromEnv(env, { emulatorsUrl: '', demo: false });
    assert.equal(real?.baseUrl, 'https://api.mch.weixin.qq.com');
    assert.equal(real?.appId, 'wx1234567890abcdef');
    assert.match(real?.merchantPrivateKey ?? '', /^-----BEGIN PRIVATE KEY-----\n/);
    const { WECHATPAY_APIV3_KEY: _key, WECHAT_APP_ID: _app, ...half } = env;
    assert.throws(
      () => wechatpayProvider.settingsFromEnv(half, { emulatorsUrl: '', demo: true }),
      (error: Error) => /WECHATPAY_APIV3_KEY/.test(error.message) && /WECHAT_APP_ID/.test(error.message) && !error.message.includes(KEYS.merchantPrivateKey.split('\n')[1]),
    );
    assert.throws(() => wechatpayProvider.settingsFromEnv({ ...env, WECHATPAY_MERCHANT_PRIVATE_KEY: 'not-a-key-file' }, { emulatorsUrl: '', demo: false }), /WECHATPAY_MERCHANT_PRIVATE_KEY/);
  });

  it('acknowledges as WeChat Pay expects: 200 with an empty body, or a FAIL it will retry', () => {
    assert.deepEqual(provider.acknowledge(true), { status: 200, contentType: 'text/plain; charset=utf-8', body: '' });
    const refused = provider.acknowledge(false);
    assert.ok(refused.status >= 400);
    assert.deepEqual(JSON.parse(refused.body), { code: 'FAIL', message: '失败' });
  });
});

describe('WeChat Pay provider against the WeChat Pay emulator', () => {
  it('checks out, and the payment notification arrives, verifies and decodes', async () => {
    const inbox = await notifyInbox();
    const { providerTradeNo } = await checkoutAndPay('HTPAY00000001', 20000, inbox.url);
    const notice = await eventually(() => inbox.verified[0]);
    assert.equal(notice.kind, 'payment');
    assert.equal(notice.outTradeNo, 'HTPAY00000001');
    assert.equal(notice.state, 'succeeded');
    assert.equal(notice.amountFen, 20000);
    assert.equal(notice.providerTradeNo, providerTradeNo);
    assert.ok(notice.at instanceof Date && Math.abs(notice.at.getTime() - Date.now()) < 60_000);
  });

  it('rejects a notification whose body or signature was tampered with, that is stale, or that it cannot decrypt', async () => {
    const inbox = await notifyInbox();
    await checkoutAndPay('HTPAY00000002', 100, inbox.url);
    const raw = await eventually(() => inbox.raw[0]);
    await provider.verifyNotification(raw, call());
    const body = Buffer.from(raw.body).toString('utf8');
    const tamperedBody = { ...raw, body: Buffer.from(body.replace('"summary":"支付成功"', '"summary":"支付成功 "')) };
    await assert.rejects(provider.verifyNotification(tamperedBody, call()), failsWith('HUTONG_ERR_NOTIFICATION_INVALID'));
    const signature = String(raw.headers['wechatpay-signature']);
    const tamperedSignature = { ...raw, headers: { ...raw.headers, 'wechatpay-signature': `${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}` } };
    await assert.rejects(provider.verifyNotification(tamperedSignature, call()), failsWith('HUTONG_ERR_NOTIFICATION_INVALID'));
    const unsigned = { ...raw, headers: { 'content-type': 'application/json' } };
    await assert.rejects(provider.verifyNotification(unsigned, call()), failsWith('HUTONG_ERR_NOTIFICATION_INVALID'));
    const otherKeyId = { ...raw, headers: { ...raw.headers, 'wechatpay-serial': 'PUB_KEY_ID_0000' } };
    await assert.rejects(provider.verifyNotification(otherKeyId, call()), failsWith('HUTONG_ERR_NOTIFICATION_INVALID'));
    const stale = { ...raw, headers: { ...raw.headers, 'wechatpay-timestamp': String(Math.floor(Date.now() / 1000) - 3600) } };
    await assert.rejects(provider.verifyNotification(stale, call()), failsWith('HUTONG_ERR_NOTIFICATION_INVALID'));

    const content = { mchid: WECHATPAY_DEMO_MERCHANT.mchid, out_trade_no: 'HTPAY00000002', transaction_id: '4200000000202603101234567890', trade_state: 'SUCCESS', amount: { total: 100 } };
    // Signed correctly, but sealed with a key that is not the merchant's APIv3 key.
    await assert.rejects(provider.verifyNotification(forgedNotification(content, 'k'.repeat(32)), call()), failsWith('HUTONG_ERR_NOTIFICATION_INVALID', 'decrypt'));
    const genuine = await provider.verifyNotification(forgedNotification(content, KEYS.apiV3Key), call());
    assert.equal(genuine.amountFen, 100, 'the same notification sealed with the right key is read');
  });

  it('is notified again until the hub acknowledges, and no more after', async () => {
    const inbox = await notifyInbox();
    inbox.refuseFirst = 2;
    await checkoutAndPay('HTPAY00000003', 300, inbox.url);
    await eventually(() => (inbox.raw.length >= 3 ? true : undefined));
    // The next retry would come 180 ms later at this speed.
    await new Promise((resolve) => setTimeout(resolve, 400));
    const attempts = wallet.notifications('HTPAY00000003');
    assert.deepEqual(attempts.map((attempt) => [attempt.status, attempt.acknowledged]), [[500, false], [500, false], [200, true]]);
    assert.equal(inbox.raw.length, 3);
  });

  it('queries a trade before and after payment', async () => {
    const inbox = await notifyInbox();
    const { qrCodeContent } = await provider.createCheckout({ outTradeNo: 'HTQUERY000001', amountFen: 4500, subject: '水费 2026年2月', expiresAt: minutes(15), notifyUrl: inbox.url }, call());
    assert.deepEqual(await provider.queryTrade('HTQUERY000001', call()), { outTradeNo: 'HTQUERY000001', state: 'pending' });
    const paid = await demo('pay', { qrCodeContent, payerId: 'citizen-2' });
    const status = await provider.queryTrade('HTQUERY000001', call());
    assert.equal(status.state, 'succeeded');
    assert.equal(status.amountFen, 4500);
    assert.equal(status.providerTradeNo, paid.body.providerTradeNo);
    assert.ok(status.paidAt instanceof Date);
    await assert.rejects(provider.queryTrade('HTQUERY404404', call()), failsWith('HUTONG_ERR_WALLET_REFUSED', 'ORDER_NOT_EXIST'));
  });

  it('closes an unpaid trade, and refuses to close a paid one', async () => {
    const inbox = await notifyInbox();
    const { qrCodeContent } = await provider.createCheckout({ outTradeNo: 'HTCLOSE000001', amountFen: 100, subject: '燃气费', expiresAt: minutes(15), notifyUrl: inbox.url }, call());
    await provider.closeTrade('HTCLOSE000001', call());
    assert.equal((await provider.queryTrade('HTCLOSE000001', call())).state, 'closed');
    assert.equal((await demo('pay', { qrCodeContent, payerId: 'citizen-1' })).status, 409);
    await checkoutAndPay('HTCLOSE000002', 100, inbox.url);
    await assert.rejects(provider.closeTrade('HTCLOSE000002', call()), failsWith('HUTONG_ERR_PAYMENT_ALREADY_PAID'));
  });

  it('expires a trade at expiresAt on the wallet\'s clock', async () => {
    const inbox = await notifyInbox();
    const { qrCodeContent } = await provider.createCheckout({ outTradeNo: 'HTEXPIRE00001', amountFen: 100, subject: '电费', expiresAt: minutes(15), notifyUrl: inbox.url }, call());
    assert.equal((await demo('clock', { offsetSeconds: 16 * 60 })).status, 200);
    try {
      assert.equal((await provider.queryTrade('HTEXPIRE00001', call())).state, 'closed');
      assert.equal((await demo('pay', { qrCodeContent, payerId: 'citizen-1' })).status, 409);
    } finally {
      await demo('clock', { offsetSeconds: 0 });
    }
  });

  it('gives the same checkout for the same trade number and amount, and passes on the refusal for another amount', async () => {
    const inbox = await notifyInbox();
    const request = { outTradeNo: 'HTDUPLICATE01', amountFen: 20000, subject: '交通违法罚款', expiresAt: minutes(15), notifyUrl: inbox.url };
    const first = await provider.createCheckout(request, call());
    assert.deepEqual(await provider.createCheckout(request, call()), first);
    await assert.rejects(provider.createCheckout({ ...request, amountFen: 19000 }, call()), failsWith('HUTONG_ERR_WALLET_REFUSED', 'OUT_TRADE_NO_USED'));
  });

  it('refunds partly and fully, once per refund number, and refuses refunding more than was paid', async () => {
    const inbox = await notifyInbox();
    await checkoutAndPay('HTREFUND00001', 10000, inbox.url);
    const refund = (outRefundNo: string, refundFen: number) =>
      provider.refund({ outTradeNo: 'HTREFUND00001', outRefundNo, refundFen, totalFen: 10000, reason: '重复缴费', notifyUrl: inbox.url }, call());
    const part = await refund('HTREFUND00001R1', 4000);
    assert.deepEqual(part, { outRefundNo: 'HTREFUND00001R1', state: 'pending', refundFen: 4000 });
    const again = await refund('HTREFUND00001R1', 4000);
    assert.equal(again.refundFen, 4000);
    await assert.rejects(refund('HTREFUND00001R2', 6001), failsWith('HUTONG_ERR_WALLET_REFUSED', 'INVALID_REQUEST'));
    assert.equal((await refund('HTREFUND00001R2', 6000)).refundFen, 6000, 'the same refund number did not refund twice: 6000 remained');
    await assert.rejects(refund('HTREFUND00001R3', 1), failsWith('HUTONG_ERR_WALLET_REFUSED', 'INVALID_REQUEST'));
    assert.equal((await provider.queryTrade('HTREFUND00001', call())).state, 'refunded');
    const refunds = await eventually(() => {
      const seen = inbox.verified.filter((notice) => notice.kind === 'refund');
      return seen.length === 2 ? seen : undefined;
    });
    assert.deepEqual(
      refunds.map((notice) => [notice.outRefundNo, notice.amountFen, notice.state]).sort(),
      [['HTREFUND00001R1', 4000, 'refunded'], ['HTREFUND00001R2', 6000, 'refunded']],
    );
    assert.equal((await refund('HTREFUND00001R1', 4000)).state, 'succeeded');
  });

  it('reads the day\'s statement: payments and refunds in fen, and each adjustment the wallet makes to it', async () => {
    const inbox = await notifyInbox();
    // The whole day on the wallet's clock: the trades at noon (China) two days ago, the statement the next morning.
    const day = new Date(Date.now() + 8 * 3600_000 - 2 * 86_400_000).toISOString().slice(0, 10);
    const noon = Date.parse(`${day}T12:00:00+08:00`);
    await demo('clock', { offsetSeconds: Math.round((noon - Date.now()) / 1000) });
    try {
      const paidAt = (outTradeNo: string, amountFen: number) =>
        provider
          .createCheckout({ outTradeNo, amountFen, subject: '交通违法罚款', expiresAt: new Date(noon + 15 * 60_000), notifyUrl: inbox.url }, call())
          .then(({ qrCodeContent }) => demo('pay', { qrCodeContent, payerId: 'citizen-3' }));
      const paid = await paidAt('HTSTATEMENT01', 20000);
      await paidAt('HTSTATEMENT02', 1234);
      await paidAt('HTSTATEMENT03', 500);
      await provider.refund({ outTradeNo: 'HTSTATEMENT01', outRefundNo: 'HTSTATEMENT01R', refundFen: 5000, totalFen: 20000, reason: '部分退款' }, call());

      await assert.rejects(provider.downloadStatement!(day, call()), failsWith('HUTONG_ERR_WALLET_REFUSED', 'STATEMENT_CREATING'));
      await demo('clock', { offsetSeconds: Math.round((noon + 22 * 3600_000 - Date.now()) / 1000) });
      const lines = await provider.downloadStatement!(day, call());
      const summary = lines.map((line) => [line.kind, line.outTradeNo, line.outRefundNo, line.amountFen]);
      assert.deepEqual(summary, [
        ['payment', 'HTSTATEMENT01', undefined, 20000],
        ['payment', 'HTSTATEMENT02', undefined, 1234],
        ['payment', 'HTSTATEMENT03', undefined, 500],
        ['refund', 'HTSTATEMENT01', 'HTSTATEMENT01R', 5000],
      ]);
      assert.equal(lines[0].providerTradeNo, paid.body.providerTradeNo);
      assert.equal(new Date(lines[0].at.getTime() + 8 * 3600_000).toISOString().slice(0, 10), day);

      assert.equal((await demo('statement-adjustments', { date: day, kind: 'add-payment', outTradeNo: 'HTNEVERSEEN01', amountFen: 888 })).status, 201);
      assert.deepEqual((await provider.downloadStatement!(day, call())).at(-1)?.amountFen, 888);
      assert.equal((await demo('statement-adjustments', { date: day, kind: 'drop-trade', outTradeNo: 'HTSTATEMENT03' })).status, 201);
      assert.ok(!(await provider.downloadStatement!(day, call())).some((line) => line.outTradeNo === 'HTSTATEMENT03'));
      assert.equal((await demo('statement-adjustments', { date: day, kind: 'change-amount', outTradeNo: 'HTSTATEMENT02', amountFen: 1200 })).status, 201);
      const adjusted = await provider.downloadStatement!(day, call());
      assert.deepEqual(
        adjusted.map((line) => [line.kind, line.outTradeNo, line.amountFen]),
        [['payment', 'HTSTATEMENT01', 20000], ['payment', 'HTSTATEMENT02', 1200], ['refund', 'HTSTATEMENT01', 5000], ['payment', 'HTNEVERSEEN01', 888]],
      );
      const dayBefore = new Date(noon - 86_400_000 + 8 * 3600_000).toISOString().slice(0, 10);
      assert.deepEqual(await provider.downloadStatement!(dayBefore, call()), [], 'a day without trades has an empty statement');
    } finally {
      await demo('clock', { offsetSeconds: 0 });
    }
  });

  it('treats an answer whose signature is corrupt or missing as the wallet being unavailable', async () => {
    const inbox = await notifyInbox();
    try {
      await demo('response-signature', { mode: 'corrupt' });
      await assert.rejects(
        provider.createCheckout({ outTradeNo: 'HTCORRUPT0001', amountFen: 100, subject: '水费', expiresAt: minutes(15), notifyUrl: inbox.url }, call()),
        failsWith('HUTONG_ERR_WALLET_UNAVAILABLE', 'EV3_RES_HEADER_SIGNATURE_DIGEST'),
      );
      await demo('response-signature', { mode: 'missing' });
      await assert.rejects(provider.queryTrade('HTCORRUPT0001', call()), failsWith('HUTONG_ERR_WALLET_UNAVAILABLE'));
    } finally {
      await demo('response-signature', { mode: 'valid' });
    }
    assert.equal((await provider.queryTrade('HTCORRUPT0001', call())).state, 'pending');
  });

  it('is refused by the wallet when it signs with a key that is not the merchant\'s, and says so without the key', async () => {
    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const impostor = createWechatpayProvider({ ...settings, merchantPrivateKey: otherKey });
    await assert.rejects(impostor.queryTrade('HTPAY00000001', call()), failsWith('HUTONG_ERR_WALLET_UNAVAILABLE', 'SIGN_ERROR'));
  });

  it('reports a wallet that cannot be reached or does not answer in time as unavailable', async () => {
    const closedPort = await listen(() => undefined);
    const unreachable = servers.at(-1) as http.Server;
    await new Promise<void>((resolve) => unreachable.close(() => resolve()));
    const nowhere = createWechatpayProvider({ ...settings, baseUrl: `${closedPort}/wechatpay` });
    await assert.rejects(nowhere.queryTrade('HTPAY00000001', call()), failsWith('HUTONG_ERR_WALLET_UNAVAILABLE'));
    const silent = await listen(() => undefined);
    const stalled = createWechatpayProvider({ ...settings, baseUrl: `${silent}/wechatpay` });
    await assert.rejects(stalled.queryTrade('HTPAY00000001', { signal: AbortSignal.timeout(100) }), failsWith('HUTONG_ERR_WALLET_UNAVAILABLE', 'in time'));
  });
});
