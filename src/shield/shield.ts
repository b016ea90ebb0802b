import { hutongError, isHutongError } from '../errors.ts';
import { AnswerCache, type CachedAnswer } from './answer-cache.ts';
import { deadlineSignal } from './deadline.ts';
import { DepartmentPolicy, type DepartmentCallObserver, type DepartmentHealth, type DepartmentLimits } from './department-policy.ts';
import type { SharedRedis, SharingState } from './shared-redis.ts';

/** One call to a department, as the shield sees it. */
export interface DepartmentCall<T> {
  /** `city/department`, for limits and messages. */
  readonly department: string;
  /** Cache key: the same key means the same answer (department, operation and arguments). */
  readonly key: string;
  /** How long an answer stays fresh; 0 means never cached. */
  readonly ttlMs: number;
  /** After the TTL, how long the old answer is still served at once while one refresh runs behind it. */
  readonly staleWhileRevalidateMs?: number;
  /** After the TTL, how long the old answer is served (labelled stale) when the department fails. */
  readonly staleIfErrorMs?: number;
  /** Deadline for the department to answer; passed to the wire as an AbortSignal. Defaults to the department's limit. */
  readonly timeoutMs?: number;
  /** Asks the department; `admitNext` waits for its rate before each further request of this call (a next page). */
  load(signal: AbortSignal, admitNext: () => Promise<void>): Promise<T>;
}

/**
 * How the answer was obtained: `live` from the department just now, `cached` within its TTL (or
 * its stale-while-revalidate window), `stale` past it because the department failed (the error is
 * kept in `staleBecause`).
 */
export type Freshness = 'live' | 'cached' | 'stale';

export interface ShieldedAnswer<T> {
  readonly value: T;
  readonly freshness: Freshness;
  readonly fetchedAt: Date;
  readonly staleBecause?: string;
}

export interface ShieldOptions {
  /** Most answers kept in this process's memory. */
  readonly maxEntries?: number;
  /** Limits toward a department (`city/department`); called once per department. */
  readonly limitsFor?: (department: string) => DepartmentLimits;
  /** Told of every department call and cache lookup (the hub's metrics); nothing is counted without it. */
  readonly observer?: ShieldObserver;
  /** Shared with the hub's other processes: answers, invalidations and department rates. */
  readonly redis?: SharedRedis;
  /** Hub processes sharing the departments' limits (each keeps its share of their concurrency). */
  readonly processes?: number;
}

/**
 * How a cached call was answered: `hit` without calling the department (from the cache, or by
 * joining a call already in flight for the key, in this process or another), `miss` by calling
 * it, `stale` with an old answer because the department failed.
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

/** Without a window of its own, an answer past its TTL is kept a day for stale-if-error. */
const DEFAULT_STALE_IF_ERROR_MS = 24 * 3_600_000;

interface Loaded {
  readonly entry: CachedAnswer;
  /** Another caller's load (in this process or another) brought it. */
  readonly joined: boolean;
}

/**
 * The only path from the hub to a department: a deadline on every call; a concurrency limit, a
 * rate and a circuit breaker per department; a read-through cache in memory and (with Redis)
 * shared by every hub process, with stale-while-revalidate, stale-if-error, single-flight (one
 * department call per key however many citizens — and processes — ask at once), and
 * invalidation that reaches every process.
 *
 * @example
 *   const answer = await shield.call({ department: 'shanghai/traffic-police', key, ttlMs: 300_000,
 *     timeoutMs: 3000, load: (signal) => connector.fetchRecords(query, { signal }) })
 */
export class Shield {
  readonly #cache: AnswerCache;
  readonly #inFlight = new Map<string, Promise<Loaded>>();
  readonly #policies = new Map<string, DepartmentPolicy>();
  readonly #limitsFor: (department: string) => DepartmentLimits;
  readonly #observer?: ShieldObserver;
  readonly #redis?: SharedRedis;
  readonly #processes: number;

  constructor(options: ShieldOptions = {}) {
    this.#limitsFor = options.limitsFor ?? (() => DEFAULT_DEPARTMENT_LIMITS);
    this.#observer = options.observer;
    this.#redis = options.redis;
    this.#processes = Math.max(1, options.processes ?? 1);
    this.#cache = new AnswerCache({ maxEntries: options.maxEntries, redis: options.redis });
  }

  /** Starts listening for other processes' invalidations (with Redis). */
  async start(): Promise<void> {
    await this.#cache.start();
  }

  /** `shared` with the other processes through Redis, `local` while Redis is down, `alone` without it. */
  get sharing(): SharingState {
    return !this.#redis ? 'alone' : this.#redis.up ? 'shared' : 'local';
  }

