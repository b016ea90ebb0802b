import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { inflateSync } from 'node:zlib';
import { after, before, beforeEach, describe, it } from 'node:test';
import iconv from 'iconv-lite';
import { signAcp, verifyAcp } from './acp-signing.ts';
import { STATEMENT_HEADER } from './statement-file.ts';
import { createUnionpayWallet, UNIONPAY_DEMO_CERT_ID, UNIONPAY_DEMO_KEY_FILES, UNIONPAY_DEMO_MER_ID, type UnionpayWallet } from './unionpay.wallet.ts';
import { listenOnLoopback } from '../../../test/helpers/loopback.ts';

const BACK = '/unionpay/gateway/api/backTransReq.do';
const QUERY = '/unionpay/gateway/api/queryTrans.do';
const FILE = '/unionpay/gateway/api/fileTransReq.do';
const RETRY_DELAYS_MS = [20, 40, 80, 160, 320];

const merchantKey = createPrivateKey(readFileSync(UNIONPAY_DEMO_KEY_FILES.merchantPrivate, 'utf8'));
const platformKey = createPublicKey(readFileSync(UNIONPAY_DEMO_KEY_FILES.platformPublic, 'utf8'));

let wallet: UnionpayWallet;
let walletServer: http.Server;
let walletUrl: string;
let notifyServer: http.Server;
let notifyUrl: string;
/** What the merchant's notify URL answers next; 200 when the list is empty. */
let notifyStatuses: number[] = [];
const received: Array<{ at: number; contentType: string; fields: Record<string, string> }> = [];

async function listen(server: http.Server): Promise<string> {
  return (await listenOnLoopback(server)).url;
}

before(async () => {
  wallet = createUnionpayWallet({ retryDelaysMs: RETRY_DELAYS_MS });
  walletServer = http.createServer(async (req, res) => {
    if (!(await wallet.route(req, res, new URL(req.url ?? '/', 'http://wallet.invalid')))) res.writeHead(404).end();
  });
  walletUrl = await listen(walletServer);
  notifyServer = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const fields = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
    received.push({ at: Date.now(), contentType: req.headers['content-type'] ?? '', fields });
    const status = notifyStatuses.shift() ?? 200;
    res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'fail');
  });
  notifyUrl = `${await listen(notifyServer)}/notify`;
});

after(async () => {
  wallet.close();
  await new Promise((resolve) => walletServer.close(resolve));
  await new Promise((resolve) => notifyServer.close(resolve));
});

beforeEach(async () => {
  await demo('/_demo/clock', { offsetSeconds: 0 });
  await demo('/_demo/faults', { responseSignature: 'valid' });
  notifyStatuses = [];
});

let sequence = 0;
const orderId = (tag: string): string => `UT${tag}${Date.now().toString(36)}${(sequence += 1)}`.replace(/[^0-9A-Za-z]/g, '').slice(0, 32);

function chinaStamp(ms = Date.now()): string {
  return new Date(ms + 8 * 3_600_000).toISOString().replace(/\D/g, '').slice(0, 14);
}

