import { CITIZEN_CHANGED } from '../identity/citizen-memory.ts';
import { PerCitizenCache } from '../identity/per-citizen-cache.ts';
import { LRUCache } from 'lru-cache';
import type { HubBus } from '../shield/hub-bus.ts';
import { isStoreUnavailable } from '../store/store-errors.ts';
import { Value } from '@sinclair/typebox/value';
import type { Catalog, ServiceEntry } from '../catalog/catalog.service.ts';
import { hutongError, isHutongError, type ErrorCode, type HutongError } from '../errors.ts';
import type { RecordType } from '../model/catalog.ts';
import type { IdentifierKind } from '../model/common.ts';
import { RECORD_SCHEMAS } from '../model/index.ts';
import type { AuditTrail } from '../audit/audit.trail.ts';
import type { CitizenRepository, IdentifierRow } from '../identity/citizen.repository.ts';
import { normalizeIdentifier, toLinkedIdentifier } from '../identity/citizen.service.ts';
import { maskPlate } from '../model/identifiers.ts';
import type { Principal } from '../identity/session.service.ts';
import type { Shield } from '../shield/shield.ts';
import type { ConsentService } from '../identity/consent.service.ts';
import '../model/formats.ts';

/** Record types that are not anybody's: open slots, road conditions. Listing them needs no identifier. */
export const PUBLIC_RECORD_TYPES: ReadonlySet<RecordType> = new Set<RecordType>(['Slot', 'RoadCondition']);

/** Record types a citizen can pay: fines and bills. */
export const PAYABLE_RECORD_TYPES: ReadonlySet<RecordType> = new Set<RecordType>(['TrafficViolation', 'Bill']);

/** A fine or bill confirmed with its department just now, held under one of the citizen's identifiers. */
export interface ConfirmedPayable {
  readonly departmentId: string;
  readonly recordType: RecordType;
  readonly identifier: { readonly kind: string; readonly value: string; readonly issuer: string | null };
  readonly kind: 'fine' | 'bill';
  readonly amountFen: number;
  /** What a payer may see: masked, no name, no full identifier. */
  readonly description: string;
}

/** A payable record as the payment side sees it: amount, and a description without personal data. */
function describePayable(
  recordType: RecordType,
  item: Record<string, unknown>,
  departmentId: string,
  identifier: { kind: string; value: string; issuer: string | null },
): ConfirmedPayable {
  if (recordType === 'TrafficViolation') {
    return {
      departmentId,
      recordType,
      identifier,
      kind: 'fine',
      amountFen: Number(item.fineFen),
      description: `交通违法罚款 ${maskPlate(identifier.value)} ${String(item.occurredAt).slice(0, 10)}`,
    };
  }
  const utility = { water: '水费', electricity: '电费', gas: '燃气费' }[String(item.utility)] ?? '账单';
  return {
    departmentId,
    recordType,
    identifier,
    kind: 'bill',
    amountFen: Number(item.amountFen),
    description: `${utility} ${String(item.period)} 户号 ****${identifier.value.slice(-4)}`,
  };
}

/** Query parameters a service may take, and their shapes. */
const PARAM_PATTERNS: Readonly<Record<string, RegExp>> = {
  date: /^\d{4}-\d{2}-\d{2}$/,
  from: /^-?\d{1,3}(\.\d+)?,-?\d{1,2}(\.\d+)?$/,
  to: /^-?\d{1,3}(\.\d+)?,-?\d{1,2}(\.\d+)?$/,
};

/** How one department answered for one identifier (or for the public records). */
export interface RecordSourceStatus {
  readonly departmentId: string;
  readonly identifierId?: string;
  readonly identifier?: string;
  readonly status: 'ok' | 'stale' | 'unavailable';
  readonly freshness?: 'live' | 'cached' | 'stale';
  readonly fetchedAt?: string;
  readonly ageSeconds?: number;
  readonly error?: { readonly code: ErrorCode; readonly message: string };
}

export interface RecordList {
  readonly cityId: string;
  readonly serviceId: string;
  readonly recordType: RecordType;
  readonly items: Array<Record<string, unknown>>;
  readonly sources: RecordSourceStatus[];
}

