import { Aes, Formatter, Hash, Rsa, Wechatpay } from 'wechatpay-axios-plugin';
import { hutongError, isHutongError, type ErrorCode, type HutongError } from '../../errors.ts';
import {
  definePaymentProvider,
  type Checkout,
  type NotificationAck,
  type PaymentProvider,
  type ProviderNotification,
  type RawNotification,
  type RefundResult,
  type StatementLine,
  type TradeState,
  type TradeStatus,
} from '../provider.ts';
import { parseTradeBill, TradeBillFormatError } from './wechatpay.statement.ts';
import { wechatpaySettingsFromEnv, wechatpaySettingsSchema, type WechatpaySettings } from './wechatpay.settings.ts';

/** The slice of the plugin's (axios) answer this adapter reads. */
interface WireResponse {
  readonly status: number;
  readonly data: unknown;
}

/** The slice of the plugin's (axios) error this adapter reads. */
interface WireFailure {
  readonly code?: string;
  readonly response?: { readonly status: number; readonly data: unknown };
}

interface WireRequest {
  readonly data?: unknown;
  readonly params?: Record<string, string>;
  readonly responseType?: 'arraybuffer';
}

type Json = Record<string, unknown>;

const WALLET = 'wechatpay';
/** A notification signed longer ago than this is refused as a replay, as WeChat Pay advises. */
const NOTIFICATION_MAX_AGE_SECONDS = 300;
const TRADE_STATES: Readonly<Record<string, TradeState>> = {
  SUCCESS: 'succeeded',
  NOTPAY: 'pending',
  USERPAYING: 'pending',
  CLOSED: 'closed',
  REVOKED: 'closed',
  REFUND: 'refunded',
  PAYERROR: 'failed',
};
const REFUND_STATES: Readonly<Record<string, RefundResult['state']>> = { SUCCESS: 'succeeded', PROCESSING: 'pending', ABNORMAL: 'failed', CLOSED: 'failed' };
const DATE = /^\d{4}-\d{2}-\d{2}$/;

const isRecord = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const fen = (value: unknown): number | undefined => (Number.isSafeInteger(value) && (value as number) >= 0 ? (value as number) : undefined);

/** WeChat Pay's RFC 3339 times with an offset: `2026-01-01T10:00:00+08:00`. */
function instant(value: unknown): Date | undefined {
  const given = text(value);
  if (given === undefined) return undefined;
  const at = new Date(given);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

/** Time as WeChat Pay wants `time_expire`: RFC 3339 in China time. */
function chinaRfc3339(at: Date): string {
  return `${new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 19)}+08:00`;
}

function unavailable(message: string, details: Json = {}): HutongError {
  return hutongError('HUTONG_ERR_WALLET_UNAVAILABLE', message, { details: { wallet: WALLET, ...details } });
}

/** The refusal's JSON from an error answer, whatever shape the transport left it in. */
function errorBody(data: unknown): Json | undefined {
  const binary = data instanceof ArrayBuffer || data instanceof Uint8Array;
  if (isRecord(data) && !binary) return data;
  try {
    const raw = typeof data === 'string' ? data : binary ? Buffer.from(data as Uint8Array).toString('utf8') : undefined;
    const parsed: unknown = raw === undefined ? undefined : JSON.parse(raw);
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The hub's error for a failed call: the plugin's refusal of an unsigned or badly signed answer, a
 * 5xx, 429 or 401 (WeChat Pay's `SIGN_ERROR`: the hub's own keys are wrong), a timeout and an
 * unreachable host are UNAVAILABLE; any other 4xx is the wallet's business refusal, carrying its code,
 * unless `refusals` maps the code to a more precise error. The plugin's error object (whose config
 * holds the merchant key) is never attached.
 */
function walletError(operation: string, caught: unknown, refusals: Readonly<Record<string, ErrorCode>> = {}): HutongError {
  if (isHutongError(caught)) return caught;
  const failure = (isRecord(caught) ? caught : {}) as WireFailure;
  if (failure.code?.startsWith('EV3_RES_')) {
    return unavailable(`WeChat Pay's answer to ${operation} does not carry a valid WeChat Pay signature (${failure.code})`, { operation, check: failure.code });
  }
  const response = failure.response;
  if (response) {
    const body = errorBody(response.data);
    const code = text(body?.code) ?? `HTTP_${response.status}`;
    const said = text(body?.message);
    const summary = `${code}${said === undefined ? '' : ` (${said})`}`;
    const details = { operation, walletCode: code, httpStatus: response.status };
    if (response.status >= 500 || response.status === 429 || response.status === 401 || response.status < 400) {
      return unavailable(`WeChat Pay answered ${operation} with HTTP ${response.status}: ${summary}`, details);
    }
    const errorCode = Object.hasOwn(refusals, code) ? refusals[code] : 'HUTONG_ERR_WALLET_REFUSED';
    return hutongError(errorCode, `WeChat Pay refused ${operation}: ${summary}`, { details: { wallet: WALLET, ...details } });
  }
  if (failure.code === 'ERR_CANCELED' || failure.code === 'ECONNABORTED' || failure.code === 'ETIMEDOUT') {
    return unavailable(`WeChat Pay did not answer ${operation} in time`, { operation });
  }
  return unavailable(`WeChat Pay could not be reached for ${operation}${failure.code === undefined ? '' : ` (${failure.code})`}`, { operation });
}

function headerValue(headers: RawNotification['headers'], name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted) continue;
    const first = Array.isArray(value) ? value[0] : value;
    return typeof first === 'string' && first !== '' ? first : undefined;
  }
  return undefined;
}

