import { createPrivateKey, createPublicKey, randomInt, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type http from 'node:http';
import { isHttpUrl, readJsonBody, readRawBody, sendJson, type EmulatorRoute } from '../../http-kit.ts';
import { acpAnswerText, acpFormFields, signAcp, verifyAcp, type AcpFields } from './acp-signing.ts';
import { statementFileContent, type StatementFileLine } from './statement-file.ts';

/**
 * The UnionPay online gateway emulator (全渠道, ACP version 5.1.0), under `/unionpay/…` instead of
 * `https://gateway.95516.com/…`. Requests are URL-encoded form POSTs signed with the merchant's key
 * (`signMethod=01`, see `acp-signing.ts`); the emulator checks the signature against the public key
 * registered for the request's `merId` + `certId` and answers `respCode=11` when it does not verify.
 * Every answer is `key=value&…` signed with the UnionPay key and carries `signPubKeyCert`.
 *
 * - `POST /unionpay/gateway/api/backTransReq.do`
 *   - `txnType=01 txnSubType=07` (申请消费二维码): a QR order → `qrCode`. The same `orderId` with the
 *     same `txnAmt` is the same order (same `qrCode`); with another amount → `12` 重复交易. The order
 *     can be paid until `payTimeout` (`yyyyMMddHHmmss`, China-local; one day after `txnTime` when
 *     absent). UnionPay has no way to close an unpaid QR order: it ends at `payTimeout`.
 *   - `txnType=04 txnSubType=00` (退货): refunds `txnAmt` of the paid order `origQryId`, at once. The
 *     same refund `orderId` with the same amount and `origQryId` is the same refund; otherwise `12`.
 *     More than the refundable balance → `33`; an unknown or unpaid original → `35`. `backUrl` is
 *     optional here: without it no refund notification is sent.
 *   - any other `txnType` (e.g. `31` 消费撤销) → `32` 无此交易权限: the demo merchant only has these.
 * - `POST /unionpay/gateway/api/queryTrans.do` `txnType=00` by `orderId` + the original `txnTime` →
 *   `respCode=00` and `origRespCode`: `00` paid (or refunded, for a refund order), `05` accepted and
 *   not paid yet, `01` the order passed its `payTimeout` unpaid; `34` when no such order.
 * - `POST /unionpay/gateway/api/fileTransReq.do` `txnType=76 fileType=00 settleDate=MMdd` (文件传输)
 *   → `fileName`, `fileContent` (see `statement-file.ts`) for the latest such China-local date not
 *   after today.
 *
 * Notifications: after a payment and after a refund with a `backUrl`, a form POST of the result
 * fields, signed, to `backUrl`. HTTP 200 acknowledges it; anything else (or no answer in
 * `notifyTimeoutMs`) is retried 5 times, 1 s, 2 s, 4 s, 8 s and 16 s after the attempt before
 * (`retryDelaysMs` scales the schedule for tests).
 *
 * Demo endpoints (JSON):
 * - `POST /unionpay/_demo/pay { qrCodeContent, payerId }` → `{ outTradeNo, providerTradeNo, amountFen }`
 *   (404 unknown QR, 409 paid or expired): the payer scanned the QR in a UnionPay app and paid.
 * - `POST /unionpay/_demo/statement-adjustments { date, kind: add-payment|drop-trade|change-amount, outTradeNo, amountFen? }`
 * - `POST /unionpay/_demo/clock { offsetSeconds }` — moves the emulator's clock.
 * - `POST /unionpay/_demo/faults { responseSignature: valid|corrupt|missing }` — how gateway answers are signed.
 * - `GET /unionpay/_demo/trades/{orderId}/notifications` → `{ attempts }`.
 */

export const UNIONPAY_DEMO_MER_ID = '898000000000001';
export const UNIONPAY_DEMO_CERT_ID = '40000000001';
/** Committed demo key pairs, for the emulator and demo mode only. */
export const UNIONPAY_DEMO_KEY_FILES = Object.freeze({
  platformPrivate: new URL('./demo-keys/platform-private.pem', import.meta.url),
  platformPublic: new URL('./demo-keys/platform-public.pem', import.meta.url),
  merchantPrivate: new URL('./demo-keys/merchant-private.pem', import.meta.url),
  merchantPublic: new URL('./demo-keys/merchant-public.pem', import.meta.url),
});
/** After the first attempt, UnionPay notifies again after these delays. */
export const UNIONPAY_NOTIFY_RETRY_DELAYS_MS: readonly number[] = Object.freeze([1_000, 2_000, 4_000, 8_000, 16_000]);

export interface UnionpayMerchant {
  readonly merId: string;
  /** The serial of the signing certificate the merchant uploaded. */
  readonly certId: string;
  /** That certificate's public key (PEM). */
  readonly publicKey: string;
}

export interface UnionpayWalletOptions {
  /** UnionPay's signing key (PEM); the demo key by default. */
  readonly platformPrivateKey?: string;
  readonly merchants?: readonly UnionpayMerchant[];
  /** Delays between notification attempts; UnionPay's 1 s, 2 s, 4 s, 8 s, 16 s by default. */
  readonly retryDelaysMs?: readonly number[];
  /** How long one notification attempt waits for the merchant's answer. */
  readonly notifyTimeoutMs?: number;
  /** The emulator's clock (tests inject one); `/_demo/clock` adds an offset to it. */
  readonly now?: () => number;
}

export interface UnionpayNotificationAttempt {
  readonly kind: 'payment' | 'refund';
  /** The notified order: the paid order, or the refund's own order id. */
  readonly orderId: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  readonly at: string;
  /** The merchant's HTTP status; absent when it could not be reached. */
  readonly status?: number;
  readonly error?: string;
}

export interface UnionpayWallet {
  readonly route: EmulatorRoute;
  /** Every notification attempt about a paid order and its refunds, oldest first. */
  notifications(outTradeNo: string): UnionpayNotificationAttempt[];
  /** Resolves when no notification is waiting to be sent. */
  idle(): Promise<void>;
  /** Stops pending notification retries. */
  close(): void;
}

type ResponseSignature = 'valid' | 'corrupt' | 'missing';

interface QrOrder {
  readonly kind: 'consume';
  readonly merId: string;
  readonly orderId: string;
  readonly txnTime: string;
  readonly amountFen: number;
  readonly backUrl: string;
  readonly payTimeoutAt: number;
  readonly qrCode: string;
  paid?: { queryId: string; traceNo: string; at: number; payerId: string };
  refundedFen: number;
}

interface RefundOrder {
  readonly kind: 'refund';
  readonly merId: string;
  readonly orderId: string;
  readonly txnTime: string;
  readonly amountFen: number;
  readonly original: QrOrder;
  readonly origQryId: string;
  readonly queryId: string;
  readonly traceNo: string;
  readonly at: number;
  readonly reqReserved: string;
}

type Order = QrOrder | RefundOrder;

interface LedgerEntry {
  readonly merId: string;
  readonly txnType: '01' | '04';
  readonly orderId: string;
  readonly origOrderId: string;
  readonly queryId: string;
  readonly origQryId: string;
  readonly at: number;
  readonly amountFen: number;
  readonly reqReserved: string;
}

type AdjustmentKind = 'add-payment' | 'drop-trade' | 'change-amount';
interface Adjustment {
  readonly kind: AdjustmentKind;
  readonly outTradeNo: string;
  readonly amountFen?: number;
}

const PREFIX = '/unionpay/';
const GATEWAY = {
  back: '/unionpay/gateway/api/backTransReq.do',
  query: '/unionpay/gateway/api/queryTrans.do',
  file: '/unionpay/gateway/api/fileTransReq.do',
} as const;
const VERSION = '5.1.0';
const SUCCESS = '成功[0000000]';
const CHINA_OFFSET_MS = 8 * 3_600_000;
const ORDER_ID = /^[0-9A-Za-z]{8,32}$/;
const AMOUNT = /^[1-9]\d{0,11}$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** Fields every gateway request carries, whatever the transaction. */
const COMMON_FIELDS = ['version', 'encoding', 'signMethod', 'txnType', 'txnSubType', 'bizType', 'accessType', 'merId', 'txnTime', 'certId', 'signature'];
const ADJUSTMENT_KINDS: readonly AdjustmentKind[] = ['add-payment', 'drop-trade', 'change-amount'];

/** `yyyyMMddHHmmss`, China-local. */
function chinaStamp(ms: number): string {
  return new Date(ms + CHINA_OFFSET_MS).toISOString().replace(/\D/g, '').slice(0, 14);
}

function chinaDate(ms: number): string {
  return new Date(ms + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}

/** Milliseconds of a China-local `yyyyMMddHHmmss`, or undefined when it is not a real time. */
function parseChinaStamp(text: string | undefined): number | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text ?? '');
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number);
  const ms = Date.UTC(y, mo - 1, d, h, mi, s) - CHINA_OFFSET_MS;
  return chinaStamp(ms) === text ? ms : undefined;
}

