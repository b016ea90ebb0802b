import assert from 'node:assert/strict';
import { createDecipheriv, createHash, createPrivateKey, createPublicKey, createSign, createVerify, generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, it } from 'node:test';
import { createWechatpayWallet, WECHATPAY_RETRY_DELAYS_MS, type WechatpayWallet, type WechatpayWalletOptions } from './wechatpay.wallet.ts';
import { readWechatpayDemoKeys, WECHATPAY_DEMO_MERCHANT } from './wechatpay.demo-merchant.ts';
import { listenOnLoopback } from '../../../test/helpers/loopback.ts';

const KEYS = readWechatpayDemoKeys();
const MCHID = WECHATPAY_DEMO_MERCHANT.mchid;
const APPID = WECHATPAY_DEMO_MERCHANT.appIds[0];
const merchantKey = createPrivateKey(KEYS.merchantPrivateKey);
const platformPublicKey = createPublicKey(KEYS.platformPublicKey);
/** 2026-03-10 12:00 China time: a fixed business clock for the tests that need one. */
const NOON = Date.parse('2026-03-10T12:00:00+08:00');

interface Running {
  readonly wallet: WechatpayWallet;
  readonly url: string;
  /** A request signed as the plugin signs it (the merchant's key unless another is given). */
  api(method: 'GET' | 'POST', path: string, body?: unknown, options?: { key?: typeof merchantKey; timestamp?: number; authorization?: string }): Promise<Answer>;
  demo(path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
}

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: Record<string, unknown>;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function listen(handler: http.RequestListener): Promise<string> {
  const listening = await listenOnLoopback(handler);
  cleanups.push(listening.close);
  listening.server.unref();
  return listening.url;
}

async function startWallet(options: WechatpayWalletOptions = {}): Promise<Running> {
  const wallet = createWechatpayWallet({ retryDelaysMs: [], refundSettleMs: 10, ...options });
  cleanups.push(() => wallet.close());
  const url = await listen((req, res) => {
    void Promise.resolve(wallet.route(req, res, new URL(req.url ?? '/', 'http://emulators.invalid'))).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  });
  return {
    wallet,
    url,
    async api(method, path, body, options = {}) {
      const text = body === undefined ? '' : JSON.stringify(body);
      const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
      const nonce = randomBytes(16).toString('hex');
      const uri = `/wechatpay${path}`;
      const signature = createSign('RSA-SHA256').update(`${method}\n${uri}\n${timestamp}\n${nonce}\n${text}\n`).sign(options.key ?? merchantKey, 'base64');
      const authorization =
        options.authorization ??
        `WECHATPAY2-SHA256-RSA2048 mchid="${MCHID}",nonce_str="${nonce}",signature="${signature}",timestamp="${timestamp}",serial_no="${WECHATPAY_DEMO_MERCHANT.merchantSerial}"`;
      const response = await fetch(`${url}${uri}`, {
        method,
        headers: { authorization, accept: 'application/json', ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) },
        ...(method === 'POST' ? { body: text } : {}),
      });
      const answerText = await response.text();
      return { status: response.status, headers: response.headers, text: answerText, json: answerText === '' ? {} : JSON.parse(answerText) };
    },
    async demo(path, body) {
      const response = await fetch(`${url}/wechatpay/_demo/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    },
  };
}

/** True when the answer carries the platform's valid signature over its exact body. */
function signedByPlatform(answer: Answer): boolean {
  const timestamp = answer.headers.get('wechatpay-timestamp');
  const nonce = answer.headers.get('wechatpay-nonce');
  const signature = answer.headers.get('wechatpay-signature');
  if (!timestamp || !nonce || !signature) return false;
  if (answer.headers.get('wechatpay-serial') !== WECHATPAY_DEMO_MERCHANT.platformPublicKeyId) return false;
  return createVerify('RSA-SHA256').update(`${timestamp}\n${nonce}\n${answer.text}\n`).verify(platformPublicKey, signature, 'base64');
}

function order(outTradeNo: string, total: number, notifyUrl = 'https://hub.example/v1/payments/notify/wechatpay', extra: Record<string, unknown> = {}) {
  return { appid: APPID, mchid: MCHID, description: '交通违法罚款 沪A***07', out_trade_no: outTradeNo, notify_url: notifyUrl, amount: { total, currency: 'CNY' }, ...extra };
}

async function eventually<T>(check: () => T | undefined, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A merchant's notify URL that answers with the given statuses in turn (then the last one). */
async function notifyReceiver(statuses: number[]): Promise<{ url: string; received: Array<{ headers: http.IncomingHttpHeaders; body: string; at: number }> }> {
  const received: Array<{ headers: http.IncomingHttpHeaders; body: string; at: number }> = [];
  const url = await listen(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
    const status = statuses[Math.min(received.length - 1, statuses.length - 1)];
    if (status >= 300) res.writeHead(status, { 'content-type': 'application/json' }).end('{"code":"FAIL","message":"失败"}');
    else res.writeHead(status).end();
  });
  return { url: `${url}/notify`, received };
}

function decryptResource(resource: Record<string, string>, apiV3Key = KEYS.apiV3Key): Record<string, unknown> {
  const sealed = Buffer.from(resource.ciphertext, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', Buffer.from(apiV3Key), Buffer.from(resource.nonce));
  decipher.setAAD(Buffer.from(resource.associated_data));
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  return JSON.parse(Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]).toString('utf8'));
}

async function paidTrade(running: Running, outTradeNo: string, total: number, notifyUrl?: string): Promise<Record<string, unknown>> {
  const created = await running.api('POST', '/v3/pay/transactions/native', order(outTradeNo, total, notifyUrl));
  assert.equal(created.status, 200, created.text);
  const paid = await running.demo('pay', { qrCodeContent: created.json.code_url, payerId: 'citizen-1' });
  assert.equal(paid.status, 200);
  return paid.body;
}

describe('WeChat Pay emulator: request signatures', () => {
  it('accepts a request signed with the merchant key and refuses one signed with another key', async () => {
    const running = await startWallet();
    const good = await running.api('POST', '/v3/pay/transactions/native', order('HTSIGN000001', 100));
    assert.equal(good.status, 200, good.text);
    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const forged = await running.api('POST', '/v3/pay/transactions/native', order('HTSIGN000002', 100), { key: otherKey });
    assert.equal(forged.status, 401);
    assert.equal(forged.json.code, 'SIGN_ERROR');
    const query = await running.api('GET', `/v3/pay/transactions/out-trade-no/HTSIGN000002?mchid=${MCHID}`);
    assert.equal(query.json.code, 'ORDER_NOT_EXIST', 'the refused order was not placed');
  });

  it('refuses an unsigned request, a stale timestamp and a body changed after signing', async () => {
    const running = await startWallet();
    const unsigned = await running.api('GET', `/v3/pay/transactions/out-trade-no/HTX000001?mchid=${MCHID}`, undefined, { authorization: 'Bearer x' });
    assert.deepEqual([unsigned.status, unsigned.json.code], [401, 'SIGN_ERROR']);
    const stale = await running.api('GET', `/v3/pay/transactions/out-trade-no/HTX000001?mchid=${MCHID}`, undefined, { timestamp: Math.floor(Date.now() / 1000) - 600 });
    assert.deepEqual([stale.status, stale.json.code], [401, 'SIGN_ERROR']);
    // Signed for one query string, sent with another.
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = createSign('RSA-SHA256').update(`GET\n/wechatpay/v3/pay/transactions/out-trade-no/HTX000001?mchid=${MCHID}\n${timestamp}\nn1\n\n`).sign(merchantKey, 'base64');
    const moved = await fetch(`${running.url}/wechatpay/v3/pay/transactions/out-trade-no/HTX000002?mchid=${MCHID}`, {
      headers: { authorization: `WECHATPAY2-SHA256-RSA2048 mchid="${MCHID}",nonce_str="n1",signature="${signature}",timestamp="${timestamp}",serial_no="${WECHATPAY_DEMO_MERCHANT.merchantSerial}"` },
    });
    assert.equal(moved.status, 401);
  });
});

describe('WeChat Pay emulator: answers', () => {
  it('signs every answer, refusals and empty 204s included, and corrupts or drops the signature when told', async () => {
    const running = await startWallet();
    const created = await running.api('POST', '/v3/pay/transactions/native', order('HTANSWER0001', 100));
    assert.ok(signedByPlatform(created));
    assert.match(String(created.json.code_url), /^weixin:\/\/wxpay\/bizpayurl\?pr=\w{7}$/);
    const refused = await running.api('GET', `/v3/pay/transactions/out-trade-no/HTNOPE000001?mchid=${MCHID}`);
    assert.equal(refused.status, 404);
    assert.ok(signedByPlatform(refused));
    const closed = await running.api('POST', '/v3/pay/transactions/out-trade-no/HTANSWER0001/close', { mchid: MCHID });
    assert.deepEqual([closed.status, closed.text], [204, '']);
    assert.ok(signedByPlatform(closed));

    assert.equal((await running.demo('response-signature', { mode: 'corrupt' })).status, 200);
    const corrupt = await running.api('GET', `/v3/pay/transactions/out-trade-no/HTANSWER0001?mchid=${MCHID}`);
    assert.equal(corrupt.status, 200);
    assert.ok(corrupt.headers.get('wechatpay-signature'));
    assert.equal(signedByPlatform(corrupt), false);
    await running.demo('response-signature', { mode: 'missing' });
    const unsigned = await running.api('GET', `/v3/pay/transactions/out-trade-no/HTANSWER0001?mchid=${MCHID}`);
    assert.equal(unsigned.headers.get('wechatpay-signature'), null);
  });

  it('keeps one trade per out_trade_no: the same amount gets the same code_url, another amount OUT_TRADE_NO_USED', async () => {
    const running = await startWallet();
    const first = await running.api('POST', '/v3/pay/transactions/native', order('HTDUP0000001', 2000));
    const again = await running.api('POST', '/v3/pay/transactions/native', order('HTDUP0000001', 2000));
    assert.equal(again.json.code_url, first.json.code_url);
    const other = await running.api('POST', '/v3/pay/transactions/native', order('HTDUP0000001', 2100));
    assert.deepEqual([other.status, other.json.code], [403, 'OUT_TRADE_NO_USED']);
    const foreignApp = await running.api('POST', '/v3/pay/transactions/native', { ...order('HTDUP0000002', 100), appid: 'wx0000000000000000' });
    assert.deepEqual([foreignApp.status, foreignApp.json.code], [400, 'APPID_MCHID_NOT_MATCH']);
    const missingTotal = await running.api('POST', '/v3/pay/transactions/native', { ...order('HTDUP0000003', 100), amount: {} });
    assert.deepEqual([missingTotal.status, missingTotal.json.code], [400, 'PARAM_ERROR']);
  });

  it('closes unpaid trades at time_expire and refuses to pay them', async () => {
    let clock = NOON;
    const running = await startWallet({ now: () => clock });
    const created = await running.api('POST', '/v3/pay/transactions/native', order('HTEXPIRE0001', 500, undefined, { time_expire: '2026-03-10T12:15:00+08:00' }));
    const before = await running.api('GET', `/v3/pay/transactions/out-trade-no/HTEXPIRE0001?mchid=${MCHID}`);
    assert.deepEqual([before.json.trade_state, before.json.transaction_id], ['NOTPAY', undefined]);
    clock = NOON + 16 * 60_000;
    const after = await running.api('GET', `/v3/pay/transactions/out-trade-no/HTEXPIRE0001?mchid=${MCHID}`);
    assert.equal(after.json.trade_state, 'CLOSED');
    const pay = await running.demo('pay', { qrCodeContent: created.json.code_url, payerId: 'citizen-1' });
    assert.deepEqual([pay.status, pay.body.code], [409, 'TradeExpired']);
    const reorder = await running.api('POST', '/v3/pay/transactions/native', order('HTEXPIRE0001', 500));
    assert.equal(reorder.json.code, 'ORDER_CLOSED');
  });
});

describe('WeChat Pay emulator: payment notifications', () => {
  it('notifies the payment, signed by the platform and sealed with the APIv3 key, retrying on the schedule until acknowledged', async () => {
    const delays = [40, 40, 80, 500];
    const running = await startWallet({ retryDelaysMs: delays });
    const hub = await notifyReceiver([500, 404, 204]);
    const paid = await paidTrade(running, 'HTNOTIFY0001', 20000, hub.url);
    await eventually(() => (hub.received.length >= 3 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(hub.received.length, 3, 'no attempt after the acknowledgement');

    const attempts = running.wallet.notifications('HTNOTIFY0001');
    assert.deepEqual(attempts.map((attempt) => [attempt.attempt, attempt.status, attempt.acknowledged]), [[1, 500, false], [2, 404, false], [3, 204, true]]);
    assert.equal(new Set(attempts.map((attempt) => attempt.id)).size, 1, 'one notification, retried');
    assert.ok(hub.received[1].at - hub.received[0].at >= delays[0] - 5);
    assert.ok(hub.received[2].at - hub.received[1].at >= delays[1] - 5);

    for (const delivery of hub.received) {
      const { headers, body } = delivery;
      assert.equal(headers['wechatpay-serial'], WECHATPAY_DEMO_MERCHANT.platformPublicKeyId);
      const verified = createVerify('RSA-SHA256')
        .update(`${headers['wechatpay-timestamp']}\n${headers['wechatpay-nonce']}\n${body}\n`)
        .verify(platformPublicKey, String(headers['wechatpay-signature']), 'base64');
      assert.ok(verified, 'each attempt is signed');
    }
    const envelope = JSON.parse(hub.received[0].body) as Record<string, unknown> & { resource: Record<string, string> };
    assert.equal(envelope.event_type, 'TRANSACTION.SUCCESS');
    assert.equal(envelope.resource_type, 'encrypt-resource');
    assert.equal(envelope.resource.algorithm, 'AEAD_AES_256_GCM');
    assert.equal(envelope.resource.associated_data, 'transaction');
    const transaction = decryptResource(envelope.resource);
    assert.equal(transaction.out_trade_no, 'HTNOTIFY0001');
    assert.equal(transaction.transaction_id, paid.providerTradeNo);
    assert.equal(transaction.trade_state, 'SUCCESS');
    assert.deepEqual(transaction.amount, { total: 20000, payer_total: 20000, currency: 'CNY', payer_currency: 'CNY' });
    assert.throws(() => decryptResource(envelope.resource, 'x'.repeat(32)), 'another key cannot open it');
  });

  it('gives up after the last retry', async () => {
    const running = await startWallet({ retryDelaysMs: [10, 10] });
    const hub = await notifyReceiver([503]);
    await paidTrade(running, 'HTGIVEUP0001', 100, hub.url);
    await eventually(() => (hub.received.length >= 3 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 80));
    assert.equal(running.wallet.notifications('HTGIVEUP0001').length, 3);
  });

  it('uses WeChat Pay\'s schedule by default: 15s, 15s, 30s, 3m, 10m, 20m, 30m ×3, 60m, 3h ×3, 6h ×2', () => {
    assert.deepEqual(
      WECHATPAY_RETRY_DELAYS_MS.map((ms) => ms / 1000),
      [15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600],
    );
  });

  it('pays a QR code once: unknown codes are 404, paid trades 409', async () => {
    const running = await startWallet();
    const created = await running.api('POST', '/v3/pay/transactions/native', order('HTPAYONCE001', 100));
    assert.equal((await running.demo('pay', { qrCodeContent: created.json.code_url, payerId: 'p' })).status, 200);
    assert.deepEqual((await running.demo('pay', { qrCodeContent: created.json.code_url, payerId: 'p' })).status, 409);
    assert.equal((await running.demo('pay', { qrCodeContent: 'weixin://wxpay/bizpayurl?pr=nothing', payerId: 'p' })).status, 404);
    const paidOrder = await running.api('POST', '/v3/pay/transactions/native', order('HTPAYONCE001', 100));
    assert.deepEqual([paidOrder.status, paidOrder.json.code], [400, 'ORDERPAID']);
    const close = await running.api('POST', '/v3/pay/transactions/out-trade-no/HTPAYONCE001/close', { mchid: MCHID });
    assert.deepEqual([close.status, close.json.code], [400, 'ORDERPAID']);
  });
});

describe('WeChat Pay emulator: refunds', () => {
  it('refunds up to the paid amount, once per out_refund_no, and notifies each refund', async () => {
    const running = await startWallet({ retryDelaysMs: [20] });
    const hub = await notifyReceiver([200]);
    await paidTrade(running, 'HTREFUND0001', 10000, hub.url);
    const refund = (outRefundNo: string, amount: number) =>
      running.api('POST', '/v3/refund/domestic/refunds', { out_trade_no: 'HTREFUND0001', out_refund_no: outRefundNo, notify_url: hub.url, amount: { refund: amount, total: 10000, currency: 'CNY' } });
    const first = await refund('RF0001', 3000);
    assert.equal(first.status, 200);
    assert.equal(first.json.status, 'PROCESSING');
    assert.ok(signedByPlatform(first));
    const repeated = await refund('RF0001', 3000);
    assert.equal(repeated.json.refund_id, first.json.refund_id);
    assert.deepEqual([(await refund('RF0001', 2000)).json.code], ['INVALID_REQUEST']);
    const over = await refund('RF0002', 7001);
    assert.deepEqual([over.status, over.json.code], [400, 'INVALID_REQUEST']);
    assert.equal((await refund('RF0002', 7000)).status, 200);
    await eventually(() => (running.wallet.notifications('HTREFUND0001').filter((attempt) => attempt.eventType === 'REFUND.SUCCESS').length === 2 ? true : undefined));
    const settled = await refund('RF0001', 3000);
    assert.equal(settled.json.status, 'SUCCESS');
    const refundNotice = hub.received.map((delivery) => JSON.parse(delivery.body)).find((envelope) => envelope.event_type === 'REFUND.SUCCESS');
    const content = decryptResource(refundNotice.resource);
    assert.equal(content.refund_status, 'SUCCESS');
    assert.equal(refundNotice.resource.associated_data, 'refund');
    const trade = await running.api('GET', `/v3/pay/transactions/out-trade-no/HTREFUND0001?mchid=${MCHID}`);
    assert.equal(trade.json.trade_state, 'REFUND');
    const unpaid = await running.api('POST', '/v3/pay/transactions/native', order('HTREFUND0002', 100));
    assert.equal(unpaid.status, 200);
    const refundUnpaid = await running.api('POST', '/v3/refund/domestic/refunds', { out_trade_no: 'HTREFUND0002', out_refund_no: 'RF0003', amount: { refund: 100, total: 100, currency: 'CNY' } });
    assert.deepEqual([refundUnpaid.status, refundUnpaid.json.code], [404, 'RESOURCE_NOT_EXISTS']);
  });
});

describe('WeChat Pay emulator: trade bill', () => {
  async function bill(running: Running, query: string): Promise<{ applied: Answer; file?: Buffer }> {
    const applied = await running.api('GET', `/v3/bill/tradebill?${query}`);
    if (applied.status !== 200) return { applied };
    return { applied, file: await rawDownload(running, new URL(String(applied.json.download_url))) };
  }

  async function rawDownload(running: Running, download: URL): Promise<Buffer> {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const uri = `${download.pathname}${download.search}`;
    const signature = createSign('RSA-SHA256').update(`GET\n${uri}\n${timestamp}\nn2\n\n`).sign(merchantKey, 'base64');
    const response = await fetch(`${running.url}${uri}`, {
      headers: { authorization: `WECHATPAY2-SHA256-RSA2048 mchid="${MCHID}",nonce_str="n2",signature="${signature}",timestamp="${timestamp}",serial_no="${WECHATPAY_DEMO_MERCHANT.merchantSerial}"` },
    });
    assert.equal(response.status, 200);
    return Buffer.from(await response.arrayBuffer());
  }

  it('publishes the day\'s payments and refunds from 09:00 the next day, in WeChat Pay\'s file format', async () => {
    let clock = NOON;
    const running = await startWallet({ now: () => clock });
    await paidTrade(running, 'HTBILL000001', 20000);
    clock += 60_000;
    await paidTrade(running, 'HTBILL000002', 1234);
    clock += 60_000;
    const refund = await running.api('POST', '/v3/refund/domestic/refunds', { out_trade_no: 'HTBILL000001', out_refund_no: 'RFBILL01', amount: { refund: 5000, total: 20000, currency: 'CNY' } });
    assert.equal(refund.status, 200);

    const early = await running.api('GET', '/v3/bill/tradebill?bill_date=2026-03-10');
    assert.deepEqual([early.status, early.json.code], [400, 'STATEMENT_CREATING']);
    clock = Date.parse('2026-03-11T08:59:00+08:00');
    assert.equal((await running.api('GET', '/v3/bill/tradebill?bill_date=2026-03-10')).json.code, 'STATEMENT_CREATING');
    clock = Date.parse('2026-03-11T09:30:00+08:00');
    const { applied, file } = await bill(running, 'bill_date=2026-03-10&bill_type=ALL');
    assert.equal(applied.status, 200, applied.text);
    assert.ok(signedByPlatform(applied));
    assert.equal(applied.json.hash_type, 'SHA1');
    assert.ok(file);
    assert.equal(applied.json.hash_value, createHash('sha1').update(file).digest('hex'));
    assert.deepEqual([...file.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 with a BOM');

    const lines = file.subarray(3).toString('utf8').split('\r\n');
    assert.equal(lines.at(-1), '', 'the file ends with CRLF');
    const header = lines[0].split(',');
    assert.deepEqual(header.slice(0, 13), ['交易时间', '公众账号ID', '商户号', '特约商户号', '设备号', '微信订单号', '商户订单号', '用户标识', '交易类型', '交易状态', '付款银行', '货币种类', '应结订单金额']);
    const rows = lines.slice(1, -3).map((line) => {
      assert.ok(line.split(',').every((cell) => cell.startsWith('`')), 'every value is backquoted');
      return Object.fromEntries(line.split(',').map((cell, index) => [header[index], cell.slice(1)]));
    });
    assert.deepEqual(
      rows.map((row) => [row['商户订单号'], row['交易状态'], row['应结订单金额'], row['退款金额'], row['商户退款单号'], row['交易时间']]),
      [
        ['HTBILL000001', 'SUCCESS', '200.00', '0.00', '0', '2026-03-10 12:00:00'],
        ['HTBILL000002', 'SUCCESS', '12.34', '0.00', '0', '2026-03-10 12:01:00'],
        ['HTBILL000001', 'REFUND', '0.00', '50.00', 'RFBILL01', '2026-03-10 12:02:00'],
      ],
    );
    assert.equal(lines.at(-3), '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额');
    assert.deepEqual(lines.at(-2)?.split(',').slice(0, 3), ['`3', '`212.34', '`50.00']);

    const refundsOnly = await bill(running, 'bill_date=2026-03-10&bill_type=REFUND');
    assert.equal(refundsOnly.file?.subarray(3).toString('utf8').split('\r\n').length, 5, 'header, one refund, summary header, summary, end');
    const zipped = await running.api('GET', '/v3/bill/tradebill?bill_date=2026-03-10&tar_type=GZIP');
    const zippedFile = await rawDownload(running, new URL(String(zipped.json.download_url)));
    assert.equal(createHash('sha1').update(gunzipSync(zippedFile)).digest('hex'), zipped.json.hash_value, 'the hash is of the unpacked bill');
    const empty = await running.api('GET', '/v3/bill/tradebill?bill_date=2026-03-09');
    assert.deepEqual([empty.status, empty.json.code], [400, 'NO_STATEMENT_EXIST']);
    const badToken = await running.api('GET', '/v3/billdownload/file?token=nope');
    assert.deepEqual([badToken.status, badToken.json.code], [400, 'INVALID_REQUEST']);
  });

  it('changes what a day\'s bill says when told: a payment added, a trade dropped, an amount changed', async () => {
    let clock = NOON;
    const running = await startWallet({ now: () => clock });
    await paidTrade(running, 'HTADJUST0001', 1000);
    await paidTrade(running, 'HTADJUST0002', 2000);
    clock = Date.parse('2026-03-11T10:00:00+08:00');
    assert.equal((await running.demo('statement-adjustments', { date: '2026-03-10', kind: 'add-payment', outTradeNo: 'HTNEVERSEEN1', amountFen: 777 })).status, 201);
    assert.equal((await running.demo('statement-adjustments', { date: '2026-03-10', kind: 'drop-trade', outTradeNo: 'HTADJUST0001' })).status, 201);
    assert.equal((await running.demo('statement-adjustments', { date: '2026-03-10', kind: 'change-amount', outTradeNo: 'HTADJUST0002', amountFen: 1999 })).status, 201);
    assert.equal((await running.demo('statement-adjustments', { date: '2026-03-10', kind: 'change-amount', outTradeNo: 'HTADJUST0001', amountFen: 5 })).status, 404, 'the dropped trade is gone');
    assert.equal((await running.demo('statement-adjustments', { date: '2026-03-10', kind: 'add-payment', outTradeNo: 'HTX' })).status, 400, 'an added payment needs an amount');
    const { file } = await bill(running, 'bill_date=2026-03-10');
    assert.ok(file);
    const text = file.subarray(3).toString('utf8');
    assert.ok(!text.includes('HTADJUST0001'));
    assert.match(text, /`HTADJUST0002,.*`19\.99,/);
    assert.match(text, /`HTNEVERSEEN1,.*`7\.77,/);
  });
});