/**
 * WeChat Pay (微信支付) over APIv3 in public-key mode, through the official `wechatpay-axios-plugin`:
 * Native checkouts (`code_url`), trade queries and closing, refunds, `TRANSACTION.SUCCESS` /
 * `REFUND.*` notifications (signature checked with the platform public key, resource decrypted with
 * the APIv3 key) and the daily `ALL` trade bill.
 */
export function createWechatpayProvider(settings: WechatpaySettings): PaymentProvider {
  const wxpay = new Wechatpay({
    mchid: settings.mchid,
    serial: settings.merchantSerial,
    privateKey: settings.merchantPrivateKey,
    certs: { [settings.platformPublicKeyId]: settings.platformPublicKey },
    baseURL: `${settings.baseUrl}/`,
    timeout: settings.timeoutMs ?? 10_000,
  });
  const platformKey = Rsa.from(settings.platformPublicKey, Rsa.KEY_TYPE_PUBLIC);

  /** One call through the plugin, which signs the request and checks the answer's signature. */
  const call = async (
    operation: string,
    method: 'get' | 'post',
    path: string,
    request: WireRequest,
    signal: AbortSignal,
    refusals?: Readonly<Record<string, ErrorCode>>,
  ): Promise<WireResponse> => {
    const endpoint = wxpay.chain(path);
    const config = { signal, ...(request.params ? { params: request.params } : {}), ...(request.responseType ? { responseType: request.responseType } : {}) };
    try {
      const response = (method === 'get' ? await endpoint.get(config) : await endpoint.post(request.data, config)) as WireResponse;
      return response;
    } catch (caught) {
      throw walletError(operation, caught, refusals);
    }
  };

  const tradePath = (outTradeNo: string): string => `v3/pay/transactions/out-trade-no/${encodeURIComponent(outTradeNo)}`;

  const malformed = (operation: string): HutongError => unavailable(`WeChat Pay's answer to ${operation} is not what its API documents`, { operation });

  return {
    id: 'wechatpay',
    name: { zh: '微信支付', en: 'WeChat Pay' },

    async createCheckout(request, { signal }): Promise<Checkout> {
      const operation = 'the Native order';
      const response = await call(
        operation,
        'post',
        'v3/pay/transactions/native',
        {
          data: {
            appid: settings.appId,
            mchid: settings.mchid,
            description: request.subject,
            out_trade_no: request.outTradeNo,
            time_expire: chinaRfc3339(request.expiresAt),
            notify_url: request.notifyUrl,
            amount: { total: request.amountFen, currency: 'CNY' },
          },
        },
        signal,
        { ORDERPAID: 'HUTONG_ERR_PAYMENT_ALREADY_PAID' },
      );
      const codeUrl = isRecord(response.data) ? text(response.data.code_url) : undefined;
      if (codeUrl === undefined) throw malformed(operation);
      return { qrCodeContent: codeUrl };
    },

    async queryTrade(outTradeNo, { signal }): Promise<TradeStatus> {
      const operation = 'the trade query';
      const response = await call(operation, 'get', tradePath(outTradeNo), { params: { mchid: settings.mchid } }, signal);
      const trade = response.data;
      if (!isRecord(trade) || trade.out_trade_no !== outTradeNo || typeof trade.trade_state !== 'string' || !Object.hasOwn(TRADE_STATES, trade.trade_state)) {
        throw malformed(operation);
      }
      const providerTradeNo = text(trade.transaction_id);
      const paidAt = instant(trade.success_time);
      const amountFen = providerTradeNo !== undefined && isRecord(trade.amount) ? fen(trade.amount.total) : undefined;
      return {
        outTradeNo,
        state: TRADE_STATES[trade.trade_state],
        // Before the payer acts WeChat Pay echoes the ordered total; the amount held comes with the payment.
        ...(amountFen === undefined ? {} : { amountFen }),
        ...(providerTradeNo === undefined ? {} : { providerTradeNo }),
        ...(paidAt === undefined ? {} : { paidAt }),
      };
    },

    async closeTrade(outTradeNo, { signal }): Promise<void> {
      await call('closing the trade', 'post', `${tradePath(outTradeNo)}/close`, { data: { mchid: settings.mchid } }, signal, {
        ORDERPAID: 'HUTONG_ERR_PAYMENT_ALREADY_PAID',
      });
    },

    async refund(request, { signal }): Promise<RefundResult> {
      const operation = 'the refund';
      const response = await call(
        operation,
        'post',
        'v3/refund/domestic/refunds',
        {
          data: {
            out_trade_no: request.outTradeNo,
            out_refund_no: request.outRefundNo,
            ...(request.reason === '' ? {} : { reason: request.reason }),
            ...(request.notifyUrl === undefined ? {} : { notify_url: request.notifyUrl }),
            amount: { refund: request.refundFen, total: request.totalFen, currency: 'CNY' },
          },
        },
        signal,
      );
      const refund = response.data;
      const status = isRecord(refund) ? text(refund.status) : undefined;
      const refundFen = isRecord(refund) && isRecord(refund.amount) ? fen(refund.amount.refund) : undefined;
      if (!isRecord(refund) || refund.out_refund_no !== request.outRefundNo || status === undefined || !Object.hasOwn(REFUND_STATES, status) || refundFen === undefined) {
        throw malformed(operation);
      }
      return { outRefundNo: request.outRefundNo, state: REFUND_STATES[status], refundFen };
    },

    async verifyNotification(raw, { signal }): Promise<ProviderNotification> {
      signal.throwIfAborted();
      const invalid = (why: string): HutongError =>
        hutongError('HUTONG_ERR_NOTIFICATION_INVALID', `WeChat Pay notification rejected: ${why}`, { details: { wallet: WALLET } });
      const timestamp = headerValue(raw.headers, 'Wechatpay-Timestamp');
      const nonce = headerValue(raw.headers, 'Wechatpay-Nonce');
      const serial = headerValue(raw.headers, 'Wechatpay-Serial');
      const signature = headerValue(raw.headers, 'Wechatpay-Signature');
      if (!timestamp || !nonce || !serial || !signature) throw invalid('the Wechatpay-Timestamp, -Nonce, -Serial or -Signature header is missing');
      if (serial !== settings.platformPublicKeyId) throw invalid(`it is signed with key ${serial}, not the configured WeChat Pay public key`);
      if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() / 1000 - Number(timestamp)) > NOTIFICATION_MAX_AGE_SECONDS) {
        throw invalid('its timestamp is more than five minutes away');
      }
      const bodyText = Buffer.from(raw.body).toString('utf8');
      let verified = false;
      try {
        verified = Rsa.verify(Formatter.response(timestamp, nonce, bodyText), signature, platformKey);
      } catch {
        verified = false;
      }
      if (!verified) throw invalid('the signature does not verify with WeChat Pay\'s public key');

      let envelope: unknown;
      try {
        envelope = JSON.parse(bodyText);
      } catch {
        throw invalid('the body is not JSON');
      }
      const resource = isRecord(envelope) && isRecord(envelope.resource) ? envelope.resource : undefined;
      if (!isRecord(envelope) || !resource || resource.algorithm !== 'AEAD_AES_256_GCM' || typeof resource.ciphertext !== 'string' || typeof resource.nonce !== 'string') {
        throw invalid('it carries no AEAD_AES_256_GCM resource');
      }
      let content: unknown;
      try {
        content = JSON.parse(Aes.AesGcm.decrypt(resource.ciphertext, settings.apiV3Key, resource.nonce, typeof resource.associated_data === 'string' ? resource.associated_data : ''));
      } catch {
        throw invalid('its resource cannot be decrypted with the APIv3 key');
      }
      if (!isRecord(content) || content.mchid !== settings.mchid) throw invalid('it is not for this merchant');
      const outTradeNo = text(content.out_trade_no);
      const amount = isRecord(content.amount) ? content.amount : {};
      const providerTradeNo = text(content.transaction_id);
      const at = instant(content.success_time);
      const eventType = envelope.event_type;
      if (eventType === 'TRANSACTION.SUCCESS') {
        const amountFen = fen(amount.total);
        if (outTradeNo === undefined || content.trade_state !== 'SUCCESS' || amountFen === undefined) throw invalid('the payment it reports is incomplete');
        return {
          kind: 'payment',
          outTradeNo,
          state: 'succeeded',
          amountFen,
          ...(providerTradeNo === undefined ? {} : { providerTradeNo }),
          ...(at === undefined ? {} : { at }),
        };
      }
      if (eventType === 'REFUND.SUCCESS' || eventType === 'REFUND.ABNORMAL' || eventType === 'REFUND.CLOSED') {
        const outRefundNo = text(content.out_refund_no);
        const amountFen = fen(amount.refund);
        if (outTradeNo === undefined || outRefundNo === undefined || amountFen === undefined) throw invalid('the refund it reports is incomplete');
        return {
          kind: 'refund',
          outTradeNo,
          outRefundNo,
          state: content.refund_status === 'SUCCESS' && eventType === 'REFUND.SUCCESS' ? 'refunded' : 'failed',
          amountFen,
          ...(providerTradeNo === undefined ? {} : { providerTradeNo }),
          ...(at === undefined ? {} : { at }),
        };
      }
      throw invalid(`its event type ${String(eventType)} is not one the hub handles`);
    },

    acknowledge(accepted: boolean): NotificationAck {
      // WeChat Pay takes 200 (or 204) with an empty body as received; anything else is retried.
      return accepted
        ? { status: 200, contentType: 'text/plain; charset=utf-8', body: '' }
        : { status: 500, contentType: 'application/json; charset=utf-8', body: JSON.stringify({ code: 'FAIL', message: '失败' }) };
    },

    async downloadStatement(date, { signal }): Promise<StatementLine[]> {
      if (!DATE.test(date)) throw hutongError('HUTONG_ERR_VALIDATION', `The statement date must be YYYY-MM-DD, got "${date}"`);
      const operation = 'the trade bill';
      let applied: WireResponse;
      try {
        applied = await call(operation, 'get', 'v3/bill/tradebill', { params: { bill_date: date, bill_type: 'ALL' } }, signal);
      } catch (error) {
        // WeChat Pay has no bill for a day without payments or refunds: the statement is empty.
        if (isHutongError(error) && isRecord(error.details) && error.details.walletCode === 'NO_STATEMENT_EXIST') return [];
        throw error;
      }
      const bill = applied.data;
      const downloadUrl = isRecord(bill) ? text(bill.download_url) : undefined;
      const hashValue = isRecord(bill) ? text(bill.hash_value) : undefined;
      let download: URL | undefined;
      try {
        download = downloadUrl === undefined ? undefined : new URL(downloadUrl);
      } catch {
        download = undefined;
      }
      if (!isRecord(bill) || bill.hash_type !== 'SHA1' || hashValue === undefined || !download?.pathname.endsWith('/v3/billdownload/file')) {
        throw malformed(operation);
      }
      // The file comes from the configured host, signed like any call; only its SHA1 vouches for it.
      const file = await call('the trade bill download', 'get', 'v3/billdownload/file', { params: Object.fromEntries(download.searchParams), responseType: 'arraybuffer' }, signal);
      const bytes = Buffer.from(file.data as ArrayBuffer);
      if (!Hash.equals(hashValue.toLowerCase(), Hash.sha1(bytes))) throw unavailable(`WeChat Pay's trade bill of ${date} does not match its SHA1`, { operation });
      try {
        return parseTradeBill(bytes);
      } catch (error) {
        if (error instanceof TradeBillFormatError) throw unavailable(`WeChat Pay's trade bill of ${date} cannot be read: ${error.message}`, { operation });
        throw error;
      }
    },
  };
}

/** WeChat Pay, for the hub's provider registry. */
export const wechatpayProvider = definePaymentProvider({
  id: 'wechatpay',
  settingsSchema: wechatpaySettingsSchema,
  settingsFromEnv: wechatpaySettingsFromEnv,
  create: createWechatpayProvider,
});
