import type { TSchema, Static } from '@sinclair/typebox';
import type { RecordType } from '../model/catalog.ts';
import type { IdentifierKind } from '../model/common.ts';

/** Where a connector runs: which city and department it speaks for, and where its files are. */
export interface ConnectorContext {
  /** Services of the hub a connector kind may need; the CSV kind keeps imported records in the store. */
  readonly hub?: {
    readonly batchRecords?: import('./csv/batch-records.ts').BatchRecordStore;
  };
  readonly cityId: string;
  readonly departmentId: string;
  /** IANA zone of the city; department-local times are read in it. */
  readonly timeZone: string;
  /** Folder of the city YAML, against which relative mapping paths resolve. */
  readonly configDir: string;
}

/** What the hub asks a department for: the records of one type held under one identifier. */
export interface RecordQuery {
  readonly recordType: RecordType;
  /** The citizen's identifier the records are held under; absent for public records (road conditions). */
  readonly identifier?: { readonly kind: IdentifierKind; readonly value: string };
  /** Further query parameters the service takes (a route, a date), already validated. */
  readonly params?: Readonly<Record<string, string>>;
}

/** What one synchronization imported: per file, lines imported and lines rejected with their numbers. */
export interface SynchronizeReport {
  readonly files: ReadonlyArray<{
    readonly file: string;
    readonly status: 'imported' | 'already-imported' | 'failed';
    readonly linesImported: number;
    readonly linesRejected: ReadonlyArray<{ readonly line: number; readonly reason: string }>;
    readonly error?: string;
  }>;
}

/** An action on the department's records on the citizen's behalf (renew a library loan…). */
export interface ActionRequest {
  /** The action's name in the department's configuration, e.g. `renewLoan`. */
  readonly name: string;
  readonly identifier: { readonly kind: IdentifierKind; readonly value: string };
  /** The record acted on, e.g. the loan id. */
  readonly recordId?: string;
  readonly params?: Readonly<Record<string, string>>;
}

/** Who claims to hold an identifier: the citizen's verified real name and national id. */
export interface HolderCheck {
  readonly identifier: { readonly kind: IdentifierKind; readonly value: string };
  readonly holder: { readonly name: string; readonly nationalId: string };
}

/**
 * What the department says about the claim: the identifier is the person's (`match`), someone
 * else's (`mismatch`), or not one it issued (`unknown-identifier`).
 */
export interface HolderCheckResult {
  readonly outcome: 'match' | 'mismatch' | 'unknown-identifier';
}

/** A payment the hub took for one of the department's records, to be recorded there. */
export interface PaymentRecord {
  /** `TrafficViolation` for a fine, `Bill` for a utility bill. */
  readonly recordType: RecordType;
  /** The record's id as the standard model gives it (the violation's 序号, the bill's number). */
  readonly recordId: string;
  /** The plate or account the record is held under. */
  readonly identifier: { readonly kind: IdentifierKind; readonly value: string };
  readonly amountFen: number;
  /** The hub's trade number, the department's idempotency key: the same reference again records nothing new. */
  readonly paymentReference: string;
  readonly paidAt: Date;
  /** The wallet that took the money: `alipay`, `wechatpay` or `unionpay`. */
  readonly wallet: string;
}

export interface CallOptions {
  /** Aborted when the hub's deadline for this call passes; implementations pass it to the wire. */
  readonly signal: AbortSignal;
  /**
   * Waits until the department's rate allows one more request within this call (a next page);
   * implementations await it before every request after the first, so the department never sees
   * more requests a second than its configured rate.
   */
  readonly admitNext?: () => Promise<void>;
}

/**
 * One department system, reached in its own protocol and answered in the standard model.
 *
 * @example
 *   const violations = await connector.fetchRecords(
 *     { recordType: 'TrafficViolation', identifier: { kind: 'plate', value: '沪A12345' } },
 *     { signal: AbortSignal.timeout(2000) },
 *   )
 */
