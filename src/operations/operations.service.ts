import type { MetricValueWithName } from 'prom-client';
import type { Catalog } from '../catalog/catalog.service.ts';
import { hutongError } from '../errors.ts';
import type { PaymentRepository } from '../payments/payment.repository.ts';
import type { BreakerState, DepartmentHealth } from '../shield/department-policy.ts';
import type { SharingState } from '../shield/shared-redis.ts';
import { localDate } from '../time-zone.ts';
import type { EmulatorFaults } from './emulator-faults.ts';
import { quantileFromBuckets, type CumulativeBucket, type HubMetrics } from './metrics.ts';

export interface DepartmentOverview {
  readonly department: string;
  readonly cityId: string;
  readonly departmentId: string;
  readonly breaker: BreakerState;
  readonly inFlight: number;
  /** Calls waiting now, for a free place or for the department's rate. */
  readonly queued: number;
  /** Calls this process held back to keep the department within its rate, since start. */
  readonly rateLimited: number;
  readonly ratePerSecond: number | null;
  readonly calls: number;
  readonly failures: number;
  readonly rejected: number;
  readonly errorRate: number | null;
  readonly latencyMs: { readonly p50: number; readonly p95: number; readonly p99: number } | null;
  readonly lastFailure?: { readonly code: string; readonly at: string };
  readonly cache: CacheCounts;
}

export interface CacheCounts {
  readonly hits: number;
  readonly misses: number;
  readonly stale: number;
}

export interface OperationsOverview {
  readonly since: string;
  readonly generatedAt: string;
  readonly departments: DepartmentOverview[];
  readonly traffic: {
    readonly byEntrance: Array<{ entrance: string; requests: number; errors: number }>;
    readonly byService: Array<{ cityId: string; serviceId: string; requests: number; errors: number }>;
    readonly byEntranceAndService: Array<{ entrance: string; cityId: string; serviceId: string; requests: number }>;
  };
  readonly cache: CacheCounts & { readonly departmentCalls: number; readonly offloadRatio: number | null };
  readonly demo: { readonly faultSwitches: boolean };
  /** How this process shares its cache and limits, and with how many processes. */
  readonly scale: { readonly sharing: SharingState; readonly processes: number };
}

export interface PaymentTotals {
  readonly count: number;
  readonly succeededCount: number;
  readonly succeededFen: number;
  readonly refundedFen: number;
}

export interface PaymentSummary {
  readonly date: string;
  readonly totals: PaymentTotals;
  readonly byWallet: Array<PaymentTotals & { wallet: string }>;
  readonly byStatus: Array<{ status: string; count: number }>;
  readonly writeBack: { readonly waiting: number; readonly done: number };
}

export interface OperationsServiceDeps {
  readonly metrics: HubMetrics;
  readonly catalog: Catalog;
  /** Breaker states and last failures: states, not counts, so they are read where they live. */
  readonly departmentHealth: () => readonly DepartmentHealth[];
  /** How the shield shares its cache and limits now. */
  readonly sharing?: () => SharingState;
  /** Hub processes configured to serve together. */
  readonly processes?: number;
  readonly payments: PaymentRepository;
  /** The emulators' fault switches; present only in demo mode. */
  readonly faults?: EmulatorFaults;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const CHINA = 'Asia/Shanghai';

/**
 * What the operator console shows: department health, traffic by entrance and service, cache
 * offload (all read from the Prometheus registry, so the console and a scraper agree), a day's
 * payments, and in demo mode the emulators' fault switches.
 *
 * @example
 *   const overview = await operations.overview()
 *   const today = await operations.paymentSummary()
 */
export class OperationsService {
  readonly #deps: OperationsServiceDeps;

  constructor(deps: OperationsServiceDeps) {
    this.#deps = deps;
  }

