import { createHash, randomBytes } from 'node:crypto';
import { hutongError, isHutongError } from '../errors.ts';
import type { AuditTrail } from '../audit/audit.trail.ts';
import type { Principal } from '../identity/session.service.ts';
import type { RecordsService } from '../records/records.service.ts';
import type { RecordType } from '../model/catalog.ts';
import { issuedByDepartment } from '../identity/citizen.service.ts';
import type { PaymentProvider, RawNotification, WalletId } from './provider.ts';
import type { IntentRow, PayableRow, PaymentRepository } from './payment.repository.ts';
import type { LinkService } from '../links/link.service.ts';
import type { WriteBackService } from './write-back.service.ts';
import type { Kysely } from 'kysely';

/** How long a checkout can be paid. */
export const CHECKOUT_TTL_MS = 15 * 60_000;
/** How long another request with the same Idempotency-Key waits for the first to finish. */
const IDEMPOTENCY_WAIT_MS = 15_000;

export interface PaymentView {
  readonly id: string;
  readonly payableId: string;
  readonly wallet: WalletId;
  readonly channel: string;
  readonly amountFen: number;
  readonly refundedFen: number;
  readonly state: IntentRow['state'];
  readonly description: string;
  readonly outTradeNo: string;
  /** The text of the QR code the payer scans with the wallet; absent once the checkout is over. */
  readonly qrCodeContent?: string;
  readonly expiresAt: string;
  readonly paidAt?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly history: Array<{ from: string | null; to: string; reason: string; at: string }>;
}

/** What a wallet notification did; the route answers the wallet with its acknowledgement. */
export interface NotificationOutcome {
  readonly accepted: boolean;
  readonly intentId?: string;
  readonly state?: string;
}

/** A hub trade number: `HT`, the China-local time (`tradeTimeOf` reads it back) and 10 hex digits — 26 letters and digits. */
function newTradeNumber(now = new Date()): string {
  const stamp = new Date(now.getTime() + 8 * 3_600_000).toISOString().slice(0, 19).replace(/[-T:]/g, '');
  return `HT${stamp}${randomBytes(5).toString('hex')}`;
}

/** The payable's id: the department record it pays, as one opaque string. */
export function payableIdOf(cityId: string, departmentId: string, recordType: string, recordId: string): string {
  return `pay_${createHash('sha256').update(`${cityId}|${departmentId}|${recordType}|${recordId}`).digest('base64url').slice(0, 24)}`;
}

/** A payer who saw one amount is never charged another: the department's current amount is shown instead. */
function refuseChangedAmount(expectedFen: number | undefined, confirmedFen: number): void {
  if (expectedFen !== undefined && expectedFen !== confirmedFen) {
    throw hutongError('HUTONG_ERR_PAYABLE_CHANGED', `The department now asks for ${confirmedFen} fen, not ${expectedFen}; check the amount and pay again`, {
      details: { expectedFen, amountFen: confirmedFen },
    });
  }
}

/** The identifier a payable's record is held under, with its issuer as a linked identifier names it. */
function heldUnder(payable: PayableRow): { kind: string; value: string; issuer: string | null } {
  const issuer = issuedByDepartment(payable.identifier_kind) ? `${payable.city_id}/${payable.department_id}` : null;
  return { kind: payable.identifier_kind, value: payable.identifier_value, issuer };
}