function parseAnswer(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const part of text.split('&')) {
    const eq = part.indexOf('=');
    fields[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return fields;
}

/** A gateway request signed as a merchant signs it. */
async function acp(path: string, fields: Record<string, string>, options: { key?: KeyObject; certId?: string; merId?: string } = {}): Promise<Record<string, string>> {
  const request: Record<string, string> = {
    version: '5.1.0',
    encoding: 'UTF-8',
    signMethod: '01',
    bizType: '000000',
    accessType: '0',
    channelType: '08',
    merId: options.merId ?? UNIONPAY_DEMO_MER_ID,
    certId: options.certId ?? UNIONPAY_DEMO_CERT_ID,
    txnTime: chinaStamp(),
    ...fields,
  };
  request.signature = signAcp(request, options.key ?? merchantKey);
  const response = await fetch(`${walletUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' },
    body: new URLSearchParams(request).toString(),
  });
  assert.equal(response.status, 200);
  return parseAnswer(await response.text());
}

async function demo(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${walletUrl}/unionpay${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

async function qrOrder(amountFen: number, extra: Record<string, string> = {}): Promise<{ orderId: string; txnTime: string; qrCode: string }> {
  const id = orderId('Q');
  const txnTime = chinaStamp();
  const answer = await acp(BACK, { txnType: '01', txnSubType: '07', orderId: id, txnTime, txnAmt: String(amountFen), currencyCode: '156', backUrl: notifyUrl, ...extra });
  assert.equal(answer.respCode, '00', answer.respMsg);
  return { orderId: id, txnTime, qrCode: answer.qrCode };
}

async function paidOrder(amountFen: number): Promise<{ orderId: string; txnTime: string; queryId: string }> {
  const order = await qrOrder(amountFen);
  const paid = await demo('/_demo/pay', { qrCodeContent: order.qrCode, payerId: 'payer-1' });
  assert.equal(paid.status, 200);
  await wallet.idle();
  return { ...order, queryId: paid.json.providerTradeNo as string };
}

async function statement(date: string): Promise<string[]> {
  const answer = await acp(FILE, { txnType: '76', txnSubType: '01', settleDate: date.slice(5).replace('-', ''), fileType: '00' });
  assert.equal(answer.respCode, '00', answer.respMsg);
  assert.ok(verifyAcp(answer, platformKey));
  return iconv.decode(inflateSync(Buffer.from(answer.fileContent, 'base64')), 'gbk').split('\r\n');
}

const today = (): string => new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);

describe('UnionPay gateway emulator: signatures', () => {
  it('refuses a request signed with another key than the merchant registered, with respCode 11, and still signs its answer', async () => {
    const { privateKey: stranger } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const answer = await acp(BACK, { txnType: '01', txnSubType: '07', orderId: orderId('K'), txnAmt: '100', currencyCode: '156', backUrl: notifyUrl }, { key: stranger });
    assert.equal(answer.respCode, '11');
    assert.ok(verifyAcp(answer, platformKey), 'the refusal is signed by UnionPay');
    assert.equal(answer.signPubKeyCert.trim(), readFileSync(UNIONPAY_DEMO_KEY_FILES.platformPublic, 'utf8').trim());
  });

  it('refuses an unknown certId (11) and an unknown merchant (31)', async () => {
    const fields = { txnType: '01', txnSubType: '07', orderId: orderId('C'), txnAmt: '100', currencyCode: '156', backUrl: notifyUrl };
    assert.equal((await acp(BACK, fields, { certId: '99999999999' })).respCode, '11');
    assert.equal((await acp(BACK, fields, { merId: '898999999999999' })).respCode, '31');
  });

  it('refuses a request whose fields were changed after signing', async () => {
    const request: Record<string, string> = {
      version: '5.1.0', encoding: 'UTF-8', signMethod: '01', bizType: '000000', accessType: '0', channelType: '08', merId: UNIONPAY_DEMO_MER_ID,
      certId: UNIONPAY_DEMO_CERT_ID, txnTime: chinaStamp(), txnType: '01', txnSubType: '07', orderId: orderId('T'), txnAmt: '100', currencyCode: '156', backUrl: notifyUrl,
    };
    request.signature = signAcp(request, merchantKey);
    request.txnAmt = '1';
    const response = await fetch(`${walletUrl}${BACK}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(request).toString() });
    assert.equal(parseAnswer(await response.text()).respCode, '11');
  });

  it('corrupts or leaves out the answer signature when told to', async () => {
    await demo('/_demo/faults', { responseSignature: 'corrupt' });
    const corrupt = await acp(QUERY, { txnType: '00', txnSubType: '00', orderId: 'NOSUCHORDER1' });
    assert.ok(corrupt.signature && !verifyAcp(corrupt, platformKey));
    await demo('/_demo/faults', { responseSignature: 'missing' });
    const unsigned = await acp(QUERY, { txnType: '00', txnSubType: '00', orderId: 'NOSUCHORDER1' });
    assert.equal(unsigned.signature, undefined);
    assert.equal((await demo('/_demo/faults', { responseSignature: 'sometimes' })).status, 400);
  });
});

