import { api, apiBlob, type ServiceRecord } from './api.ts';

/** The wallets the hub takes payments with, in the order offered when the entrance prefers none. */
export const WALLETS = ['alipay', 'wechatpay', 'unionpay'] as const;
export type Wallet = (typeof WALLETS)[number];

export type PaymentState = 'created' | 'pending' | 'succeeded' | 'failed' | 'closed';

/** A payment (a QR checkout with one wallet) as the hub shows it to the payer. */
export interface Payment {
  readonly id: string;
  readonly payableId: string;
  readonly wallet: string;
  readonly channel: string;
  readonly amountFen: number;
  readonly refundedFen: number;
  readonly state: PaymentState;
  /** Masked: what a payer may see. */
  readonly description: string;
  readonly outTradeNo: string;
  readonly qrCodeContent?: string;
  readonly expiresAt: string;
  readonly paidAt?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A "pay for me" link to a fine or bill, which anyone can open and pay. */
export interface PayShare {
  readonly code: string;
  readonly url: string;
  readonly qrSvgUrl: string;
  readonly amountFen: number;
  readonly description: string;
}

/** What a "pay for me" link asks to pay. */
export interface PayLink {
  readonly code: string;
  readonly cityId: string;
  readonly serviceId: string;
  readonly amountFen: number;
  readonly description: string;
  readonly status: 'open' | 'paid';
}

/** What identifies a fine or bill to the payment API. */
export interface PayableRef {
  readonly cityId: string;
  readonly serviceId: string;
  readonly recordId: string;
}

/** A new key for each attempt to pay: a retry of the same request replays it instead of paying twice. */
export function newIdempotencyKey(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes); // unlike randomUUID, also there on a hub reached by plain http
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The wallets in the order offered: the entrance's own first. */
export function walletOrder(preferred?: string): Wallet[] {
  const first = WALLETS.find((w) => w === preferred);
  return first ? [first, ...WALLETS.filter((w) => w !== first)] : [...WALLETS];
}

/** The amount a fine or bill asks for, if the record is one that can be paid now. */
export function payableAmount(record: ServiceRecord): number | null {
  if (typeof record.id !== 'string' || record.id === '') return null;
  if (record.status !== 'unpaid' && record.status !== 'overdue') return null;
  const amount = typeof record.fineFen === 'number' ? record.fineFen : record.amountFen;
  return typeof amount === 'number' && Number.isInteger(amount) && amount > 0 ? amount : null;
}

const encode = encodeURIComponent;

export const paymentApi = {
  create: (ref: PayableRef, wallet: Wallet, key: string) =>
    api<Payment>('/v1/payments', { method: 'POST', auth: true, headers: { 'idempotency-key': key }, body: { ...ref, wallet } }),
  get: (id: string, signal?: AbortSignal) => api<Payment>(`/v1/payments/${encode(id)}`, { auth: true, signal }),
  qrSvg: (id: string, signal?: AbortSignal) => apiBlob(`/v1/payments/${encode(id)}/qr.svg`, { auth: true, signal, headers: { accept: 'image/svg+xml' } }),
  share: (ref: PayableRef) => api<PayShare>('/v1/payments/shares', { method: 'POST', auth: true, body: ref }),
  link: (code: string, signal?: AbortSignal) => api<PayLink>(`/v1/pay-links/${encode(code)}`, { signal }),
  payLink: (code: string, wallet: Wallet, key: string) =>
    api<Payment>(`/v1/pay-links/${encode(code)}/payments`, { method: 'POST', auth: true, headers: { 'idempotency-key': key }, body: { wallet } }),
} as const;
