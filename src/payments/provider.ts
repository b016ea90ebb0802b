import type { TSchema, Static } from '@sinclair/typebox';

/** The wallets the hub's payment providers speak. */
export type WalletId = 'alipay' | 'wechatpay' | 'unionpay';

export interface ProviderCallOptions {
  /** Aborted when the hub's deadline passes; implementations pass it to the wire. */
  readonly signal: AbortSignal;
}

/**
 * The China-local time a hub trade number was made, `yyyyMMddHHmmss`: the hub's numbers are `HT`,
 * that time and 10 hex digits. Wallets that find a trade by its number and the time its order was
 * sent (UnionPay's `txnTime`) read it from here, so any hub process can ask about any trade.
 */
export function tradeTimeOf(outTradeNo: string): string | undefined {
  return /^HT(\d{14})[0-9a-f]{10}$/.exec(outTradeNo)?.[1];
}

/** A checkout the hub asks the provider for: one attempt to pay one payable. */
export interface CheckoutRequest {
  /** The hub's trade number, unique per provider (`out_trade_no`): 6–32 characters `[A-Za-z0-9_-]`. */
  readonly outTradeNo: string;
  /** Integer fen. */
  readonly amountFen: number;
  /** What the payer sees: the payable's masked description, at most 64 characters. */
  readonly subject: string;
  /** When the provider stops accepting payment for it. */
  readonly expiresAt: Date;
  /** Where the provider sends its asynchronous notifications for this trade. */
  readonly notifyUrl: string;
}

/** What the payer scans or opens. */
export interface Checkout {
  /** The text of the QR code (Alipay `qr_code`, WeChat Pay `code_url`, UnionPay `qrCode`). */
  readonly qrCodeContent: string;
}

export type TradeState = 'pending' | 'succeeded' | 'closed' | 'refunded' | 'failed';

/** The provider's view of one trade. */
export interface TradeStatus {
  readonly outTradeNo: string;
  readonly state: TradeState;
  /** The amount the provider holds for it, integer fen; absent before the payer acted. */
  readonly amountFen?: number;
  /** The provider's own trade number (`trade_no`, `transaction_id`, `queryId`). */
  readonly providerTradeNo?: string;
  readonly paidAt?: Date;
}

/** A notification after its signature was verified and its body decoded. */
export interface ProviderNotification {
  readonly kind: 'payment' | 'refund';
  readonly outTradeNo: string;
  readonly outRefundNo?: string;
  readonly state: TradeState;
  /** The amount the notification is about (the paid total, or the refund), integer fen. */
  readonly amountFen: number;
  readonly providerTradeNo?: string;
  readonly at?: Date;
}

/** A notification exactly as it arrived: the hub stores this before acting on it. */
export interface RawNotification {
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly body: Uint8Array;
}

/** The answer a provider expects to a notification; anything else makes it retry. */
export interface NotificationAck {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

export interface RefundRequest {
  readonly outTradeNo: string;
  /** The hub's refund number, unique per trade (`out_request_no`, `out_refund_no`). */
  readonly outRefundNo: string;
  readonly refundFen: number;
  /** The trade's total, which WeChat Pay and UnionPay want repeated. */
  readonly totalFen: number;
  readonly reason: string;
  readonly notifyUrl?: string;
}

export interface RefundResult {
  readonly outRefundNo: string;
  readonly state: 'succeeded' | 'pending' | 'failed';
  readonly refundFen: number;
}

/** One line of a provider's daily statement, in the provider's own terms mapped to fen. */
export interface StatementLine {
  readonly kind: 'payment' | 'refund';
  readonly outTradeNo: string;
  readonly outRefundNo?: string;
  readonly providerTradeNo: string;
  readonly amountFen: number;
  readonly at: Date;
}

/**
 * One wallet (Alipay, WeChat Pay, UnionPay): checkouts, their status, refunds, notifications and
 * the daily statement, spoken in the wallet's own protocol. Vendor SDKs are imported only inside
 * the provider's folder.
 *
 * @example
 *   const { qrCodeContent } = await provider.createCheckout(
 *     { outTradeNo: 'HT20261202a1b2c3', amountFen: 20000, subject: '交通违法罚款 沪A***07', expiresAt, notifyUrl },
 *     { signal: AbortSignal.timeout(5000) })
 *   const status = await provider.queryTrade('HT20261202a1b2c3', { signal })
 */
export interface PaymentProvider {
  readonly id: WalletId;
  readonly name: { readonly zh: string; readonly en: string };
  /** Creates the QR checkout. A duplicate `outTradeNo` with the same amount returns the same checkout. */
  createCheckout(request: CheckoutRequest, options: ProviderCallOptions): Promise<Checkout>;
  /** The provider's current view of the trade; `pending` for a trade it knows but nobody paid. */
  queryTrade(outTradeNo: string, options: ProviderCallOptions): Promise<TradeStatus>;
  /** Stops the trade from being paid; a trade already paid rejects with `HUTONG_ERR_PAYMENT_ALREADY_PAID`. */
  closeTrade(outTradeNo: string, options: ProviderCallOptions): Promise<void>;
  /** Refunds part or all of a paid trade; the same `outRefundNo` again is the same refund. */
  refund(request: RefundRequest, options: ProviderCallOptions): Promise<RefundResult>;
  /**
   * Verifies a notification's signature with the provider's key (and decrypts it where the
   * provider encrypts) and decodes it. Rejects with `HUTONG_ERR_NOTIFICATION_INVALID` otherwise.
   */
  verifyNotification(raw: RawNotification, options: ProviderCallOptions): Promise<ProviderNotification>;
  /** The answer the provider expects once the hub has (or has not) durably taken the notification. */
  acknowledge(accepted: boolean): NotificationAck;
  /**
   * The lines of the provider's statement for one China-local day (`YYYY-MM-DD`). Optional: a
   * provider without downloadable statements leaves it out and reconciliation says so.
   */
  downloadStatement?(date: string, options: ProviderCallOptions): Promise<StatementLine[]>;
}

/**
 * A kind of provider: its settings schema, how they are read from the environment (the emulator
 * in demo mode), and a factory.
 *
 * @example
 *   export const alipayProvider = definePaymentProvider({ id: 'alipay', settingsSchema, settingsFromEnv, create })
 */
export interface PaymentProviderDefinition<S extends TSchema = TSchema> {
  readonly id: WalletId;
  readonly settingsSchema: S;
  /** Settings from the environment; undefined when the wallet is not configured (and not in demo mode). */
  settingsFromEnv(env: Readonly<Record<string, string | undefined>>, options: { readonly emulatorsUrl: string; readonly demo: boolean }): Static<S> | undefined;
  create(settings: Static<S>): PaymentProvider;
}

export function definePaymentProvider<S extends TSchema>(definition: PaymentProviderDefinition<S>): PaymentProviderDefinition<S> {
  return Object.freeze(definition);
}
