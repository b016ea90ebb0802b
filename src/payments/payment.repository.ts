import type { Kysely, Selectable } from 'kysely';
import type { Database, PayablesTable, PaymentIntentsTable } from '../store/schema.ts';

export type PayableRow = Selectable<PayablesTable>;
export type IntentRow = Selectable<PaymentIntentsTable>;
export type IntentState = PaymentIntentsTable['state'];

/** Postgres' unique_violation: a second success for one payable, or a trade number drawn twice. */
function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown })?.code === '23505';
}

/** Payables, payment intents with every transition, idempotency keys and raw wallet notifications. */
export class PaymentRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * The payable of a department record, created on first use. An open payable takes the amount
   * the department confirmed just now; a paid one stays as it was.
   */
  async upsertPayable(row: Omit<PayableRow, 'status' | 'paid_intent_id' | 'created_at' | 'updated_at'>): Promise<PayableRow> {
    return this.db
      .insertInto('payables')
      .values(row)
      .onConflict((oc) =>
        oc
          .column('id')
          .doUpdateSet({ amount_fen: row.amount_fen, description: row.description, owner_citizen_id: row.owner_citizen_id, updated_at: new Date() })
          .where('payables.status', '=', 'open'),
      )
      .returningAll()
      .executeTakeFirst()
      .then(async (inserted) => inserted ?? (await this.findPayable(row.id))!);
  }

  findPayable(id: string): Promise<PayableRow | undefined> {
    return this.db.selectFrom('payables').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Payables of these records that the hub has seen paid: the records show "paid" at once. */
  async paidRecordIds(cityId: string, departmentId: string, recordType: string, recordIds: readonly string[]): Promise<Set<string>> {
    if (recordIds.length === 0) return new Set();
    const rows = await this.db
      .selectFrom('payables')
      .select('record_id')
      .where('city_id', '=', cityId)
      .where('department_id', '=', departmentId)
      .where('record_type', '=', recordType)
      .where('record_id', 'in', recordIds)
      .where('status', '=', 'paid')
      .execute();
    return new Set(rows.map((r) => r.record_id));
  }

  /** A new intent in state `created`, with its first event. */
  async createIntent(
    row: Omit<IntentRow, 'id' | 'refunded_fen' | 'state' | 'provider_trade_no' | 'paid_at' | 'created_at' | 'updated_at' | 'qr_code_content' | 'written_back_at' | 'department_reference'>,
  ): Promise<IntentRow> {
    return this.db.transaction().execute(async (tx) => {
      const intent = await tx.insertInto('payment_intents').values({ ...row, state: 'created' }).returningAll().executeTakeFirstOrThrow();
      await tx.insertInto('payment_events').values({ intent_id: intent.id, from_state: null, to_state: 'created', reason: 'createPayment' }).execute();
      return intent;
    });
  }

  findIntent(id: string): Promise<IntentRow | undefined> {
    return this.db.selectFrom('payment_intents').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findIntentByTradeNo(outTradeNo: string): Promise<IntentRow | undefined> {
    return this.db.selectFrom('payment_intents').selectAll().where('out_trade_no', '=', outTradeNo).executeTakeFirst();
  }

  listEvents(intentId: string): Promise<Array<{ fromState: string | null; toState: string; reason: string; at: Date }>> {
    return this.db
      .selectFrom('payment_events')
      .select(['from_state as fromState', 'to_state as toState', 'reason', 'at'])
      .where('intent_id', '=', intentId)
      .orderBy('at')
      .orderBy('id')
      .execute();
  }

  /**
   * Moves an intent from one of `from` to `to`, recording the event, in one transaction; to
   * `succeeded` it also marks the payable paid. Returns the intent, `{ stale }` when it was no
   * longer in one of `from`, or `{ payableAlreadyPaid }` when another intent paid the payable first.
   */
  async transition(
    intentId: string,
    from: readonly IntentState[],
    to: IntentState,
    reason: string,
    patch: Partial<Pick<IntentRow, 'qr_code_content' | 'provider_trade_no' | 'paid_at' | 'refunded_fen'>> = {},
    /** Runs inside the transaction once the intent moved (a job sent here exists exactly when the move commits). */
    within?: (tx: Kysely<Database>, intent: IntentRow) => Promise<void>,
  ): Promise<IntentRow | { stale: IntentRow | undefined } | { payableAlreadyPaid: true }> {
    try {
      return await this.db.transaction().execute(async (tx) => {
        const before = await tx.selectFrom('payment_intents').select('state').where('id', '=', intentId).forUpdate().executeTakeFirst();
        if (!before || !from.includes(before.state)) {
          return { stale: await tx.selectFrom('payment_intents').selectAll().where('id', '=', intentId).executeTakeFirst() };
        }
        const intent = await tx
          .updateTable('payment_intents')
          .set({ ...patch, state: to, updated_at: new Date() })
          .where('id', '=', intentId)
          .returningAll()
          .executeTakeFirstOrThrow();
        await tx.insertInto('payment_events').values({ intent_id: intentId, from_state: before.state, to_state: to, reason }).execute();
        if (to === 'succeeded') {
          await tx.updateTable('payables').set({ status: 'paid', paid_intent_id: intentId, updated_at: new Date() }).where('id', '=', intent.payable_id).execute();
        }
        await within?.(tx, intent);
        return intent;
      });
    } catch (error) {
      if (isUniqueViolation(error)) return { payableAlreadyPaid: true };
      throw error;
    }
  }

  /** Notes that the department recorded the payment; false when it was noted already. */
  async markWrittenBack(intentId: string, departmentReference: string): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const row = await tx
        .updateTable('payment_intents')
        .set({ written_back_at: new Date(), department_reference: departmentReference })
        .where('id', '=', intentId)
        .where('written_back_at', 'is', null)
        .returning('id')
        .executeTakeFirst();
      if (row) await tx.insertInto('payment_events').values({ intent_id: intentId, from_state: 'succeeded', to_state: 'succeeded', reason: `recorded by the department (${departmentReference})` }).execute();
      return row !== undefined;
    });
  }

  /** Succeeded intents the department has not recorded yet, oldest first. */
  unwrittenSucceeded(limit: number): Promise<IntentRow[]> {
    return this.db.selectFrom('payment_intents').selectAll().where('state', '=', 'succeeded').where('written_back_at', 'is', null).orderBy('paid_at').limit(limit).execute();
  }

  /**
   * Payments created during [from, to), grouped by wallet and state: how many, their amounts, what
   * was refunded of them, and how many their department has recorded.
   */
  async totalsCreatedBetween(from: Date, to: Date): Promise<Array<{ wallet: string; state: IntentState; count: number; amountFen: number; refundedFen: number; writtenBack: number }>> {
    const rows = await this.db
      .selectFrom('payment_intents')
      .select((eb) => [
        'wallet',
        'state',
        eb.fn.countAll<string | number>().as('count'),
        eb.fn.coalesce(eb.fn.sum<string | number>('amount_fen'), eb.lit(0)).as('amount_fen'),
        eb.fn.coalesce(eb.fn.sum<string | number>('refunded_fen'), eb.lit(0)).as('refunded_fen'),
        eb.fn.count<string | number>('written_back_at').as('written_back'),
      ])
      .where('created_at', '>=', from)
      .where('created_at', '<', to)
      .groupBy(['wallet', 'state'])
      .orderBy('wallet')
      .orderBy('state')
      .execute();
    // PostgreSQL answers counts and sums of integers as bigint, which pg gives as text.
    return rows.map((r) => ({ wallet: r.wallet, state: r.state, count: Number(r.count), amountFen: Number(r.amount_fen), refundedFen: Number(r.refunded_fen), writtenBack: Number(r.written_back) }));
  }

  /** Intents of one wallet that the hub holds as paid or refunded, or that were paid during [from, to). */
  intentsOfDay(wallet: string, from: Date, to: Date): Promise<IntentRow[]> {
    return this.db
      .selectFrom('payment_intents')
      .selectAll()
      .where('wallet', '=', wallet)
      .where((eb) => eb.or([eb.and([eb('paid_at', '>=', from), eb('paid_at', '<', to)]), eb.and([eb('created_at', '>=', from), eb('created_at', '<', to)])]))
      .execute();
  }

  findIntentsByTradeNos(outTradeNos: readonly string[]): Promise<IntentRow[]> {
    if (outTradeNos.length === 0) return Promise.resolve([]);
    return this.db.selectFrom('payment_intents').selectAll().where('out_trade_no', 'in', outTradeNos).execute();
  }

  /** Intents still waiting for the payer after `olderThan`: the wallet is asked how they stand. */
  pendingSince(olderThan: Date, limit: number): Promise<IntentRow[]> {
    return this.db.selectFrom('payment_intents').selectAll().where('state', 'in', ['created', 'pending']).where('created_at', '<', olderThan).orderBy('created_at').limit(limit).execute();
  }

  /** Succeeded intents whose department has not recorded them since before `paidBefore`. */
  unrecordedSince(paidBefore: Date): Promise<IntentRow[]> {
    return this.db.selectFrom('payment_intents').selectAll().where('state', '=', 'succeeded').where('written_back_at', 'is', null).where('paid_at', '<', paidBefore).execute();
  }

  /**
   * Reserves a refund of a succeeded intent: refused (undefined) when it would take more than what
   * is left to refund. Serialized on the intent row, so concurrent refunds never over-refund.
   */
  async reserveRefund(intentId: string, amountFen: number, reason: string): Promise<{ id: string; outRefundNo: string; intent: IntentRow } | undefined> {
    return this.db.transaction().execute(async (tx) => {
      const intent = await tx.selectFrom('payment_intents').selectAll().where('id', '=', intentId).forUpdate().executeTakeFirst();
      if (!intent || intent.state !== 'succeeded') return undefined;
      const reserved = await tx
        .selectFrom('refunds')
        .select((eb) => [eb.fn.coalesce(eb.fn.sum<number>('amount_fen'), eb.lit(0)).as('fen'), eb.fn.countAll<number>().as('n')])
        .where('intent_id', '=', intentId)
        .where('state', '!=', 'failed')
        .executeTakeFirstOrThrow();
      if (Number(reserved.fen) + amountFen > intent.amount_fen) return undefined;
      const outRefundNo = `${intent.out_trade_no}R${Number(reserved.n) + 1}`;
      const row = await tx.insertInto('refunds').values({ intent_id: intentId, out_refund_no: outRefundNo, amount_fen: amountFen, reason, state: 'pending' }).returning('id').executeTakeFirstOrThrow();
      return { id: row.id, outRefundNo, intent };
    });
  }

  /** Settles a refund; a succeeded one adds to the intent's refunded amount, with an event. */
  async finishRefund(refundId: string, state: 'succeeded' | 'failed' | 'pending'): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const refund = await tx.updateTable('refunds').set({ state, updated_at: new Date() }).where('id', '=', refundId).where('state', '=', 'pending').returningAll().executeTakeFirst();
      if (!refund || state !== 'succeeded') return;
      await tx.updateTable('payment_intents').set((eb) => ({ refunded_fen: eb('refunded_fen', '+', refund.amount_fen), updated_at: new Date() })).where('id', '=', refund.intent_id).execute();
      await tx.insertInto('payment_events').values({ intent_id: refund.intent_id, from_state: 'succeeded', to_state: 'succeeded', reason: `refunded ${refund.amount_fen} fen (${refund.out_refund_no}): ${refund.reason}` }).execute();
    });
  }

  listRefunds(intentId: string): Promise<Array<{ id: string; outRefundNo: string; amountFen: number; reason: string; state: string; createdAt: Date }>> {
    return this.db
      .selectFrom('refunds')
      .select(['id', 'out_refund_no as outRefundNo', 'amount_fen as amountFen', 'reason', 'state', 'created_at as createdAt'])
      .where('intent_id', '=', intentId)
      .orderBy('created_at')
      .execute();
  }

  /** Other intents of a payable still open for payment (to close once one of them is paid). */
  openIntentsOf(payableId: string, except: string): Promise<IntentRow[]> {
    return this.db
      .selectFrom('payment_intents')
      .selectAll()
      .where('payable_id', '=', payableId)
      .where('id', '!=', except)
      .where('state', 'in', ['created', 'pending'])
      .execute();
  }

  /**
   * Claims an idempotency key for a request: `claimed`, or the row already there (its request
   * hash, and its response once the first request finished).
   */
  async claimIdempotencyKey(citizenId: string, key: string, requestHash: string): Promise<'claimed' | { requestHash: string; status: number | null; response: unknown }> {
    const inserted = await this.db
      .insertInto('idempotency_keys')
      .values({ citizen_id: citizenId, key, request_hash: requestHash })
      .onConflict((oc) => oc.columns(['citizen_id', 'key']).doNothing())
      .returning('key')
      .executeTakeFirst();
    if (inserted) return 'claimed';
    const row = await this.db
      .selectFrom('idempotency_keys')
      .select(['request_hash as requestHash', 'response_status as status', 'response'])
      .where('citizen_id', '=', citizenId)
      .where('key', '=', key)
      .executeTakeFirst();
    // Released between the insert and the read: claim it again.
    return row ?? this.claimIdempotencyKey(citizenId, key, requestHash);
  }

  async completeIdempotencyKey(citizenId: string, key: string, status: number, response: unknown): Promise<void> {
    await this.db
      .updateTable('idempotency_keys')
      .set({ response_status: status, response: JSON.stringify(response) })
      .where('citizen_id', '=', citizenId)
      .where('key', '=', key)
      .execute();
  }

  /** Lets a key be used again after its first request failed before creating anything. */
  async releaseIdempotencyKey(citizenId: string, key: string): Promise<void> {
    await this.db.deleteFrom('idempotency_keys').where('citizen_id', '=', citizenId).where('key', '=', key).where('response_status', 'is', null).execute();
  }

  /** Keeps a wallet notification exactly as it arrived, before anything is done with it. */
  async storeNotification(wallet: string, headers: Record<string, unknown>, body: Uint8Array): Promise<string> {
    const row = await this.db
      .insertInto('payment_notifications')
      .values({ wallet, headers: JSON.stringify(headers), body: Buffer.from(body).toString('base64') })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async markNotification(id: string, status: 'processed' | 'rejected', detail: { outTradeNo?: string; error?: string } = {}): Promise<void> {
    await this.db
      .updateTable('payment_notifications')
      .set({ status, out_trade_no: detail.outTradeNo ?? null, error: detail.error ?? null })
      .where('id', '=', id)
      .execute();
  }
}