function digits(count: number): string {
  let text = '';
  while (text.length < count) text += String(randomInt(0, 1_000_000_000)).padStart(9, '0');
  return text.slice(0, count);
}

function demoMerchants(): UnionpayMerchant[] {
  return [{ merId: UNIONPAY_DEMO_MER_ID, certId: UNIONPAY_DEMO_CERT_ID, publicKey: readFileSync(UNIONPAY_DEMO_KEY_FILES.merchantPublic, 'utf8') }];
}

export function createUnionpayWallet(options: UnionpayWalletOptions = {}): UnionpayWallet {
  const platformKey = createPrivateKey(options.platformPrivateKey ?? readFileSync(UNIONPAY_DEMO_KEY_FILES.platformPrivate, 'utf8'));
  // Version 5.1.0 answers carry the signing certificate; Node cannot issue one, so the key's PEM stands in for it.
  const signPubKeyCert = createPublicKey(platformKey).export({ type: 'spki', format: 'pem' }).toString();
  const merchants = new Map<string, { certId: string; publicKey: KeyObject }>(
    (options.merchants ?? demoMerchants()).map((m) => [m.merId, { certId: m.certId, publicKey: createPublicKey(m.publicKey) }]),
  );
  const retryDelaysMs = options.retryDelaysMs ?? UNIONPAY_NOTIFY_RETRY_DELAYS_MS;
  const notifyTimeoutMs = options.notifyTimeoutMs ?? 10_000;
  let offsetMs = 0;
  const now = (): number => (options.now ?? Date.now)() + offsetMs;
  let responseSignature: ResponseSignature = 'valid';

  /** Orders by `merId:orderId`: QR orders and refunds share the merchant's order id space. */
  const orders = new Map<string, Order>();
  const byQrCode = new Map<string, QrOrder>();
  const byQueryId = new Map<string, QrOrder>();
  const ledger: LedgerEntry[] = [];
  const adjustments = new Map<string, Adjustment[]>();
  const attempts = new Map<string, UnionpayNotificationAttempt[]>();
  /** Notifications still being sent or waiting to be retried, with what ends each. */
  const pending = new Map<Promise<void>, () => void>();
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;
  let traceCounter = randomInt(0, 900_000);

  const orderKey = (merId: string, orderId: string): string => `${merId}:${orderId}`;
  const nextTraceNo = (): string => String((traceCounter = (traceCounter + 1) % 1_000_000)).padStart(6, '0');
  /** 21 characters, as UnionPay's are: the completion time and 7 more digits. */
  const newQueryId = (at: number): string => `${chinaStamp(at)}${digits(7)}`;

  const signed = (fields: Record<string, string>): Record<string, string> => {
    const withCert = { ...fields, signPubKeyCert };
    return { ...withCert, signature: signAcp(withCert, platformKey) };
  };

  // ---------- notifications ----------

  const notify = (tradeOrderId: string, kind: 'payment' | 'refund', backUrl: string, fields: Record<string, string>): void => {
    const body = new URLSearchParams(signed(fields)).toString();
    const list = attempts.get(tradeOrderId) ?? [];
    attempts.set(tradeOrderId, list);
    let resolveDone: () => void = () => {};
    const done = new Promise<void>((resolve) => (resolveDone = resolve));
    const finish = (): void => {
      pending.delete(done);
      resolveDone();
    };
    pending.set(done, finish);
    const attempt = async (n: number): Promise<void> => {
      if (closed) return finish();
      const at = new Date(now()).toISOString();
      let status: number | undefined;
      let error: string | undefined;
      try {
        const response = await fetch(backUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' },
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(notifyTimeoutMs),
        });
        status = response.status;
        await response.arrayBuffer().catch(() => undefined);
      } catch (cause) {
        const code = (cause as { cause?: { code?: unknown } })?.cause?.code;
        error = typeof code === 'string' ? code : (cause as Error).name;
      }
      list.push({ kind, orderId: fields.orderId, attempt: n, at, ...(status === undefined ? {} : { status }), ...(error === undefined ? {} : { error }) });
      if (status === 200 || n > retryDelaysMs.length || closed) return finish();
      const timer = setTimeout(() => {
        timers.delete(timer);
        void attempt(n + 1);
      }, retryDelaysMs[n - 1]);
      timer.unref();
      timers.add(timer);
    };
    void attempt(1);
  };

  const common = (order: { merId: string }, txnType: string, txnSubType: string): Record<string, string> => ({
    version: VERSION,
    encoding: 'UTF-8',
    signMethod: '01',
    txnType,
    txnSubType,
    bizType: '000000',
    accessType: '0',
    merId: order.merId,
    currencyCode: '156',
  });

  const notifyPayment = (order: QrOrder): void => {
    const paid = order.paid!;
    notify(order.orderId, 'payment', order.backUrl, {
      ...common(order, '01', '07'),
      orderId: order.orderId,
      txnTime: order.txnTime,
      txnAmt: String(order.amountFen),
      queryId: paid.queryId,
      traceNo: paid.traceNo,
      traceTime: chinaStamp(paid.at).slice(4),
      settleDate: chinaStamp(paid.at).slice(4, 8),
      settleAmt: String(order.amountFen),
      settleCurrencyCode: '156',
      respCode: '00',
      respMsg: SUCCESS,
    });
  };

  const notifyRefund = (refund: RefundOrder, backUrl: string): void => {
    notify(refund.original.orderId, 'refund', backUrl, {
      ...common(refund, '04', '00'),
      orderId: refund.orderId,
      txnTime: refund.txnTime,
      txnAmt: String(refund.amountFen),
      origQryId: refund.origQryId,
      queryId: refund.queryId,
      traceNo: refund.traceNo,
      traceTime: chinaStamp(refund.at).slice(4),
      settleDate: chinaStamp(refund.at).slice(4, 8),
      settleAmt: String(refund.amountFen),
      settleCurrencyCode: '156',
      reqReserved: refund.reqReserved,
      respCode: '00',
      respMsg: SUCCESS,
    });
  };

  // ---------- gateway transactions ----------

  type Answer = Record<string, string>;
  const echo = (fields: AcpFields): Answer => {
    const answer: Answer = {};
    for (const key of ['version', 'encoding', 'signMethod', 'txnType', 'txnSubType', 'bizType', 'accessType', 'merId', 'orderId', 'txnTime', 'reqReserved']) {
      if (fields[key] !== undefined && fields[key] !== '') answer[key] = fields[key];
    }
    return answer;
  };
  const refuse = (fields: AcpFields, respCode: string, respMsg: string): Answer => ({ ...echo(fields), respCode, respMsg });
  const missingField = (fields: AcpFields, names: readonly string[]): Answer | undefined => {
    const name = names.find((n) => fields[n] === undefined || fields[n] === '');
    return name === undefined ? undefined : refuse(fields, '13', `报文交易要素缺失[${name}]`);
  };

  /** 申请消费二维码 (txnType=01, txnSubType=07). */
  const applyQrCode = (fields: AcpFields): Answer => {
    const missing = missingField(fields, ['orderId', 'txnAmt', 'currencyCode', 'backUrl', 'channelType']);
    if (missing) return missing;
    if (!ORDER_ID.test(fields.orderId)) return refuse(fields, '10', '报文格式错误[orderId]：8到32位字母或数字');
    if (!AMOUNT.test(fields.txnAmt)) return refuse(fields, '10', '报文格式错误[txnAmt]');
    if (fields.currencyCode !== '156') return refuse(fields, '10', '报文格式错误[currencyCode]');
    if (!isHttpUrl(fields.backUrl)) return refuse(fields, '10', '报文格式错误[backUrl]');
    const sentAt = parseChinaStamp(fields.txnTime) as number;
    const payTimeoutAt = fields.payTimeout === undefined || fields.payTimeout === '' ? sentAt + 86_400_000 : parseChinaStamp(fields.payTimeout);
    if (payTimeoutAt === undefined) return refuse(fields, '10', '报文格式错误[payTimeout]');
    const amountFen = Number(fields.txnAmt);
    const existing = orders.get(orderKey(fields.merId, fields.orderId));
    if (existing) {
      if (existing.kind === 'consume' && existing.amountFen === amountFen) return { ...echo(fields), respCode: '00', respMsg: SUCCESS, qrCode: existing.qrCode };
      return refuse(fields, '12', '重复交易');
    }
    if (payTimeoutAt <= now()) return refuse(fields, '10', '报文格式错误[payTimeout]：支付超时时间已过');
    const order: QrOrder = {
      kind: 'consume',
      merId: fields.merId,
      orderId: fields.orderId,
      txnTime: fields.txnTime,
      amountFen,
      backUrl: fields.backUrl,
      payTimeoutAt,
      qrCode: `https://qr.95516.com/00010000/${digits(20)}`,
      refundedFen: 0,
    };
    orders.set(orderKey(order.merId, order.orderId), order);
    byQrCode.set(order.qrCode, order);
    return { ...echo(fields), respCode: '00', respMsg: SUCCESS, qrCode: order.qrCode };
  };

  /** 退货 (txnType=04): settled at once in the emulator. */
  const returnGoods = (fields: AcpFields): Answer => {
    const missing = missingField(fields, ['orderId', 'txnAmt', 'origQryId']);
    if (missing) return missing;
    if (!ORDER_ID.test(fields.orderId)) return refuse(fields, '10', '报文格式错误[orderId]：8到32位字母或数字');
    if (!AMOUNT.test(fields.txnAmt)) return refuse(fields, '10', '报文格式错误[txnAmt]');
    if (fields.currencyCode !== undefined && fields.currencyCode !== '156') return refuse(fields, '10', '报文格式错误[currencyCode]');
    if (fields.backUrl !== undefined && fields.backUrl !== '' && !isHttpUrl(fields.backUrl)) return refuse(fields, '10', '报文格式错误[backUrl]');
    const amountFen = Number(fields.txnAmt);
    const original = byQueryId.get(fields.origQryId);
    const existing = orders.get(orderKey(fields.merId, fields.orderId));
    if (existing) {
      if (existing.kind === 'refund' && existing.origQryId === fields.origQryId && existing.amountFen === amountFen) {
        return { ...echo(fields), respCode: '00', respMsg: SUCCESS, queryId: existing.queryId, origQryId: existing.origQryId, txnAmt: fields.txnAmt };
      }
      return refuse(fields, '12', '重复交易');
    }
    if (!original || original.merId !== fields.merId || !original.paid) return refuse(fields, '35', '原交易不存在或状态不正确');
    if (original.refundedFen + amountFen > original.amountFen) return refuse(fields, '33', '交易金额超限：退货金额超过原交易可退金额');
    const at = now();
    const refund: RefundOrder = {
      kind: 'refund',
      merId: fields.merId,
      orderId: fields.orderId,
      txnTime: fields.txnTime,
      amountFen,
      original,
      origQryId: fields.origQryId,
      queryId: newQueryId(at),
      traceNo: nextTraceNo(),
      at,
      reqReserved: fields.reqReserved ?? '',
    };
    original.refundedFen += amountFen;
    orders.set(orderKey(refund.merId, refund.orderId), refund);
    ledger.push({ merId: refund.merId, txnType: '04', orderId: refund.orderId, origOrderId: original.orderId, queryId: refund.queryId, origQryId: refund.origQryId, at, amountFen, reqReserved: refund.reqReserved });
    if (fields.backUrl) notifyRefund(refund, fields.backUrl);
    return { ...echo(fields), respCode: '00', respMsg: SUCCESS, queryId: refund.queryId, origQryId: refund.origQryId, txnAmt: fields.txnAmt };
  };

  /** 交易状态查询 (txnType=00), by the order id and the original `txnTime`. */
  const queryOrder = (fields: AcpFields): Answer => {
    const missing = missingField(fields, ['orderId']);
    if (missing) return missing;
    const order = orders.get(orderKey(fields.merId, fields.orderId));
    if (!order || order.txnTime !== fields.txnTime) return refuse(fields, '34', '查无此交易');
    const base = { ...echo(fields), respCode: '00', respMsg: SUCCESS, txnAmt: String(order.amountFen), currencyCode: '156' };
    if (order.kind === 'refund') {
      return {
        ...base,
        origRespCode: '00',
        origRespMsg: SUCCESS,
        queryId: order.queryId,
        origQryId: order.origQryId,
        traceNo: order.traceNo,
        traceTime: chinaStamp(order.at).slice(4),
        settleDate: chinaStamp(order.at).slice(4, 8),
      };
    }
    if (order.paid) {
      return {
        ...base,
        origRespCode: '00',
        origRespMsg: SUCCESS,
        queryId: order.paid.queryId,
        traceNo: order.paid.traceNo,
        traceTime: chinaStamp(order.paid.at).slice(4),
        settleDate: chinaStamp(order.paid.at).slice(4, 8),
      };
    }
    if (order.payTimeoutAt <= now()) return { ...base, origRespCode: '01', origRespMsg: '交易失败：订单已超过支付时间' };
    return { ...base, origRespCode: '05', origRespMsg: '交易已受理，请稍后查询交易结果' };
  };

  /** The China-local date `settleDate` (MMdd) stands for: the latest one not after today. */
  const settleDay = (settleDate: string): string | undefined => {
    const match = /^(\d{2})(\d{2})$/.exec(settleDate);
    if (!match) return undefined;
    const today = chinaDate(now());
    for (const year of [Number(today.slice(0, 4)), Number(today.slice(0, 4)) - 1]) {
      const day = `${year}-${match[1]}-${match[2]}`;
      const check = new Date(`${day}T00:00:00Z`);
      if (Number.isNaN(check.getTime()) || check.toISOString().slice(0, 10) !== day) continue;
      if (day <= today) return day;
    }
    return undefined;
  };

  const statementLines = (merId: string, day: string): StatementFileLine[] => {
    let entries = ledger.filter((entry) => entry.merId === merId && chinaDate(entry.at) === day);
    for (const adjustment of adjustments.get(day) ?? []) {
      if (adjustment.kind === 'add-payment') {
        const at = Date.parse(`${day}T12:00:00+08:00`);
        entries = [...entries, { merId, txnType: '01', orderId: adjustment.outTradeNo, origOrderId: '', queryId: newQueryId(at), origQryId: '', at, amountFen: adjustment.amountFen ?? 0, reqReserved: '' }];
      } else if (adjustment.kind === 'drop-trade') {
        entries = entries.filter((entry) => entry.orderId !== adjustment.outTradeNo && entry.origOrderId !== adjustment.outTradeNo);
      } else {
        entries = entries.map((entry) => (entry.txnType === '01' && entry.orderId === adjustment.outTradeNo ? { ...entry, amountFen: adjustment.amountFen ?? entry.amountFen } : entry));
      }
    }
    return entries.map((entry) => ({
      txnType: entry.txnType,
      orderId: entry.orderId,
      origOrderId: entry.origOrderId,
      queryId: entry.queryId,
      origQryId: entry.origQryId,
      completedAt: chinaStamp(entry.at),
      settleDate: chinaStamp(entry.at).slice(4, 8),
      amountFen: entry.amountFen,
      reqReserved: entry.reqReserved,
    }));
  };

  /** 文件传输 (txnType=76, fileType=00): the day's statement. */
  const transferFile = (fields: AcpFields): Answer => {
    const missing = missingField(fields, ['settleDate', 'fileType']);
    if (missing) return missing;
    if (fields.fileType !== '00') return refuse(fields, '10', '报文格式错误[fileType]');
    const day = settleDay(fields.settleDate);
    if (day === undefined) return refuse(fields, '10', '报文格式错误[settleDate]');
    return {
      ...echo(fields),
      respCode: '00',
      respMsg: SUCCESS,
      settleDate: fields.settleDate,
      fileType: '00',
      fileName: `INN${day.replaceAll('-', '').slice(2)}ZM_${fields.merId}.txt`,
      fileContent: statementFileContent(statementLines(fields.merId, day)),
    };
  };

  /** Common checks in the order the gateway reports them, then the transaction the address and `txnType` name. */
  const gateway = (path: string, fields: AcpFields): Answer => {
    const missing = missingField(fields, COMMON_FIELDS);
    if (missing) return missing;
    if (fields.version !== VERSION) return refuse(fields, '10', '报文格式错误[version]');
    if (fields.encoding.toUpperCase() !== 'UTF-8') return refuse(fields, '10', '报文格式错误[encoding]');
    if (fields.signMethod !== '01') return refuse(fields, '10', '报文格式错误[signMethod]');
    const merchant = merchants.get(fields.merId);
    if (!merchant) return refuse(fields, '31', '商户状态不正确：商户号不存在');
    if (fields.certId !== merchant.certId) return refuse(fields, '11', '验证签名失败：证书ID不匹配');
    if (!verifyAcp(fields, merchant.publicKey)) return refuse(fields, '11', '验证签名失败');
    if (fields.accessType !== '0') return refuse(fields, '10', '报文格式错误[accessType]');
    if (parseChinaStamp(fields.txnTime) === undefined) return refuse(fields, '10', '报文格式错误[txnTime]');
    const transaction = `${path}|${fields.txnType}`;
    if (transaction === `${GATEWAY.back}|01`) return fields.txnSubType === '07' ? applyQrCode(fields) : refuse(fields, '32', '无此交易权限');
    if (transaction === `${GATEWAY.back}|04`) return returnGoods(fields);
    if (transaction === `${GATEWAY.query}|00`) return queryOrder(fields);
    if (transaction === `${GATEWAY.file}|76`) return transferFile(fields);
    if (path === GATEWAY.back) return refuse(fields, '32', '无此交易权限');
    return refuse(fields, '10', '报文格式错误[txnType]：交易类型与请求地址不符');
  };

  const sendAnswer = (res: http.ServerResponse, answer: Answer): void => {
    let fields: Record<string, string> = signed(answer);
    if (responseSignature === 'missing') {
      const { signature: _dropped, ...rest } = fields;
      fields = rest;
    } else if (responseSignature === 'corrupt') {
      fields = { ...fields, signature: signAcp({ ...fields, respMsg: `${answer.respMsg ?? ''}.` }, platformKey) };
    }
    const text = acpAnswerText(fields);
    res.writeHead(200, { 'content-type': 'text/plain;charset=UTF-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  // ---------- demo endpoints ----------

  const pay = (res: http.ServerResponse, body: Record<string, unknown>): void => {
    if (typeof body.qrCodeContent !== 'string' || typeof body.payerId !== 'string' || body.payerId === '') {
      return sendJson(res, 400, { code: 'InvalidRequest', message: 'qrCodeContent and payerId must be strings' });
    }
    const order = byQrCode.get(body.qrCodeContent);
    if (!order) return sendJson(res, 404, { code: 'UnknownQrCode', message: 'no UnionPay order behind this QR code' });
    if (order.paid) return sendJson(res, 409, { code: 'AlreadyPaid', message: 'the order is already paid' });
    if (order.payTimeoutAt <= now()) return sendJson(res, 409, { code: 'Expired', message: 'the order passed its payTimeout' });
    const at = now();
    order.paid = { queryId: newQueryId(at), traceNo: nextTraceNo(), at, payerId: body.payerId };
    byQueryId.set(order.paid.queryId, order);
    ledger.push({ merId: order.merId, txnType: '01', orderId: order.orderId, origOrderId: '', queryId: order.paid.queryId, origQryId: '', at, amountFen: order.amountFen, reqReserved: '' });
    notifyPayment(order);
    sendJson(res, 200, { outTradeNo: order.orderId, providerTradeNo: order.paid.queryId, amountFen: order.amountFen });
  };

  const adjustStatement = (res: http.ServerResponse, body: Record<string, unknown>): void => {
    const match = typeof body.date === 'string' ? DATE.exec(body.date) : null;
    if (!match || Number.isNaN(Date.parse(`${body.date as string}T00:00:00Z`))) return sendJson(res, 400, { code: 'InvalidDate', message: 'date must be YYYY-MM-DD' });
    const kind = ADJUSTMENT_KINDS.find((k) => k === body.kind);
    if (kind === undefined) return sendJson(res, 400, { code: 'InvalidKind', message: `kind must be one of ${ADJUSTMENT_KINDS.join(', ')}` });
    if (typeof body.outTradeNo !== 'string' || body.outTradeNo === '') return sendJson(res, 400, { code: 'InvalidOutTradeNo', message: 'outTradeNo must be a string' });
    const amountFen = body.amountFen;
    const needsAmount = kind !== 'drop-trade';
    if (needsAmount && (typeof amountFen !== 'number' || !Number.isSafeInteger(amountFen) || amountFen <= 0)) {
      return sendJson(res, 400, { code: 'InvalidAmount', message: 'amountFen must be a positive integer' });
    }
    const list = adjustments.get(body.date as string) ?? [];
    list.push({ kind, outTradeNo: body.outTradeNo, ...(needsAmount ? { amountFen: amountFen as number } : {}) });
    adjustments.set(body.date as string, list);
    sendJson(res, 200, { date: body.date, adjustments: list });
  };

  const readDemoBody = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<Record<string, unknown> | undefined> => {
    try {
      const body = await readJsonBody(req);
      if (typeof body === 'object' && body !== null && !Array.isArray(body)) return body as Record<string, unknown>;
    } catch {
      // answered below
    }
    sendJson(res, 400, { code: 'MalformedBody', message: 'body must be a JSON object' });
    return undefined;
  };

  const notifications = (outTradeNo: string): UnionpayNotificationAttempt[] => [...(attempts.get(outTradeNo) ?? [])];

  const route: EmulatorRoute = async (req, res, url) => {
    if (!url.pathname.startsWith(PREFIX)) return false;
    const path = url.pathname;
    if (path === GATEWAY.back || path === GATEWAY.query || path === GATEWAY.file) {
      if (req.method !== 'POST') {
        res.writeHead(405, { allow: 'POST' }).end();
        return true;
      }
      let body: Buffer;
      try {
        body = await readRawBody(req);
      } catch {
        res.writeHead(413).end();
        return true;
      }
      const form = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
      sendAnswer(res, gateway(path, form ? acpFormFields(body.toString('utf8')) : {}));
      return true;
    }
    const demo = path.slice(PREFIX.length - 1);
    if (req.method === 'POST' && demo === '/_demo/pay') {
      const body = await readDemoBody(req, res);
      if (body) pay(res, body);
      return true;
    }
    if (req.method === 'POST' && demo === '/_demo/statement-adjustments') {
      const body = await readDemoBody(req, res);
      if (body) adjustStatement(res, body);
      return true;
    }
    if (req.method === 'POST' && demo === '/_demo/clock') {
      const body = await readDemoBody(req, res);
      if (!body) return true;
      if (typeof body.offsetSeconds !== 'number' || !Number.isFinite(body.offsetSeconds)) {
        sendJson(res, 400, { code: 'InvalidOffset', message: 'offsetSeconds must be a number' });
      } else {
        offsetMs = body.offsetSeconds * 1000;
        sendJson(res, 200, { now: new Date(now()).toISOString() });
      }
      return true;
    }
    if (req.method === 'POST' && demo === '/_demo/faults') {
      const body = await readDemoBody(req, res);
      if (!body) return true;
      const choice = (['valid', 'corrupt', 'missing'] as const).find((c) => c === body.responseSignature);
      if (choice === undefined) {
        sendJson(res, 400, { code: 'InvalidFault', message: 'responseSignature must be valid, corrupt or missing' });
      } else {
        responseSignature = choice;
        sendJson(res, 200, { responseSignature });
      }
      return true;
    }
    const trade = /^\/_demo\/trades\/([^/]+)\/notifications$/.exec(demo);
    if (req.method === 'GET' && trade) {
      sendJson(res, 200, { attempts: notifications(decodeURIComponent(trade[1])) });
      return true;
    }
    sendJson(res, 404, { code: 'NotFound', message: 'no such UnionPay gateway endpoint' });
    return true;
  };

  const idle = async (): Promise<void> => {
    while (pending.size > 0) await Promise.all([...pending.keys()]);
  };

  const close = (): void => {
    closed = true;
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    // Attempts that were waiting for a timer will not run: let idle() return.
    for (const finish of [...pending.values()]) finish();
  };

  return { route, notifications, idle, close };
}
