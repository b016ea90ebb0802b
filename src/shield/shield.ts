import { LRUCache } from 'lru-cache';
import { hutongError, isHutongError } from '../errors.ts';
import { deadlineSignal } from './deadline.ts';
import { DepartmentPolicy, type DepartmentCallObserver, type DepartmentHealth, type DepartmentLimits } from './department-policy.ts';

/** One call to a department, as the shield sees it. */
export interface DepartmentCall<T> {
  /** `city/department`, for limits and messages. */
  readonly department: string;
  /** Cache key: the same key means the same answer (department, operation and arguments). */
  readonly key: string;
  /** How long an answer stays fresh; 0 means never cached. */
  readonly ttlMs: number;
  /** Deadline for the department to answer; passed to the wire as an AbortSignal. Defaults to the department's limit. */
  readonly timeoutMs?: number;
  load(signal: AbortSignal): Promise<T>;
}

/**
 * How the answer was obtained: `live` from the department just now, `cached` within its TTL,
 * `stale` past its TTL because the department failed (the error is kept in `staleBecause`).
 */
export type Freshness = 'live' | 'cached' | 'stale';

export interface ShieldedAnswer<T> {
  readonly value: T;
  readonly freshness: Freshness;
  readonly fetchedAt: Date;
  readonly staleBecause?: string;
}

interface CacheEntry {
  readonly value: unknown;
  readonly fetchedAt: Date;
}

type Loader = (signal: AbortSignal) => Promise<unknown>;

export interface ShieldOptions {
  /** Most answers kept in memory. */
  readonly maxEntries?: number;
  /** Limits toward a department (`city/department`); called once per department. */
  readonly limitsFor?: (department: string) => DepartmentLimits;
  /** Told of every department call and cache lookup (the hub's metrics); nothing is counted without it. */
  readonly observer?: ShieldObserver;
}

/**
 * How a cached call was answered: `hit` without calling the department (from the cache, or by
 * joining a call already in flight for the key), `miss` by calling it, `stale` with an old answer
 * because the department failed.
 */
export type CacheLookupResult = 'hit' | 'miss' | 'stale';

export interface ShieldObserver extends DepartmentCallObserver {
  /**
   * @example
   *   observer.cacheLookup('shanghai/traffic-police', 'hit')
   */
  cacheLookup(department: string, result: CacheLookupResult): void;
}

export const DEFAULT_DEPARTMENT_LIMITS: DepartmentLimits = Object.freeze({
  timeoutMs: 3000,
  maxConcurrent: 16,
  maxQueued: 64,
  breakerFailures: 5,
  breakerHalfOpenAfterMs: 10_000,
});

/**
 * The only path from the hub to a department: a deadline on every call, a concurrency limit and
 * a circuit breaker per department, a read-through cache with single-flight (one department call
 * per key however many citizens ask at once), and stale-if-error.
 *
 * @example
 *   const answer = await shield.call({ department: 'shanghai/traffic-police', key, ttlMs: 300_000,
 *     timeoutMs: 3000, load: (signal) => connector.fetchRecords(query, { signal }) })
 */
export class Shield {
  readonly #cache: LRUCache<string, CacheEntry, Loader>;
  readonly #policies = new Map<string, DepartmentPolicy>();
  readonly #limitsFor: (department: string) => DepartmentLimits;
  readonly #observer?: ShieldObserver;

  constructor(options: ShieldOptions = {}) {
    this.#limitsFor = options.limitsFor ?? (() => DEFAULT_DEPARTMENT_LIMITS);
    this.#observer = options.observer;
    this.#cache = new LRUCache<string, CacheEntry, Loader>({
      max: options.maxEntries ?? 100_000,
      ttl: 1, // replaced per entry by the caller's TTL
      // A failed refresh rejects (so every waiting caller sees the error) but keeps the old
      // answer in the cache, where `call` finds it for stale-if-error.
      noDeleteOnFetchRejection: true,
      allowStaleOnFetchAbort: true,
      fetchMethod: async (_key, _stale, { signal, context }) => ({ value: await context(signal), fetchedAt: new Date() }),
    });
  }

  /** The department's breaker and limit, created on first use. */
  policy(department: string): DepartmentPolicy {
    let policy = this.#policies.get(department);
    if (!policy) this.#policies.set(department, (policy = new DepartmentPolicy(department, this.#limitsFor(department), this.#observer)));
    return policy;
  }

  /** Breaker state and counts of every department called so far. */
  health(): DepartmentHealth[] {
    return [...this.#policies.values()].map((p) => p.health());
  }

  async call<T>(call: DepartmentCall<T>): Promise<ShieldedAnswer<T>> {
    const policy = this.policy(call.department);
    const timeoutMs = call.timeoutMs ?? policy.limits.timeoutMs;
    const withDeadline: Loader = (signal) =>
      policy.execute(async () => {
        const deadline = deadlineSignal(signal, timeoutMs);
        try {
          return await call.load(deadline.signal);
        } catch (error) {
          if (!isHutongError(error) && deadline.signal.aborted) {
            throw hutongError('HUTONG_ERR_DEPARTMENT_TIMEOUT', `${call.department} did not answer within ${timeoutMs} ms`, { cause: error });
          }
          throw error;
        } finally {
          deadline.dispose();
        }
      });
    if (call.ttlMs <= 0) {
      return { value: (await withDeadline(new AbortController().signal)) as T, freshness: 'live', fetchedAt: new Date() };
    }
    const status: LRUCache.Status<string, CacheEntry, Loader> = {};
    const lookup = (result: CacheLookupResult) => this.#observer?.cacheLookup(call.department, result);
    let entry: CacheEntry | undefined;
    try {
      entry = await this.#cache.fetch(call.key, { context: withDeadline, ttl: call.ttlMs, status });
    } catch (error) {
      const stale = this.#cache.peek(call.key, { allowStale: true });
      lookup(stale === undefined ? 'miss' : 'stale');
      if (stale === undefined) throw error;
      return { value: stale.value as T, freshness: 'stale', fetchedAt: stale.fetchedAt, staleBecause: describe(error) };
    }
    // The key was forgotten (invalidated) while this call waited on it: ask the department itself.
    if (entry === undefined) {
      lookup('miss');
      return { value: (await withDeadline(new AbortController().signal)) as T, freshness: 'live', fetchedAt: new Date() };
    }
    if (status.returnedStale) {
      lookup('stale');
      return { value: entry.value as T, freshness: 'stale', fetchedAt: entry.fetchedAt, staleBecause: describe(status.fetchError) };
    }
    // Joining a load already in flight spares the department a call, as a hit does.
    lookup(status.fetch === 'hit' || status.fetch === 'inflight' ? 'hit' : 'miss');
    // Anything but a hit was loaded just now ('stale' means the TTL had passed and it was reloaded).
    const live = status.fetch !== 'hit';
    return { value: entry.value as T, freshness: live ? 'live' : 'cached', fetchedAt: entry.fetchedAt };
  }

  /** Forgets an answer, so the next call asks the department again. */
  invalidate(key: string): void {
    this.#cache.delete(key);
  }

  get size(): number {
    return this.#cache.size;
  }
}

function describe(error: unknown): string | undefined {
  if (error === undefined) return undefined;
  return isHutongError(error) ? error.code : error instanceof Error ? error.message : String(error);
}
