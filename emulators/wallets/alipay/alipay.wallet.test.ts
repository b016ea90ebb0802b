import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { AlipayRequestError, AlipaySdk } from 'alipay-sdk';
import iconv from 'iconv-lite';
import { DEMO_APP_ID, DEMO_KEY_FILES } from '../../channels/alipay/alipay.open-platform.ts';
import { readZip } from '../../../src/payments/alipay/alipay.statement.ts';
import { ALIPAY_NOTIFY_RETRY_DELAYS_MS, createAlipayWallet, type AlipayWallet } from './alipay.wallet.ts';
import { listenOnLoopback, serveRoute, type Listening } from '../../../test/helpers/loopback.ts';

const PAYER = '2088000000000001';
const OTHER_PAYER = '2088000000000002';




/** A merchant's notify URL: keeps every form it receives and answers what `answer` says. */
async function notifyReceiver(answer: (count: number) => { status?: number; body: string }): Promise<Listening & { received: Array<Record<string, string>> }> {
  const received: Array<Record<string, string>> = [];
  const server = await listenOnLoopback((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      assert.match(req.headers['content-type'] ?? '', /^application\/x-www-form-urlencoded/);
      received.push(Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
      const { status = 200, body } = answer(received.length);
      res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
    });
  });
  return { ...server, received };
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const chinaToday = (offsetDays = 0): string => new Date(Date.now() + 8 * 3600_000 + offsetDays * 86_400_000).toISOString().slice(0, 10);
const inHalfAnHour = (): string => new Date(Date.now() + 8 * 3600_000 + 1_800_000).toISOString().slice(0, 19).replace('T', ' ');

