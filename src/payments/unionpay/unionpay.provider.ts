import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { UNIONPAY_DEMO_CERT_ID, UNIONPAY_DEMO_KEY_FILES, UNIONPAY_DEMO_MER_ID } from '../../../emulators/wallets/unionpay/unionpay.wallet.ts';
import { hutongError, isHutongError, type HutongError } from '../../errors.ts';
import { definePaymentProvider, tradeTimeOf, type PaymentProvider, type ProviderNotification, type TradeState, type TradeStatus } from '../provider.ts';
import { chinaStamp, createUnionpayClient, parseChinaStamp, type AcpMessage } from './unionpay.client.ts';
import { keyText, privateKeyFrom, publicKeyFrom } from '../../key-material.ts';
import { decodeRefundReference, encodeRefundReference, parseStatementFile } from './unionpay.statement.ts';

export const UNIONPAY_PRODUCTION_GATEWAY = 'https://gateway.95516.com';
export const UNIONPAY_PRODUCTION_FILE_TRANS_URL = 'https://filedownload.95516.com/';

export const UnionpaySettings = Type.Object(
  {
    merId: Type.String({ pattern: '^[0-9A-Za-z]{15}$', description: '商户号' }),
    certId: Type.String({ minLength: 1, description: 'Serial of the merchant signing certificate' }),
    merchantPrivateKey: Type.String({ minLength: 1, description: 'PEM or base64 DER' }),
    platformPublicKey: Type.String({ minLength: 1, description: "UnionPay's signing public key or certificate, PEM or base64 SPKI DER" }),
    gateway: Type.String({ minLength: 1, description: 'Gateway base URL' }),
    fileTransUrl: Type.String({ minLength: 1, description: 'File transfer URL' }),
  },
  { additionalProperties: false },
);
export type UnionpaySettings = Static<typeof UnionpaySettings>;

/** What UnionPay needs to find an order again and the hub cannot pass: see `queryTrade`. */
interface SentOrder {
  readonly txnTime: string;
  readonly payTimeout: string;
  readonly notifyUrl?: string;
  queryId?: string;
}

/** Answers UnionPay gives when the outcome is unknown or the system is busy: ask again later. */
const TRANSIENT = new Set(['02', '03', '04', '05', '06']);
const PROCESSING = new Set(['03', '04', '05']);
const REMEMBERED_ORDERS = 100_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function refused(operation: string, answer: AcpMessage): HutongError {
  return hutongError('HUTONG_ERR_WALLET_REFUSED', `UnionPay refused ${operation}: respCode ${answer.respCode ?? '(none)'} ${answer.respMsg ?? ''}`.trimEnd(), {
    details: { respCode: answer.respCode, respMsg: answer.respMsg },
  });
}

/** A non-`00` answer: transient codes are the wallet being unavailable, the rest its refusal. */
function answerError(operation: string, answer: AcpMessage): HutongError {
  if (TRANSIENT.has(answer.respCode ?? '')) {
    return hutongError('HUTONG_ERR_WALLET_UNAVAILABLE', `UnionPay could not complete ${operation} now: respCode ${answer.respCode} ${answer.respMsg ?? ''}`.trimEnd());
  }
  return refused(operation, answer);
}

function amountOf(text: string | undefined): number | undefined {
  return text !== undefined && /^\d{1,12}$/.test(text) ? Number(text) : undefined;
}

/**
 * UnionPay's `traceTime` is `MMddHHmmss` China time, without a year: it takes the year of the
 * order's `txnTime`, or the next one when it would fall before the order was sent.
 */
function traceInstant(traceTime: string | undefined, txnTime: string): Date | undefined {
  if (traceTime === undefined || !/^\d{10}$/.test(traceTime)) return undefined;
  const year = Number(txnTime.slice(0, 4));
  const sent = parseChinaStamp(txnTime);
  const sameYear = parseChinaStamp(`${year}${traceTime}`);
  if (sent && sameYear && sameYear.getTime() >= sent.getTime() - 86_400_000) return sameYear;
  return parseChinaStamp(`${year + 1}${traceTime}`);
}

