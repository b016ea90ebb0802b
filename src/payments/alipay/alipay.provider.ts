import { AlipayRequestError, AlipaySdk } from 'alipay-sdk';
import { Agent, type ProxyAgent } from 'urllib';
import { hutongError, isHutongError, type HutongError } from '../../errors.ts';
import {
  definePaymentProvider,
  type NotificationAck,
  type PaymentProvider,
  type ProviderCallOptions,
  type ProviderNotification,
  type RawNotification,
  type StatementLine,
  type TradeState,
  type TradeStatus,
} from '../provider.ts';
import { abortableDispatcher } from './abortable-dispatcher.ts';
import { AlipayPaySettingsSchema, alipayPaySettingsFromEnv, type AlipayPaySettings } from './alipay.settings.ts';
import { fenFromYuan, fromChinaDateTime, parseTradeStatement } from './alipay.statement.ts';

const WALLET = 'alipay';
const BILL_URL_API = '/v3/alipay/data/dataservice/bill/downloadurl/query';
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const MAX_STATEMENT_BYTES = 64 * 1024 * 1024;

/** The slice of Alipay's trade answers the provider reads (wire names). */
interface TradeAnswer {
  readonly trade_no?: unknown;
  readonly out_trade_no?: unknown;
  readonly trade_status?: unknown;
  readonly total_amount?: unknown;
  readonly send_pay_date?: unknown;
  readonly qr_code?: unknown;
  readonly fund_change?: unknown;
  readonly bill_download_url?: unknown;
}

type V3Outcome = { readonly ok: true; readonly data: TradeAnswer } | { readonly ok: false; readonly code: string; readonly status: number };

const TRADE_STATES: Readonly<Record<string, TradeState>> = {
  WAIT_BUYER_PAY: 'pending',
  TRADE_SUCCESS: 'succeeded',
  TRADE_FINISHED: 'succeeded',
  TRADE_CLOSED: 'closed',
};