describe('UnionPay gateway emulator: QR orders, payment and notifications', () => {
  it('answers the same qrCode for the same orderId and amount, 12 for another amount, 10 for an orderId UnionPay does not accept', async () => {
    const order = await qrOrder(2500);
    const again = await acp(BACK, { txnType: '01', txnSubType: '07', orderId: order.orderId, txnTime: order.txnTime, txnAmt: '2500', currencyCode: '156', backUrl: notifyUrl });
    assert.equal(again.qrCode, order.qrCode);
    const other = await acp(BACK, { txnType: '01', txnSubType: '07', orderId: order.orderId, txnTime: order.txnTime, txnAmt: '2600', currencyCode: '156', backUrl: notifyUrl });
    assert.equal(other.respCode, '12');
    const dashed = await acp(BACK, { txnType: '01', txnSubType: '07', orderId: 'HT-2026-0001', txnAmt: '100', currencyCode: '156', backUrl: notifyUrl });
    assert.equal(dashed.respCode, '10');
    const noBackUrl = await acp(BACK, { txnType: '01', txnSubType: '07', orderId: orderId('B'), txnAmt: '100', currencyCode: '156' });
    assert.equal(noBackUrl.respCode, '13');
  });

  it('pays the order behind a scanned QR, then notifies the signed result to backUrl as a form', async () => {
    const order = await qrOrder(12345);
    assert.equal((await acp(QUERY, { txnType: '00', txnSubType: '00', orderId: order.orderId, txnTime: order.txnTime })).origRespCode, '05');
    const paid = await demo('/_demo/pay', { qrCodeContent: order.qrCode, payerId: 'payer-7' });
    assert.equal(paid.status, 200);
    assert.deepEqual({ ...paid.json, providerTradeNo: undefined }, { outTradeNo: order.orderId, providerTradeNo: undefined, amountFen: 12345 });
    assert.match(paid.json.providerTradeNo as string, /^\d{21}$/);
    await wallet.idle();
    const notification = received.find((r) => r.fields.orderId === order.orderId);
    assert.ok(notification, 'the notification arrived');
    assert.match(notification.contentType, /^application\/x-www-form-urlencoded/);
    assert.ok(verifyAcp(notification.fields, platformKey));
    assert.equal(notification.fields.txnType, '01');
    assert.equal(notification.fields.respCode, '00');
    assert.equal(notification.fields.txnAmt, '12345');
    assert.equal(notification.fields.queryId, paid.json.providerTradeNo);
    assert.equal(notification.fields.txnTime, order.txnTime);
    const query = await acp(QUERY, { txnType: '00', txnSubType: '00', orderId: order.orderId, txnTime: order.txnTime });
    assert.equal(query.origRespCode, '00');
    assert.equal(query.queryId, paid.json.providerTradeNo);
    assert.equal((await demo('/_demo/pay', { qrCodeContent: order.qrCode, payerId: 'payer-7' })).status, 409, 'a paid order cannot be paid again');
    assert.equal((await demo('/_demo/pay', { qrCodeContent: 'https://qr.95516.com/00010000/0', payerId: 'payer-7' })).status, 404);
    assert.equal((await acp(QUERY, { txnType: '00', txnSubType: '00', orderId: order.orderId, txnTime: '20200101000000' })).respCode, '34', 'another txnTime is another order');
  });

  it('retries on its schedule until the merchant answers HTTP 200, and stops there', async () => {
    notifyStatuses = [500, 503, 404];
    const order = await paidOrder(300);
    const attempts = wallet.notifications(order.orderId);
    assert.deepEqual(attempts.map((a) => a.status), [500, 503, 404, 200]);
    const times = received.filter((r) => r.fields.orderId === order.orderId).map((r) => r.at);
    for (let i = 1; i < times.length; i += 1) assert.ok(times[i] - times[i - 1] >= RETRY_DELAYS_MS[i - 1] - 5, `attempt ${i + 1} waited its delay`);
  });

  it('gives up after the first attempt and five retries', async () => {
    notifyStatuses = Array(10).fill(500);
    const order = await paidOrder(301);
    assert.equal(wallet.notifications(order.orderId).length, 6);
    const response = await fetch(`${walletUrl}/unionpay/_demo/trades/${order.orderId}/notifications`);
    assert.equal(((await response.json()) as { attempts: unknown[] }).attempts.length, 6);
  });

  it('ends an unpaid order at its payTimeout: not payable, and the query says 01', async () => {
    const order = await qrOrder(400, { payTimeout: chinaStamp(Date.now() + 60_000) });
    await demo('/_demo/clock', { offsetSeconds: 120 });
    assert.equal((await demo('/_demo/pay', { qrCodeContent: order.qrCode, payerId: 'p' })).status, 409);
    assert.equal((await acp(QUERY, { txnType: '00', txnSubType: '00', orderId: order.orderId, txnTime: order.txnTime })).origRespCode, '01');
  });
});