/** A refund's own order id: merchant-unique, 32 alphanumerics, the same for the same refund number. */
export function refundOrderId(outTradeNo: string, outRefundNo: string): string {
  return `R${createHash('sha256').update(`${outTradeNo}\n${outRefundNo}`, 'utf8').digest('hex').slice(0, 31)}`;
}

/** Characters that would end the `riskRateInfo` structure early. */
function commodityName(subject: string): string {
  return [...subject.replace(/[{}&=]/g, ' ')].slice(0, 64).join('');
}


function httpUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${name} must be an http(s) URL, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${name} must be an http(s) URL, got "${value}"`);
  return value;
}

/**
 * UnionPay settings: `UNIONPAY_MER_ID`, `UNIONPAY_CERT_ID`, `UNIONPAY_MERCHANT_PRIVATE_KEY` (PEM,
 * base64 or a file path), `UNIONPAY_PLATFORM_PUBLIC_KEY` (UnionPay's signing key or certificate,
 * likewise), `UNIONPAY_GATEWAY` (default `https://gateway.95516.com`), `UNIONPAY_FILE_TRANS_URL`
 * (default `https://filedownload.95516.com/` with the production gateway, else the gateway's
 * `/gateway/api/fileTransReq.do`). With none of the merchant's credentials set, demo mode uses the
 * emulator and its demo merchant and keys; otherwise `undefined`. A half configuration is an error.
 *
 * @example
 *   unionpaySettingsFromEnv(process.env, { emulatorsUrl: 'http://127.0.0.1:4100', demo: true })
 */
export function unionpaySettingsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  options: { readonly emulatorsUrl: string; readonly demo: boolean },
): UnionpaySettings | undefined {
  const value = (name: string): string | undefined => {
    const given = env[name]?.trim();
    return given === undefined || given === '' ? undefined : given;
  };
  const credentials = {
    UNIONPAY_MER_ID: value('UNIONPAY_MER_ID'),
    UNIONPAY_CERT_ID: value('UNIONPAY_CERT_ID'),
    UNIONPAY_MERCHANT_PRIVATE_KEY: value('UNIONPAY_MERCHANT_PRIVATE_KEY'),
    UNIONPAY_PLATFORM_PUBLIC_KEY: value('UNIONPAY_PLATFORM_PUBLIC_KEY'),
  };
  let settings: UnionpaySettings;
  if (Object.values(credentials).some((given) => given !== undefined)) {
    for (const [name, given] of Object.entries(credentials)) {
      if (given === undefined) throw new Error(`${name} is required when UnionPay is configured`);
    }
    const gateway = httpUrl('UNIONPAY_GATEWAY', value('UNIONPAY_GATEWAY') ?? UNIONPAY_PRODUCTION_GATEWAY).replace(/\/+$/, '');
    settings = {
      merId: credentials.UNIONPAY_MER_ID as string,
      certId: credentials.UNIONPAY_CERT_ID as string,
      merchantPrivateKey: keyText(credentials.UNIONPAY_MERCHANT_PRIVATE_KEY as string, 'UNIONPAY_MERCHANT_PRIVATE_KEY'),
      platformPublicKey: keyText(credentials.UNIONPAY_PLATFORM_PUBLIC_KEY as string, 'UNIONPAY_PLATFORM_PUBLIC_KEY'),
      gateway,
      fileTransUrl: httpUrl(
        'UNIONPAY_FILE_TRANS_URL',
        value('UNIONPAY_FILE_TRANS_URL') ?? (gateway === UNIONPAY_PRODUCTION_GATEWAY ? UNIONPAY_PRODUCTION_FILE_TRANS_URL : `${gateway}/gateway/api/fileTransReq.do`),
      ),
    };
    if (!/^[0-9A-Za-z]{15}$/.test(settings.merId)) throw new Error('UNIONPAY_MER_ID must be the 15-character merchant number');
  } else if (options.demo) {
    const gateway = httpUrl('UNIONPAY_GATEWAY', value('UNIONPAY_GATEWAY') ?? `${options.emulatorsUrl.replace(/\/+$/, '')}/unionpay`).replace(/\/+$/, '');
    settings = {
      merId: UNIONPAY_DEMO_MER_ID,
      certId: UNIONPAY_DEMO_CERT_ID,
      merchantPrivateKey: readFileSync(UNIONPAY_DEMO_KEY_FILES.merchantPrivate, 'utf8'),
      platformPublicKey: readFileSync(UNIONPAY_DEMO_KEY_FILES.platformPublic, 'utf8'),
      gateway,
      fileTransUrl: httpUrl('UNIONPAY_FILE_TRANS_URL', value('UNIONPAY_FILE_TRANS_URL') ?? `${gateway}/gateway/api/fileTransReq.do`),
    };
  } else {
    return undefined;
  }
  // Fail at start-up, not at the first payment, when a key cannot be read.
  privateKeyFrom(settings.merchantPrivateKey);
  publicKeyFrom(settings.platformPublicKey);
  return Object.freeze(settings);
}

