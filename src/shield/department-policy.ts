import {
  BrokenCircuitError,
  BulkheadRejectedError,
  CircuitState,
  ConsecutiveBreaker,
  bulkhead,
  circuitBreaker,
  handleWhen,
  wrap,
  type IPolicy,
} from 'cockatiel';
import { hutongError, isHutongError, type ErrorCode } from '../errors.ts';
import { DepartmentRate } from './department-rate.ts';
import type { SharedRedis } from './shared-redis.ts';

/** Limits the hub keeps toward one department, from its `shield:` settings in the city YAML. */
export interface DepartmentLimits {
  /** Deadline of one call. */
  readonly timeoutMs: number;
  /** Calls in flight at once; beyond it calls wait in a short queue, then are refused. */
  readonly maxConcurrent: number;
  /** Calls allowed to wait for a free place. */
  readonly maxQueued: number;
  /** Consecutive failures that open the breaker. */
  readonly breakerFailures: number;
  /** How long the breaker stays open before one trial call. */
  readonly breakerHalfOpenAfterMs: number;
  /** Calls a second the department takes at most, from all hub processes together; absent means no rate limit. */
  readonly ratePerSecond?: number;
}

/** How the hub's processes share a department's limits. */
export interface LimitSharing {
  /** Counts the rate across processes; without it each process counts alone. */
  readonly redis?: SharedRedis;
  /** Hub processes calling the department: each keeps `maxConcurrent / processes` in flight, and its share of the rate when counting alone. */
  readonly processes: number;
}

/** Failures that say the department is unwell; a refusal or an empty answer is not one. */
const DEPARTMENT_FAILURES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'HUTONG_ERR_DEPARTMENT_FAULT',
  'HUTONG_ERR_DEPARTMENT_SOAP_FAULT',
  'HUTONG_ERR_DEPARTMENT_OPERATION_OUTCOME',
  'HUTONG_ERR_DEPARTMENT_THROTTLED',
  'HUTONG_ERR_DEPARTMENT_TIMEOUT',
  'HUTONG_ERR_DEPARTMENT_UNREACHABLE',
]);

export type BreakerState = 'closed' | 'open' | 'half-open' | 'isolated';

const STATE_NAMES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

/** What the operator console shows of one department. */
export interface DepartmentHealth {
  readonly department: string;
  readonly breaker: BreakerState;
  readonly inFlight: number;
  /** Calls waiting for a free place or for the rate to allow them. */
  readonly queued: number;
  /** Calls that had to wait for the department's rate. */
  readonly rateLimited: number;
  /** The department's configured rate (calls a second, all processes together); absent without one. */
  readonly ratePerSecond?: number;
  readonly calls: number;
  readonly failures: number;
  readonly rejected: number;
  readonly lastFailure?: { readonly code: string; readonly at: string };
}

/**
 * How one call through the policy ended: `ok` the department answered (a refusal is an answer),
 * `error` it failed as the breaker counts failures, `rejected` the shield refused to call it.
 */
export type DepartmentCallOutcome = 'ok' | 'error' | 'rejected';

/** Told of every department call; the hub's metrics implement it, tests and tools may leave it out. */
export interface DepartmentCallObserver {
  /**
   * @example
   *   observer.departmentCall('shanghai/traffic-police', 'ok', 0.042)
   */
  departmentCall(department: string, outcome: DepartmentCallOutcome, seconds: number): void;
}

/**
 * One department's breaker and concurrency limit (cockatiel), shared by every call to it from
 * this process.
 */
export class DepartmentPolicy {
  readonly department: string;
  readonly limits: DepartmentLimits;
  readonly #policy: IPolicy;
  readonly #breaker;
  readonly #bulkhead;
  #calls = 0;
  #failures = 0;
  #rejected = 0;
  #lastFailure?: { code: string; at: string };
  readonly #observer?: DepartmentCallObserver;
  readonly #rate?: DepartmentRate;
  /** Calls this process may have in flight: its share of the department's limit. */
  readonly maxConcurrentHere: number;

  constructor(department: string, limits: DepartmentLimits, observer?: DepartmentCallObserver, sharing: LimitSharing = { processes: 1 }) {
    this.department = department;
    this.limits = limits;
    this.#observer = observer;
    this.maxConcurrentHere = Math.max(1, Math.floor(limits.maxConcurrent / Math.max(1, sharing.processes)));
    this.#bulkhead = bulkhead(this.maxConcurrentHere, limits.maxQueued);
    if (limits.ratePerSecond) this.#rate = new DepartmentRate(department, limits.ratePerSecond, sharing);
    this.#breaker = circuitBreaker(
      handleWhen((error) => isHutongError(error) && DEPARTMENT_FAILURES.has(error.code)),
      { halfOpenAfter: limits.breakerHalfOpenAfterMs, breaker: new ConsecutiveBreaker(limits.breakerFailures) },
    );
    this.#policy = wrap(this.#breaker, this.#bulkhead);
  }

  /** Calls that had to wait for the department's rate (each counted once). */
  get rateLimited(): number {
    return this.#rate?.limited ?? 0;
  }

  /** Waits until the department's rate allows one more request of a call already running (its next page). */
  async admit(deadline: number, signal?: AbortSignal): Promise<void> {
    await this.#rate?.take(deadline, signal);
  }

  /**
   * Runs one call under the breaker, the concurrency limit and the rate; `deadline` (epoch ms)
   * bounds how long it may wait for the rate to allow it.
   */
  async execute<T>(call: () => Promise<T>, deadline = Date.now() + this.limits.timeoutMs): Promise<T> {
    const rate = this.#rate;
    const limited = rate ? async () => (await rate.take(deadline), call()) : call;
    this.#calls++;
    // Measured from the call's arrival, so time spent queued for a free place counts too.
    const started = performance.now();
    const observe = (outcome: DepartmentCallOutcome) => this.#observer?.departmentCall(this.department, outcome, (performance.now() - started) / 1000);
    try {
      const answer = await this.#policy.execute(limited);
      observe('ok');
      return answer;
    } catch (error) {
      if (error instanceof BrokenCircuitError) {
        this.#rejected++;
        observe('rejected');
        throw hutongError('HUTONG_ERR_DEPARTMENT_CIRCUIT_OPEN', `${this.department} failed repeatedly; calls are paused for up to ${this.limits.breakerHalfOpenAfterMs} ms`);
      }
      if (error instanceof BulkheadRejectedError) {
        this.#rejected++;
        observe('rejected');
        throw hutongError('HUTONG_ERR_DEPARTMENT_BUSY', `${this.department} already has ${this.maxConcurrentHere} calls in flight from this process`);
      }
      if (isHutongError(error) && DEPARTMENT_FAILURES.has(error.code)) {
        this.#failures++;
        this.#lastFailure = { code: error.code, at: new Date().toISOString() };
        observe('error');
      } else observe('ok');
      throw error;
    }
  }

  health(): DepartmentHealth {
    return {
      department: this.department,
      breaker: STATE_NAMES[this.#breaker.state],
      inFlight: this.maxConcurrentHere - this.#bulkhead.executionSlots,
      queued: this.limits.maxQueued - this.#bulkhead.queueSlots + (this.#rate?.waiting ?? 0),
      rateLimited: this.rateLimited,
      ...(this.limits.ratePerSecond ? { ratePerSecond: this.limits.ratePerSecond } : {}),
      calls: this.#calls,
      failures: this.#failures,
      rejected: this.#rejected,
      ...(this.#lastFailure ? { lastFailure: this.#lastFailure } : {}),
    };
  }
}