export interface RecordFilter {
  /** One of the citizen's linked plates. */
  readonly plate?: string;
  /** One of the citizen's linked identifiers, by id. */
  readonly identifierId?: string;
  readonly date?: string;
  readonly from?: string;
  readonly to?: string;
}

/** Bus topic: a payable was paid through a wallet. */
const PAID_TOPIC = 'payable-paid';

/** Bus topic: a citizen acted on their records at a department (renewed a loan); the message is the citizen id. */
const RECORDS_CHANGED = 'records-changed';

/** How long a citizen's finished answer is kept (see `renderRecords`). */
const RENDERED_TTL_MS = 1000;

/**
 * Records whose every change the hub hears of (a payment, an action through the hub) or that only
 * the department changes: their finished answers may be kept. Slots and appointments change with
 * every booking, road conditions are public: those are always gathered afresh from the shield.
 */
const RENDERED_RECORD_TYPES: ReadonlySet<RecordType> = new Set<RecordType>(['TrafficViolation', 'Bill', 'LicenceStatus', 'Vehicle', 'SocialInsuranceSummary', 'PermitApplication', 'LibraryLoan']);

interface RenderedAnswer {
  readonly body: string;
  readonly calls: readonly DepartmentCall[];
  readonly count: number;
}

interface DepartmentCall {
  readonly departmentId: string;
  readonly identifier?: IdentifierRow;
}

/**
 * A citizen's records of a service, gathered from every department that holds them, only ever
 * for identifiers the citizen has linked; public records (slots, road conditions) for anyone.
 */
