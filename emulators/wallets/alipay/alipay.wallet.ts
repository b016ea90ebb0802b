import { createHmac, createPrivateKey, createPublicKey, randomBytes, randomInt, timingSafeEqual, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type http from 'node:http';
import { readJsonBody, readRawBody, sendJson, type EmulatorRoute } from '../../http-kit.ts';
import { DEMO_APP_ID, DEMO_KEY_FILES } from '../../channels/alipay/alipay.open-platform.ts';
import {
  notificationSignContent,
  parseV3Authorization,
  signSha256WithRsa,
  v3RequestSignContent,
  v3ResponseSignatureHeaders,
  verifySha256WithRsa,
} from './open-api-v3.signing.ts';
import { chinaDateTime, tradeBillArchive, yuan, type TradeBillRow } from './trade-bill.ts';

/**
 * The Alipay payment emulator (当面付 QR payments), under `/alipay-pay/…`, speaking the open platform's
 * v3 API so that the official `alipay-sdk` (`endpoint: ${emulatorsUrl}/alipay-pay`, `sdk.curl(…)`)
 * works against it unchanged. It shares the open platform emulator's demo app and keys
 * (`emulators/channels/alipay/demo-keys`, demo-only): requests are checked with the app's public key
 * (`ALIPAY-SHA256withRSA` Authorization; a bad one gets HTTP 401 `invalid-signature`) and every answer
 * is signed with the platform key (`alipay-timestamp`, `alipay-nonce`, `alipay-signature`).
 *
 * - `POST /alipay-pay/v3/alipay/trade/precreate` `{ out_trade_no, total_amount, subject, notify_url?,
 *   time_expire? | timeout_express? }` → `{ out_trade_no, qr_code }`. The same out_trade_no and amount
 *   again gives the same QR code; another amount is refused (`ACQ.CONTEXT_INCONSISTENT`).
 * - `POST /alipay-pay/v3/alipay/trade/query` `{ out_trade_no | trade_no }` → `{ trade_no, trade_status,
 *   total_amount, send_pay_date, … }`. As on Alipay, the trade exists only once the payer scanned the
 *   QR code: before that the answer is `ACQ.TRADE_NOT_EXIST`.
 * - `POST /alipay-pay/v3/alipay/trade/close` — closes a scanned, unpaid trade; a paid one is refused
 *   (`ACQ.TRADE_STATUS_ERROR`). Closing before anyone scanned answers `ACQ.TRADE_NOT_EXIST`, yet, as
 *   on Alipay, the QR code can no longer be paid.
 * - `POST /alipay-pay/v3/alipay/trade/refund` `{ out_trade_no, refund_amount, out_request_no,
 *   refund_reason }` → `{ fund_change, refund_fee (refunded so far), … }`; the same out_request_no
 *   again is the same refund (`fund_change: "N"`), with another amount `ACQ.DISCORDANT_REPEAT_REQUEST`;
 *   more than the refundable balance `ACQ.REASON_TRADE_REFUND_FEE_ERR`. A full refund closes the trade.
 * - `GET /alipay-pay/v3/alipay/data/dataservice/bill/downloadurl/query?bill_type=trade&bill_date=YYYY-MM-DD`
 *   → `{ bill_download_url }`, valid 30 seconds, once the China-local day is over (`isp.bill_not_exist`
 *   before). The URL serves the day's statement: a ZIP of GBK CSV files (see trade-bill.ts).
 *
 * Errors are HTTP 4xx/5xx with `{ code, message }`, signed like any answer. After a payment, and
 * after each refund, the trade's `notify_url` receives Alipay's asynchronous notification
 * (`trade_status_sync`, form-encoded, RSA2-signed over the sorted parameters with the platform key),
 * retried 4m, 10m, 10m, 1h, 2h, 6h, 15h later (`retryDelaysMs` scales it) until it answers `success`.
 *
 * Demo endpoints (JSON), acting as the Alipay app would for a person or as a test needs:
 * - `POST /alipay-pay/_demo/scan { qrCodeContent, payerId }` — the person scans but does not pay yet.
 * - `POST /alipay-pay/_demo/pay { qrCodeContent, payerId }` → `{ outTradeNo, providerTradeNo, amountFen }`
 *   (404 unknown QR code; 409 closed, paid or expired); the notification starts.
 * - `POST /alipay-pay/_demo/statement-adjustments { date, kind: add-payment|drop-trade|change-amount, outTradeNo, amountFen? }`
 * - `POST /alipay-pay/_demo/clock { offsetSeconds }` — moves the emulator's clock (expiry tests).
 * - `POST /alipay-pay/_demo/faults { responseSignature?: valid|corrupt|missing, serverErrors?: n }` — signs
 *   answers wrongly or not at all; answers the next n API calls with HTTP 500.
 * - `GET /alipay-pay/_demo/notifications/{outTradeNo}` — every notification attempt and the answer it got.
 */

export const ALIPAY_PAY_PREFIX = '/alipay-pay';
/** The merchant account (PID) behind the demo app. */
export const DEMO_SELLER_ID = '2088000000000156';
/** Alipay's notification retries after the first attempt: 8 notifications in about 25 hours. */
export const ALIPAY_NOTIFY_RETRY_DELAYS_MS: readonly number[] = Object.freeze([4, 10, 10, 60, 120, 360, 900].map((minutes) => minutes * 60_000));

export interface AlipayMerchantApp {
  readonly appId: string;
  /** The app public key the merchant uploaded (PEM, or bare base64 SPKI). */
  readonly publicKey: string;
  /** The merchant's Alipay account (2088…), the seller of its trades. */
  readonly sellerId: string;
}

export interface AlipayWalletOptions {
  /** The platform's private key (PEM); the demo key by default. */
  readonly platformPrivateKey?: string;
  /** The merchant apps the platform knows; the demo app by default. */
  readonly apps?: readonly AlipayMerchantApp[];
  /** Delays between notification attempts; Alipay's schedule by default. */
  readonly retryDelaysMs?: readonly number[];
  /** How long one notification attempt waits for the merchant's answer; default 15 s. */
  readonly notifyTimeoutMs?: number;
  /** The emulator's clock; `/_demo/clock` adds an offset to it. */
  readonly now?: () => number;
  /** How long a statement download URL works; Alipay's is 30 seconds. */
  readonly billUrlTtlSeconds?: number;
}

export interface AlipayNotificationAttempt {
  readonly notifyId: string;
  readonly appId: string;
  readonly kind: 'payment' | 'refund';
  readonly tradeStatus: string;
  readonly outRequestNo?: string;
  /** 1 for the first delivery. */
  readonly attempt: number;
  readonly at: string;
  /** The HTTP status the notify URL answered; absent when it could not be reached. */
  readonly httpStatus?: number;
  /** The start of the answer's body. */
  readonly answer?: string;
  readonly error?: string;
  /** Whether the answer was the acknowledgement Alipay expects (`success`). */
  readonly acknowledged: boolean;
}

export interface AlipayWallet {
  readonly route: EmulatorRoute;
  /** Every notification attempt about the trade, oldest first. */
  notifications(outTradeNo: string): AlipayNotificationAttempt[];
  /** Stops pending notification retries. */
  close(): void;
}

type TradeStatusName = 'WAIT_BUYER_PAY' | 'TRADE_SUCCESS' | 'TRADE_CLOSED';

interface Trade {
  readonly app: App;
  readonly outTradeNo: string;
  readonly totalFen: number;
  readonly subject: string;
  readonly notifyUrl?: string;
  readonly expiresAt: number;
  readonly qrCode: string;
  status: TradeStatusName;
  /** Alipay creates the trade (and its trade_no) when the payer scans; until then the API does not know it. */
  scanned: boolean;
  closeReason?: 'closed' | 'expired' | 'refunded';
  tradeNo?: string;
  buyerId?: string;
  buyerLogonId?: string;
  scannedAt?: number;
  paidAt?: number;
  closedAt?: number;
  refundedFen: number;
  readonly refunds: Map<string, { readonly fen: number; readonly at: number }>;
}

interface App {
  readonly appId: string;
  readonly publicKey: KeyObject;
  readonly sellerId: string;
}

interface Delivery {
  readonly notifyId: string;
  readonly app: App;
  readonly kind: 'payment' | 'refund';
  readonly outTradeNo: string;
  readonly outRequestNo?: string;
  readonly notifyUrl: string;
  readonly params: Readonly<Record<string, string>>;
  readonly attempts: AlipayNotificationAttempt[];
  timer?: NodeJS.Timeout;
}

type Adjustment =
  | { readonly kind: 'add-payment'; readonly outTradeNo: string; readonly amountFen: number; readonly tradeNo: string }
  | { readonly kind: 'drop-trade'; readonly outTradeNo: string }
  | { readonly kind: 'change-amount'; readonly outTradeNo: string; readonly amountFen: number };

interface V3Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

const PAYER_ID = /^2088\d{12}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const CHINA_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;
const OUT_NO = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_FEN = 100_000_000_00;
/** How far a request's timestamp may be from the platform's time. */
const REQUEST_SKEW_MS = 15 * 60_000;
const DEFAULT_TRADE_TTL_MS = 2 * 3600_000;

const ok = (body: Record<string, unknown>): V3Answer => ({ status: 200, body });
const refuse = (code: string, message: string, status = 400): V3Answer => ({ status, body: { code, message } });

function publicKeyFrom(text: string): KeyObject {
  return text.includes('-----BEGIN')
    ? createPublicKey(text)
    : createPublicKey({ key: Buffer.from(text.replace(/\s+/g, ''), 'base64'), format: 'der', type: 'spki' });
}

/** Integer fen from Alipay's yuan amount (a string or a JSON number, at most two decimals). */
function fenFromYuan(value: unknown): number | undefined {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : typeof value === 'string' ? value.trim() : '';
  const match = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}

function chinaDateOf(ms: number): string {
  return chinaDateTime(ms).slice(0, 10);
}

function parseChinaDateTime(text: string): number | undefined {
  const match = CHINA_DATE_TIME.exec(text);
  if (!match) return undefined;
  const ms = Date.parse(`${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6]}+08:00`);
  return Number.isNaN(ms) ? undefined : ms;
}

/** `90m`, `2h`, `1d`: Alipay's relative timeouts. */
function parseTimeoutExpress(text: string): number | undefined {
  const match = /^(\d{1,4})([mhd])$/.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * { m: 60_000, h: 3600_000, d: 86_400_000 }[match[2] as 'm' | 'h' | 'd'];
}

function digits(count: number): string {
  let text = '';
  while (text.length < count) text += String(randomInt(0, 1_000_000_000)).padStart(9, '0');
  return text.slice(0, count);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** A payer's account as Alipay shows it to the merchant: masked. */
function maskedLogon(payerId: string): string {
  return `1${payerId.slice(-10, -8)}****${payerId.slice(-4)}`;
}

function demoApps(): AlipayMerchantApp[] {
  return [{ appId: DEMO_APP_ID, publicKey: readFileSync(DEMO_KEY_FILES.appPublic, 'utf8'), sellerId: DEMO_SELLER_ID }];
}

async function readDemoJson(req: http.IncomingMessage, res: http.ServerResponse): Promise<Record<string, unknown> | undefined> {
  try {
    const body = await readJsonBody(req);
    if (body === undefined) return {};
    if (typeof body === 'object' && body !== null && !Array.isArray(body)) return body as Record<string, unknown>;
  } catch {
    // answered below
  }
  sendJson(res, 400, { code: 'MalformedBody', message: 'body must be a JSON object' });
  return undefined;
}

export function createAlipayWallet(options: AlipayWalletOptions = {}): AlipayWallet {
  const platformKey = createPrivateKey(options.platformPrivateKey ?? readFileSync(DEMO_KEY_FILES.platformPrivate, 'utf8'));
  const apps = new Map<string, App>(
    (options.apps ?? demoApps()).map((app) => [app.appId, { appId: app.appId, publicKey: publicKeyFrom(app.publicKey), sellerId: app.sellerId }]),
  );
  const retryDelaysMs = options.retryDelaysMs ?? ALIPAY_NOTIFY_RETRY_DELAYS_MS;
  const notifyTimeoutMs = options.notifyTimeoutMs ?? 15_000;
  const billUrlTtlMs = (options.billUrlTtlSeconds ?? 30) * 1000;
  const wallClock = options.now ?? Date.now;
  let offsetMs = 0;
  const now = (): number => wallClock() + offsetMs;
  /** Signs the statement download URLs this emulator hands out. */
  const urlSecret = randomBytes(32);

  const trades = new Map<string, Trade>();
  const tradesByQr = new Map<string, Trade>();
  const tradesByTradeNo = new Map<string, Trade>();
  const billRows: Array<TradeBillRow & { readonly appId: string }> = [];
  const adjustments = new Map<string, Adjustment[]>();
  const deliveries = new Map<string, Delivery[]>();
  /** Every attempt per out_trade_no, in the order they were made. */
  const attemptLog = new Map<string, AlipayNotificationAttempt[]>();
  const faults = { responseSignature: 'valid' as 'valid' | 'corrupt' | 'missing', serverErrors: 0 };
  const closing = new AbortController();

  const tradeKey = (appId: string, outTradeNo: string): string => `${appId}\u0000${outTradeNo}`;

  /** An unpaid trade past its expiry is closed; a QR code nobody scanned simply stops working. */
  const refresh = (trade: Trade): Trade => {
    if (trade.status === 'WAIT_BUYER_PAY' && now() >= trade.expiresAt) {
      trade.status = 'TRADE_CLOSED';
      trade.closeReason = 'expired';
      trade.closedAt = trade.expiresAt;
    }
    return trade;
  };

  const newTradeNo = (): string => `${chinaDateOf(now()).replaceAll('-', '')}22001${digits(15)}`;

  // --- asynchronous notifications -------------------------------------------------------------

  const deliver = async (delivery: Delivery): Promise<void> => {
    delivery.timer = undefined;
    if (closing.signal.aborted) return;
    const params: Record<string, string> = { ...delivery.params, notify_time: chinaDateTime(now()) };
    params.sign = signSha256WithRsa(notificationSignContent(params), platformKey);
    const attempt = delivery.attempts.length + 1;
    const base = {
      notifyId: delivery.notifyId,
      appId: delivery.app.appId,
      kind: delivery.kind,
      tradeStatus: params.trade_status,
      ...(delivery.outRequestNo ? { outRequestNo: delivery.outRequestNo } : {}),
      attempt,
      at: new Date(now()).toISOString(),
    };
    let record: AlipayNotificationAttempt;
    try {
      const response = await fetch(delivery.notifyUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body: new URLSearchParams(params).toString(),
        signal: AbortSignal.any([closing.signal, AbortSignal.timeout(notifyTimeoutMs)]),
        redirect: 'manual',
      });
      const answer = (await response.text()).slice(0, 200);
      record = { ...base, httpStatus: response.status, answer, acknowledged: response.status === 200 && answer.trim() === 'success' };
    } catch (error) {
      record = { ...base, error: (error as Error).message, acknowledged: false };
    }
    delivery.attempts.push(record);
    const log = attemptLog.get(delivery.outTradeNo) ?? [];
    log.push(record);
    attemptLog.set(delivery.outTradeNo, log);
    const delay = retryDelaysMs[attempt - 1];
    if (record.acknowledged || delay === undefined || closing.signal.aborted) return;
    delivery.timer = setTimeout(() => void deliver(delivery), delay);
    delivery.timer.unref();
  };

  const notify = (trade: Trade, kind: 'payment' | 'refund', extra: Record<string, string> = {}, outRequestNo?: string): void => {
    if (!trade.notifyUrl || !trade.tradeNo || !trade.buyerId) return;
    const total = yuan(trade.totalFen);
    const params: Record<string, string> = {
      notify_type: 'trade_status_sync',
      notify_id: `${chinaDateOf(now()).replaceAll('-', '')}00222${digits(20)}`,
      app_id: trade.app.appId,
      auth_app_id: trade.app.appId,
      charset: 'utf-8',
      version: '1.0',
      sign_type: 'RSA2',
      trade_no: trade.tradeNo,
      out_trade_no: trade.outTradeNo,
      buyer_id: trade.buyerId,
      buyer_logon_id: trade.buyerLogonId ?? '',
      seller_id: trade.app.sellerId,
      trade_status: trade.status,
      total_amount: total,
      receipt_amount: total,
      invoice_amount: total,
      buyer_pay_amount: total,
      point_amount: '0.00',
      subject: trade.subject,
      fund_bill_list: JSON.stringify([{ amount: total, fundChannel: 'ALIPAYACCOUNT' }]),
      gmt_create: chinaDateTime(trade.scannedAt ?? now()),
      ...(trade.paidAt !== undefined ? { gmt_payment: chinaDateTime(trade.paidAt) } : {}),
      ...(trade.closedAt !== undefined ? { gmt_close: chinaDateTime(trade.closedAt) } : {}),
      ...extra,
    };
    for (const key of Object.keys(params)) if (params[key] === '') delete params[key];
    const delivery: Delivery = {
      notifyId: params.notify_id,
      app: trade.app,
      kind,
      outTradeNo: trade.outTradeNo,
      ...(outRequestNo ? { outRequestNo } : {}),
      notifyUrl: trade.notifyUrl,
      params,
      attempts: [],
    };
    const list = deliveries.get(trade.outTradeNo) ?? [];
    list.push(delivery);
    deliveries.set(trade.outTradeNo, list);
    void deliver(delivery);
  };

  // --- the v3 API --------------------------------------------------------------------------------

  const findTrade = (app: App, body: Record<string, unknown>): Trade | undefined => {
    const tradeNo = text(body.trade_no);
    const byTradeNo = tradeNo ? tradesByTradeNo.get(tradeNo) : undefined;
    if (byTradeNo) return byTradeNo.app === app ? refresh(byTradeNo) : undefined;
    const outTradeNo = text(body.out_trade_no);
    const trade = outTradeNo ? trades.get(tradeKey(app.appId, outTradeNo)) : undefined;
    return trade ? refresh(trade) : undefined;
  };

  const notExist = (): V3Answer => refuse('ACQ.TRADE_NOT_EXIST', '交易不存在');

  const precreate = (app: App, body: Record<string, unknown>): V3Answer => {
    const outTradeNo = text(body.out_trade_no);
    if (!outTradeNo || !OUT_NO.test(outTradeNo)) return refuse('ACQ.INVALID_PARAMETER', '参数无效：out_trade_no');
    const totalFen = fenFromYuan(body.total_amount);
    if (totalFen === undefined || totalFen < 1 || totalFen > MAX_FEN) return refuse('ACQ.INVALID_PARAMETER', '参数无效：total_amount');
    const subject = text(body.subject);
    if (!subject || subject.length > 256) return refuse('ACQ.INVALID_PARAMETER', '参数无效：subject');
    const notifyUrl = text(body.notify_url);
    if (notifyUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(notifyUrl)) return refuse('ACQ.INVALID_PARAMETER', '参数无效：notify_url');
    let expiresAt = now() + DEFAULT_TRADE_TTL_MS;
    const timeExpire = text(body.time_expire);
    const timeoutExpress = text(body.timeout_express);
    if (timeExpire !== undefined) {
      const at = parseChinaDateTime(timeExpire);
      if (at === undefined || at <= now()) return refuse('ACQ.INVALID_PARAMETER', '参数无效：time_expire');
      expiresAt = at;
    } else if (timeoutExpress !== undefined) {
      const ttl = parseTimeoutExpress(timeoutExpress);
      if (ttl === undefined) return refuse('ACQ.INVALID_PARAMETER', '参数无效：timeout_express');
      expiresAt = now() + ttl;
    }

    const existing = trades.get(tradeKey(app.appId, outTradeNo));
    if (existing) {
      refresh(existing);
      if (existing.paidAt !== undefined) return refuse('ACQ.TRADE_HAS_SUCCESS', '交易已被支付');
      if (existing.status === 'TRADE_CLOSED') return refuse('ACQ.TRADE_HAS_CLOSE', '交易已经关闭');
      if (existing.totalFen !== totalFen) return refuse('ACQ.CONTEXT_INCONSISTENT', '交易信息被篡改');
      return ok({ out_trade_no: outTradeNo, qr_code: existing.qrCode });
    }
    const trade: Trade = {
      app,
      outTradeNo,
      totalFen,
      subject,
      ...(notifyUrl ? { notifyUrl } : {}),
      expiresAt,
      qrCode: `https://qr.alipay.com/bax${randomBytes(12).toString('hex').slice(0, 21)}`,
      status: 'WAIT_BUYER_PAY',
      scanned: false,
      refundedFen: 0,
      refunds: new Map(),
    };
    trades.set(tradeKey(app.appId, outTradeNo), trade);
    tradesByQr.set(trade.qrCode, trade);
    return ok({ out_trade_no: outTradeNo, qr_code: trade.qrCode });
  };

  const query = (app: App, body: Record<string, unknown>): V3Answer => {
    if (!text(body.out_trade_no) && !text(body.trade_no)) return refuse('ACQ.INVALID_PARAMETER', '参数无效：out_trade_no 与 trade_no 不能同时为空');
    const trade = findTrade(app, body);
    if (!trade || !trade.scanned) return notExist();
    const paid = trade.paidAt !== undefined;
    return ok({
      trade_no: trade.tradeNo,
      out_trade_no: trade.outTradeNo,
      buyer_logon_id: trade.buyerLogonId,
      buyer_user_id: trade.buyerId,
      trade_status: trade.status,
      total_amount: yuan(trade.totalFen),
      buyer_pay_amount: paid ? yuan(trade.totalFen) : '0.00',
      receipt_amount: paid ? yuan(trade.totalFen) : '0.00',
      point_amount: '0.00',
      invoice_amount: paid ? yuan(trade.totalFen) : '0.00',
      ...(paid ? { send_pay_date: chinaDateTime(trade.paidAt as number) } : {}),
    });
  };

  const close = (app: App, body: Record<string, unknown>): V3Answer => {
    if (!text(body.out_trade_no) && !text(body.trade_no)) return refuse('ACQ.INVALID_PARAMETER', '参数无效：out_trade_no 与 trade_no 不能同时为空');
    const trade = findTrade(app, body);
    if (!trade) return notExist();
    if (!trade.scanned) {
      // Alipay answers that the trade does not exist, but the QR code is dead from now on.
      if (trade.status === 'WAIT_BUYER_PAY') {
        trade.status = 'TRADE_CLOSED';
        trade.closeReason = 'closed';
        trade.closedAt = now();
      }
      return notExist();
    }
    if (trade.paidAt !== undefined) return refuse('ACQ.TRADE_STATUS_ERROR', '交易状态不合法');
    if (trade.status === 'WAIT_BUYER_PAY') {
      trade.status = 'TRADE_CLOSED';
      trade.closeReason = 'closed';
      trade.closedAt = now();
    }
    return ok({ trade_no: trade.tradeNo, out_trade_no: trade.outTradeNo });
  };

  const refund = (app: App, body: Record<string, unknown>): V3Answer => {
    if (!text(body.out_trade_no) && !text(body.trade_no)) return refuse('ACQ.INVALID_PARAMETER', '参数无效：out_trade_no 与 trade_no 不能同时为空');
    const fen = fenFromYuan(body.refund_amount);
    if (fen === undefined || fen < 1) return refuse('ACQ.INVALID_PARAMETER', '参数无效：refund_amount');
    const requestNo = text(body.out_request_no);
    if (requestNo !== undefined && !OUT_NO.test(requestNo)) return refuse('ACQ.INVALID_PARAMETER', '参数无效：out_request_no');
    const trade = findTrade(app, body);
    if (!trade || !trade.scanned) return notExist();
    // Without out_request_no the refund is the whole trade, numbered by the trade itself.
    const outRequestNo = requestNo ?? trade.outTradeNo;
    if (requestNo === undefined && fen !== trade.totalFen) return refuse('ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', '退款金额与订单金额不一致');
    const answer = (fundChange: 'Y' | 'N', at: number, sentBack: number): V3Answer =>
      ok({
        trade_no: trade.tradeNo,
        out_trade_no: trade.outTradeNo,
        buyer_logon_id: trade.buyerLogonId,
        buyer_user_id: trade.buyerId,
        fund_change: fundChange,
        refund_fee: yuan(trade.refundedFen),
        send_back_fee: yuan(sentBack),
        gmt_refund_pay: chinaDateTime(at),
      });
    const previous = trade.refunds.get(outRequestNo);
    if (previous) {
      if (previous.fen !== fen) return refuse('ACQ.DISCORDANT_REPEAT_REQUEST', '不一致的请求');
      return answer('N', previous.at, 0);
    }
    if (trade.paidAt === undefined) {
      return trade.status === 'TRADE_CLOSED' ? refuse('ACQ.TRADE_HAS_CLOSE', '交易已经关闭') : refuse('ACQ.TRADE_STATUS_ERROR', '交易状态不合法');
    }
    if (trade.status === 'TRADE_CLOSED') return refuse('ACQ.TRADE_HAS_CLOSE', '交易已经关闭');
    if (fen > trade.totalFen - trade.refundedFen) return refuse('ACQ.REASON_TRADE_REFUND_FEE_ERR', '退款金额无效');
    const at = now();
    trade.refunds.set(outRequestNo, { fen, at });
    trade.refundedFen += fen;
    if (trade.refundedFen === trade.totalFen) {
      trade.status = 'TRADE_CLOSED';
      trade.closeReason = 'refunded';
      trade.closedAt = at;
    }
    billRows.push({
      appId: app.appId,
      kind: 'refund',
      tradeNo: trade.tradeNo as string,
      outTradeNo: trade.outTradeNo,
      outRequestNo,
      subject: trade.subject,
      createdAt: trade.scannedAt ?? at,
      finishedAt: at,
      buyerLogonId: trade.buyerLogonId ?? '',
      amountFen: fen,
    });
    const gmtRefund = `${chinaDateTime(at)}.${String(at % 1000).padStart(3, '0')}`;
    notify(trade, 'refund', { out_biz_no: outRequestNo, refund_fee: yuan(trade.refundedFen), gmt_refund: gmtRefund }, outRequestNo);
    return answer('Y', at, fen);
  };

  const billDownloadUrl = (app: App, query: URLSearchParams, origin: string): V3Answer => {
    const billType = query.get('bill_type') ?? '';
    const billDate = query.get('bill_date') ?? '';
    if (billType !== 'trade' && billType !== 'signcustomer') return refuse('INVALID_PARAMETER', '参数有误：bill_type');
    if (!DATE.test(billDate) || Number.isNaN(Date.parse(`${billDate}T00:00:00+08:00`))) return refuse('INVALID_PARAMETER', '参数有误：bill_date');
    if (billType !== 'trade' || billDate >= chinaDateOf(now())) return refuse('isp.bill_not_exist', '账单不存在');
    const expires = now() + billUrlTtlMs;
    const account = `${app.sellerId}0156`;
    const compact = billDate.replaceAll('-', '');
    const params = new URLSearchParams({
      bizType: 'trade',
      userId: account,
      fileType: 'csv.zip',
      bizDates: compact,
      downloadFileName: `${account}_${compact}.csv.zip`,
      fileId: `/trade/${account}/${compact}.csv.zip`,
      appId: app.appId,
      timestamp: String(expires),
    });
    params.set('token', createHmac('sha256', urlSecret).update(params.toString()).digest('hex'));
    return ok({ bill_download_url: `${origin}${ALIPAY_PAY_PREFIX}/dwbillcenter/downloadBillFile.resource?${params}` });
  };

  /** The day's statement rows of one app, with the demo adjustments applied in order. */
  const statementRows = (appId: string, date: string): TradeBillRow[] => {
    let rows: TradeBillRow[] = billRows.filter((row) => row.appId === appId && chinaDateOf(row.finishedAt) === date);
    for (const adjustment of adjustments.get(date) ?? []) {
      if (adjustment.kind === 'drop-trade') rows = rows.filter((row) => row.outTradeNo !== adjustment.outTradeNo);
      else if (adjustment.kind === 'change-amount') {
        rows = rows.map((row) => (row.outTradeNo === adjustment.outTradeNo && row.kind === 'payment' ? { ...row, amountFen: adjustment.amountFen } : row));
      } else {
        const at = Date.parse(`${date}T12:00:00+08:00`);
        rows.push({ kind: 'payment', tradeNo: adjustment.tradeNo, outTradeNo: adjustment.outTradeNo, subject: '演示补录交易', createdAt: at, finishedAt: at, buyerLogonId: '138****0000', amountFen: adjustment.amountFen });
      }
    }
    return rows.sort((a, b) => a.finishedAt - b.finishedAt);
  };

  const serveBill = (res: http.ServerResponse, url: URL): void => {
    const params = new URLSearchParams(url.searchParams);
    const token = params.get('token') ?? '';
    params.delete('token');
    const expected = createHmac('sha256', urlSecret).update(params.toString()).digest('hex');
    const valid = token.length === expected.length && timingSafeEqual(Buffer.from(token), Buffer.from(expected));
    const app = apps.get(params.get('appId') ?? '');
    const compact = params.get('bizDates') ?? '';
    if (!valid || !app || !/^\d{8}$/.test(compact)) {
      res.writeHead(403, { 'content-type': 'text/plain;charset=utf-8' }).end('invalid download url');
      return;
    }
    if (Number(params.get('timestamp')) < now()) {
      res.writeHead(403, { 'content-type': 'text/plain;charset=utf-8' }).end('download url expired');
      return;
    }
    const date = `${compact.slice(0, 4)}-${compact.slice(4, 6)}-${compact.slice(6, 8)}`;
    const { fileName, zip } = tradeBillArchive({ account: `${app.sellerId}0156`, date, rows: statementRows(app.appId, date), exportedAt: now() });
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-disposition': `attachment; filename="${fileName}"`,
      'content-length': zip.length,
    });
    res.end(zip);
  };

  /** Answers an API call: signed as Alipay signs, unless a fault says otherwise. */
  const sendV3 = (res: http.ServerResponse, answer: V3Answer): void => {
    const body = JSON.stringify(answer.body);
    const headers: Record<string, string | number> = {
      'content-type': 'application/json;charset=UTF-8',
      'content-length': Buffer.byteLength(body),
      'alipay-trace-id': randomBytes(16).toString('hex'),
    };
    if (faults.responseSignature !== 'missing') {
      const signature = v3ResponseSignatureHeaders(body, platformKey, now());
      // A corrupt signature is a real signature of some other text.
      if (faults.responseSignature === 'corrupt') signature['alipay-signature'] = signSha256WithRsa(`${signature['alipay-timestamp']}\n${signature['alipay-nonce']}\n${body} \n`, platformKey);
      Object.assign(headers, signature);
    }
    res.writeHead(answer.status, headers);
    res.end(body);
  };

  /** The app behind a request, when its Authorization verifies with that app's public key. */
  const authenticate = (req: http.IncomingMessage, url: URL, body: string): App | V3Answer => {
    const header = req.headers.authorization;
    const auth = parseV3Authorization(header);
    if (!auth) return refuse('invalid-signature', '验签出错：缺少或无法解析 Authorization 头', 401);
    const app = apps.get(auth.items.get('app_id') ?? '');
    if (!app) return refuse('invalid-app-id', '无效的AppID参数', 401);
    const timestamp = Number(auth.items.get('timestamp'));
    if (!auth.items.get('nonce') || !Number.isSafeInteger(timestamp) || Math.abs(wallClock() - timestamp) > REQUEST_SKEW_MS) {
      return refuse('invalid-signature', '验签出错：nonce 或 timestamp 无效', 401);
    }
    const method = req.method ?? 'GET';
    const token = typeof req.headers['alipay-app-auth-token'] === 'string' ? req.headers['alipay-app-auth-token'] : undefined;
    const full = `${url.pathname}${url.search}`;
    // The SDK signs the API path, except that with a query string it signs the whole URL path,
    // this emulator's prefix included; both are what the official client sends.
    const candidates = [full.slice(ALIPAY_PAY_PREFIX.length), full];
    if (!candidates.some((path) => verifySha256WithRsa(v3RequestSignContent(auth.authString, method, path, body, token), auth.sign, app.publicKey))) {
      const content = v3RequestSignContent(auth.authString, method, candidates[0], body, token);
      return refuse('invalid-signature', `验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为：${JSON.stringify(content)}`, 401);
    }
    return app;
  };

  const POST_APIS: Record<string, (app: App, body: Record<string, unknown>) => V3Answer> = {
    '/v3/alipay/trade/precreate': precreate,
    '/v3/alipay/trade/query': query,
    '/v3/alipay/trade/close': close,
    '/v3/alipay/trade/refund': refund,
  };
  const BILL_API = '/v3/alipay/data/dataservice/bill/downloadurl/query';

  const api = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> => {
    const path = url.pathname.slice(ALIPAY_PAY_PREFIX.length);
    const handler = req.method === 'POST' && Object.hasOwn(POST_APIS, path) ? POST_APIS[path] : undefined;
    if (!handler && !(req.method === 'GET' && path === BILL_API)) return sendV3(res, refuse('NOT_FOUND', '接口不存在', 404));
    let raw: string;
    try {
      raw = (await readRawBody(req)).toString('utf8');
    } catch {
      return sendV3(res, refuse('INVALID_PARAMETER', '请求体过大', 413));
    }
    if (faults.serverErrors > 0) {
      faults.serverErrors -= 1;
      return sendV3(res, refuse('SYSTEM_ERROR', '系统繁忙，请稍后再试', 500));
    }
    const app = authenticate(req, url, raw);
    if ('status' in app) return sendV3(res, app);
    if (!handler) return sendV3(res, billDownloadUrl(app, url.searchParams, `http://${req.headers.host ?? '127.0.0.1'}`));
    let body: unknown;
    try {
      body = raw === '' ? {} : JSON.parse(raw);
    } catch {
      return sendV3(res, refuse('INVALID_PARAMETER', '请求体不是合法的 JSON'));
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return sendV3(res, refuse('INVALID_PARAMETER', '请求体必须是 JSON 对象'));
    sendV3(res, handler(app, body as Record<string, unknown>));
  };

  // --- demo endpoints ----------------------------------------------------------------------------

  /** What the Alipay app does when a person scans the QR code (and, with `pay`, confirms). */
  const scanAndPay = (body: Record<string, unknown>, pay: boolean): { status: number; body: Record<string, unknown> } => {
    const qrCodeContent = text(body.qrCodeContent);
    const payerId = text(body.payerId);
    if (!qrCodeContent) return { status: 400, body: { code: 'InvalidQrCode', message: 'qrCodeContent is required' } };
    if (!payerId || !PAYER_ID.test(payerId)) return { status: 400, body: { code: 'InvalidPayerId', message: 'payerId must be an Alipay user id: 16 digits starting with 2088' } };
    const trade = tradesByQr.get(qrCodeContent);
    if (!trade) return { status: 404, body: { code: 'TradeNotFound', message: 'no trade behind this QR code' } };
    refresh(trade);
    if (trade.paidAt !== undefined) return { status: 409, body: { code: 'TradeAlreadyPaid', message: '该笔订单已支付' } };
    if (trade.status === 'TRADE_CLOSED') {
      return trade.closeReason === 'expired'
        ? { status: 409, body: { code: 'TradeExpired', message: '二维码已过期' } }
        : { status: 409, body: { code: 'TradeClosed', message: '支付失败，本笔交易已关闭' } };
    }
    if (trade.scanned && trade.buyerId !== payerId) return { status: 409, body: { code: 'BuyerNotMatch', message: '交易买家不匹配' } };
    if (!trade.scanned) {
      trade.scanned = true;
      trade.tradeNo = newTradeNo();
      trade.buyerId = payerId;
      trade.buyerLogonId = maskedLogon(payerId);
      trade.scannedAt = now();
      tradesByTradeNo.set(trade.tradeNo, trade);
    }
    if (pay) {
      const at = now();
      trade.status = 'TRADE_SUCCESS';
      trade.paidAt = at;
      billRows.push({
        appId: trade.app.appId,
        kind: 'payment',
        tradeNo: trade.tradeNo as string,
        outTradeNo: trade.outTradeNo,
        subject: trade.subject,
        createdAt: trade.scannedAt ?? at,
        finishedAt: at,
        buyerLogonId: trade.buyerLogonId ?? '',
        amountFen: trade.totalFen,
      });
      notify(trade, 'payment');
    }
    return { status: 200, body: { outTradeNo: trade.outTradeNo, providerTradeNo: trade.tradeNo, amountFen: trade.totalFen } };
  };

  const addAdjustment = (body: Record<string, unknown>): { status: number; body: Record<string, unknown> } => {
    const date = text(body.date);
    const outTradeNo = text(body.outTradeNo);
    const amountFen = body.amountFen;
    if (!date || !DATE.test(date)) return { status: 400, body: { code: 'InvalidDate', message: 'date must be YYYY-MM-DD' } };
    if (!outTradeNo) return { status: 400, body: { code: 'InvalidOutTradeNo', message: 'outTradeNo is required' } };
    const needsAmount = body.kind === 'add-payment' || body.kind === 'change-amount';
    if (needsAmount && (typeof amountFen !== 'number' || !Number.isSafeInteger(amountFen) || amountFen < 1)) {
      return { status: 400, body: { code: 'InvalidAmount', message: 'amountFen must be a positive integer' } };
    }
    let adjustment: Adjustment;
    if (body.kind === 'add-payment') adjustment = { kind: 'add-payment', outTradeNo, amountFen: amountFen as number, tradeNo: `${date.replaceAll('-', '')}22001${digits(15)}` };
    else if (body.kind === 'change-amount') adjustment = { kind: 'change-amount', outTradeNo, amountFen: amountFen as number };
    else if (body.kind === 'drop-trade') adjustment = { kind: 'drop-trade', outTradeNo };
    else return { status: 400, body: { code: 'InvalidKind', message: 'kind must be add-payment, drop-trade or change-amount' } };
    const list = adjustments.get(date) ?? [];
    list.push(adjustment);
    adjustments.set(date, list);
    return { status: 201, body: { date, adjustments: list.length } };
  };

  const notifications = (outTradeNo: string): AlipayNotificationAttempt[] => [...(attemptLog.get(outTradeNo) ?? [])];

  const demo = async (req: http.IncomingMessage, res: http.ServerResponse, path: string): Promise<void> => {
    const seen = /^\/_demo\/notifications\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && seen) return sendJson(res, 200, { notifications: notifications(decodeURIComponent(seen[1])) });
    if (req.method !== 'POST') return sendJson(res, 404, { code: 'NotFound', message: 'no such Alipay demo endpoint' });
    const body = await readDemoJson(req, res);
    if (!body) return;
    if (path === '/_demo/pay' || path === '/_demo/scan') {
      const answer = scanAndPay(body, path === '/_demo/pay');
      return sendJson(res, answer.status, answer.body);
    }
    if (path === '/_demo/statement-adjustments') {
      const answer = addAdjustment(body);
      return sendJson(res, answer.status, answer.body);
    }
    if (path === '/_demo/clock') {
      if (typeof body.offsetSeconds !== 'number' || !Number.isFinite(body.offsetSeconds)) return sendJson(res, 400, { code: 'InvalidOffset', message: 'offsetSeconds must be a number' });
      offsetMs = body.offsetSeconds * 1000;
      return sendJson(res, 200, { now: new Date(now()).toISOString() });
    }
    if (path === '/_demo/faults') {
      const signature = body.responseSignature;
      if (signature !== undefined && signature !== 'valid' && signature !== 'corrupt' && signature !== 'missing') {
        return sendJson(res, 400, { code: 'InvalidFault', message: 'responseSignature must be valid, corrupt or missing' });
      }
      const serverErrors = body.serverErrors;
      if (serverErrors !== undefined && (typeof serverErrors !== 'number' || !Number.isSafeInteger(serverErrors) || serverErrors < 0)) {
        return sendJson(res, 400, { code: 'InvalidFault', message: 'serverErrors must be a non-negative integer' });
      }
      if (signature !== undefined) faults.responseSignature = signature;
      if (serverErrors !== undefined) faults.serverErrors = serverErrors;
      return sendJson(res, 200, { ...faults });
    }
    sendJson(res, 404, { code: 'NotFound', message: 'no such Alipay demo endpoint' });
  };

  const route: EmulatorRoute = async (req, res, url) => {
    if (url.pathname !== ALIPAY_PAY_PREFIX && !url.pathname.startsWith(`${ALIPAY_PAY_PREFIX}/`)) return false;
    const path = url.pathname.slice(ALIPAY_PAY_PREFIX.length);
    if (path.startsWith('/v3/')) await api(req, res, url);
    else if (path === '/dwbillcenter/downloadBillFile.resource' && req.method === 'GET') serveBill(res, url);
    else if (path.startsWith('/_demo/')) await demo(req, res, path);
    else sendJson(res, 404, { code: 'NotFound', message: 'no such Alipay payment endpoint' });
    return true;
  };

  return {
    route,
    notifications,
    close() {
      closing.abort();
      for (const list of deliveries.values()) for (const delivery of list) if (delivery.timer) clearTimeout(delivery.timer);
    },
  };
}