/**
 * UnionPay through its online gateway (ACP 5.1.0), with QR orders (申请消费二维码).
 *
 * UnionPay finds an order by its `orderId` and the time it was sent (`txnTime`); the contract passes
 * only the trade number, so the provider remembers each order's `txnTime` from `createCheckout` (and
 * from notifications) in this process. Querying, closing or refunding a trade this process has no
 * `txnTime` for is refused with `HUTONG_ERR_WALLET_REFUSED`.
 *
 * Closing: UnionPay has no close for an unpaid QR order; it stops accepting payment at the order's
 * `payTimeout`, which is the checkout's `expiresAt`. `closeTrade` therefore resolves once UnionPay
 * reports the order past its `payTimeout` unpaid, rejects with `HUTONG_ERR_PAYMENT_ALREADY_PAID` for
 * a paid one, and with `HUTONG_ERR_WALLET_REFUSED` before `payTimeout`. A paid order is never undone
 * by closing (消费撤销, `txnType=31`, is not used): refunds (退货, `txnType=04`) give money back.
 */
export function createUnionpayProvider(settings: UnionpaySettings): PaymentProvider {
  const client = createUnionpayClient(settings);
  const sentOrders = new Map<string, SentOrder>();
  const refundTimes = new Map<string, string>();

  const remember = <V>(map: Map<string, V>, key: string, value: V): void => {
    map.delete(key);
    map.set(key, value);
    if (map.size > REMEMBERED_ORDERS) map.delete(map.keys().next().value as string);
  };

  const sentOrder = (outTradeNo: string): SentOrder => {
    // The hub's trade numbers carry the time they were sent: any hub process can ask after a restart.
    const sentAt = tradeTimeOf(outTradeNo);
    const order = sentOrders.get(outTradeNo) ?? (sentAt ? { txnTime: sentAt, payTimeout: '' } : undefined);
    if (!order) {
      throw hutongError(
        'HUTONG_ERR_WALLET_REFUSED',
        `UnionPay finds an order by its orderId and the time it was sent (txnTime); this hub process did not send ${outTradeNo} and cannot ask for it (no txnTime)`,
      );
    }
    return order;
  };

  const queryTrade = async (outTradeNo: string, { signal }: { signal: AbortSignal }): Promise<TradeStatus> => {
    const order = sentOrder(outTradeNo);
    const operation = `the query of ${outTradeNo}`;
    const answer = await client.queryTrans({ txnType: '00', txnSubType: '00', bizType: '000000', orderId: outTradeNo, txnTime: order.txnTime }, operation, signal);
    if (answer.respCode !== '00') throw answerError(operation, answer);
    const origRespCode = answer.origRespCode ?? '';
    if (origRespCode === '00') {
      const amountFen = amountOf(answer.txnAmt);
      const paidAt = traceInstant(answer.traceTime, order.txnTime);
      if (answer.queryId) order.queryId = answer.queryId;
      return {
        outTradeNo,
        state: 'succeeded',
        ...(amountFen === undefined ? {} : { amountFen }),
        ...(answer.queryId ? { providerTradeNo: answer.queryId } : {}),
        ...(paidAt ? { paidAt } : {}),
      };
    }
    if (PROCESSING.has(origRespCode)) return { outTradeNo, state: 'pending' };
    // UnionPay does not reuse a QR order that ended without payment: past payTimeout or failed.
    return { outTradeNo, state: 'closed' };
  };

  const refundState = async (orderId: string, txnTime: string, signal: AbortSignal): Promise<'succeeded' | 'pending' | 'failed'> => {
    try {
      const answer = await client.queryTrans({ txnType: '00', txnSubType: '00', bizType: '000000', orderId, txnTime }, `the query of refund ${orderId}`, signal);
      if (answer.respCode !== '00') return 'pending';
      if (answer.origRespCode === '00') return 'succeeded';
      return PROCESSING.has(answer.origRespCode ?? '') ? 'pending' : 'failed';
    } catch (error) {
      // UnionPay accepted the refund; its outcome arrives by notification when it cannot be asked now.
      if (isHutongError(error) && error.code === 'HUTONG_ERR_WALLET_UNAVAILABLE') return 'pending';
      throw error;
    }
  };

  const invalidNotification = (reason: string): HutongError => hutongError('HUTONG_ERR_NOTIFICATION_INVALID', `UnionPay notification rejected: ${reason}`);

  return {
    id: 'unionpay',
    name: { zh: '银联', en: 'UnionPay' },

    async createCheckout(request, { signal }) {
      const known = sentOrders.get(request.outTradeNo);
      // The same trade sent again is the same order only with the same txnTime.
      const txnTime = known?.txnTime ?? tradeTimeOf(request.outTradeNo) ?? chinaStamp(Date.now());
      const payTimeout = known?.payTimeout ?? chinaStamp(request.expiresAt.getTime());
      const operation = `the QR order ${request.outTradeNo}`;
      const answer = await client.backTrans(
        {
          txnType: '01',
          txnSubType: '07',
          bizType: '000000',
          channelType: '08',
          orderId: request.outTradeNo,
          txnTime,
          txnAmt: String(request.amountFen),
          currencyCode: '156',
          backUrl: request.notifyUrl,
          payTimeout,
          riskRateInfo: `{commodityName=${commodityName(request.subject)}}`,
        },
        operation,
        signal,
      );
      if (answer.respCode !== '00') throw answerError(operation, answer);
      if (!answer.qrCode) throw hutongError('HUTONG_ERR_WALLET_UNAVAILABLE', `UnionPay answered ${operation} without a qrCode`);
      if (!known) remember(sentOrders, request.outTradeNo, { txnTime, payTimeout, notifyUrl: request.notifyUrl });
      return { qrCodeContent: answer.qrCode };
    },

    queryTrade: (outTradeNo, options) => queryTrade(outTradeNo, options),

    async closeTrade(outTradeNo, options) {
      const status = await queryTrade(outTradeNo, options);
      if (status.state === 'succeeded') throw hutongError('HUTONG_ERR_PAYMENT_ALREADY_PAID', `UnionPay order ${outTradeNo} is already paid; refund it instead`);
      if (status.state === 'pending') {
        const { payTimeout } = sentOrder(outTradeNo);
        throw hutongError(
          'HUTONG_ERR_WALLET_REFUSED',
          `UnionPay cannot close the unpaid QR order ${outTradeNo} (no close transaction); it stops accepting payment at its payTimeout ${payTimeout} China time`,
        );
      }
    },

    async refund(request, { signal }) {
      const order = sentOrder(request.outTradeNo);
      let origQryId = order.queryId;
      if (origQryId === undefined) {
        const status = await queryTrade(request.outTradeNo, { signal });
        if (status.state !== 'succeeded' || !status.providerTradeNo) {
          throw hutongError('HUTONG_ERR_WALLET_REFUSED', `UnionPay cannot refund ${request.outTradeNo}: the order is ${status.state}, not paid`);
        }
        origQryId = status.providerTradeNo;
      }
      const orderId = refundOrderId(request.outTradeNo, request.outRefundNo);
      const txnTime = refundTimes.get(orderId) ?? chinaStamp(Date.now());
      const operation = `the refund ${request.outRefundNo} of ${request.outTradeNo}`;
      const answer = await client.backTrans(
        {
          txnType: '04',
          txnSubType: '00',
          bizType: '000000',
          channelType: '08',
          orderId,
          txnTime,
          txnAmt: String(request.refundFen),
          currencyCode: '156',
          origQryId,
          backUrl: request.notifyUrl ?? order.notifyUrl ?? '',
          reqReserved: encodeRefundReference(request),
        },
        operation,
        signal,
      );
      if (answer.respCode !== '00') throw answerError(operation, answer);
      remember(refundTimes, orderId, txnTime);
      return { outRefundNo: request.outRefundNo, state: await refundState(orderId, txnTime, signal), refundFen: request.refundFen };
    },

    async verifyNotification(raw) {
      const fields: Record<string, string> = {};
      for (const [key, value] of new URLSearchParams(Buffer.from(raw.body).toString('utf8'))) fields[key] = value;
      if (!client.verify(fields)) throw invalidNotification('the signature is missing or does not verify with the configured UnionPay key');
      if (fields.merId !== settings.merId) throw invalidNotification('it is for another merchant');
      const amountFen = amountOf(fields.txnAmt);
      if (amountFen === undefined || !fields.orderId || parseChinaStamp(fields.txnTime) === undefined) throw invalidNotification('orderId, txnTime or txnAmt is missing or malformed');
      const at = traceInstant(fields.traceTime, fields.txnTime);
      const succeeded = fields.respCode === '00';
      if (fields.txnType === '01') {
        if (succeeded && fields.queryId) {
          const known = sentOrders.get(fields.orderId);
          if (known) known.queryId = fields.queryId;
          else remember(sentOrders, fields.orderId, { txnTime: fields.txnTime, payTimeout: '', queryId: fields.queryId });
        }
        const state: TradeState = succeeded ? 'succeeded' : 'failed';
        const notification: ProviderNotification = {
          kind: 'payment',
          outTradeNo: fields.orderId,
          state,
          amountFen,
          ...(fields.queryId ? { providerTradeNo: fields.queryId } : {}),
          ...(at ? { at } : {}),
        };
        return notification;
      }
      if (fields.txnType === '04') {
        const reference = decodeRefundReference(fields.reqReserved);
        if (!reference || refundOrderId(reference.outTradeNo, reference.outRefundNo) !== fields.orderId) throw invalidNotification('a refund the hub did not send');
        return {
          kind: 'refund',
          outTradeNo: reference.outTradeNo,
          outRefundNo: reference.outRefundNo,
          state: succeeded ? 'refunded' : 'failed',
          amountFen,
          ...(fields.queryId ? { providerTradeNo: fields.queryId } : {}),
          ...(at ? { at } : {}),
        };
      }
      throw invalidNotification(`transaction type ${fields.txnType ?? '(none)'} is not one the hub sends`);
    },

    acknowledge(accepted) {
      // UnionPay stops notifying at HTTP 200; any other status makes it try again.
      return accepted ? { status: 200, contentType: 'text/plain; charset=utf-8', body: 'ok' } : { status: 500, contentType: 'text/plain; charset=utf-8', body: 'fail' };
    },

    async downloadStatement(date, { signal }) {
      const match = DATE.exec(date);
      const day = match ? new Date(`${date}T00:00:00Z`) : undefined;
      if (!match || !day || Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== date) {
        throw hutongError('HUTONG_ERR_VALIDATION', `The statement date must be YYYY-MM-DD, got "${date}"`);
      }
      const operation = `the statement of ${date}`;
      const answer = await client.fileTrans(
        { txnType: '76', txnSubType: '01', bizType: '000000', txnTime: chinaStamp(Date.now()), settleDate: `${match[2]}${match[3]}`, fileType: '00' },
        operation,
        signal,
      );
      if (answer.respCode !== '00') throw answerError(operation, answer);
      // settleDate has no year: the file's name says which year UnionPay answered for.
      if (!(answer.fileName ?? '').includes(`${match[1].slice(2)}${match[2]}${match[3]}`)) {
        throw hutongError('HUTONG_ERR_WALLET_REFUSED', `UnionPay answered ${operation} with the file ${answer.fileName ?? '(none)'} of another day`);
      }
      if (answer.fileContent === undefined) throw hutongError('HUTONG_ERR_WALLET_UNAVAILABLE', `UnionPay answered ${operation} without fileContent`);
      return parseStatementFile(answer.fileContent);
    },
  };
}

export const unionpayProvider = definePaymentProvider({
  id: 'unionpay',
  settingsSchema: UnionpaySettings,
  settingsFromEnv: unionpaySettingsFromEnv,
  create: createUnionpayProvider,
});