export class RecordsService {
  constructor(
    private readonly deps: {
      catalog: Catalog;
      citizens: CitizenRepository;
      shield: Shield;
      audit: AuditTrail;
      consents: ConsentService;
      /** Records of a department the hub has seen paid (through a wallet) that the department may not show yet. */
      paidRecords?: (cityId: string, departmentId: string, recordType: string, recordIds: readonly string[]) => Promise<Set<string>>;
      /** Tells every hub process when a payable was paid, so each forgets what it knew of paid records. */
      bus?: HubBus;
    },
  ) {
    deps.bus?.on(PAID_TOPIC, () => {
      this.#paidKnown.clear();
      this.#rendered.clear();
    });
    deps.bus?.on(CITIZEN_CHANGED, (citizenId) => this.#rendered.forget(citizenId));
    deps.bus?.on(RECORDS_CHANGED, (citizenId) => this.#rendered.forget(citizenId));
  }

  /**
   * Each citizen's finished answers, kept for a second (micro-caching): a citizen, or a script,
   * asking again at once gets the same bytes without the records being gathered and serialized
   * again. Forgotten at once, in every process, when anything about the citizen changes or a
   * payable is paid. Only with a bus, which says so.
   */
  readonly #rendered = new PerCitizenCache<RenderedAnswer>({ max: 50_000, ttlMs: RENDERED_TTL_MS });

  /**
   * The citizen's records of a service as the JSON the API answers, `render` turning a list into
   * it (the route's serializer); a repeated request within a second is answered from memory, its
   * sources saying `cached`. Every read is noted in the audit trail all the same.
   */
  async renderRecords(principal: Principal, cityId: string, serviceId: string, filter: RecordFilter, render: (list: RecordList) => string): Promise<string> {
    const recordType = this.deps.catalog.getService(cityId, serviceId).config.recordType;
    if (!this.deps.bus || recordType === undefined || !RENDERED_RECORD_TYPES.has(recordType)) return render(await this.listRecords(principal, cityId, serviceId, filter));
    const what = `${principal.channel}|${cityId}|${serviceId}|${filter.plate ?? ''}|${filter.identifierId ?? ''}|${filter.date ?? ''}|${filter.from ?? ''}|${filter.to ?? ''}`;
    const kept = this.#rendered.get(principal.citizenId, what);
    if (kept) {
      for (const call of kept.calls) this.deps.shield.countHit(`${cityId}/${call.departmentId}`);
      this.#noteRead(principal, cityId, serviceId, kept.calls, kept.count);
      return kept.body;
    }
    const { list, calls } = await this.#list(principal, cityId, serviceId, filter);
    const body = render(list);
    // Only a whole answer is kept: after a failure the next request asks again (and the breaker decides).
    if (list.sources.some((s) => s.status !== 'ok')) return body;
    const again = render({ ...list, sources: list.sources.map((s) => (s.freshness === 'live' ? { ...s, freshness: 'cached' as const } : s)) });
    this.#rendered.set(principal.citizenId, what, { body: again, calls, count: list.items.length });
    return body;
  }

  /**
   * Which of a department's records the hub has seen paid, per set of record ids, for a few
   * seconds: a cached answer costs no store query. A payment anywhere clears it in every process.
   */
  readonly #paidKnown = new LRUCache<string, Set<string>>({ max: 50_000, ttl: 10_000 });

  /** The service's records; fails with the department's error only when no department answered. */
  async listRecords(principal: Principal, cityId: string, serviceId: string, filter: RecordFilter = {}): Promise<RecordList> {
    return (await this.#list(principal, cityId, serviceId, filter)).list;
  }

  async #list(principal: Principal, cityId: string, serviceId: string, filter: RecordFilter): Promise<{ list: RecordList; calls: readonly DepartmentCall[] }> {
    const entry = this.#queryableService(cityId, serviceId);
    if (!PUBLIC_RECORD_TYPES.has(entry.config.recordType!)) await this.deps.consents.require(principal, entry.config.category);
    const calls = await this.#plan(principal, cityId, entry, filter, true);
    const list = await this.#gather(cityId, entry, calls, this.#params(filter));
    await this.#markPaid(cityId, list.recordType, list.items);
    const failed = list.sources.filter((s) => s.status === 'unavailable');
    // Nothing to show at all: the citizen gets the department's error, not an empty list that looks true.
    if (failed.length === list.sources.length && list.errors.length > 0) throw list.errors[0];
    this.#noteRead(principal, cityId, serviceId, calls, list.items.length);
    return { list: { cityId, serviceId, recordType: list.recordType, items: list.items, sources: list.sources }, calls };
  }

  /**
   * The same gathering for the dashboard: never throws for a department's failure, and plans
   * nothing when the citizen has no identifier the service needs (`undefined`).
   */
  async gatherForDashboard(principal: Principal, cityId: string, entry: ServiceEntry, linked: readonly IdentifierRow[]): Promise<RecordList | undefined> {
    const calls = await this.#plan(principal, cityId, entry, {}, false, linked);
    if (calls.length === 0) return undefined;
    const list = await this.#gather(cityId, entry, calls, {});
    await this.#markPaid(cityId, list.recordType, list.items);
    this.#noteRead(principal, cityId, entry.service.id, calls, list.items.length);
    return { cityId, serviceId: entry.service.id, recordType: list.recordType, items: list.items, sources: list.sources };
  }

  /**
   * One of the citizen's payable records (an unpaid fine or bill), asked of its department now —
   * never from cache — so the amount is the one the department holds at this moment.
   */
  async confirmPayable(principal: Principal, cityId: string, serviceId: string, recordId: string): Promise<ConfirmedPayable> {
    const entry = this.#queryableService(cityId, serviceId);
    const recordType = entry.config.recordType!;
    const payment = entry.service.functions.find((f) => f.kind === 'payment');
    if (!payment || !PAYABLE_RECORD_TYPES.has(recordType)) throw hutongError('HUTONG_ERR_SERVICE_UNAVAILABLE', `${serviceId} has nothing to pay`);
    if (!payment.available) throw hutongError('HUTONG_ERR_SERVICE_UNAVAILABLE', `Paying for ${serviceId} is not available in ${cityId}: ${payment.unavailableReason}`);
    await this.deps.consents.require(principal, entry.config.category);
    const calls = await this.#plan(principal, cityId, entry, {}, true);
    await Promise.all(calls.map((call) => this.deps.shield.invalidate(recordsKey(`${cityId}/${call.departmentId}`, recordType, call.identifier, {}))));
    const list = await this.#gather(cityId, entry, calls, {});
    await this.#markPaid(cityId, recordType, list.items);
    const item = list.items.find((i) => i.id === recordId);
    if (!item) {
      if (list.errors.length > 0) throw list.errors[0];
      throw hutongError('HUTONG_ERR_PAYABLE_NOT_FOUND', 'None of your linked identifiers has a record with that id to pay');
    }
    if (item.status === 'paid') throw hutongError('HUTONG_ERR_PAYMENT_ALREADY_PAID', 'This record is already paid');
    const departmentId = String(item.departmentId);
    const heldUnder = recordType === 'TrafficViolation' ? String(item.plate) : String(item.accountNumber);
    const call = calls.find((c) => c.departmentId === departmentId && c.identifier?.value === heldUnder);
    if (!call?.identifier) throw hutongError('HUTONG_ERR_PAYABLE_NOT_FOUND', 'The record is not held under one of your identifiers');
    return describePayable(recordType, item, departmentId, { kind: call.identifier.kind, value: call.identifier.value, issuer: call.identifier.issuer });
  }

  /**
   * A payable asked of its department again, now, under the identifier it is held by — for a
   * payer who is not its owner ("pay for me"), on the owner's behalf.
   */
  async reconfirmPayable(payable: {
    cityId: string;
    serviceId: string;
    departmentId: string;
    recordId: string;
    identifier: { kind: string; value: string; issuer: string | null };
  }): Promise<ConfirmedPayable> {
    const entry = this.#queryableService(payable.cityId, payable.serviceId);
    const recordType = entry.config.recordType!;
    const held: IdentifierRow = {
      id: '00000000-0000-0000-0000-000000000000',
      citizenId: '',
      kind: payable.identifier.kind,
      value: payable.identifier.value,
      issuer: payable.identifier.issuer,
      consentChannel: '',
      consentTextVersion: '',
      consentedAt: new Date(0),
      createdAt: new Date(0),
      verifiedAt: new Date(0),
      verifiedBy: null,
    };
    await this.deps.shield.invalidate(recordsKey(`${payable.cityId}/${payable.departmentId}`, recordType, held, {}));
    const list = await this.#gather(payable.cityId, entry, [{ departmentId: payable.departmentId, identifier: held }], {});
    await this.#markPaid(payable.cityId, recordType, list.items);
    const item = list.items.find((i) => i.id === payable.recordId);
    if (!item) {
      if (list.errors.length > 0) throw list.errors[0];
      throw hutongError('HUTONG_ERR_PAYABLE_NOT_FOUND', 'The department no longer has that record to pay');
    }
    if (item.status === 'paid') throw hutongError('HUTONG_ERR_PAYMENT_ALREADY_PAID', 'This record is already paid');
    return describePayable(recordType, item, payable.departmentId, payable.identifier);
  }

  /** Forgets, in every hub process, the cached records a payable came from, so its owner sees it paid at once. */
  async forgetRecordsOf(cityId: string, departmentId: string, recordType: RecordType, identifier: { kind: string; value: string; issuer: string | null }): Promise<void> {
    if (this.deps.bus) await this.deps.bus.publish(PAID_TOPIC, `${cityId}/${departmentId}`);
    else this.#paidKnown.clear();
    await this.deps.shield.invalidate(recordsKey(`${cityId}/${departmentId}`, recordType, identifier, {}));
  }

  /** Records the hub has seen paid show "paid" even before the department's own answer does. */
  async #markPaid(cityId: string, recordType: RecordType, items: Array<Record<string, unknown>>): Promise<void> {
    if (!this.deps.paidRecords || !PAYABLE_RECORD_TYPES.has(recordType) || items.length === 0) return;
    const byDepartment = new Map<string, Array<Record<string, unknown>>>();
    for (const item of items) {
      if (item.status === 'paid') continue;
      const list = byDepartment.get(String(item.departmentId)) ?? [];
      list.push(item);
      byDepartment.set(String(item.departmentId), list);
    }
    for (const [departmentId, unpaid] of byDepartment) {
      const ids = unpaid.map((i) => String(i.id));
      const known = `${cityId}/${departmentId}/${recordType}/${ids.join(',')}`;
      let paid = this.#paidKnown.get(known);
      try {
        if (!paid) this.#paidKnown.set(known, (paid = await this.deps.paidRecords(cityId, departmentId, recordType, ids)));
      } catch (error) {
        // With the store unreachable the department's own word stands (a payment cannot complete meanwhile either).
        if (isStoreUnavailable(error)) return;
        throw error;
      }
      for (const item of unpaid) if (paid.has(String(item.id))) item.status = 'paid';
    }
  }

  /** Performs a service action (renew a loan…) on one of the citizen's records, then forgets the cached records. */
  async performAction(
    principal: Principal,
    cityId: string,
    serviceId: string,
    actionName: string,
    input: { identifierId: string; recordId?: string },
  ): Promise<{ cityId: string; serviceId: string; action: string; result: unknown }> {
    const { catalog, citizens, shield } = this.deps;
    const entry = catalog.getService(cityId, serviceId);
    const fn = entry.service.functions.find((f) => f.kind === 'action');
    if (!fn) throw hutongError('HUTONG_ERR_SERVICE_UNAVAILABLE', `${serviceId} has no actions`);
    if (!fn.available) throw hutongError('HUTONG_ERR_SERVICE_UNAVAILABLE', `${serviceId} actions are not available in ${cityId}: ${fn.unavailableReason}`);
    await this.deps.consents.require(principal, entry.config.category);
    const identifier = (await citizens.listIdentifiers(principal.citizenId)).find((i) => i.id === input.identifierId);
    if (!identifier) throw hutongError('HUTONG_ERR_IDENTIFIER_NOT_LINKED', 'That identifier is not linked to your account');
    const departmentId = entry.service.departmentIds.find((d) => identifier.issuer === null || identifier.issuer === `${cityId}/${d}`);
    const connector = departmentId ? catalog.connectorFor(cityId, departmentId) : undefined;
    if (!departmentId || !connector?.performAction || !connector.actions?.has(actionName)) {
      throw hutongError('HUTONG_ERR_SERVICE_UNAVAILABLE', `${serviceId} has no action "${actionName}" for that identifier in ${cityId}`);
    }
    const department = `${cityId}/${departmentId}`;
    const answer = await shield.call({
      department,
      key: `${department}/action/${actionName}/${identifier.id}/${input.recordId ?? ''}`,
      ttlMs: 0,
      load: (signal) =>
        connector.performAction!(
          { name: actionName, identifier: { kind: identifier.kind as IdentifierKind, value: identifier.value }, recordId: input.recordId },
          { signal },
        ),
    });
    if (entry.config.recordType) await shield.invalidate(recordsKey(department, entry.config.recordType, identifier, {}));
    await this.deps.bus?.publish(RECORDS_CHANGED, principal.citizenId);
    await this.deps.audit.record({
      actor: `citizen:${principal.citizenId}`,
      action: `service.action.${actionName}`,
      subject: `service:${serviceId}`,
      cityId,
      detail: { channel: principal.channel, identifier: identifier.id, recordId: input.recordId ?? null },
    });
    return { cityId, serviceId, action: actionName, result: answer.value };
  }

  #queryableService(cityId: string, serviceId: string): ServiceEntry {
    const entry = this.deps.catalog.getService(cityId, serviceId);
    const query = entry.service.functions.find((f) => f.kind === 'query');
    if (!query || !entry.config.recordType) throw hutongError('HUTONG_ERR_SERVICE_UNAVAILABLE', `${serviceId} has no records to list`);
    if (!query.available) throw hutongError('HUTONG_ERR_SERVICE_UNAVAILABLE', `${serviceId} is not available in ${cityId}: ${query.unavailableReason}`);
    return entry;
  }

