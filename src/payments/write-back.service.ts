import type { Kysely } from 'kysely';
import { hutongError } from '../errors.ts';
import type { Catalog } from '../catalog/catalog.service.ts';
import type { Shield } from '../shield/shield.ts';
import type { AuditTrail } from '../audit/audit.trail.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { IdentifierKind } from '../model/common.ts';
import type { RecordType } from '../model/catalog.ts';
import type { PaymentRepository } from './payment.repository.ts';

export const WRITE_BACK_QUEUE = 'payment-write-back';

/**
 * Tells the department that one of its records was paid: a durable job per succeeded payment,
 * sent in the same transaction that marks the payment succeeded, retried with backoff until the
 * department records it. The department gets the trade number as its idempotency key, so a job
 * run twice (a crash after the call, before the acknowledgement) records the payment once.
 */
export class WriteBackService {
  #jobs?: JobQueue;
  #sweep?: NodeJS.Timeout;
  readonly #running = new Set<Promise<void>>();

  constructor(
    private readonly deps: {
      readonly payments: PaymentRepository;
      readonly catalog: Catalog;
      readonly shield: Shield;
      readonly audit: AuditTrail;
      readonly onError: (error: unknown, intentId: string) => void;
      /** A booking fee reaches its department as the confirmation of the booking it locked. */
      readonly feePaid?: (bookingId: string, payment: { payableId: string; tradeNumber: string }) => Promise<{ departmentReference: string }>;
    },
  ) {}

  /** Starts working the queue in this process, and re-sends jobs for payments a crash may have left unsent. */
  async start(jobs: JobQueue, options: { sweepIntervalMs?: number } = {}): Promise<void> {
    this.#jobs = jobs;
    await jobs.define<{ intentId: string }>(WRITE_BACK_QUEUE, { retryLimit: 50, retryDelaySeconds: 2, expireInSeconds: 60 }, async ({ intentId }) => {
      const run = this.writeBack(intentId);
      this.#running.add(run);
      try {
        await run;
      } catch (error) {
        this.deps.onError(error, intentId);
        throw error;
      } finally {
        this.#running.delete(run);
      }
    });
    await this.sweep();
    const interval = options.sweepIntervalMs ?? 60_000;
    if (interval > 0) this.#sweep = setInterval(() => void this.sweep().catch(() => {}), interval).unref();
  }

  stop(): void {
    if (this.#sweep) clearInterval(this.#sweep);
  }

  /** Waits for write-backs still running in this process (before the store closes). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.#running]);
  }

  /** Sends the write-back job of a payment inside the transaction that marks it succeeded. */
  async enqueueWithin(transaction: Kysely<unknown>, intentId: string): Promise<void> {
    if (!this.#jobs) throw hutongError('HUTONG_ERR_INTERNAL', 'The job queue is not running');
    await this.#jobs.send(WRITE_BACK_QUEUE, { intentId }, { key: intentId, transaction });
  }

  /** Payments succeeded but not recorded by their department get their job again (one waiting job per payment). */
  async sweep(): Promise<number> {
    if (!this.#jobs) return 0;
    const pending = await this.deps.payments.unwrittenSucceeded(500);
    for (const intent of pending) await this.#jobs.send(WRITE_BACK_QUEUE, { intentId: intent.id }, { key: intent.id });
    return pending.length;
  }

  /** Records one succeeded payment with its department; a no-op once it is recorded. */
  async writeBack(intentId: string): Promise<void> {
    const { payments, catalog, shield, audit } = this.deps;
    const intent = await payments.findIntent(intentId);
    if (!intent || intent.state !== 'succeeded' || intent.written_back_at) return;
    const payable = await payments.findPayable(intent.payable_id);
    if (!payable) throw hutongError('HUTONG_ERR_INTERNAL', `payment ${intentId} has no payable`);
    if (payable.kind === 'fee') {
      if (!this.deps.feePaid) throw hutongError('HUTONG_ERR_SERVICE_UNAVAILABLE', 'booking fees are not installed');
      const { departmentReference } = await this.deps.feePaid(payable.record_id, { payableId: payable.id, tradeNumber: intent.out_trade_no });
      if (await payments.markWrittenBack(intentId, departmentReference)) {
        await audit.record({ actor: 'hub', action: 'payment.written-back', subject: `payment:${intentId}`, cityId: payable.city_id, detail: { department: `${payable.city_id}/${payable.department_id}`, departmentReference } });
      }
      return;
    }
    const connector = catalog.connectorFor(payable.city_id, payable.department_id);
    const recordType = payable.record_type as RecordType;
    if (!connector.recordPayment || !connector.paymentRecordTypes?.has(recordType)) {
      throw hutongError('HUTONG_ERR_SERVICE_UNAVAILABLE', `${payable.city_id}/${payable.department_id} takes no ${recordType} payments`);
    }
    const department = `${payable.city_id}/${payable.department_id}`;
    const { value } = await shield.call({
      department,
      key: `${department}/payment/${intent.out_trade_no}`,
      ttlMs: 0,
      load: (signal) =>
        connector.recordPayment!(
          {
            recordType,
            recordId: payable.record_id,
            identifier: { kind: payable.identifier_kind as IdentifierKind, value: payable.identifier_value },
            amountFen: intent.amount_fen,
            paymentReference: intent.out_trade_no,
            paidAt: intent.paid_at ?? intent.updated_at,
            wallet: intent.wallet,
          },
          { signal },
        ),
    });
    if (await payments.markWrittenBack(intentId, value.departmentReference)) {
      await audit.record({ actor: 'hub', action: 'payment.written-back', subject: `payment:${intentId}`, cityId: payable.city_id, detail: { department, departmentReference: value.departmentReference } });
    }
  }
}
