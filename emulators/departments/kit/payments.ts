/**
 * What an emulated department was paid through the hub: one ledger per department and city, kept
 * in memory by the emulator server that took the payments. A payment is keyed by the payer's
 * reference (the hub's trade number), so the same payment sent again is answered as before and
 * recorded once, as the departments' own systems do with their idempotency keys.
 */

/** One payment as the department recorded it. */
export interface LedgerEntry {
  /** The department's record paid: a violation's 序号, a bill number. */
  readonly recordId: string;
  /** The payer's reference, the idempotency key. */
  readonly reference: string;
  readonly amountFen: number;
  /** When the payer says it was paid, as sent. */
  readonly paidAt: string;
  readonly channel: string;
  /** The department's own number for the payment. */
  readonly departmentReference: string;
}

/** What the department knows of the record a payment is for. */
export type PayableState =
  | { readonly known: false }
  | { readonly known: true; readonly amountFen: number; /** Paid outside the hub (at a counter, by bank debit). */ readonly paidElsewhere: boolean };

export type PaymentRefusal = 'unknown-record' | 'already-paid' | 'amount-mismatch' | 'reference-reused';

export type PaymentOutcome =
  | { readonly outcome: 'recorded' | 'repeated'; readonly entry: LedgerEntry }
  | { readonly outcome: 'refused'; readonly refusal: PaymentRefusal; readonly entry?: undefined };

export class PaymentLedger {
  readonly #byReference = new Map<string, LedgerEntry>();
  readonly #byRecord = new Map<string, LedgerEntry>();
  /** Times each record's payment was recorded; more than 1 would be a double booking. */
  readonly #recordings = new Map<string, number>();
  readonly #prefix: string;
  #serial = 0;

  /** @param prefix starts every department reference, e.g. `JK310000`. */
  constructor(prefix: string) {
    this.#prefix = prefix;
  }

  /**
   * Records a payment unless it is refused. The same reference for the same record answers the
   * first entry again; a reference seen for another record, an unknown record, a record already
   * paid and an amount other than the record's are refused.
   */
  record(payment: Omit<LedgerEntry, 'departmentReference'>, payable: PayableState): PaymentOutcome {
    const earlier = this.#byReference.get(payment.reference);
    if (earlier) return earlier.recordId === payment.recordId ? { outcome: 'repeated', entry: earlier } : { outcome: 'refused', refusal: 'reference-reused' };
    if (!payable.known) return { outcome: 'refused', refusal: 'unknown-record' };
    if (payable.paidElsewhere || this.#byRecord.has(payment.recordId)) return { outcome: 'refused', refusal: 'already-paid' };
    if (payable.amountFen !== payment.amountFen) return { outcome: 'refused', refusal: 'amount-mismatch' };
    this.#serial++;
    const entry: LedgerEntry = { ...payment, departmentReference: `${this.#prefix}${String(this.#serial).padStart(8, '0')}` };
    this.#byReference.set(entry.reference, entry);
    this.#byRecord.set(entry.recordId, entry);
    this.#recordings.set(entry.recordId, (this.#recordings.get(entry.recordId) ?? 0) + 1);
    return { outcome: 'recorded', entry };
  }

  /** The payment recorded for a record, if any. */
  paymentOf(recordId: string): LedgerEntry | undefined {
    return this.#byRecord.get(recordId);
  }

  /** How many times a payment of the record was recorded: 0 or 1 when payers' retries are honoured. */
  recordings(recordId: string): number {
    return this.#recordings.get(recordId) ?? 0;
  }

  /** The payment recorded under a payer's reference, if any. */
  paymentByReference(reference: string): LedgerEntry | undefined {
    return this.#byReference.get(reference);
  }

  /** How many times the payment with this reference was recorded: 0 when never, 1 when retries were honoured. */
  recordingsOfReference(reference: string): number {
    const entry = this.#byReference.get(reference);
    return entry ? this.recordings(entry.recordId) : 0;
  }

  entries(): LedgerEntry[] {
    return [...this.#byRecord.values()];
  }
}

/** The ledgers of every emulator server, by its base URL, then department segment and city. */
const LEDGERS = new Map<string, (cityId: string) => PaymentLedger>();

/**
 * Starts empty ledgers for a department on an emulator server, replacing those of a server that
 * had the same URL before; returns the city → ledger lookup its routes use.
 */
export function openPaymentLedgers(baseUrl: string, segment: string, prefixOf: (cityId: string) => string): (cityId: string) => PaymentLedger {
  const ledgers = new Map<string, PaymentLedger>();
  const ledgerOf = (cityId: string): PaymentLedger => {
    let ledger = ledgers.get(cityId);
    if (!ledger) ledgers.set(cityId, (ledger = new PaymentLedger(prefixOf(cityId))));
    return ledger;
  };
  LEDGERS.set(`${baseUrl.replace(/\/+$/, '')}|${segment}`, ledgerOf);
  return ledgerOf;
}

/**
 * The ledger of a department in a city on the emulator server at `baseUrl`, for tests and
 * reconciliation checks that look at what the department recorded.
 *
 * @example
 *   paymentLedger(emulators.url, 'electricity', 'shanghai').recordings('3100123456202610') // 1
 */
export function paymentLedger(baseUrl: string, segment: string, cityId: string): PaymentLedger | undefined {
  return LEDGERS.get(`${baseUrl.replace(/\/+$/, '')}|${segment}`)?.(cityId);
}