  /** The emulators' fault switches; outside demo mode a 404 `HUTONG_ERR_DEMO_ONLY`. */
  faultSwitches(): EmulatorFaults {
    if (!this.#deps.faults) throw hutongError('HUTONG_ERR_DEMO_ONLY', 'The emulators\' fault switches exist only in demo mode (hutong serve --with-emulators)');
    return this.#deps.faults;
  }

  async overview(): Promise<OperationsOverview> {
    const { metrics, catalog } = this.#deps;
    const [durations, lookups, inFlight, requests] = await Promise.all([
      metrics.departmentCallDuration.get(),
      metrics.cacheLookups.get(),
      metrics.departmentInFlight.get(),
      metrics.httpRequests.get(),
    ]);

    const perDepartment = new Map<string, { calls: number; failures: number; rejected: number; buckets: Map<number, number> }>();
    const departmentOf = (name: string) => {
      let entry = perDepartment.get(name);
      if (!entry) perDepartment.set(name, (entry = { calls: 0, failures: 0, rejected: 0, buckets: new Map() }));
      return entry;
    };
    let departmentCalls = 0;
    for (const v of durations.values as Array<MetricValueWithName<string>>) {
      const department = String(v.labels.department);
      const outcome = String(v.labels.outcome);
      const entry = departmentOf(department);
      if (v.metricName?.endsWith('_count')) {
        entry.calls += v.value;
        if (outcome === 'error') entry.failures += v.value;
        if (outcome === 'rejected') entry.rejected += v.value;
        else departmentCalls += v.value;
      } else if (v.metricName?.endsWith('_bucket') && outcome !== 'rejected') {
        // Latency of calls that reached the department; a refusal by the shield takes no time worth showing.
        const le = v.labels.le === '+Inf' ? Infinity : Number(v.labels.le);
        entry.buckets.set(le, (entry.buckets.get(le) ?? 0) + v.value);
      }
    }

    const cacheOf = new Map<string, { hits: number; misses: number; stale: number }>();
    for (const v of lookups.values) {
      const department = String(v.labels.department);
      const counts = cacheOf.get(department) ?? { hits: 0, misses: 0, stale: 0 };
      if (v.labels.result === 'hit') counts.hits += v.value;
      else if (v.labels.result === 'miss') counts.misses += v.value;
      else if (v.labels.result === 'stale') counts.stale += v.value;
      cacheOf.set(department, counts);
    }
    const inFlightOf = new Map(inFlight.values.map((v) => [String(v.labels.department), v.value]));
    const health = new Map(this.#deps.departmentHealth().map((h) => [h.department, h]));

    // Every department of the catalog, then any other the hub called (the national identity register).
    const names = catalog.listCities().flatMap((city) => catalog.listDepartments(city.id).map((d) => `${city.id}/${d.id}`));
    const known = new Set(names);
    for (const name of [...perDepartment.keys(), ...cacheOf.keys(), ...health.keys()]) {
      if (!known.has(name)) {
        known.add(name);
        names.push(name);
      }
    }
    const departments = names.map((department): DepartmentOverview => {
      const slash = department.indexOf('/');
      const counted = perDepartment.get(department) ?? { calls: 0, failures: 0, rejected: 0, buckets: new Map<number, number>() };
      const h = health.get(department);
      return {
        department,
        cityId: slash < 0 ? department : department.slice(0, slash),
        departmentId: slash < 0 ? '' : department.slice(slash + 1),
        breaker: h?.breaker ?? 'closed',
        inFlight: inFlightOf.get(department) ?? 0,
        queued: h?.queued ?? 0,
        rateLimited: h?.rateLimited ?? 0,
        ratePerSecond: h?.ratePerSecond ?? null,
        calls: counted.calls,
        failures: counted.failures,
        rejected: counted.rejected,
        errorRate: counted.calls === 0 ? null : (counted.failures + counted.rejected) / counted.calls,
        latencyMs: latencyOf([...counted.buckets].map(([le, count]) => ({ le, count }))),
        ...(h?.lastFailure ? { lastFailure: h.lastFailure } : {}),
        cache: cacheOf.get(department) ?? { hits: 0, misses: 0, stale: 0 },
      };
    });

    const cache = { hits: 0, misses: 0, stale: 0 };
    for (const counts of cacheOf.values()) {
      cache.hits += counts.hits;
      cache.misses += counts.misses;
      cache.stale += counts.stale;
    }
    const lookupsTotal = cache.hits + cache.misses + cache.stale;

    const byEntrance = new Map<string, { entrance: string; requests: number; errors: number }>();
    const byService = new Map<string, { cityId: string; serviceId: string; requests: number; errors: number }>();
    const byEntranceAndService = new Map<string, { entrance: string; cityId: string; serviceId: string; requests: number }>();
    for (const v of requests.values) {
      const entrance = String(v.labels.entrance ?? '');
      const cityId = String(v.labels.city ?? '');
      const serviceId = String(v.labels.service ?? '');
      const errors = /^[45]xx$/.test(String(v.labels.status_class)) ? v.value : 0;
      const e = byEntrance.get(entrance) ?? { entrance, requests: 0, errors: 0 };
      e.requests += v.value;
      e.errors += errors;
      byEntrance.set(entrance, e);
      if (!cityId || !serviceId) continue;
      const s = byService.get(`${cityId}\n${serviceId}`) ?? { cityId, serviceId, requests: 0, errors: 0 };
      s.requests += v.value;
      s.errors += errors;
      byService.set(`${cityId}\n${serviceId}`, s);
      const es = byEntranceAndService.get(`${entrance}\n${cityId}\n${serviceId}`) ?? { entrance, cityId, serviceId, requests: 0 };
      es.requests += v.value;
      byEntranceAndService.set(`${entrance}\n${cityId}\n${serviceId}`, es);
    }
    const busiestFirst = <T extends { requests: number }>(items: Iterable<T>) => [...items].sort((a, b) => b.requests - a.requests);

    return {
      since: metrics.since.toISOString(),
      generatedAt: new Date().toISOString(),
      departments,
      traffic: { byEntrance: busiestFirst(byEntrance.values()), byService: busiestFirst(byService.values()), byEntranceAndService: busiestFirst(byEntranceAndService.values()) },
      cache: { ...cache, departmentCalls, offloadRatio: lookupsTotal === 0 ? null : (cache.hits + cache.stale) / lookupsTotal },
      demo: { faultSwitches: this.#deps.faults !== undefined },
      scale: { sharing: this.#deps.sharing?.() ?? 'alone', processes: this.#deps.processes ?? 1 },
    };
  }

  /**
   * Payments created on one China-local day (today when absent): counts and amounts by wallet and
   * by state, and how many succeeded ones their department has recorded.
   */
  async paymentSummary(date: string = localDate(new Date(), CHINA)): Promise<PaymentSummary> {
    const from = new Date(`${date}T00:00:00+08:00`);
    // 2025-02-30 parses (as 2 March): only a date that reads back the same is a day.
    if (!DATE.test(date) || Number.isNaN(from.getTime()) || localDate(from, CHINA) !== date) {
      throw hutongError('HUTONG_ERR_VALIDATION', `date must be a calendar day as YYYY-MM-DD, got "${date}"`);
    }
    const rows = await this.#deps.payments.totalsCreatedBetween(from, new Date(from.getTime() + 86_400_000));
    const empty = (): PaymentTotals => ({ count: 0, succeededCount: 0, succeededFen: 0, refundedFen: 0 });
    let totals = empty();
    const wallets = new Map<string, PaymentTotals>();
    const statuses = new Map<string, number>();
    const writeBack = { waiting: 0, done: 0 };
    for (const row of rows) {
      const wallet = wallets.get(row.wallet) ?? empty();
      const succeeded = row.state === 'succeeded';
      const add = (t: PaymentTotals): PaymentTotals => ({
        count: t.count + row.count,
        succeededCount: t.succeededCount + (succeeded ? row.count : 0),
        succeededFen: t.succeededFen + (succeeded ? row.amountFen : 0),
        refundedFen: t.refundedFen + row.refundedFen,
      });
      wallets.set(row.wallet, add(wallet));
      totals = add(totals);
      statuses.set(row.state, (statuses.get(row.state) ?? 0) + row.count);
      if (succeeded) {
        writeBack.done += row.writtenBack;
        writeBack.waiting += row.count - row.writtenBack;
      }
    }
    return {
      date,
      totals,
      byWallet: [...wallets].map(([wallet, t]) => ({ wallet, ...t })),
      byStatus: [...statuses].map(([status, count]) => ({ status, count })),
      writeBack,
    };
  }
}

/** p50/p95/p99 in milliseconds, approximated from the histogram buckets (linear inside a bucket). */
function latencyOf(buckets: CumulativeBucket[]): DepartmentOverview['latencyMs'] {
  const ms = (q: number) => {
    const seconds = quantileFromBuckets(buckets, q);
    return seconds === undefined ? undefined : Math.round(seconds * 100_000) / 100;
  };
  const [p50, p95, p99] = [ms(0.5), ms(0.95), ms(0.99)];
  return p50 === undefined || p95 === undefined || p99 === undefined ? null : { p50, p95, p99 };
}