/** The columns of a payable a refresh may write. */
function payableRowOf(row: PayableRow): Omit<PayableRow, 'status' | 'paid_intent_id' | 'created_at' | 'updated_at'> {
  const { status: _status, paid_intent_id: _paid, created_at: _created, updated_at: _updated, ...rest } = row;
  return rest;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Payments: a payable (fine or bill) confirmed with its department, paid with any installed
 * wallet from any entrance, each payable paid at most once. Wallet notifications are kept as they
 * arrived, verified, and believed only after the wallet confirms the trade when asked.
 */
export class PaymentService {
  constructor(
    private readonly deps: {
      readonly payments: PaymentRepository;
      readonly records: RecordsService;
      readonly providers: ReadonlyMap<WalletId, PaymentProvider>;
      readonly audit: AuditTrail;
      readonly writeBack: WriteBackService;
      /**
       * Booking fees: for a service that takes bookings, the fee of one of the citizen's held
       * bookings (`recordId` is the booking id); undefined for other services.
       */
      readonly bookingFee?: (
        principal: Principal,
        input: { cityId: string; serviceId: string; recordId: string },
      ) => Promise<{ departmentId: string; amountFen: number; description: string; identifier: { kind: string; value: string; issuer: string | null } } | undefined>;
      /** The origin wallets send notifications to. */
      readonly notifyOrigin: () => string;
    },
  ) {}

  provider(wallet: string): PaymentProvider {
    const provider = this.deps.providers.get(wallet as WalletId);
    if (!provider) throw hutongError('HUTONG_ERR_WALLET_NOT_INSTALLED', `No wallet "${wallet}" is configured in this hub`);
    return provider;
  }

  get wallets(): WalletId[] {
    return [...this.deps.providers.keys()];
  }

  /**
   * `createPayment` under an Idempotency-Key: the same key and body replay the first answer; the
   * same key with another body is refused; concurrent requests with one key create one intent.
   */
  async createPaymentIdempotently(
    principal: Principal,
    key: string,
    input: { cityId: string; serviceId: string; recordId: string; wallet: string; expectedAmountFen?: number },
  ): Promise<{ status: number; body: PaymentView; replayed: boolean }> {
    return this.#idempotently(principal, key, input, () => this.createPayment(principal, input));
  }

  /** Requests of this process holding an Idempotency-Key now (`citizen|key`), for others with the same key to wait on. */
  readonly #holding = new Map<string, Promise<unknown>>();

  /** Runs `create` once per (citizen, key): the same body replays its answer, another body is refused. */
  async #idempotently(principal: Principal, key: string, request: object, create: () => Promise<PaymentView>): Promise<{ status: number; body: PaymentView; replayed: boolean }> {
    const { payments } = this.deps;
    const requestHash = createHash('sha256').update(canonicalJson(request)).digest('base64url');
    const deadline = Date.now() + IDEMPOTENCY_WAIT_MS;
    const holdingKey = `${principal.citizenId}|${key}`;
    // A waiter in this process waits for the holder to finish, then asks the store once; one held by
    // another process is polled with backoff (25 ms doubling to 400 ms, jittered). Either way a burst
    // on one key does not crowd out the request holding it.
    for (let attempt = 0; ; attempt++) {
      await this.#holding.get(holdingKey)?.catch(() => undefined);
      const claim = await payments.claimIdempotencyKey(principal.citizenId, key, requestHash);
      if (claim === 'claimed') break;
      if (claim.requestHash !== requestHash) {
        throw hutongError('HUTONG_ERR_IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used for another request; use a new key for a new payment');
      }
      if (claim.status !== null) return { status: claim.status, body: claim.response as PaymentView, replayed: true };
      if (Date.now() > deadline) throw hutongError('HUTONG_ERR_IDEMPOTENCY_IN_PROGRESS', 'A request with this Idempotency-Key is still being processed; retry shortly');
      const backoff = Math.min(400, 25 * 2 ** attempt);
      await new Promise((resolve) => setTimeout(resolve, backoff / 2 + Math.random() * (backoff / 2)));
    }
    const held = (async () => {
      try {
        const body = await create();
        await payments.completeIdempotencyKey(principal.citizenId, key, 201, body);
        return { status: 201, body, replayed: false };
      } catch (error) {
        await payments.releaseIdempotencyKey(principal.citizenId, key);
        throw error;
      }
    })();
    this.#holding.set(holdingKey, held);
    try {
      return await held;
    } finally {
      if (this.#holding.get(holdingKey) === held) this.#holding.delete(holdingKey);
    }
  }

  /** Confirms the payable with its department (owner, amount, still unpaid) and opens a checkout with the wallet. */
  async createPayment(principal: Principal, input: { cityId: string; serviceId: string; recordId: string; wallet: string; expectedAmountFen?: number }): Promise<PaymentView> {
    const provider = this.provider(input.wallet);
    const payable = await this.#confirmedPayable(principal, input);
    if (payable.status === 'paid') throw hutongError('HUTONG_ERR_PAYMENT_ALREADY_PAID', 'This payable is already paid');
    refuseChangedAmount(input.expectedAmountFen, payable.amount_fen);
    return this.#openCheckout(principal, payable, provider);
  }

  /** Opens a wallet checkout for a payable; the caller is the payer, the payable's owner stays its owner. */
  async #openCheckout(principal: Principal, payable: PayableRow, provider: PaymentProvider): Promise<PaymentView> {
    const { payments, audit } = this.deps;
    const expiresAt = new Date(Date.now() + CHECKOUT_TTL_MS);
    const intent = await payments.createIntent({
      payable_id: payable.id,
      owner_citizen_id: payable.owner_citizen_id,
      payer_citizen_id: principal.citizenId,
      wallet: provider.id,
      channel: principal.channel,
      amount_fen: payable.amount_fen,
      out_trade_no: newTradeNumber(),
      expires_at: expiresAt,
    });
    let checkout;
    try {
      checkout = await provider.createCheckout(
        {
          outTradeNo: intent.out_trade_no,
          amountFen: intent.amount_fen,
          subject: payable.description,
          expiresAt,
          notifyUrl: `${this.deps.notifyOrigin()}/v1/payments/notify/${provider.id}`,
        },
        { signal: AbortSignal.timeout(8000) },
      );
    } catch (error) {
      await payments.transition(intent.id, ['created'], 'failed', `checkout refused: ${isHutongError(error) ? error.code : 'error'}`);
      throw error;
    }
    const pending = await payments.transition(intent.id, ['created'], 'pending', 'checkout created', { qr_code_content: checkout.qrCodeContent });
    if (!('id' in pending)) throw hutongError('HUTONG_ERR_INTERNAL', 'The payment changed while its checkout was created');
    await audit.record({
      actor: `citizen:${principal.citizenId}`,
      action: 'payment.create',
      subject: `payment:${intent.id}`,
      cityId: payable.city_id,
      detail: { wallet: provider.id, channel: principal.channel, amountFen: intent.amount_fen, payableId: payable.id, forOwner: payable.owner_citizen_id !== principal.citizenId },
    });
    return this.#view(pending, payable.description);
  }

  /**
   * "Pay for me": the owner turns one of their payables into a link another person can open in any
   * app and pay. The link shows only the amount and a masked description.
   */
  async sharePayable(principal: Principal, input: { cityId: string; serviceId: string; recordId: string }, links: LinkService): Promise<{ code: string; path: string; amountFen: number; description: string }> {
    const payable = await this.#confirmedPayable(principal, input);
    if (payable.status === 'paid') throw hutongError('HUTONG_ERR_PAYMENT_ALREADY_PAID', 'This payable is already paid');
    const link = await links.create(principal, { cityId: input.cityId, serviceId: input.serviceId, payableId: payable.id, expiresAt: new Date(Date.now() + 7 * 86_400_000) });
    return { code: link.code, path: link.path, amountFen: payable.amount_fen, description: payable.description };
  }

  /** What a "pay for me" link shows anyone who opens it: amount, masked description, whether it is paid. */
  async sharedPayable(code: string, links: LinkService): Promise<{ code: string; cityId: string; serviceId: string; amountFen: number; description: string; status: 'open' | 'paid' }> {
    const { payableId, cityId, serviceId } = await links.payableOf(code);
    const payable = await this.deps.payments.findPayable(payableId);
    if (!payable) throw hutongError('HUTONG_ERR_LINK_NOT_FOUND', 'No "pay for me" link with that code');
    return { code, cityId, serviceId, amountFen: payable.amount_fen, description: payable.description, status: payable.status };
  }

  /**
   * Someone pays a payable shared with them: its amount is confirmed with the department again,
   * under the owner's identifier; the payer and the owner are both recorded on the payment.
   */
  async payShared(principal: Principal, code: string, wallet: string, key: string, links: LinkService): Promise<{ status: number; body: PaymentView; replayed: boolean }> {
    return this.#idempotently(principal, key, { sharedLink: code, wallet }, async () => {
      const provider = this.provider(wallet);
      const { payableId } = await links.payableOf(code);
      const known = await this.deps.payments.findPayable(payableId);
      if (!known) throw hutongError('HUTONG_ERR_LINK_NOT_FOUND', 'No "pay for me" link with that code');
      if (known.status === 'paid') throw hutongError('HUTONG_ERR_PAYMENT_ALREADY_PAID', 'This payable is already paid');
      const confirmed = await this.deps.records.reconfirmPayable({
        cityId: known.city_id,
        serviceId: known.service_id,
        departmentId: known.department_id,
        recordId: known.record_id,
        identifier: heldUnder(known),
      });
      const payable = await this.deps.payments.upsertPayable({ ...payableRowOf(known), amount_fen: confirmed.amountFen, description: confirmed.description });
      if (payable.status === 'paid') throw hutongError('HUTONG_ERR_PAYMENT_ALREADY_PAID', 'This payable is already paid');
      // The payer agreed to the amount the link showed; a different one is shown again, not charged.
      refuseChangedAmount(known.amount_fen, payable.amount_fen);
      return this.#openCheckout(principal, payable, provider);
    });
  }

  async #confirmedPayable(principal: Principal, input: { cityId: string; serviceId: string; recordId: string }): Promise<PayableRow> {
    const fee = await this.deps.bookingFee?.(principal, input);
    if (fee) {
      return this.deps.payments.upsertPayable({
        id: payableIdOf(input.cityId, fee.departmentId, 'Appointment', input.recordId),
        city_id: input.cityId,
        department_id: fee.departmentId,
        service_id: input.serviceId,
        record_type: 'Appointment',
        record_id: input.recordId,
        identifier_kind: fee.identifier.kind,
        identifier_value: fee.identifier.value,
        owner_citizen_id: principal.citizenId,
        kind: 'fee',
        amount_fen: fee.amountFen,
        description: fee.description,
      });
    }
    const confirmed = await this.deps.records.confirmPayable(principal, input.cityId, input.serviceId, input.recordId);
    return this.deps.payments.upsertPayable({
      id: payableIdOf(input.cityId, confirmed.departmentId, confirmed.recordType, input.recordId),
      city_id: input.cityId,
      department_id: confirmed.departmentId,
      service_id: input.serviceId,
      record_type: confirmed.recordType,
      record_id: input.recordId,
      identifier_kind: confirmed.identifier.kind,
      identifier_value: confirmed.identifier.value,
      owner_citizen_id: principal.citizenId,
      kind: confirmed.kind,
      amount_fen: confirmed.amountFen,
      description: confirmed.description,
    });
  }

  /**
   * An operator refunds part or all of a paid payment through its wallet. What is left to refund
   * bounds it, whatever runs concurrently; the wallet's own refund number makes a retry the same refund.
   */
  /** Gives back what is left of the payment that paid a payable (a booking fee the department refused). */
  async refundPayable(payableId: string, reason: string): Promise<void> {
    const payable = await this.deps.payments.findPayable(payableId);
    if (!payable?.paid_intent_id) return;
    const intent = await this.deps.payments.findIntent(payable.paid_intent_id);
    const left = intent ? intent.amount_fen - intent.refunded_fen : 0;
    if (!intent || left <= 0) return;
    await this.refund(intent.id, { amountFen: left, reason });
  }

  async refund(intentId: string, input: { amountFen: number; reason: string }): Promise<{ outRefundNo: string; state: string; refundedFen: number }> {
    const { payments, audit } = this.deps;
    const reserved = await payments.reserveRefund(intentId, input.amountFen, input.reason);
    if (!reserved) {
      const intent = await payments.findIntent(intentId);
      if (!intent) throw hutongError('HUTONG_ERR_PAYMENT_NOT_FOUND', 'No payment with that id');
      throw hutongError('HUTONG_ERR_WALLET_REFUSED', intent.state !== 'succeeded' ? `Only a paid payment can be refunded; this one is ${intent.state}` : 'The refund is more than what is left to refund');
    }
    const { intent, outRefundNo } = reserved;
    let state: 'succeeded' | 'pending' | 'failed';
    try {
      ({ state } = await this.provider(intent.wallet).refund(
        { outTradeNo: intent.out_trade_no, outRefundNo, refundFen: input.amountFen, totalFen: intent.amount_fen, reason: input.reason },
        { signal: AbortSignal.timeout(8000) },
      ));
    } catch (error) {
      if (isHutongError(error) && error.code === 'HUTONG_ERR_WALLET_REFUSED') await payments.finishRefund(reserved.id, 'failed');
      throw error;
    }
    // A wallet that settles refunds later (WeChat Pay's PROCESSING) counts it now: it has accepted it.
    await payments.finishRefund(reserved.id, state === 'failed' ? 'failed' : 'succeeded');
    await audit.record({ actor: 'operator', action: 'payment.refund', subject: `payment:${intentId}`, detail: { amountFen: input.amountFen, outRefundNo, state } });
    const after = await payments.findIntent(intentId);
    return { outRefundNo, state, refundedFen: after?.refunded_fen ?? 0 };
  }

  /** A payment as its payer or the payable's owner sees it; nobody else learns it exists. */
  async getPayment(principal: Principal, id: string): Promise<PaymentView> {
    const intent = /^[0-9a-f-]{36}$/.test(id) ? await this.deps.payments.findIntent(id) : undefined;
    if (!intent || (intent.payer_citizen_id !== principal.citizenId && intent.owner_citizen_id !== principal.citizenId)) {
      throw hutongError('HUTONG_ERR_PAYMENT_NOT_FOUND', 'You have no payment with that id');
    }
    const payable = await this.deps.payments.findPayable(intent.payable_id);
    return this.#view(intent, payable?.description ?? '');
  }

  /**
   * A wallet's notification: kept as received, verified with the wallet's key, then believed only
   * as far as the wallet confirms the trade when asked. A replay changes nothing.
   */
  async handleNotification(wallet: string, raw: RawNotification): Promise<NotificationOutcome> {
    const { payments } = this.deps;
    const provider = this.provider(wallet);
    const notificationId = await payments.storeNotification(provider.id, { ...raw.headers }, raw.body);
    let notice;
    try {
      notice = await provider.verifyNotification(raw, { signal: AbortSignal.timeout(5000) });
    } catch (error) {
      await payments.markNotification(notificationId, 'rejected', { error: isHutongError(error) ? error.code : 'unreadable' });
      throw isHutongError(error) ? error : hutongError('HUTONG_ERR_NOTIFICATION_INVALID', 'The notification cannot be read', { cause: error });
    }
    const intent = await payments.findIntentByTradeNo(notice.outTradeNo);
    if (!intent || intent.wallet !== provider.id) {
      // Signed by the wallet but not ours: nothing to do, and retrying would not change that.
      await payments.markNotification(notificationId, 'processed', { outTradeNo: notice.outTradeNo, error: 'unknown trade' });
      return { accepted: true };
    }
    if (notice.kind === 'payment') await this.settle(intent, `${provider.id} notification`);
    await payments.markNotification(notificationId, 'processed', { outTradeNo: notice.outTradeNo });
    const now = await payments.findIntent(intent.id);
    return { accepted: true, intentId: intent.id, state: now?.state };
  }

  /**
   * Asks the wallet how the trade stands and moves the intent to match: paid → succeeded (and the
   * payable paid); closed → closed. A second wallet paying an already paid payable is refunded.
   */
  async settle(intent: IntentRow, reason: string): Promise<IntentRow> {
    const { payments, audit } = this.deps;
    const provider = this.provider(intent.wallet);
    const status = await provider.queryTrade(intent.out_trade_no, { signal: AbortSignal.timeout(8000) });
    if (status.state === 'succeeded' || status.state === 'refunded') {
      if (status.amountFen !== undefined && status.amountFen !== intent.amount_fen) {
        await audit.record({ actor: `wallet:${provider.id}`, action: 'payment.amount-mismatch', subject: `payment:${intent.id}`, detail: { expected: intent.amount_fen, got: status.amountFen } });
        return intent;
      }
      const moved = await payments.transition(
        intent.id,
        ['created', 'pending', 'closed', 'failed'],
        'succeeded',
        reason,
        { provider_trade_no: status.providerTradeNo ?? null, paid_at: status.paidAt ?? new Date() },
        // The department hears of it through a job that exists exactly when this success commits.
        (tx) => this.deps.writeBack.enqueueWithin(tx as Kysely<unknown>, intent.id),
      );
      if ('payableAlreadyPaid' in moved) return this.#refundDuplicate(intent, provider.id);
      if ('stale' in moved) return moved.stale ?? intent;
      await audit.record({ actor: `wallet:${provider.id}`, action: 'payment.succeeded', subject: `payment:${intent.id}`, detail: { amountFen: intent.amount_fen } });
      const payable = await payments.findPayable(intent.payable_id);
      if (payable) {
        await this.deps.records.forgetRecordsOf(payable.city_id, payable.department_id, payable.record_type as RecordType, heldUnder(payable));
      }
      for (const other of await payments.openIntentsOf(intent.payable_id, intent.id)) {
        await this.#closeQuietly(other, 'another wallet paid the payable');
      }
      return moved;
    }
    if (status.state === 'closed' || status.state === 'failed') {
      const moved = await payments.transition(intent.id, ['created', 'pending'], status.state, reason);
      return 'id' in moved ? moved : intent;
    }
    return intent;
  }

  /** The payable was paid through another intent first: this payment goes back to the payer in full. */
  async #refundDuplicate(intent: IntentRow, wallet: WalletId): Promise<IntentRow> {
    const provider = this.provider(wallet);
    await provider.refund(
      { outTradeNo: intent.out_trade_no, outRefundNo: `${intent.out_trade_no}R1`, refundFen: intent.amount_fen, totalFen: intent.amount_fen, reason: '重复支付退款 / paid twice' },
      { signal: AbortSignal.timeout(8000) },
    );
    const moved = await this.deps.payments.transition(intent.id, ['created', 'pending'], 'closed', 'paid twice: refunded in full', { refunded_fen: intent.amount_fen });
    await this.deps.audit.record({ actor: `wallet:${wallet}`, action: 'payment.duplicate-refunded', subject: `payment:${intent.id}`, detail: { amountFen: intent.amount_fen } });
    return 'id' in moved ? moved : intent;
  }

  async #closeQuietly(intent: IntentRow, reason: string): Promise<void> {
    try {
      await this.provider(intent.wallet).closeTrade(intent.out_trade_no, { signal: AbortSignal.timeout(5000) });
      await this.deps.payments.transition(intent.id, ['created', 'pending'], 'closed', reason);
    } catch {
      // Paid meanwhile, or the wallet is away: its own notification or reconciliation settles it.
    }
  }

  async #view(intent: IntentRow, description: string): Promise<PaymentView> {
    const events = await this.deps.payments.listEvents(intent.id);
    const open = intent.state === 'pending' && intent.expires_at.getTime() > Date.now();
    return {
      id: intent.id,
      payableId: intent.payable_id,
      wallet: intent.wallet as WalletId,
      channel: intent.channel,
      amountFen: intent.amount_fen,
      refundedFen: intent.refunded_fen,
      state: intent.state,
      description,
      outTradeNo: intent.out_trade_no,
      ...(open && intent.qr_code_content ? { qrCodeContent: intent.qr_code_content } : {}),
      expiresAt: intent.expires_at.toISOString(),
      ...(intent.paid_at ? { paidAt: intent.paid_at.toISOString() } : {}),
      createdAt: intent.created_at.toISOString(),
      updatedAt: intent.updated_at.toISOString(),
      history: events.map((e) => ({ from: e.fromState, to: e.toState, reason: e.reason, at: e.at.toISOString() })),
    };
  }
}
