import { createHash, createPrivateKey, createPublicKey, randomInt, randomUUID, type KeyObject } from 'node:crypto';
import type http from 'node:http';
import { gzipSync } from 'node:zlib';
import { isHttpUrl, readJsonBody, readRawBody, sendJson, type EmulatorRoute } from '../../http-kit.ts';
import { renderTradeBill, type BillRow } from './wechatpay.bill.ts';
import { readWechatpayDemoKeys, WECHATPAY_DEMO_MERCHANT } from './wechatpay.demo-merchant.ts';
import {
  encryptResource,
  parseAuthorization,
  platformSignatureHeaders,
  requestId,
  requestSignContent,
  verifySha256Rsa,
  type ResponseSignatureMode,
} from './wechatpay.wire.ts';

/**
 * The WeChat Pay emulator, under `/wechatpay` instead of `https://api.mch.weixin.qq.com`, speaking
 * APIv3 in public-key mode so that the official `wechatpay-axios-plugin`
 * (`baseURL: ${emulatorsUrl}/wechatpay/`) works against it unchanged. Every request's `Authorization`
 * is checked with the merchant's public key (401 `SIGN_ERROR` otherwise, 5 minutes of clock skew
 * allowed); every answer is signed with the platform's key (`Wechatpay-Signature` and friends,
 * `Wechatpay-Serial` being the `PUB_KEY_ID_…`). Errors are HTTP 4xx/5xx `{ code, message }`.
 *
 * - `POST /v3/pay/transactions/native` → `{ code_url }`. The same `out_trade_no` with the same amount
 *   is the same trade (same `code_url`); with another amount 403 `OUT_TRADE_NO_USED`; paid 400
 *   `ORDERPAID`; closed or expired 400 `ORDER_CLOSED`; an app not bound to the merchant 400
 *   `APPID_MCHID_NOT_MATCH`.
 * - `GET /v3/pay/transactions/out-trade-no/{out_trade_no}?mchid` → the trade: `trade_state`
 *   NOTPAY | SUCCESS | CLOSED (closed, or past `time_expire`) | REFUND, `amount`, and once paid
 *   `transaction_id`, `success_time`, `payer`. Unknown: 404 `ORDER_NOT_EXIST`.
 * - `POST /v3/pay/transactions/out-trade-no/{out_trade_no}/close` `{ mchid }` → 204; paid 400 `ORDERPAID`.
 * - `POST /v3/refund/domestic/refunds` → the refund, `status: PROCESSING`; it turns SUCCESS after
 *   `refundSettleMs` and, when it named a `notify_url`, a `REFUND.SUCCESS` notification follows. The
 *   same `out_refund_no` with the same amount is the same refund; otherwise, and beyond the
 *   refundable balance, 400 `INVALID_REQUEST`; an unknown or unpaid trade 404 `RESOURCE_NOT_EXISTS`.
 * - `GET /v3/bill/tradebill?bill_date=YYYY-MM-DD[&bill_type=ALL|SUCCESS|REFUND][&tar_type=GZIP]` →
 *   `{ hash_type: "SHA1", hash_value, download_url }`, from 09:00 China time the next day (before:
 *   400 `STATEMENT_CREATING`; a day without payments or refunds: 400 `NO_STATEMENT_EXIST`).
 *   `GET /v3/billdownload/file?token` (signed request, unsigned answer, 30 s) → the bill file
 *   (see wechatpay.bill.ts); `hash_value` is the SHA1 of the uncompressed file.
 *
 * After a payment, `TRANSACTION.SUCCESS` is POSTed to the trade's `notify_url`: `{ id, create_time,
 * resource_type: "encrypt-resource", event_type, summary, resource }` with the resource sealed by the
 * merchant's APIv3 key and the body signed by the platform. HTTP 200 or 204 acknowledges it; anything
 * else (or no answer in `notifyTimeoutMs`) is retried after 15s, 15s, 30s, 3m, 10m, 20m, 30m, 30m, 30m,
 * 60m, 3h, 3h, 3h, 6h, 6h (`retryDelaysMs`), each attempt freshly signed.
 *
 * Demo endpoints (JSON in and out), acting as the WeChat app and the merchant platform would:
 * - `POST /wechatpay/_demo/pay { qrCodeContent, payerId }` — a person scans and pays: 404 unknown
 *   code, 409 closed, paid or expired → `{ outTradeNo, providerTradeNo, amountFen }`.
 * - `POST /wechatpay/_demo/statement-adjustments { date, kind: add-payment | drop-trade | change-amount, outTradeNo, amountFen? }`
 *   — what that day's bill says changes (seeds reconciliation mismatches).
 * - `POST /wechatpay/_demo/clock { offsetSeconds }` — moves the business clock (expiry, payment
 *   times, bill days); signatures keep wall-clock time, as the hub's clock does not move.
 * - `POST /wechatpay/_demo/response-signature { mode: valid | corrupt | missing }` — how answers are signed.
 * - `GET /wechatpay/_demo/trades/{outTradeNo}/notifications` — the delivery attempts and the hub's answers.
 */

