import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DepartmentCallOutcome, DepartmentHealth } from '../shield/department-policy.ts';
import type { CacheLookupResult, ShieldObserver } from '../shield/shield.ts';

/** Label values outside the known sets are counted under this one, so no caller can grow the series. */
export const OTHER_LABEL = 'other';

/** Upper bounds of the department call histogram, in seconds: loopback answers in a millisecond, a slow SOAP system in seconds. */
export const DEPARTMENT_CALL_BUCKETS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export interface HubMetricsOptions {
  /** Breaker state and calls in flight of every department called so far (the shield's health). */
  readonly departmentHealth: () => readonly DepartmentHealth[];
  /** Also export the process's own metrics (CPU, memory, event loop, GC). */
  readonly processMetrics?: boolean;
  /** Whether the hub shares its cache and limits with its other processes now (Redis reachable); absent without Redis. */
  readonly redisUp?: () => boolean | undefined;
  /** Whether the store answered its last use. */
  readonly storeUp?: () => boolean;
  /** Citizens waiting in each booking waiting room (`city/service`). */
  readonly waitingRooms?: () => Promise<ReadonlyArray<{ room: string; waiting: number }>>;
}

export type HttpLabel = 'entrance' | 'city' | 'service' | 'status_class';

/**
 * The hub's Prometheus metrics, in a registry of their own per built app (tests build many apps in
 * one process, and the default global registry would mix them). It is the shield's observer.
 *
 * @example
 *   const metrics = new HubMetrics({ departmentHealth: () => shield.health() })
 *   const shield = new Shield({ observer: metrics })
 *   const text = await metrics.registry.metrics()
 */
export class HubMetrics implements ShieldObserver {
  readonly registry = new Registry();
  /** When this process started counting. */
  readonly since = new Date();
  readonly httpRequests: Counter<HttpLabel>;
  readonly departmentCallDuration: Histogram<'department' | 'outcome'>;
  readonly cacheLookups: Counter<'department' | 'result'>;
  readonly breakerOpen: Gauge<'department'>;
  readonly departmentInFlight: Gauge<'department'>;
  readonly departmentQueued: Gauge<'department'>;
  readonly departmentRateLimited: Gauge<'department'>;
  readonly offloadRatio: Gauge;
  readonly loadShed: Counter;
  readonly storeUnavailable: Counter;

  constructor(options: HubMetricsOptions) {
    const registers = [this.registry];
    this.httpRequests = new Counter({
      name: 'hutong_http_requests_total',
      help: 'API requests answered, by entrance, city, service and status class',
      labelNames: ['entrance', 'city', 'service', 'status_class'],
      registers,
    });
    this.departmentCallDuration = new Histogram({
      name: 'hutong_department_call_duration_seconds',
      help: 'Department calls through the shield, by outcome (ok, error: the department failed, rejected: the breaker or limit refused the call)',
      labelNames: ['department', 'outcome'],
      buckets: [...DEPARTMENT_CALL_BUCKETS],
      registers,
    });
    this.cacheLookups = new Counter({
      name: 'hutong_cache_lookups_total',
      help: 'Cached department reads, by result (hit: no department call, miss: a department call, stale: an old answer because the department failed)',
      labelNames: ['department', 'result'],
      registers,
    });
    // One gauge per department figure of the shield's health, read when scraped.
    const perDepartment = (name: string, help: string, read: (h: DepartmentHealth) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['department'],
        registers,
        collect() {
          this.reset();
          for (const h of options.departmentHealth()) this.set({ department: h.department }, read(h));
        },
      });
    this.breakerOpen = perDepartment('hutong_breaker_open', 'Whether the department\'s circuit breaker keeps calls from it (1) or lets them through (0)', (h) => (h.breaker === 'closed' ? 0 : 1));
    this.departmentInFlight = perDepartment('hutong_department_in_flight', 'Calls to the department in flight now', (h) => h.inFlight);
    this.departmentQueued = perDepartment('hutong_department_queued', 'Calls to the department waiting now, for a free place or for its rate to allow them', (h) => h.queued);
    this.departmentRateLimited = perDepartment(
      'hutong_department_rate_limited_calls',
      'Calls this process held back to keep the department within its configured rate, since start',
      (h) => h.rateLimited,
    );
    const lookups = this.cacheLookups;
    this.offloadRatio = new Gauge({
      name: 'hutong_offload_ratio',
      help: 'Share of cached department reads answered without calling the department, since start',
      registers,
      async collect() {
        const counted = (await lookups.get()).values;
        const all = counted.reduce((sum, v) => sum + v.value, 0);
        const hits = counted.filter((v) => v.labels.result === 'hit').reduce((sum, v) => sum + v.value, 0);
        this.set(all === 0 ? 0 : hits / all);
      },
    });
    this.loadShed = new Counter({ name: 'hutong_load_shed_total', help: 'Requests refused with 503 and Retry-After because this process was overloaded', registers });
    this.storeUnavailable = new Counter({ name: 'hutong_store_unavailable_total', help: 'Requests that needed the store while it could not be reached', registers });
    const flag = (name: string, help: string, read: (() => boolean | undefined) | undefined) => {
      if (!read) return;
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read() ? 1 : 0);
        },
      });
    };
    flag('hutong_redis_up', 'Whether the shared cache and limits are reachable (1) or the process works with its own (0)', options.redisUp);
    flag('hutong_store_up', 'Whether the store answered its last use (1) or not (0)', options.storeUp);
    if (options.waitingRooms) {
      const waitingRooms = options.waitingRooms;
      new Gauge({
        name: 'hutong_waiting_room_waiting',
        help: 'Citizens waiting in a booking waiting room now',
        labelNames: ['room'],
        registers,
        async collect() {
          this.reset();
          for (const r of await waitingRooms().catch(() => [])) this.set({ room: r.room }, r.waiting);
        },
      });
    }
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  departmentCall(department: string, outcome: DepartmentCallOutcome, seconds: number): void {
    this.departmentCallDuration.observe({ department, outcome }, seconds);
  }

  cacheLookup(department: string, result: CacheLookupResult): void {
    this.cacheLookups.inc({ department, result });
  }

  /** Counts one answered API request; labels must already be bounded (see {@link OTHER_LABEL}). */
  countRequest(labels: Record<HttpLabel, string>): void {
    this.httpRequests.inc(labels);
  }
}

/** One cumulative histogram bucket: how many observations were at most `le`. */
export interface CumulativeBucket {
  readonly le: number;
  readonly count: number;
}

/**
 * The q-quantile (0…1) of a histogram from its cumulative buckets, interpolated linearly inside the
 * bucket it falls in, as Prometheus' `histogram_quantile` does; beyond the last finite bound it is
 * that bound. Undefined when nothing was observed.
 *
 * @example
 *   quantileFromBuckets([{ le: 0.1, count: 5 }, { le: 0.5, count: 10 }, { le: Infinity, count: 10 }], 0.75) // 0.3
 */
export function quantileFromBuckets(buckets: readonly CumulativeBucket[], q: number): number | undefined {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted.at(-1)?.count ?? 0;
  if (total <= 0) return undefined;
  const rank = Math.min(Math.max(q, 0), 1) * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const bucket of sorted) {
    if (bucket.count >= rank && bucket.count > lowerCount) {
      if (!Number.isFinite(bucket.le)) return lowerBound;
      return lowerBound + ((bucket.le - lowerBound) * (rank - lowerCount)) / (bucket.count - lowerCount);
    }
    if (Number.isFinite(bucket.le)) lowerBound = bucket.le;
    lowerCount = bucket.count;
  }
  return lowerBound;
}