  /** The department's breaker, limits and rate, created on first use. */
  policy(department: string): DepartmentPolicy {
    let policy = this.#policies.get(department);
    if (!policy) {
      policy = new DepartmentPolicy(department, this.#limitsFor(department), this.#observer, { redis: this.#redis, processes: this.#processes });
      this.#policies.set(department, policy);
    }
    return policy;
  }

  /** Breaker state and counts of every department called so far. */
  health(): DepartmentHealth[] {
    return [...this.#policies.values()].map((p) => p.health());
  }

  async call<T>(call: DepartmentCall<T>): Promise<ShieldedAnswer<T>> {
    if (call.ttlMs <= 0) {
      return { value: (await this.#ask(call, new AbortController().signal)) as T, freshness: 'live', fetchedAt: new Date() };
    }
    const lookup = (result: CacheLookupResult) => this.#observer?.cacheLookup(call.department, result);
    const now = Date.now();
    const cached = await this.#cache.get(call.key);
    if (cached && now < cached.freshUntil) {
      lookup('hit');
      return answer(cached, 'cached');
    }
    if (cached && now < cached.freshUntil + (call.staleWhileRevalidateMs ?? 0)) {
      lookup('hit');
      // One refresh behind the answer; its failure leaves the old answer in place.
      this.#load(call).catch(() => undefined);
      return answer(cached, 'cached');
    }
    try {
      const loaded = await this.#load(call);
      lookup(loaded.joined ? 'hit' : 'miss');
      return answer(loaded.entry, loaded.joined && loaded.entry.fetchedAt < now ? 'cached' : 'live');
    } catch (error) {
      const old = cached ?? this.#cache.peek(call.key);
      if (old && Date.now() < old.freshUntil + (call.staleIfErrorMs ?? DEFAULT_STALE_IF_ERROR_MS)) {
        lookup('stale');
        return { ...answer(old, 'stale'), staleBecause: describe(error) };
      }
      lookup('miss');
      throw error;
    }
  }

  /**
   * Forgets an answer in every hub process, so the next call asks the department again (a call
   * already under way for it is not joined). Resolves once the other processes have been told.
   */
  async invalidate(key: string): Promise<void> {
    this.#inFlight.delete(key);
    await this.#cache.invalidate(key);
  }

  /** Counts a lookup answered without the department above the shield (a citizen's kept answer) as the hit it is. */
  countHit(department: string): void {
    this.#observer?.cacheLookup(department, 'hit');
  }

  /** Answers this process holds in memory. */
  get size(): number {
    return this.#cache.size;
  }

  /** One load per key at a time in this process; across processes, one takes the load and the others wait for its answer. */
  #load<T>(call: DepartmentCall<T>): Promise<Loaded> {
    const running = this.#inFlight.get(call.key);
    if (running) return running.then((loaded) => ({ ...loaded, joined: true }));
    const timeoutMs = call.timeoutMs ?? this.policy(call.department).limits.timeoutMs;
    const load = (async (): Promise<Loaded> => {
      const started = this.#cache.loadBegins();
      const mine = await this.#cache.claimLoad(call.key, timeoutMs);
      if (!mine) {
        const theirs = await this.#cache.awaitOtherLoad(call.key, timeoutMs);
        if (theirs && theirs.fetchedAt >= started.at - 1) return { entry: theirs, joined: true };
      }
      try {
        const value = await this.#ask(call, new AbortController().signal);
        const fetchedAt = Date.now();
        const entry: CachedAnswer = {
          value,
          fetchedAt,
          freshUntil: fetchedAt + call.ttlMs,
          keepUntil: fetchedAt + call.ttlMs + Math.max(call.staleWhileRevalidateMs ?? 0, call.staleIfErrorMs ?? DEFAULT_STALE_IF_ERROR_MS),
        };
        await this.#cache.set(call.key, entry, started);
        return { entry, joined: false };
      } finally {
        if (mine) void this.#cache.releaseLoad(call.key);
      }
    })();
    this.#inFlight.set(call.key, load);
    const forget = () => {
      if (this.#inFlight.get(call.key) === load) this.#inFlight.delete(call.key);
    };
    load.then(forget, forget);
    return load;
  }

  /** Asks the department under its policy, with the call's deadline. */
  async #ask<T>(call: DepartmentCall<T>, parent: AbortSignal): Promise<T> {
    const policy = this.policy(call.department);
    const timeoutMs = call.timeoutMs ?? policy.limits.timeoutMs;
    // The department gets its whole deadline once the call goes out: time spent waiting for a place
    // is bounded apart (the queue's length, the rate's wait) and never counts against it, so the
    // breaker only ever hears of the department's own slowness.
    return policy.execute(async () => {
      const deadlineAt = Date.now() + timeoutMs;
      const deadline = deadlineSignal(parent, timeoutMs);
      try {
        return await call.load(deadline.signal, () => policy.admit(deadlineAt, deadline.signal));
      } catch (error) {
        if (!isHutongError(error) && deadline.signal.aborted) {
          throw hutongError('HUTONG_ERR_DEPARTMENT_TIMEOUT', `${call.department} did not answer within ${timeoutMs} ms`, { cause: error });
        }
        throw error;
      } finally {
        deadline.dispose();
      }
    }, Date.now() + timeoutMs);
  }
}

function answer<T>(entry: CachedAnswer, freshness: Freshness): ShieldedAnswer<T> {
  return { value: entry.value as T, freshness, fetchedAt: new Date(entry.fetchedAt) };
}

function describe(error: unknown): string | undefined {
  if (error === undefined) return undefined;
  return isHutongError(error) ? error.code : error instanceof Error ? error.message : String(error);
}