function rejectsWithAlipay(code: string, status?: number) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof AlipayRequestError, `expected an AlipayRequestError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (status !== undefined) assert.equal(error.responseHttpStatus, status);
    return true;
  };
}

describe('Alipay payment emulator, spoken to by the official alipay-sdk (v3)', () => {
  let wallet: AlipayWallet;
  let emulator: Listening;
  let sdk: AlipaySdk;
  let tradeCounter = 0;
  const closers: Array<() => Promise<void>> = [];
  const nextTradeNo = () => `HTEMU${Date.now().toString(36)}${(tradeCounter += 1)}`;

  const demo = async (path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
    const response = await fetch(`${emulator.url}/alipay-pay/_demo/${path}`, { method: 'POST', body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const precreate = async (outTradeNo: string, totalAmount: string, notifyUrl?: string) =>
    (
      await sdk.curl<{ out_trade_no: string; qr_code: string }>('POST', '/v3/alipay/trade/precreate', {
        body: { out_trade_no: outTradeNo, total_amount: totalAmount, subject: '水费 账户 ****1234', product_code: 'QR_CODE_OFFLINE', time_expire: inHalfAnHour(), ...(notifyUrl ? { notify_url: notifyUrl } : {}) },
      })
    ).data;
  const query = async (outTradeNo: string) => (await sdk.curl<Record<string, string>>('POST', '/v3/alipay/trade/query', { body: { out_trade_no: outTradeNo } })).data;

  before(async () => {
    wallet = createAlipayWallet({ retryDelaysMs: [30, 30, 30] });
    emulator = await listenOnLoopback(serveRoute(wallet.route));
    sdk = new AlipaySdk({
      appId: DEMO_APP_ID,
      privateKey: readFileSync(DEMO_KEY_FILES.appPrivate, 'utf8'),
      keyType: 'PKCS8',
      alipayPublicKey: readFileSync(DEMO_KEY_FILES.platformPublic, 'utf8'),
      endpoint: `${emulator.url}/alipay-pay`,
      camelcase: false,
    });
  });
  after(async () => {
    wallet.close();
    for (const close of closers) await close();
    await emulator.close();
  });

  it('answers precreate with a QR code the SDK accepts as signed; the same number and amount give the same code, another amount is refused', async () => {
    const outTradeNo = nextTradeNo();
    const first = await precreate(outTradeNo, '200.00');
    assert.equal(first.out_trade_no, outTradeNo);
    assert.match(first.qr_code, /^https:\/\/qr\.alipay\.com\/bax\w+$/);
    assert.equal((await precreate(outTradeNo, '200')).qr_code, first.qr_code);
    await assert.rejects(precreate(outTradeNo, '199.99'), rejectsWithAlipay('ACQ.CONTEXT_INCONSISTENT', 400));
    await assert.rejects(precreate(nextTradeNo(), '0.001'), rejectsWithAlipay('ACQ.INVALID_PARAMETER', 400));
  });

  it('refuses a request signed with a key that is not the app\'s, from an unknown app, or unsigned', async () => {
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const impostor = new AlipaySdk({ ...sdk.config, privateKey: stranger.privateKey, keyType: 'PKCS8' });
    await assert.rejects(impostor.curl('POST', '/v3/alipay/trade/query', { body: { out_trade_no: 'HT0000001' } }), rejectsWithAlipay('invalid-signature', 401));
    const unknownApp = new AlipaySdk({ ...sdk.config, appId: '2021009999999999' });
    await assert.rejects(unknownApp.curl('POST', '/v3/alipay/trade/query', { body: { out_trade_no: 'HT0000001' } }), rejectsWithAlipay('invalid-app-id', 401));
    const unsigned = await fetch(`${emulator.url}/alipay-pay/v3/alipay/trade/query`, { method: 'POST', body: '{"out_trade_no":"HT0000001"}' });
    assert.equal(unsigned.status, 401);
    assert.equal(((await unsigned.json()) as { code: string }).code, 'invalid-signature');
    // A signature over other content (the body changed after signing) does not verify either.
    const signedElsewhere = await fetch(`${emulator.url}/alipay-pay/v3/alipay/trade/query`, {
      method: 'POST',
      headers: { authorization: `ALIPAY-SHA256withRSA app_id=${DEMO_APP_ID},nonce=n1,timestamp=${Date.now()},sign=${Buffer.alloc(256, 1).toString('base64')}` },
      body: '{"out_trade_no":"HT0000001"}',
    });
    assert.equal(signedElsewhere.status, 401);
  });

  it('knows a trade only once the payer scanned its QR code, as Alipay does', async () => {
    const outTradeNo = nextTradeNo();
    const { qr_code } = await precreate(outTradeNo, '88.80');
    await assert.rejects(query(outTradeNo), rejectsWithAlipay('ACQ.TRADE_NOT_EXIST', 400));
    const scanned = await demo('scan', { qrCodeContent: qr_code, payerId: PAYER });
    assert.equal(scanned.status, 200);
    const waiting = await query(outTradeNo);
    assert.equal(waiting.trade_status, 'WAIT_BUYER_PAY');
    assert.equal(waiting.total_amount, '88.80');
    assert.equal(waiting.send_pay_date, undefined);
    assert.equal((await demo('pay', { qrCodeContent: qr_code, payerId: OTHER_PAYER })).body.code, 'BuyerNotMatch');
    const paid = await demo('pay', { qrCodeContent: qr_code, payerId: PAYER });
    assert.deepEqual(paid, { status: 200, body: { outTradeNo, providerTradeNo: scanned.body.providerTradeNo, amountFen: 8880 } });
    const after = await query(outTradeNo);
    assert.equal(after.trade_status, 'TRADE_SUCCESS');
    assert.equal(after.trade_no, paid.body.providerTradeNo);
    assert.match(after.send_pay_date, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    assert.equal(after.buyer_user_id, PAYER);
  });

  it('closes trades: before a scan Alipay says the trade does not exist yet the QR code is dead; a paid trade cannot be closed', async () => {
    const unscanned = nextTradeNo();
    const { qr_code: deadCode } = await precreate(unscanned, '10.00');
    await assert.rejects(sdk.curl('POST', '/v3/alipay/trade/close', { body: { out_trade_no: unscanned } }), rejectsWithAlipay('ACQ.TRADE_NOT_EXIST'));
    assert.deepEqual(await demo('pay', { qrCodeContent: deadCode, payerId: PAYER }), { status: 409, body: { code: 'TradeClosed', message: '支付失败，本笔交易已关闭' } });

    const scanned = nextTradeNo();
    const { qr_code } = await precreate(scanned, '10.00');
    await demo('scan', { qrCodeContent: qr_code, payerId: PAYER });
    const closed = await sdk.curl('POST', '/v3/alipay/trade/close', { body: { out_trade_no: scanned } });
    assert.equal(closed.data.out_trade_no, scanned);
    assert.equal((await query(scanned)).trade_status, 'TRADE_CLOSED');
    assert.equal((await demo('pay', { qrCodeContent: qr_code, payerId: PAYER })).status, 409);
    await assert.rejects(precreate(scanned, '10.00'), rejectsWithAlipay('ACQ.TRADE_HAS_CLOSE'));

    const paid = nextTradeNo();
    const { qr_code: paidCode } = await precreate(paid, '10.00');
    await demo('pay', { qrCodeContent: paidCode, payerId: PAYER });
    await assert.rejects(sdk.curl('POST', '/v3/alipay/trade/close', { body: { out_trade_no: paid } }), rejectsWithAlipay('ACQ.TRADE_STATUS_ERROR', 400));
    await assert.rejects(precreate(paid, '10.00'), rejectsWithAlipay('ACQ.TRADE_HAS_SUCCESS'));
    assert.deepEqual(await demo('pay', { qrCodeContent: paidCode, payerId: PAYER }), { status: 409, body: { code: 'TradeAlreadyPaid', message: '该笔订单已支付' } });
  });

  it('checks what the demo payer sends, and lets QR codes expire on the emulator\'s clock', async () => {
    assert.equal((await demo('pay', { qrCodeContent: 'https://qr.alipay.com/baxnothing', payerId: PAYER })).status, 404);
    const outTradeNo = nextTradeNo();
    const { qr_code } = await precreate(outTradeNo, '1.00');
    assert.equal((await demo('pay', { qrCodeContent: qr_code, payerId: 'someone' })).status, 400);
    try {
      assert.equal((await demo('clock', { offsetSeconds: 3600 })).status, 200);
      assert.deepEqual(await demo('pay', { qrCodeContent: qr_code, payerId: PAYER }), { status: 409, body: { code: 'TradeExpired', message: '二维码已过期' } });
    } finally {
      await demo('clock', { offsetSeconds: 0 });
    }
  });

  it('notifies a payment as Alipay does — a signed form — and retries on the schedule until the answer is success', async () => {
    const receiver = await notifyReceiver((count) => (count < 3 ? { body: count === 1 ? 'fail' : 'SUCCESS!' } : { body: 'success' }));
    closers.push(receiver.close);
    const outTradeNo = nextTradeNo();
    const { qr_code } = await precreate(outTradeNo, '123.45', `${receiver.url}/v1/payments/notify/alipay`);
    const paid = await demo('pay', { qrCodeContent: qr_code, payerId: PAYER });
    await waitFor(() => wallet.notifications(outTradeNo).some((attempt) => attempt.acknowledged));
    await new Promise((resolve) => setTimeout(resolve, 150));

    const attempts = wallet.notifications(outTradeNo);
    assert.deepEqual(
      attempts.map(({ attempt, httpStatus, answer, acknowledged, kind, tradeStatus }) => ({ attempt, httpStatus, answer, acknowledged, kind, tradeStatus })),
      [
        { attempt: 1, httpStatus: 200, answer: 'fail', acknowledged: false, kind: 'payment', tradeStatus: 'TRADE_SUCCESS' },
        { attempt: 2, httpStatus: 200, answer: 'SUCCESS!', acknowledged: false, kind: 'payment', tradeStatus: 'TRADE_SUCCESS' },
        { attempt: 3, httpStatus: 200, answer: 'success', acknowledged: true, kind: 'payment', tradeStatus: 'TRADE_SUCCESS' },
      ],
    );
    assert.equal(receiver.received.length, 3);
    assert.equal(new Set(receiver.received.map((form) => form.notify_id)).size, 1, 'a retry is the same notification');
    const form = receiver.received[0];
    assert.equal(form.notify_type, 'trade_status_sync');
    assert.equal(form.app_id, DEMO_APP_ID);
    assert.equal(form.charset, 'utf-8');
    assert.equal(form.version, '1.0');
    assert.equal(form.sign_type, 'RSA2');
    assert.equal(form.trade_status, 'TRADE_SUCCESS');
    assert.equal(form.out_trade_no, outTradeNo);
    assert.equal(form.trade_no, paid.body.providerTradeNo);
    assert.equal(form.total_amount, '123.45');
    assert.equal(form.receipt_amount, '123.45');
    assert.equal(form.buyer_pay_amount, '123.45');
    assert.equal(form.subject, '水费 账户 ****1234');
    assert.match(form.gmt_payment, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    assert.match(form.notify_time, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    for (const received of receiver.received) assert.equal(sdk.checkNotifySignV2(received), true);
    assert.equal(sdk.checkNotifySignV2({ ...form, total_amount: '0.01' }), false);
  });

  it('gives up after the last retry, and keeps Alipay\'s real schedule by default', async () => {
    assert.deepEqual(ALIPAY_NOTIFY_RETRY_DELAYS_MS, [240_000, 600_000, 600_000, 3_600_000, 7_200_000, 21_600_000, 54_000_000]);
    const receiver = await notifyReceiver(() => ({ status: 500, body: 'down' }));
    closers.push(receiver.close);
    const outTradeNo = nextTradeNo();
    const { qr_code } = await precreate(outTradeNo, '5.00', `${receiver.url}/notify`);
    await demo('pay', { qrCodeContent: qr_code, payerId: PAYER });
    await waitFor(() => wallet.notifications(outTradeNo).length === 4);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(wallet.notifications(outTradeNo).length, 4, 'one notification and three retries, then no more');
    assert.ok(wallet.notifications(outTradeNo).every((attempt) => attempt.httpStatus === 500 && !attempt.acknowledged));
    const listed = await (await fetch(`${emulator.url}/alipay-pay/_demo/notifications/${outTradeNo}`)).json();
    assert.equal((listed as { notifications: unknown[] }).notifications.length, 4);
  });

  it('refunds part and then the rest; a repeated refund number is the same refund; a full refund closes the trade and is notified', async () => {
    const receiver = await notifyReceiver(() => ({ body: 'success' }));
    closers.push(receiver.close);
    const outTradeNo = nextTradeNo();
    const { qr_code } = await precreate(outTradeNo, '100.00', `${receiver.url}/notify`);
    const refund = (outRequestNo: string, amount: string) =>
      sdk.curl<Record<string, string>>('POST', '/v3/alipay/trade/refund', { body: { out_trade_no: outTradeNo, refund_amount: amount, out_request_no: outRequestNo, refund_reason: '测试' } });
    await assert.rejects(refund('R1', '1.00'), rejectsWithAlipay('ACQ.TRADE_NOT_EXIST'));
    await demo('pay', { qrCodeContent: qr_code, payerId: PAYER });

    const first = await refund('R1', '30.00');
    assert.equal(first.data.fund_change, 'Y');
    assert.equal(first.data.refund_fee, '30.00');
    const again = await refund('R1', '30.00');
    assert.equal(again.data.fund_change, 'N');
    assert.equal(again.data.refund_fee, '30.00');
    await assert.rejects(refund('R1', '20.00'), rejectsWithAlipay('ACQ.DISCORDANT_REPEAT_REQUEST'));
    await assert.rejects(refund('R2', '70.01'), rejectsWithAlipay('ACQ.REASON_TRADE_REFUND_FEE_ERR'));
    const rest = await refund('R2', '70.00');
    assert.equal(rest.data.refund_fee, '100.00');
    assert.equal((await query(outTradeNo)).trade_status, 'TRADE_CLOSED');
    assert.equal((await refund('R2', '70.00')).data.fund_change, 'N');
    await assert.rejects(refund('R3', '0.01'), rejectsWithAlipay('ACQ.TRADE_HAS_CLOSE'));

    await waitFor(() => receiver.received.length === 3);
    const [payment, partial, full] = receiver.received;
    assert.equal(payment.out_biz_no, undefined);
    assert.deepEqual([partial.trade_status, partial.out_biz_no, partial.refund_fee], ['TRADE_SUCCESS', 'R1', '30.00']);
    assert.deepEqual([full.trade_status, full.out_biz_no, full.refund_fee], ['TRADE_CLOSED', 'R2', '100.00']);
    assert.match(full.gmt_refund, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/);
    assert.ok(full.gmt_close);
    for (const form of receiver.received) assert.equal(sdk.checkNotifySignV2(form), true);
  });

  it('publishes the day\'s statement once the day is over: a ZIP of GBK CSV files in Alipay\'s layout, changed by the demo adjustments', async () => {
    const outTradeNo = nextTradeNo();
    const { qr_code } = await precreate(outTradeNo, '12.34');
    await demo('pay', { qrCodeContent: qr_code, payerId: PAYER });
    await sdk.curl('POST', '/v3/alipay/trade/refund', { body: { out_trade_no: outTradeNo, refund_amount: '2.34', out_request_no: `${outTradeNo}R1` } });
    const day = chinaToday();
    const billUrl = async (date: string) =>
      (await sdk.curl<{ bill_download_url: string }>('GET', '/v3/alipay/data/dataservice/bill/downloadurl/query', { query: { bill_type: 'trade', bill_date: date } })).data.bill_download_url;
    await assert.rejects(billUrl(day), rejectsWithAlipay('isp.bill_not_exist', 400));

    try {
      await demo('clock', { offsetSeconds: 86_400 });
      const url = await billUrl(day);
      assert.match(url, /\/alipay-pay\/dwbillcenter\/downloadBillFile\.resource\?/);
      const download = await fetch(url);
      assert.equal(download.status, 200);
      const files = readZip(Buffer.from(await download.arrayBuffer()));
      const compact = day.replaceAll('-', '');
      assert.deepEqual(files.map((file) => file.name.replace(/^\d+_/, '')), [`${compact}_业务明细.csv`, `${compact}_业务明细(汇总).csv`]);
      const details = iconv.decode(files[0].data, 'gbk');
      assert.ok(!files[0].data.toString('utf8').includes('支付宝交易号'), 'the file is GBK, not UTF-8');
      const lines = details.split('\r\n');
      assert.equal(lines[0], '#支付宝业务明细查询');
      assert.match(lines[1], /^#账号：\[2088\d+\]$/);
      assert.ok(lines[4].startsWith('支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,'));
      assert.ok(lines[4].includes(',订单金额（元）,商家实收（元）,') && lines[4].includes(',退款批次号/请求号,'));
      const mine = lines.filter((line) => line.includes(outTradeNo));
      assert.equal(mine.length, 2);
      assert.match(mine[0], new RegExp(`^\\d{28}\\t,${outTradeNo}\\t,交易,`));
      assert.ok(mine[0].includes(',12.34,12.34,'));
      assert.ok(mine[1].includes(',退款,') && mine[1].includes(',-2.34,-2.34,') && mine[1].includes(`,${outTradeNo}R1\t,`));
      assert.ok(lines.some((line) => /^#交易合计：\d+笔，商家实收：[\d.]+元/.test(line)));
      assert.ok(lines.some((line) => line.startsWith('#导出时间：[')));

      assert.equal((await demo('statement-adjustments', { date: day, kind: 'change-amount', outTradeNo, amountFen: 1200 })).status, 201);
      assert.equal((await demo('statement-adjustments', { date: day, kind: 'add-payment', outTradeNo: 'HTNEVERSEEN01', amountFen: 500 })).status, 201);
      assert.equal((await demo('statement-adjustments', { date: day, kind: 'oops', outTradeNo })).status, 400);
      const adjusted = iconv.decode(readZip(Buffer.from(await (await fetch(await billUrl(day))).arrayBuffer()))[0].data, 'gbk');
      assert.ok(adjusted.split('\r\n').some((line) => line.includes(`${outTradeNo}\t,交易,`) && line.includes(',12.00,12.00,')));
      assert.ok(adjusted.includes('HTNEVERSEEN01\t,交易,') && adjusted.includes(',5.00,5.00,'));
      await demo('statement-adjustments', { date: day, kind: 'drop-trade', outTradeNo });
      assert.ok(!iconv.decode(readZip(Buffer.from(await (await fetch(await billUrl(day))).arrayBuffer()))[0].data, 'gbk').includes(outTradeNo));

      const tampered = new URL(url);
      tampered.searchParams.set('bizDates', '20200101');
      assert.equal((await fetch(tampered)).status, 403);
      await demo('clock', { offsetSeconds: 86_400 + 31 });
      assert.equal((await fetch(url)).status, 403, 'a download URL works for 30 seconds');
    } finally {
      await demo('clock', { offsetSeconds: 0 });
    }
  });

  it('signs answers wrongly, or not at all, or fails them with HTTP 500 when told to', async () => {
    try {
      assert.equal((await demo('faults', { responseSignature: 'corrupt' })).status, 200);
      await assert.rejects(precreate(nextTradeNo(), '1.00'), rejectsWithAlipay('response-signature-verify-error'));
      await demo('faults', { responseSignature: 'missing' });
      await assert.rejects(precreate(nextTradeNo(), '1.00'));
      await demo('faults', { responseSignature: 'valid', serverErrors: 1 });
      await assert.rejects(precreate(nextTradeNo(), '1.00'), rejectsWithAlipay('SYSTEM_ERROR', 500));
      assert.ok((await precreate(nextTradeNo(), '1.00')).qr_code);
      assert.equal((await demo('faults', { responseSignature: 'sometimes' })).status, 400);
    } finally {
      await demo('faults', { responseSignature: 'valid', serverErrors: 0 });
    }
  });
});