  #params(filter: RecordFilter): Record<string, string> {
    const params: Record<string, string> = {};
    for (const name of ['date', 'from', 'to'] as const) {
      const value = filter[name];
      if (value === undefined) continue;
      if (!PARAM_PATTERNS[name].test(value)) throw hutongError('HUTONG_ERR_VALIDATION', `"${name}" has the wrong format`);
      params[name] = value;
    }
    return params;
  }

  /** The citizen's linked identifiers, read once for a whole dashboard. */
  linkedIdentifiers(principal: Principal): Promise<IdentifierRow[]> {
    return this.deps.citizens.listIdentifiers(principal.citizenId);
  }

  /** Which department to ask about which of the citizen's identifiers. */
  async #plan(
    principal: Principal,
    cityId: string,
    entry: ServiceEntry,
    filter: RecordFilter,
    strict: boolean,
    linked?: readonly IdentifierRow[],
  ): Promise<DepartmentCall[]> {
    const recordType = entry.config.recordType!;
    const departments = entry.service.departmentIds;
    if (PUBLIC_RECORD_TYPES.has(recordType)) return departments.map((departmentId) => ({ departmentId }));

    const kind = entry.config.requiredIdentifiers[0] as IdentifierKind;
    let identifiers: IdentifierRow[];
    if (filter.plate !== undefined) {
      const value = normalizeIdentifier('plate', filter.plate);
      const linked = await this.deps.citizens.findIdentifier(principal.citizenId, 'plate', value);
      // Same answer whether the plate is somebody else's or nobody's: nothing is revealed about others.
      if (!linked) throw hutongError('HUTONG_ERR_IDENTIFIER_NOT_LINKED', 'That plate is not linked to your account; link it first');
      identifiers = [linked];
    } else if (filter.identifierId !== undefined) {
      const linked = (await this.deps.citizens.listIdentifiers(principal.citizenId)).find((i) => i.id === filter.identifierId);
      if (!linked) throw hutongError('HUTONG_ERR_IDENTIFIER_NOT_LINKED', 'That identifier is not linked to your account');
      identifiers = [linked];
    } else {
      identifiers = linked ? linked.filter((i) => i.kind === kind) : await this.deps.citizens.listIdentifiers(principal.citizenId, kind);
    }
    const calls = departments.flatMap((departmentId) =>
      identifiers
        .filter((i) => i.kind === kind && (i.issuer === null || i.issuer === `${cityId}/${departmentId}`))
        .map((identifier) => ({ departmentId, identifier })),
    );
    if (calls.length === 0 && strict) {
      throw hutongError('HUTONG_ERR_IDENTIFIER_REQUIRED', `${entry.service.id} needs a linked ${kind}${identifiers.length ? ' issued here' : ''}; link one first`, {
        details: { identifierKind: kind, departments },
      });
    }
    return calls;
  }

  async #gather(
    cityId: string,
    entry: ServiceEntry,
    calls: readonly DepartmentCall[],
    params: Record<string, string>,
  ): Promise<{ recordType: RecordType; items: Array<Record<string, unknown>>; sources: RecordSourceStatus[]; errors: HutongError[] }> {
    const { shield } = this.deps;
    const recordType = entry.config.recordType!;
    const now = Date.now();
    const outcomes = await Promise.allSettled(
      calls.map(({ departmentId, identifier }) => {
        const department = `${cityId}/${departmentId}`;
        return shield.call({
          department,
          key: recordsKey(department, recordType, identifier, params),
          ttlMs: entry.config.cacheTtlSeconds * 1000,
          staleWhileRevalidateMs: entry.config.staleWhileRevalidateSeconds * 1000,
          staleIfErrorMs: entry.config.staleIfErrorSeconds * 1000,
          load: (signal, admitNext) => this.#fetchMapped(cityId, departmentId, recordType, identifier, params, signal, admitNext),
        });
      }),
    );

    const items: Array<Record<string, unknown>> = [];
    const sources: RecordSourceStatus[] = [];
    const errors: HutongError[] = [];
    // An action (renewLoan…) names the identifier a record is held under: such records say which one.
    const takesActions = entry.service.functions.some((f) => f.kind === 'action');
    outcomes.forEach((outcome, i) => {
      const { departmentId, identifier } = calls[i];
      const shown = identifier ? toLinkedIdentifier(identifier) : undefined;
      const about = shown ? { identifierId: shown.id, identifier: shown.display } : {};
      if (outcome.status === 'fulfilled') {
        const answer = outcome.value;
        const records = answer.value as Array<Record<string, unknown>>;
        // Copies: the shield's cached answer stays as the department gave it.
        items.push(...(takesActions && shown ? records.map((record) => ({ ...record, identifierId: shown.id })) : records));
        sources.push({
          departmentId,
          ...about,
          status: answer.freshness === 'stale' ? 'stale' : 'ok',
          freshness: answer.freshness,
          fetchedAt: answer.fetchedAt.toISOString(),
          ageSeconds: Math.max(0, Math.round((now - answer.fetchedAt.getTime()) / 1000)),
        });
      } else {
        const error = isHutongError(outcome.reason)
          ? outcome.reason
          : hutongError('HUTONG_ERR_INTERNAL', 'The department call failed unexpectedly', { cause: outcome.reason });
        errors.push(error);
        sources.push({ departmentId, ...about, status: 'unavailable', error: { code: error.code, message: error.message } });
      }
    });
    return { recordType, items, sources, errors };
  }

  /** Asks one department for records and checks each against the standard model. */
  async #fetchMapped(
    cityId: string,
    departmentId: string,
    recordType: RecordType,
    identifier: Pick<IdentifierRow, 'kind' | 'value'> | undefined,
    params: Record<string, string>,
    signal: AbortSignal,
    admitNext?: () => Promise<void>,
  ): Promise<Array<Record<string, unknown>>> {
    const department = `${cityId}/${departmentId}`;
    const connector = this.deps.catalog.connectorFor(cityId, departmentId);
    const schema = RECORD_SCHEMAS[recordType];
    const query = {
      recordType,
      params,
      ...(identifier ? { identifier: { kind: identifier.kind as IdentifierKind, value: identifier.value } } : {}),
    };
    const records = await connector.fetchRecords(query, { signal, admitNext });
    return records.map((record, index) => {
      if (!Value.Check(schema, record)) {
        const first = Value.Errors(schema, record).First();
        throw hutongError('HUTONG_ERR_DEPARTMENT_MAPPING', `${department} record ${index} does not map to ${recordType}: ${first?.path} ${first?.message}`);
      }
      return Value.Clean(schema, structuredClone(record)) as Record<string, unknown>;
    });
  }

  /**
   * One department's records of a type under one identifier (or its public ones), through the
   * shield; `fresh` forgets the cached answer first, so the department is asked now. For the hub's
   * own use (bookings, reminders), never for a citizen's listing: no consent is checked here.
   */
  async departmentRecords(input: {
    cityId: string;
    departmentId: string;
    recordType: RecordType;
    identifier?: Pick<IdentifierRow, 'kind' | 'value' | 'issuer'>;
    params?: Record<string, string>;
    ttlMs: number;
    fresh?: boolean;
  }): Promise<{ items: Array<Record<string, unknown>>; fetchedAt: Date; freshness: 'live' | 'cached' | 'stale' }> {
    const department = `${input.cityId}/${input.departmentId}`;
    const params = input.params ?? {};
    const key = recordsKey(department, input.recordType, input.identifier, params);
    if (input.fresh) await this.deps.shield.invalidate(key);
    const answer = await this.deps.shield.call({
      department,
      key,
      ttlMs: input.ttlMs,
      load: (signal, admitNext) => this.#fetchMapped(input.cityId, input.departmentId, input.recordType, input.identifier, params, signal, admitNext),
    });
    await this.#markPaid(input.cityId, input.recordType, answer.value);
    return { items: answer.value, fetchedAt: answer.fetchedAt, freshness: answer.freshness };
  }

  #noteRead(principal: Principal, cityId: string, serviceId: string, calls: readonly DepartmentCall[], count: number): void {
    const identifiers = [...new Set(calls.flatMap((c) => (c.identifier ? [c.identifier.id] : [])))];
    if (identifiers.length === 0) return; // public records are nobody's data
    this.deps.audit.note(
      {
        actor: `citizen:${principal.citizenId}`,
        action: 'records.list',
        subject: `service:${serviceId}`,
        cityId,
        detail: { channel: principal.channel, identifiers, count },
      },
      `records.list|${principal.citizenId}|${principal.channel}|${cityId}|${serviceId}|${identifiers.join(',')}|${count}`,
    );
  }
}

/** The shield's cache key of one department's records for one identifier (or the public ones). */
export function recordsKey(
  department: string,
  recordType: RecordType,
  identifier: Pick<IdentifierRow, 'kind' | 'value' | 'issuer'> | undefined,
  params: Record<string, string>,
): string {
  const who = identifier ? `${identifier.kind}:${identifier.issuer ?? ''}:${identifier.value}` : 'public';
  const query = Object.entries(params)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  return `${department}/${recordType}/${who}?${query}`;
}