describe('UnionPay gateway emulator: refunds', () => {
  it('refunds within the paid amount, once per refund order, and notifies with reqReserved', async () => {
    const order = await paidOrder(1000);
    const refund = (id: string, amount: string) =>
      acp(BACK, { txnType: '04', txnSubType: '00', orderId: id, txnAmt: amount, currencyCode: '156', origQryId: order.queryId, backUrl: notifyUrl, reqReserved: 'ref-1' });
    const first = await refund(`${order.orderId}R1`.slice(-32), '400');
    assert.equal(first.respCode, '00');
    const same = await refund(`${order.orderId}R1`.slice(-32), '400');
    assert.equal(same.queryId, first.queryId, 'the same refund order is the same refund');
    assert.equal((await refund(`${order.orderId}R1`.slice(-32), '300')).respCode, '12');
    assert.equal((await refund(`${order.orderId}R2`.slice(-32), '700')).respCode, '33', 'more than the 600 left');
    assert.equal((await refund(`${order.orderId}R3`.slice(-32), '600')).respCode, '00');
    await wallet.idle();
    const refunds = wallet.notifications(order.orderId).filter((a) => a.kind === 'refund');
    assert.equal(refunds.length, 2, 'one notification per refund');
    const notified = received.filter((r) => r.fields.origQryId === order.queryId);
    assert.ok(notified.every((r) => r.fields.txnType === '04' && r.fields.reqReserved === 'ref-1' && verifyAcp(r.fields, platformKey)));
  });

  it('refuses a refund of an unpaid or unknown order with 35', async () => {
    await qrOrder(500);
    const answer = await acp(BACK, { txnType: '04', txnSubType: '00', orderId: orderId('X'), txnAmt: '1', origQryId: '000000000000000000000' });
    assert.equal(answer.respCode, '35');
  });
});

describe('UnionPay gateway emulator: statement file', () => {
  it('lists the day\'s payments and refunds in GBK, deflated, with the documented columns', async () => {
    const order = await paidOrder(2000);
    const refundId = orderId('F');
    assert.equal((await acp(BACK, { txnType: '04', txnSubType: '00', orderId: refundId, txnAmt: '750', origQryId: order.queryId })).respCode, '00');
    const lines = await statement(today());
    assert.equal(lines[0], STATEMENT_HEADER);
    const payment = lines.find((l) => l.startsWith(`01|${order.orderId}|`));
    assert.ok(payment);
    assert.deepEqual(payment.split('|').slice(3, 8).map((c, i) => (i === 2 ? c.slice(0, 8) : c)), [order.queryId, '', chinaStamp().slice(0, 8), chinaStamp().slice(4, 8), '000000002000']);
    const refund = lines.find((l) => l.startsWith(`04|${refundId}|`));
    assert.ok(refund);
    assert.equal(refund.split('|')[2], order.orderId);
    assert.equal(refund.split('|')[4], order.queryId);
    assert.equal(refund.split('|')[7], '000000000750');
  });

  it('reflects each adjustment', async () => {
    const kept = await paidOrder(3000);
    const dropped = await paidOrder(3100);
    const date = today();
    assert.equal((await demo('/_demo/statement-adjustments', { date, kind: 'add-payment', outTradeNo: 'NEVERSEEN0001', amountFen: 999 })).status, 200);
    assert.equal((await demo('/_demo/statement-adjustments', { date, kind: 'drop-trade', outTradeNo: dropped.orderId })).status, 200);
    assert.equal((await demo('/_demo/statement-adjustments', { date, kind: 'change-amount', outTradeNo: kept.orderId, amountFen: 2999 })).status, 200);
    assert.equal((await demo('/_demo/statement-adjustments', { date, kind: 'change-amount', outTradeNo: kept.orderId })).status, 400);
    assert.equal((await demo('/_demo/statement-adjustments', { date: '2026-13-01', kind: 'drop-trade', outTradeNo: 'x' })).status, 400);
    const lines = await statement(date);
    assert.ok(lines.some((l) => l.startsWith('01|NEVERSEEN0001|') && l.split('|')[7] === '000000000999'));
    assert.ok(!lines.some((l) => l.includes(`|${dropped.orderId}|`)));
    assert.equal(lines.find((l) => l.startsWith(`01|${kept.orderId}|`))?.split('|')[7], '000000002999');
  });

  it('refuses a settleDate that is not a date', async () => {
    const answer = await acp(FILE, { txnType: '76', txnSubType: '01', settleDate: '1340', fileType: '00' });
    assert.equal(answer.respCode, '10');
  });
});