function yuan(fen: number): string {
  return `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
}

/** `yyyy-MM-dd HH:mm:ss` in China time, as Alipay's time parameters are written. */
function chinaDateTime(at: Date): string {
  return new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
}

/** Alipay sends amounts as strings ("88.88") or, in some v3 answers, as JSON numbers. */
function fenOf(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return fenFromYuan(value.toFixed(2));
  return typeof value === 'string' ? fenFromYuan(value) : undefined;
}

const textOf = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

function unavailable(message: string, cause?: unknown): HutongError {
  return hutongError('HUTONG_ERR_WALLET_UNAVAILABLE', message, { details: { wallet: WALLET }, ...(cause === undefined ? {} : { cause }) });
}

function refused(what: string, code: string, status: number): HutongError {
  // Alipay's message is left out: some echo the request (the signed text, the notify URL).
  return hutongError('HUTONG_ERR_WALLET_REFUSED', `Alipay refused ${what} (${code})`, { details: { wallet: WALLET, code, httpStatus: status } });
}

function invalidNotification(message: string): HutongError {
  return hutongError('HUTONG_ERR_NOTIFICATION_INVALID', message, { details: { wallet: WALLET } });
}

function headerOf(headers: RawNotification['headers'], name: string): string | undefined {
  const value = headers[name] ?? headers[name.toLowerCase()];
  return typeof value === 'string' ? value : Array.isArray(value) ? value[0] : undefined;
}

/**
 * Alipay QR payments (当面付, `alipay.trade.precreate`) through the official `alipay-sdk`'s v3 API:
 * every request is signed with the app key (`ALIPAY-SHA256withRSA`), every answer must carry the
 * platform's signature (the SDK rejects it otherwise), notifications are RSA2-signed forms checked
 * with `checkNotifySignV2`, and the daily statement is the ZIP of GBK CSV files Alipay serves.
 *
 * Alipay creates a trade only when the payer scans the QR code: until then `queryTrade` answers
 * `pending` without an amount, and `closeTrade` (which Alipay answers with ACQ.TRADE_NOT_EXIST while
 * still refusing any later scan) succeeds. The SDK verifies the signature of success answers only; an
 * error answer (HTTP 4xx, whose body it does not keep) is believed as it comes, which is why a refusal
 * never moves a trade forward here (at most it reads as `pending`).
 *
 * @example
 *   const alipay = createAlipayProvider(alipayPaySettingsFromEnv(process.env, { emulatorsUrl, demo: true })!)
 *   const { qrCodeContent } = await alipay.createCheckout(request, { signal: AbortSignal.timeout(5000) })
 */
export function createAlipayProvider(settings: AlipayPaySettings): PaymentProvider {
  const timeoutMs = settings.timeoutMs ?? 5000;
  const sdk = new AlipaySdk({
    appId: settings.appId,
    privateKey: settings.privateKey,
    keyType: 'PKCS8',
    alipayPublicKey: settings.alipayPublicKey,
    endpoint: settings.endpoint,
    gateway: settings.gateway,
    signType: 'RSA2',
    timeout: timeoutMs,
    camelcase: false,
  });
  // One connection pool for the provider; each call goes through it with its own abort signal.
  const wire = new Agent({ connect: { timeout: timeoutMs } });

  const v3 = async (
    method: 'GET' | 'POST',
    path: string,
    input: { body?: Record<string, unknown>; query?: Record<string, string> },
    what: string,
    { signal }: ProviderCallOptions,
  ): Promise<V3Outcome> => {
    signal.throwIfAborted();
    try {
      const agent = abortableDispatcher(wire, signal) as unknown as ProxyAgent;
      const result = await sdk.curl<TradeAnswer>(method, path, { ...input, agent });
      if (typeof result.data !== 'object' || result.data === null) throw unavailable(`Alipay answered ${what} with an unreadable response`);
      return { ok: true, data: result.data };
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (isHutongError(error)) throw error;
      // The SDK's own messages quote signatures and the signed text, so none of them is passed on.
      if (error instanceof AlipayRequestError) {
        const status = error.responseHttpStatus;
        if (error.code === 'response-signature-verify-error' || error.responseDataRaw !== undefined) {
          throw unavailable(`Alipay's answer to ${what} failed signature verification`);
        }
        if (status !== undefined && status >= 400) {
          // 401/403: Alipay does not accept this hub's signature or app (configuration, not the request).
          if (status >= 500 || status === 401 || status === 403 || status === 429 || !error.code) {
            throw unavailable(`Alipay answered ${what} with HTTP ${status}${error.code ? ` (${error.code})` : ''}`);
          }
          return { ok: false, code: error.code, status };
        }
        throw unavailable(`Alipay could not be reached for ${what}`, error.cause);
      }
      // A body that is not JSON, or an answer without signature headers.
      throw unavailable(`Alipay's answer to ${what} could not be read or verified`);
    }
  };

  const query = async (outTradeNo: string, options: ProviderCallOptions): Promise<TradeStatus> => {
    const answer = await v3('POST', '/v3/alipay/trade/query', { body: { out_trade_no: outTradeNo } }, 'the trade query', options);
    // Alipay creates the trade when the payer scans; before that it does not know the number.
    if (!answer.ok && answer.code === 'ACQ.TRADE_NOT_EXIST') return { outTradeNo, state: 'pending' };
    if (!answer.ok) throw refused('the trade query', answer.code, answer.status);
    const status = textOf(answer.data.trade_status);
    const mapped = status === undefined ? undefined : TRADE_STATES[status];
    if (!mapped) throw unavailable('Alipay answered the trade query without a known trade status');
    const paidAt = typeof answer.data.send_pay_date === 'string' ? fromChinaDateTime(answer.data.send_pay_date) : undefined;
    const amountFen = fenOf(answer.data.total_amount);
    const providerTradeNo = textOf(answer.data.trade_no);
    return {
      outTradeNo,
      // A closed trade that had been paid was refunded in full.
      state: mapped === 'closed' && paidAt ? 'refunded' : mapped,
      ...(amountFen !== undefined ? { amountFen } : {}),
      ...(providerTradeNo ? { providerTradeNo } : {}),
      ...(paidAt ? { paidAt } : {}),
    };
  };

  const decodeNotification = (post: Readonly<Record<string, string>>): ProviderNotification => {
    if (post.notify_type !== undefined && post.notify_type !== 'trade_status_sync') throw invalidNotification('The Alipay notification is not a trade status notification');
    const outTradeNo = post.out_trade_no;
    const state = TRADE_STATES[post.trade_status ?? ''];
    const totalFen = fenOf(post.total_amount);
    if (!outTradeNo || !state || totalFen === undefined) throw invalidNotification('The Alipay notification lacks the trade, its status or its amount');
    const providerTradeNo = post.trade_no ? { providerTradeNo: post.trade_no } : {};
    if (post.out_biz_no && post.refund_fee !== undefined) {
      // Refund notifications name the refund (out_biz_no) and the total refunded so far (refund_fee).
      const refundedFen = fenOf(post.refund_fee);
      if (refundedFen === undefined) throw invalidNotification('The Alipay refund notification has no readable refund_fee');
      const at = fromChinaDateTime(post.gmt_refund ?? '');
      return {
        kind: 'refund',
        outTradeNo,
        outRefundNo: post.out_biz_no,
        state: state === 'closed' ? 'refunded' : state,
        amountFen: refundedFen,
        ...providerTradeNo,
        ...(at ? { at } : {}),
      };
    }
    const at = fromChinaDateTime(post.gmt_payment ?? post.gmt_close ?? '');
    return { kind: 'payment', outTradeNo, state, amountFen: totalFen, ...providerTradeNo, ...(at ? { at } : {}) };
  };

  return {
    id: WALLET,
    name: { zh: '支付宝', en: 'Alipay' },

    async createCheckout(request, options) {
      if (!Number.isSafeInteger(request.amountFen) || request.amountFen < 1) {
        throw hutongError('HUTONG_ERR_VALIDATION', 'The checkout amount must be a positive integer number of fen');
      }
      const answer = await v3(
        'POST',
        '/v3/alipay/trade/precreate',
        {
          body: {
            out_trade_no: request.outTradeNo,
            total_amount: yuan(request.amountFen),
            subject: request.subject,
            product_code: 'QR_CODE_OFFLINE',
            notify_url: request.notifyUrl,
            time_expire: chinaDateTime(request.expiresAt),
          },
        },
        'the checkout',
        options,
      );
      if (!answer.ok && answer.code === 'ACQ.TRADE_HAS_SUCCESS') throw hutongError('HUTONG_ERR_PAYMENT_ALREADY_PAID', `Alipay trade ${request.outTradeNo} is already paid`);
      if (!answer.ok) throw refused('the checkout', answer.code, answer.status);
      const qrCodeContent = textOf(answer.data.qr_code);
      if (!qrCodeContent) throw unavailable('Alipay answered the checkout without a QR code');
      return { qrCodeContent };
    },

    queryTrade: query,

    async closeTrade(outTradeNo, options) {
      const answer = await v3('POST', '/v3/alipay/trade/close', { body: { out_trade_no: outTradeNo } }, 'closing the trade', options);
      if (answer.ok || answer.code === 'ACQ.TRADE_NOT_EXIST') return;
      if (answer.code === 'ACQ.TRADE_STATUS_ERROR' || answer.code === 'ACQ.TRADE_HAS_SUCCESS') {
        throw hutongError('HUTONG_ERR_PAYMENT_ALREADY_PAID', `Alipay trade ${outTradeNo} is already paid and cannot be closed`);
      }
      throw refused('closing the trade', answer.code, answer.status);
    },

    async refund(request, options) {
      if (!Number.isSafeInteger(request.refundFen) || request.refundFen < 1) {
        throw hutongError('HUTONG_ERR_VALIDATION', 'The refund amount must be a positive integer number of fen');
      }
      // Alipay sends refund notifications to the payment's notify_url; a refund takes none of its own.
      const answer = await v3(
        'POST',
        '/v3/alipay/trade/refund',
        { body: { out_trade_no: request.outTradeNo, refund_amount: yuan(request.refundFen), out_request_no: request.outRefundNo, refund_reason: request.reason } },
        'the refund',
        options,
      );
      if (!answer.ok) throw refused('the refund', answer.code, answer.status);
      // fund_change "N" is the same refund asked again: Alipay answers it without moving money twice.
      return { outRefundNo: request.outRefundNo, state: 'succeeded', refundFen: request.refundFen };
    },

    async verifyNotification(raw) {
      const contentType = headerOf(raw.headers, 'content-type');
      if (contentType !== undefined && !contentType.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
        throw invalidNotification('An Alipay notification is a form post');
      }
      const post: Record<string, string> = {};
      for (const [key, value] of new URLSearchParams(Buffer.from(raw.body).toString('utf8'))) {
        if (Object.hasOwn(post, key)) throw invalidNotification(`The Alipay notification repeats ${key}`);
        post[key] = value;
      }
      if (!post.sign) throw invalidNotification('The Alipay notification is not signed');
      if (post.charset !== undefined && post.charset.toLowerCase() !== 'utf-8') throw invalidNotification('The Alipay notification is not in UTF-8');
      let verified = false;
      try {
        verified = sdk.checkNotifySignV2(post);
      } catch {
        verified = false;
      }
      if (!verified) throw invalidNotification('The Alipay notification signature does not verify');
      if (post.app_id !== settings.appId) throw invalidNotification('The Alipay notification is for another app');
      return decodeNotification(post);
    },

    acknowledge(accepted): NotificationAck {
      // Alipay stops retrying on exactly "success"; any other answer makes it notify again.
      return { status: 200, contentType: 'text/plain; charset=utf-8', body: accepted ? 'success' : 'fail' };
    },

    async downloadStatement(date, options): Promise<StatementLine[]> {
      if (!DATE.test(date)) throw hutongError('HUTONG_ERR_VALIDATION', 'The statement date must be YYYY-MM-DD');
      const answer = await v3('GET', BILL_URL_API, { query: { bill_type: 'trade', bill_date: date } }, 'the statement', options);
      if (!answer.ok) throw refused(`the statement of ${date}`, answer.code, answer.status);
      const url = textOf(answer.data.bill_download_url);
      if (!url || !/^https?:\/\//.test(url)) throw unavailable('Alipay answered the statement query without a download URL');
      let zip: Buffer;
      try {
        const response = await fetch(url, { signal: options.signal });
        if (response.status !== 200) throw unavailable(`Alipay's statement download answered HTTP ${response.status}`);
        if (Number(response.headers.get('content-length') ?? 0) > MAX_STATEMENT_BYTES) throw unavailable("Alipay's statement is larger than the hub reads");
        zip = Buffer.from(await response.arrayBuffer());
      } catch (error) {
        if (options.signal.aborted) throw options.signal.reason;
        if (isHutongError(error)) throw error;
        throw unavailable("Alipay's statement could not be downloaded", error);
      }
      try {
        return parseTradeStatement(zip);
      } catch (error) {
        throw unavailable(`Alipay's statement of ${date} could not be read: ${(error as Error).message}`);
      }
    },
  };
}

/** Alipay as a payment provider: settings from `ALIPAY_*` (the emulator in demo mode). */
export const alipayProvider = definePaymentProvider({
  id: WALLET,
  settingsSchema: AlipayPaySettingsSchema,
  settingsFromEnv: alipayPaySettingsFromEnv,
  create: createAlipayProvider,
});