export interface WechatpayMerchant {
  readonly mchid: string;
  /** The serial number of the merchant's API certificate (`serial_no` in `Authorization`). */
  readonly serialNo: string;
  /** The merchant's API public key (PEM): requests must be signed with its private half. */
  readonly publicKey: string;
  /** 32 characters; notifications to the merchant are encrypted with it. */
  readonly apiV3Key: string;
  /** The apps (公众号, 小程序) bound to the merchant: the `appid` of its orders. */
  readonly appIds: readonly string[];
}

export interface WechatpayWalletOptions {
  /** The merchants the platform knows; the demo merchant by default. */
  readonly merchants?: readonly WechatpayMerchant[];
  /** The platform's key pair in public-key mode; the demo pair by default. */
  readonly platform?: { readonly publicKeyId: string; readonly privateKey: string };
  /** The business clock in milliseconds (tests inject one); `/_demo/clock` adds an offset to it. */
  readonly now?: () => number;
  /** Waits between notification attempts; WeChat Pay's schedule by default. */
  readonly retryDelaysMs?: readonly number[];
  /** How long an attempt waits for the hub's answer. */
  readonly notifyTimeoutMs?: number;
  /** How long a refund stays PROCESSING. */
  readonly refundSettleMs?: number;
}

export type WechatpayEventType = 'TRANSACTION.SUCCESS' | 'REFUND.SUCCESS';

/** One delivery attempt of a notification and what the hub answered. */
export interface WechatpayNotificationAttempt {
  /** The notification's `id`, the same on every attempt. */
  readonly id: string;
  readonly eventType: WechatpayEventType;
  readonly outRefundNo?: string;
  /** 1 for the first delivery. */
  readonly attempt: number;
  readonly at: string;
  /** The hub's HTTP status; absent when it did not answer. */
  readonly status?: number;
  readonly error?: string;
  readonly acknowledged: boolean;
}

export interface WechatpayWallet {
  readonly route: EmulatorRoute;
  /** Every notification attempt about the trade (payment and refunds), oldest first. */
  notifications(outTradeNo: string): WechatpayNotificationAttempt[];
  /** Stops pending notification retries and refund settlements. */
  close(): void;
}

/** WeChat Pay's notification retry schedule, after the first attempt. */
export const WECHATPAY_RETRY_DELAYS_MS: readonly number[] = Object.freeze(
  [15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600].map((seconds) => seconds * 1000),
);

const PREFIX = '/wechatpay/';
const CHINA_OFFSET_MS = 8 * 3600_000;
const DAY_MS = 24 * 3600_000;
const MAX_CLOCK_SKEW_SECONDS = 300;
const DEFAULT_CODE_URL_TTL_MS = 2 * 3600_000;
const DOWNLOAD_TOKEN_TTL_MS = 30_000;
/** The bill of a day is ready at 09:00 China time the next day. */
const BILL_READY_AFTER_DAY_MS = 9 * 3600_000;
const OUT_TRADE_NO = /^[0-9A-Za-z_\-|*]{6,32}$/;
const OUT_REFUND_NO = /^[0-9A-Za-z_\-|*@]{1,64}$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:\d{2})$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

type TradeState = 'NOTPAY' | 'SUCCESS' | 'CLOSED' | 'REFUND';

interface Refund {
  readonly outRefundNo: string;
  readonly refundId: string;
  readonly amountFen: number;
  readonly notifyUrl?: string;
  readonly createdAt: number;
  status: 'PROCESSING' | 'SUCCESS';
  successAt?: number;
}

interface Trade {
  readonly mchid: string;
  readonly appid: string;
  readonly outTradeNo: string;
  readonly description: string;
  readonly attach: string;
  readonly amountFen: number;
  readonly notifyUrl: string;
  readonly codeUrl: string;
  readonly expiresAt: number;
  state: TradeState;
  transactionId?: string;
  successAt?: number;
  payerOpenid?: string;
  readonly refunds: Refund[];
}

interface Merchant {
  readonly mchid: string;
  readonly serialNo: string;
  readonly publicKey: KeyObject;
  readonly apiV3Key: string;
  readonly appIds: ReadonlySet<string>;
}

interface StatementAdjustment {
  readonly kind: 'add-payment' | 'drop-trade' | 'change-amount';
  readonly mchid: string;
  readonly outTradeNo: string;
  readonly amountFen?: number;
  readonly transactionId?: string;
}

/** An API answer: signed JSON (or an empty signed body), or a bill file (unsigned, as WeChat Pay sends files). */
type Reply = { readonly status: number; readonly body?: unknown } | { readonly status: number; readonly file: Buffer };

const reply = (status: number, body?: unknown): Reply => ({ status, body });
const refusal = (status: number, code: string, message: string): Reply => reply(status, { code, message });
const paramError = (message: string): Reply => refusal(400, 'PARAM_ERROR', message);
const missing = (path: string, label: string): Reply =>
  paramError(`输入源“${path}”映射到值字段“${label}”必填性规则校验失败，此字段为必填项`);

const chinaIso = (ms: number): string => new Date(ms + CHINA_OFFSET_MS).toISOString();
/** RFC 3339 in China time, as WeChat Pay writes its times: `2026-01-01T10:00:00+08:00`. */
const rfc3339China = (ms: number): string => `${chinaIso(ms).slice(0, 19)}+08:00`;
const chinaDate = (ms: number): string => chinaIso(ms).slice(0, 10);
const billTime = (ms: number): string => chinaIso(ms).slice(0, 19).replace('T', ' ');
const chinaDayStart = (date: string): number => Date.parse(`${date}T00:00:00+08:00`);
const digits = (count: number): string => Array.from({ length: count }, () => String(randomInt(10))).join('');
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const nonEmptyString = (value: unknown): value is string => typeof value === 'string' && value !== '';
const positiveInteger = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) > 0;