export interface Connector {
  readonly kind: string;
  /** Record types this department's configuration maps; asking for another one is a caller error. */
  readonly recordTypes: ReadonlySet<RecordType>;
  /**
   * Fetches every record of `query.recordType` for the identifier, following the department's
   * paging, and maps each to the standard model. Rejects with a `HutongError` whose code says
   * whether the department faulted, timed out, was unreachable or answered something unmappable.
   */
  fetchRecords(query: RecordQuery, options: CallOptions): Promise<unknown[]>;
  /** Actions this department's configuration maps; absent when it maps none. */
  readonly actions?: ReadonlySet<string>;
  /**
   * Performs an action and returns its mapped result. Optional: a connector kind that cannot act
   * leaves it out. A department's refusal (no renewals left…) rejects with `HUTONG_ERR_DEPARTMENT_REFUSED`.
   *
   * @example
   *   await connector.performAction?.({ name: 'renewLoan', identifier: card, recordId: 'L-1' }, { signal })
   */
  performAction?(action: ActionRequest, options: CallOptions): Promise<unknown>;
  /** Identifier kinds this department can confirm the holder of; absent when it confirms none. */
  readonly holderCheckKinds?: ReadonlySet<IdentifierKind>;
  /**
   * Asks the department whether the person holds the identifier it issued. Optional: a department
   * that cannot confirm holders leaves it out. Never cached by the hub: the answer decides whether
   * a citizen may use the identifier. Rejects with a `HutongError` like `fetchRecords` when the
   * department fails; a department's "no such identifier" is the `unknown-identifier` outcome.
   *
   * @example
   *   const { outcome } = await connector.checkHolder?.(
   *     { identifier: { kind: 'plate', value: '沪AD0003' }, holder: { name: '张明', nationalId: '310000196004040038' } },
   *     { signal },
   *   )
   */
  checkHolder?(check: HolderCheck, options: CallOptions): Promise<HolderCheckResult>;
  /** Record types this department takes payments for; absent when it takes none. */
  readonly paymentRecordTypes?: ReadonlySet<RecordType>;
  /**
   * Records a payment with the department; resolves with the department's own reference for it.
   * Optional: a department that takes no payments leaves it out. Idempotent by
   * `paymentReference`: calling again with the same payment (a retry after a lost answer) resolves
   * with the first reference and records nothing new. A refusal (amount differs, record unknown,
   * already paid under another reference) rejects with `HUTONG_ERR_DEPARTMENT_REFUSED`, which no
   * retry changes; a failing department rejects like `fetchRecords`, and a retry may succeed.
   *
   * @example
   *   const { departmentReference } = await connector.recordPayment?.(
   *     { recordType: 'TrafficViolation', recordId: '310000123456780', identifier: { kind: 'plate', value: '沪A12345' },
   *       amountFen: 20000, paymentReference: 'HT20261101100000a1b2c3d4e5', paidAt: new Date(), wallet: 'alipay' },
   *     { signal: AbortSignal.timeout(5000) },
   *   )
   */
  recordPayment?(payment: PaymentRecord, options: CallOptions): Promise<{ readonly departmentReference: string }>;
  /**
   * For departments that deliver batch files rather than answer calls (a utility's nightly CSV):
   * imports whatever has arrived since the last run. Optional; the hub calls it on a schedule.
   *
   * @example
   *   const report = await connector.synchronize?.({ signal })
   */
  synchronize?(options: CallOptions): Promise<SynchronizeReport>;
  /** Releases sockets, clients or timers the connector holds. */
  close?(): Promise<void>;
}

/**
 * A kind of connector (`soap`, `rest`, …): its options schema and a factory. A new department of
 * an installed kind needs only YAML and a mapping file.
 *
 * @example
 *   export const soapConnector = defineConnector({ kind: 'soap', optionsSchema: SoapOptions, create })
 */
export interface ConnectorDefinition<S extends TSchema = TSchema> {
  readonly kind: string;
  readonly optionsSchema: S;
  /** Checks that need the file system (mapping files exist and compile); returns problems by option path. */
  validateOptions?(options: Static<S>, context: ConnectorContext): Promise<Array<{ path: string; message: string }>>;
  create(options: Static<S>, context: ConnectorContext): Connector;
}

export function defineConnector<S extends TSchema>(definition: ConnectorDefinition<S>): ConnectorDefinition<S> {
  return Object.freeze(definition);
}