function demoMerchants(): WechatpayMerchant[] {
  const keys = readWechatpayDemoKeys();
  return [
    {
      mchid: WECHATPAY_DEMO_MERCHANT.mchid,
      serialNo: WECHATPAY_DEMO_MERCHANT.merchantSerial,
      publicKey: keys.merchantPublicKey,
      apiV3Key: keys.apiV3Key,
      appIds: WECHATPAY_DEMO_MERCHANT.appIds,
    },
  ];
}

export function createWechatpayWallet(options: WechatpayWalletOptions = {}): WechatpayWallet {
  const merchants = new Map<string, Merchant>(
    (options.merchants ?? demoMerchants()).map((merchant) => {
      if (Buffer.byteLength(merchant.apiV3Key) !== 32) throw new RangeError(`the APIv3 key of merchant ${merchant.mchid} must be 32 bytes`);
      return [
        merchant.mchid,
        { mchid: merchant.mchid, serialNo: merchant.serialNo, publicKey: createPublicKey(merchant.publicKey), apiV3Key: merchant.apiV3Key, appIds: new Set(merchant.appIds) },
      ];
    }),
  );
  const platform = {
    publicKeyId: options.platform?.publicKeyId ?? WECHATPAY_DEMO_MERCHANT.platformPublicKeyId,
    privateKey: createPrivateKey(options.platform?.privateKey ?? readWechatpayDemoKeys().platformPrivateKey),
  };
  const retryDelaysMs = options.retryDelaysMs ?? WECHATPAY_RETRY_DELAYS_MS;
  const notifyTimeoutMs = options.notifyTimeoutMs ?? 5_000;
  const refundSettleMs = options.refundSettleMs ?? 2_000;
  let offsetMs = 0;
  const now = (): number => (options.now ?? Date.now)() + offsetMs;
  let signatureMode: ResponseSignatureMode = 'valid';
  let closed = false;

  /** By `${mchid}:${out_trade_no}`; `out_trade_no` is unique per merchant. */
  const trades = new Map<string, Trade>();
  const tradesByCodeUrl = new Map<string, Trade>();
  /** By `${mchid}:${out_refund_no}`; `out_refund_no` is unique per merchant too. */
  const refunds = new Map<string, { trade: Trade; refund: Refund }>();
  const attemptsByTrade = new Map<string, WechatpayNotificationAttempt[]>();
  const adjustments = new Map<string, StatementAdjustment[]>();
  const downloads = new Map<string, { mchid: string; file: Buffer; expiresAt: number }>();
  const timers = new Set<NodeJS.Timeout>();

  const later = (delayMs: number, run: () => void): void => {
    if (closed) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!closed) run();
    }, delayMs);
    // Hours-long retries must not keep a test process (or a CLI command) alive.
    timer.unref();
    timers.add(timer);
  };

  const stateOf = (trade: Trade): TradeState => (trade.state === 'NOTPAY' && now() >= trade.expiresAt ? 'CLOSED' : trade.state);
  const openidFor = (appid: string, payerId: string): string =>
    `o${createHash('sha256').update(`wechatpay|${appid}|${payerId}`).digest('base64url').slice(0, 27)}`;
  const refundedFen = (trade: Trade): number => trade.refunds.reduce((total, refund) => total + refund.amountFen, 0);

  // ── notifications ─────────────────────────────────────────────────────────────────────────────

  const notify = (trade: Trade, eventType: WechatpayEventType, notifyUrl: string, plaintext: Record<string, unknown>, outRefundNo?: string): void => {
    const merchant = merchants.get(trade.mchid) as Merchant;
    const originalType = eventType === 'TRANSACTION.SUCCESS' ? 'transaction' : 'refund';
    const id = randomUUID();
    const body = JSON.stringify({
      id,
      create_time: rfc3339China(now()),
      resource_type: 'encrypt-resource',
      event_type: eventType,
      summary: eventType === 'TRANSACTION.SUCCESS' ? '支付成功' : '退款成功',
      resource: encryptResource(JSON.stringify(plaintext), merchant.apiV3Key, originalType),
    });
    const log = attemptsByTrade.get(trade.outTradeNo) ?? [];
    attemptsByTrade.set(trade.outTradeNo, log);

    const attempt = async (number: number): Promise<void> => {
      const at = new Date().toISOString();
      let status: number | undefined;
      let error: string | undefined;
      try {
        const response = await fetch(notifyUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: '*/*', 'user-agent': 'Mozilla/4.0', ...platformSignatureHeaders(body, platform) },
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(notifyTimeoutMs),
        });
        status = response.status;
        await response.arrayBuffer().catch(() => undefined);
      } catch (caught) {
        const failure = caught as Error & { cause?: { code?: string } };
        error = failure.name === 'TimeoutError' ? `no answer within ${notifyTimeoutMs} ms` : (failure.cause?.code ?? failure.message);
      }
      const acknowledged = status === 200 || status === 204;
      log.push(Object.freeze({ id, eventType, ...(outRefundNo === undefined ? {} : { outRefundNo }), attempt: number, at, ...(status === undefined ? {} : { status }), ...(error === undefined ? {} : { error }), acknowledged }));
      const delay = retryDelaysMs[number - 1];
      if (!acknowledged && delay !== undefined) later(delay, () => void attempt(number + 1));
    };
    later(0, () => void attempt(1));
  };

  const transactionResource = (trade: Trade): Record<string, unknown> => ({
    mchid: trade.mchid,
    appid: trade.appid,
    out_trade_no: trade.outTradeNo,
    transaction_id: trade.transactionId,
    trade_type: 'NATIVE',
    trade_state: 'SUCCESS',
    trade_state_desc: '支付成功',
    bank_type: 'OTHERS',
    attach: trade.attach,
    success_time: rfc3339China(trade.successAt as number),
    payer: { openid: trade.payerOpenid },
    amount: { total: trade.amountFen, payer_total: trade.amountFen, currency: 'CNY', payer_currency: 'CNY' },
  });

  const refundView = (trade: Trade, refund: Refund): Record<string, unknown> => ({
    refund_id: refund.refundId,
    out_refund_no: refund.outRefundNo,
    transaction_id: trade.transactionId,
    out_trade_no: trade.outTradeNo,
    channel: 'ORIGINAL',
    user_received_account: '支付用户零钱',
    ...(refund.successAt === undefined ? {} : { success_time: rfc3339China(refund.successAt) }),
    create_time: rfc3339China(refund.createdAt),
    status: refund.status,
    funds_account: 'AVAILABLE',
    amount: {
      total: trade.amountFen,
      refund: refund.amountFen,
      from: [],
      payer_total: trade.amountFen,
      payer_refund: refund.amountFen,
      settlement_refund: refund.amountFen,
      settlement_total: trade.amountFen,
      discount_refund: 0,
      currency: 'CNY',
      refund_fee: 0,
    },
    promotion_detail: [],
  });

  const settleRefund = (trade: Trade, refund: Refund): void => {
    refund.status = 'SUCCESS';
    refund.successAt = now();
    if (refund.notifyUrl === undefined) return;
    notify(
      trade,
      'REFUND.SUCCESS',
      refund.notifyUrl,
      {
        mchid: trade.mchid,
        out_trade_no: trade.outTradeNo,
        transaction_id: trade.transactionId,
        out_refund_no: refund.outRefundNo,
        refund_id: refund.refundId,
        refund_status: 'SUCCESS',
        success_time: rfc3339China(refund.successAt),
        user_received_account: '支付用户零钱',
        amount: { total: trade.amountFen, refund: refund.amountFen, payer_total: trade.amountFen, payer_refund: refund.amountFen },
      },
      refund.outRefundNo,
    );
  };

  // ── the API ───────────────────────────────────────────────────────────────────────────────────

  /** The merchant whose key signed the request, or the refusal WeChat Pay answers. */
  const authenticate = (req: http.IncomingMessage, body: string): Merchant | Reply => {
    const header = req.headers.authorization;
    const auth = parseAuthorization(header);
    if (!auth) return refusal(401, 'SIGN_ERROR', 'Http头Authorization值格式错误，请参考《微信支付商户REST API签名规则》');
    const merchant = merchants.get(auth.mchid);
    if (!merchant) return refusal(400, 'MCH_NOT_EXISTS', '商户号不存在');
    if (auth.serialNo !== merchant.serialNo) return refusal(401, 'SIGN_ERROR', '商户证书序列号有误。请使用签名私钥匹配的证书序列号');
    const seconds = Number(auth.timestamp);
    if (!/^\d+$/.test(auth.timestamp) || Math.abs(Date.now() / 1000 - seconds) > MAX_CLOCK_SKEW_SECONDS) {
      return refusal(401, 'SIGN_ERROR', 'Http头Authorization中的timestamp与发起请求的时间不得超过5分钟');
    }
    const content = requestSignContent(req.method ?? 'GET', req.url ?? '/', auth.timestamp, auth.nonce, body);
    if (!verifySha256Rsa(content, auth.signature, merchant.publicKey)) return refusal(401, 'SIGN_ERROR', '签名错误，请检查后再试');
    return merchant;
  };

  const createNative = (merchant: Merchant, body: Record<string, unknown>): Reply => {
    const { appid, mchid, description, out_trade_no: outTradeNo, notify_url: notifyUrl, time_expire: timeExpire, attach } = body;
    const amount = isRecord(body.amount) ? body.amount : undefined;
    if (!nonEmptyString(appid)) return missing('/body/appid', '应用ID');
    if (!nonEmptyString(mchid)) return missing('/body/mchid', '直连商户号');
    if (!nonEmptyString(description)) return missing('/body/description', '商品描述');
    if (!nonEmptyString(outTradeNo)) return missing('/body/out_trade_no', '商户订单号');
    if (!nonEmptyString(notifyUrl)) return missing('/body/notify_url', '通知地址');
    if (!amount || amount.total === undefined) return missing('/body/amount/total', '总金额');
    if (mchid !== merchant.mchid) return refusal(400, 'INVALID_REQUEST', '请求中的mchid与请求头中的商户号不一致');
    if (!merchant.appIds.has(appid)) return refusal(400, 'APPID_MCHID_NOT_MATCH', 'appid和mch_id不匹配');
    if (!OUT_TRADE_NO.test(outTradeNo)) return paramError('out_trade_no 只能是6到32位的数字、大小写字母和_-|*');
    if ([...description].length > 127) return paramError('description 长度不能超过127个字符');
    if (!positiveInteger(amount.total)) return paramError('amount.total 必须是大于0的整数，单位为分');
    if (amount.currency !== undefined && amount.currency !== 'CNY') return paramError('amount.currency 只支持CNY');
    if (!isHttpUrl(notifyUrl)) return paramError('notify_url 必须是合法的URL');
    if (attach !== undefined && typeof attach !== 'string') return paramError('attach 必须是字符串');
    let expiresAt = now() + DEFAULT_CODE_URL_TTL_MS;
    if (timeExpire !== undefined) {
      if (typeof timeExpire !== 'string' || !RFC3339.test(timeExpire)) return paramError('time_expire 格式错误，应为 yyyy-MM-DDTHH:mm:ss+TIMEZONE');
      expiresAt = Date.parse(timeExpire);
    }
    const existing = trades.get(`${merchant.mchid}:${outTradeNo}`);
    if (existing) {
      const state = stateOf(existing);
      if (state === 'SUCCESS' || state === 'REFUND') return refusal(400, 'ORDERPAID', '该订单已支付');
      if (state === 'CLOSED') return refusal(400, 'ORDER_CLOSED', '该订单已关闭');
      if (existing.amountFen !== amount.total) return refusal(403, 'OUT_TRADE_NO_USED', '商户订单号重复');
      return reply(200, { code_url: existing.codeUrl });
    }
    if (expiresAt <= now()) return refusal(400, 'INVALID_REQUEST', 'time_expire 不能早于当前时间');
    let codeUrl: string;
    do codeUrl = `weixin://wxpay/bizpayurl?pr=${createHash('sha256').update(randomUUID()).digest('base64url').replace(/[-_]/g, '').slice(0, 7)}`;
    while (tradesByCodeUrl.has(codeUrl));
    const trade: Trade = {
      mchid: merchant.mchid,
      appid,
      outTradeNo,
      description,
      attach: attach ?? '',
      amountFen: amount.total,
      notifyUrl,
      codeUrl,
      expiresAt,
      state: 'NOTPAY',
      refunds: [],
    };
    trades.set(`${merchant.mchid}:${outTradeNo}`, trade);
    tradesByCodeUrl.set(codeUrl, trade);
    return reply(200, { code_url: codeUrl });
  };

  const queryTrade = (merchant: Merchant, outTradeNo: string, url: URL): Reply => {
    const mchid = url.searchParams.get('mchid');
    if (!mchid) return missing('/query/mchid', '直连商户号');
    if (mchid !== merchant.mchid) return refusal(400, 'INVALID_REQUEST', '请求中的mchid与请求头中的商户号不一致');
    const trade = trades.get(`${merchant.mchid}:${outTradeNo}`);
    if (!trade) return refusal(404, 'ORDER_NOT_EXIST', '订单不存在');
    const state = stateOf(trade);
    const base = { appid: trade.appid, mchid: trade.mchid, out_trade_no: trade.outTradeNo };
    if (state === 'SUCCESS' || state === 'REFUND') {
      return reply(200, {
        ...transactionResource(trade),
        trade_state: state,
        trade_state_desc: state === 'SUCCESS' ? '支付成功' : '订单发生过退款',
        promotion_detail: [],
      });
    }
    return reply(200, {
      ...base,
      trade_state: state,
      trade_state_desc: state === 'NOTPAY' ? '订单未支付' : '订单已关闭',
      amount: { total: trade.amountFen, currency: 'CNY', payer_currency: 'CNY' },
      promotion_detail: [],
    });
  };

  const closeTrade = (merchant: Merchant, outTradeNo: string, body: Record<string, unknown>): Reply => {
    if (!nonEmptyString(body.mchid)) return missing('/body/mchid', '直连商户号');
    if (body.mchid !== merchant.mchid) return refusal(400, 'INVALID_REQUEST', '请求中的mchid与请求头中的商户号不一致');
    const trade = trades.get(`${merchant.mchid}:${outTradeNo}`);
    if (!trade) return refusal(404, 'ORDER_NOT_EXIST', '订单不存在');
    const state = stateOf(trade);
    if (state === 'SUCCESS' || state === 'REFUND') return refusal(400, 'ORDERPAID', '订单已支付');
    trade.state = 'CLOSED';
    return reply(204);
  };

  const createRefund = (merchant: Merchant, body: Record<string, unknown>): Reply => {
    const { transaction_id: transactionId, out_trade_no: outTradeNo, out_refund_no: outRefundNo, notify_url: notifyUrl, reason } = body;
    const amount = isRecord(body.amount) ? body.amount : undefined;
    if (!nonEmptyString(transactionId) && !nonEmptyString(outTradeNo)) return paramError('transaction_id 和 out_trade_no 必须二选一进行传参');
    if (!nonEmptyString(outRefundNo)) return missing('/body/out_refund_no', '商户退款单号');
    if (!amount || amount.refund === undefined) return missing('/body/amount/refund', '退款金额');
    if (amount.total === undefined) return missing('/body/amount/total', '原订单金额');
    if (amount.currency === undefined) return missing('/body/amount/currency', '退款币种');
    if (!OUT_REFUND_NO.test(outRefundNo)) return paramError('out_refund_no 只能是1到64位的数字、大小写字母和_-|*@');
    if (!positiveInteger(amount.refund) || !positiveInteger(amount.total)) return paramError('amount.refund 和 amount.total 必须是大于0的整数，单位为分');
    if (amount.currency !== 'CNY') return paramError('amount.currency 只支持CNY');
    if (notifyUrl !== undefined && (typeof notifyUrl !== 'string' || !isHttpUrl(notifyUrl))) return paramError('notify_url 必须是合法的URL');
    if (reason !== undefined && (typeof reason !== 'string' || Buffer.byteLength(reason) > 80)) return paramError('reason 不能超过80个字节');
    const trade = nonEmptyString(outTradeNo)
      ? trades.get(`${merchant.mchid}:${outTradeNo}`)
      : [...trades.values()].find((candidate) => candidate.mchid === merchant.mchid && candidate.transactionId === transactionId);
    if (!trade || trade.transactionId === undefined || (nonEmptyString(transactionId) && trade.transactionId !== transactionId)) {
      return refusal(404, 'RESOURCE_NOT_EXISTS', '订单不存在或未支付，未支付的订单不能发起退款');
    }
    const earlier = refunds.get(`${merchant.mchid}:${outRefundNo}`);
    if (earlier) {
      if (earlier.trade !== trade || earlier.refund.amountFen !== amount.refund) return refusal(400, 'INVALID_REQUEST', '同一商户退款单号多次请求的参数不一致');
      return reply(200, refundView(trade, earlier.refund));
    }
    if (amount.total !== trade.amountFen) return refusal(400, 'INVALID_REQUEST', '订单金额与原订单的金额不一致');
    if (amount.refund > trade.amountFen - refundedFen(trade)) return refusal(400, 'INVALID_REQUEST', '申请退款金额超过订单可退金额');
    const createdAt = now();
    const refund: Refund = {
      outRefundNo,
      refundId: `50300${digits(6)}${chinaDate(createdAt).replaceAll('-', '')}${digits(10)}`,
      amountFen: amount.refund,
      ...(notifyUrl === undefined ? {} : { notifyUrl: notifyUrl as string }),
      createdAt,
      status: 'PROCESSING',
    };
    trade.refunds.push(refund);
    trade.state = 'REFUND';
    refunds.set(`${merchant.mchid}:${outRefundNo}`, { trade, refund });
    later(refundSettleMs, () => settleRefund(trade, refund));
    return reply(200, refundView(trade, refund));
  };

  /** The rows of a merchant's bill for a China-local day, with the day's adjustments applied. */
  const billRows = (mchid: string, date: string): BillRow[] => {
    const rows: Array<BillRow & { at: number }> = [];
    for (const trade of trades.values()) {
      if (trade.mchid !== mchid || trade.transactionId === undefined) continue;
      const common = {
        appid: trade.appid,
        mchid,
        transactionId: trade.transactionId,
        outTradeNo: trade.outTradeNo,
        openid: trade.payerOpenid ?? '',
        description: trade.description,
        attach: trade.attach,
      };
      const paidAt = trade.successAt as number;
      if (chinaDate(paidAt) === date) rows.push({ ...common, kind: 'payment', at: paidAt, time: billTime(paidAt), amountFen: trade.amountFen });
      for (const refund of trade.refunds) {
        if (chinaDate(refund.createdAt) !== date) continue;
        rows.push({
          ...common,
          kind: 'refund',
          at: refund.createdAt,
          time: billTime(refund.createdAt),
          amountFen: refund.amountFen,
          refundId: refund.refundId,
          outRefundNo: refund.outRefundNo,
          refundStatus: refund.status,
        });
      }
    }
    rows.sort((a, b) => a.at - b.at);
    let adjusted: BillRow[] = rows;
    for (const change of adjustments.get(date) ?? []) {
      if (change.mchid !== mchid) continue;
      if (change.kind === 'drop-trade') {
        adjusted = adjusted.filter((row) => row.outTradeNo !== change.outTradeNo);
      } else if (change.kind === 'change-amount') {
        const own = adjusted.filter((row) => row.outTradeNo === change.outTradeNo);
        const targets = own.some((row) => row.kind === 'payment') ? own.filter((row) => row.kind === 'payment') : own;
        adjusted = adjusted.map((row) => (targets.includes(row) ? { ...row, amountFen: change.amountFen as number } : row));
      } else {
        const merchant = merchants.get(mchid) as Merchant;
        const appid = [...merchant.appIds][0] ?? '';
        adjusted = [
          ...adjusted,
          {
            kind: 'payment',
            time: `${date} 12:00:00`,
            appid,
            mchid,
            transactionId: change.transactionId as string,
            outTradeNo: change.outTradeNo,
            openid: openidFor(appid, 'statement-adjustment'),
            description: '商品',
            attach: '',
            amountFen: change.amountFen as number,
          },
        ];
      }
    }
    return adjusted;
  };

  const applyTradeBill = (merchant: Merchant, url: URL, req: http.IncomingMessage): Reply => {
    const date = url.searchParams.get('bill_date');
    if (!date) return missing('/query/bill_date', '账单日期');
    if (!DATE.test(date) || Number.isNaN(chinaDayStart(date))) return paramError('bill_date 格式应为 YYYY-MM-DD');
    const billType = url.searchParams.get('bill_type') ?? 'ALL';
    if (!['ALL', 'SUCCESS', 'REFUND'].includes(billType)) return paramError('bill_type 只能是 ALL、SUCCESS 或 REFUND');
    const tarType = url.searchParams.get('tar_type');
    if (tarType !== null && tarType !== 'GZIP') return paramError('tar_type 只能是 GZIP');
    if (chinaDayStart(date) > now()) return refusal(400, 'INVALID_REQUEST', 'bill_date 不能晚于当前日期，请检查 bill_date');
    if (now() < chinaDayStart(date) + DAY_MS + BILL_READY_AFTER_DAY_MS) return refusal(400, 'STATEMENT_CREATING', '账单生成中，请在T+1日上午9点后再下载');
    const rows = billRows(merchant.mchid, date).filter((row) => billType === 'ALL' || (billType === 'SUCCESS') === (row.kind === 'payment'));
    if (rows.length === 0) return refusal(400, 'NO_STATEMENT_EXIST', '账单文件不存在，请检查当前商户号是否在指定日期有交易或退款发生');
    const file = renderTradeBill(rows);
    const token = randomUUID().replaceAll('-', '');
    downloads.set(token, { mchid: merchant.mchid, file: tarType === 'GZIP' ? gzipSync(file) : file, expiresAt: now() + DOWNLOAD_TOKEN_TTL_MS });
    const origin = `http://${req.headers.host ?? '127.0.0.1'}`;
    return reply(200, {
      hash_type: 'SHA1',
      hash_value: createHash('sha1').update(file).digest('hex'),
      download_url: `${origin}${PREFIX}v3/billdownload/file?token=${token}`,
    });
  };

  const downloadBill = (merchant: Merchant, url: URL): Reply => {
    const token = url.searchParams.get('token') ?? '';
    const download = downloads.get(token);
    if (!download || download.expiresAt <= now()) return refusal(400, 'INVALID_REQUEST', '下载地址无效或已过期，请重新申请账单');
    if (download.mchid !== merchant.mchid) return refusal(403, 'NO_AUTH', '本次请求的商户与申请账单的商户不一致');
    return { status: 200, file: download.file };
  };

  const api = async (req: http.IncomingMessage, url: URL, path: string): Promise<Reply> => {
    let text: string;
    try {
      text = (await readRawBody(req)).toString('utf8');
    } catch {
      return paramError('请求体过大');
    }
    const authenticated = authenticate(req, text);
    if ('status' in authenticated) return authenticated;
    const merchant = authenticated;
    let body: Record<string, unknown> = {};
    if (req.method === 'POST') {
      try {
        const parsed: unknown = JSON.parse(text);
        if (!isRecord(parsed)) throw new TypeError('not an object');
        body = parsed;
      } catch {
        return paramError('请求体不是合法的JSON对象');
      }
    }
    if (req.method === 'POST' && path === '/v3/pay/transactions/native') return createNative(merchant, body);
    const trade = /^\/v3\/pay\/transactions\/out-trade-no\/([^/]+)(\/close)?$/.exec(path);
    if (trade) {
      const outTradeNo = decodeURIComponent(trade[1]);
      if (req.method === 'GET' && !trade[2]) return queryTrade(merchant, outTradeNo, url);
      if (req.method === 'POST' && trade[2]) return closeTrade(merchant, outTradeNo, body);
    }
    if (req.method === 'POST' && path === '/v3/refund/domestic/refunds') return createRefund(merchant, body);
    if (req.method === 'GET' && path === '/v3/bill/tradebill') return applyTradeBill(merchant, url, req);
    if (req.method === 'GET' && path === '/v3/billdownload/file') return downloadBill(merchant, url);
    return refusal(404, 'NOT_FOUND', '请求的资源不存在');
  };

  const send = (res: http.ServerResponse, answer: Reply): void => {
    if ('file' in answer) {
      res.writeHead(answer.status, { 'content-type': 'application/octet-stream', 'content-length': answer.file.length, 'Request-ID': requestId() });
      res.end(answer.file);
      return;
    }
    const text = answer.body === undefined ? '' : JSON.stringify(answer.body);
    const headers: Record<string, string | number> = { 'Request-ID': requestId(), ...platformSignatureHeaders(text, platform, signatureMode), 'content-length': Buffer.byteLength(text) };
    if (text !== '') headers['content-type'] = 'application/json; charset=utf-8';
    res.writeHead(answer.status, headers);
    res.end(text);
  };

  // ── demo endpoints ────────────────────────────────────────────────────────────────────────────

  const pay = (body: Record<string, unknown>, res: http.ServerResponse): void => {
    if (!nonEmptyString(body.qrCodeContent) || !nonEmptyString(body.payerId)) {
      return sendJson(res, 400, { code: 'InvalidRequest', message: 'qrCodeContent and payerId must be non-empty strings' });
    }
    const trade = tradesByCodeUrl.get(body.qrCodeContent);
    if (!trade) return sendJson(res, 404, { code: 'UnknownQrCode', message: 'no trade behind that QR code' });
    if (trade.state === 'SUCCESS' || trade.state === 'REFUND') return sendJson(res, 409, { code: 'TradePaid', message: 'the trade is already paid' });
    if (trade.state === 'CLOSED') return sendJson(res, 409, { code: 'TradeClosed', message: 'the trade is closed' });
    if (stateOf(trade) === 'CLOSED') return sendJson(res, 409, { code: 'TradeExpired', message: 'the trade has expired' });
    trade.state = 'SUCCESS';
    trade.successAt = now();
    trade.transactionId = `4200${digits(6)}${chinaDate(trade.successAt).replaceAll('-', '')}${digits(10)}`;
    trade.payerOpenid = openidFor(trade.appid, body.payerId);
    notify(trade, 'TRANSACTION.SUCCESS', trade.notifyUrl, transactionResource(trade));
    sendJson(res, 200, { outTradeNo: trade.outTradeNo, providerTradeNo: trade.transactionId, amountFen: trade.amountFen });
  };

  const adjustStatement = (body: Record<string, unknown>, res: http.ServerResponse): void => {
    const { date, kind, outTradeNo, amountFen } = body;
    if (typeof date !== 'string' || !DATE.test(date) || Number.isNaN(chinaDayStart(date))) {
      return sendJson(res, 400, { code: 'InvalidDate', message: 'date must be YYYY-MM-DD' });
    }
    if (kind !== 'add-payment' && kind !== 'drop-trade' && kind !== 'change-amount') {
      return sendJson(res, 400, { code: 'InvalidKind', message: 'kind must be add-payment, drop-trade or change-amount' });
    }
    if (!nonEmptyString(outTradeNo)) return sendJson(res, 400, { code: 'InvalidOutTradeNo', message: 'outTradeNo must be a non-empty string' });
    if (kind !== 'drop-trade' && !positiveInteger(amountFen)) {
      return sendJson(res, 400, { code: 'InvalidAmount', message: `${kind} needs amountFen, a positive integer` });
    }
    let mchid: string;
    if (kind === 'add-payment') {
      const trade = [...trades.values()].find((candidate) => candidate.outTradeNo === outTradeNo);
      mchid = trade?.mchid ?? ([...merchants.keys()][0] as string);
    } else {
      const onStatement = [...merchants.keys()].find((candidate) => billRows(candidate, date).some((row) => row.outTradeNo === outTradeNo));
      if (onStatement === undefined) return sendJson(res, 404, { code: 'NotOnStatement', message: `${outTradeNo} is not on the statement of ${date}` });
      mchid = onStatement;
    }
    const change: StatementAdjustment = {
      kind,
      mchid,
      outTradeNo,
      ...(kind === 'drop-trade' ? {} : { amountFen: amountFen as number }),
      ...(kind === 'add-payment' ? { transactionId: `4200${digits(6)}${date.replaceAll('-', '')}${digits(10)}` } : {}),
    };
    const list = adjustments.get(date) ?? [];
    list.push(change);
    adjustments.set(date, list);
    sendJson(res, 201, { date, adjustments: list.length });
  };

  const demo = async (req: http.IncomingMessage, res: http.ServerResponse, path: string): Promise<void> => {
    const notifications = /^\/_demo\/trades\/([^/]+)\/notifications$/.exec(path);
    if (req.method === 'GET' && notifications) {
      return sendJson(res, 200, { attempts: attemptsByTrade.get(decodeURIComponent(notifications[1])) ?? [] });
    }
    if (req.method !== 'POST') return sendJson(res, 404, { code: 'NotFound', message: 'no such WeChat Pay demo endpoint' });
    let body: Record<string, unknown>;
    try {
      const parsed = (await readJsonBody(req)) ?? {};
      if (!isRecord(parsed)) throw new TypeError('not an object');
      body = parsed;
    } catch {
      return sendJson(res, 400, { code: 'MalformedBody', message: 'body must be a JSON object' });
    }
    if (path === '/_demo/pay') return pay(body, res);
    if (path === '/_demo/statement-adjustments') return adjustStatement(body, res);
    if (path === '/_demo/clock') {
      if (typeof body.offsetSeconds !== 'number' || !Number.isFinite(body.offsetSeconds)) {
        return sendJson(res, 400, { code: 'InvalidOffset', message: 'offsetSeconds must be a number' });
      }
      offsetMs = body.offsetSeconds * 1000;
      return sendJson(res, 200, { now: new Date(now()).toISOString() });
    }
    if (path === '/_demo/response-signature') {
      if (body.mode !== 'valid' && body.mode !== 'corrupt' && body.mode !== 'missing') {
        return sendJson(res, 400, { code: 'InvalidMode', message: 'mode must be valid, corrupt or missing' });
      }
      signatureMode = body.mode;
      return sendJson(res, 200, { mode: signatureMode });
    }
    sendJson(res, 404, { code: 'NotFound', message: 'no such WeChat Pay demo endpoint' });
  };

  const route: EmulatorRoute = async (req, res, url) => {
    if (!url.pathname.startsWith(PREFIX)) return false;
    const path = url.pathname.slice(PREFIX.length - 1);
    if (path.startsWith('/_demo/')) await demo(req, res, path);
    else send(res, await api(req, url, path));
    return true;
  };

  return {
    route,
    notifications: (outTradeNo) => [...(attemptsByTrade.get(outTradeNo) ?? [])],
    close: () => {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
