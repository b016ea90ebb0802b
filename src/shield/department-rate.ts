import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { hutongError } from '../errors.ts';
import type { SharedRedis } from './shared-redis.ts';

/**
 * Splits a rate into buckets so that no sliding second ever holds more than `perSecond` calls
 * at the department: `k` buckets a second, each allowing `perSecond / (k + 2)`. Any second
 * overlaps at most `k + 1` buckets; the one bucket more is room for calls granted at the end of a
 * bucket that reach the department up to a bucket later (a busy event loop, the network).
 */
export function rateBuckets(perSecond: number): { bucketMs: number; perBucket: number } {
  if (perSecond < 3) return { bucketMs: 2000, perBucket: 1 }; // one call per two seconds never puts two in one second
  const k = Math.min(10, perSecond - 2);
  return { bucketMs: Math.ceil(1000 / k), perBucket: Math.floor(perSecond / (k + 2)) };
}

interface Counting {
  readonly limiter: RateLimiterAbstract;
  readonly bucketMs: number;
}

/**
 * A department's calls per second, counted by every hub process together in Redis
 * (`rate-limiter-flexible`); while Redis is down, or without it, each process counts alone and
 * allows its share (`perSecond / processes`), so the department never sees more than its rate.
 *
 * @example
 *   const rate = new DepartmentRate('shanghai/traffic-police', 50, { redis, processes: 2 })
 *   await rate.take(deadline) // waits for a place in the next bucket, or throws HUTONG_ERR_DEPARTMENT_BUSY
 */
export class DepartmentRate {
  readonly department: string;
  readonly perSecond: number;
  readonly #shared?: Counting;
  readonly #alone: Counting;
  readonly #redis?: SharedRedis;
  #waiting = 0;
  #limited = 0;

  constructor(department: string, perSecond: number, sharing: { redis?: SharedRedis; processes: number }) {
    this.department = department;
    this.perSecond = perSecond;
    this.#redis = sharing.redis;
    const share = rateBuckets(Math.max(1, Math.floor(perSecond / Math.max(1, sharing.processes))));
    this.#alone = { limiter: new RateLimiterMemory({ keyPrefix: 'hutong-rate', points: share.perBucket, duration: Math.ceil((2 * share.bucketMs) / 1000) }), bucketMs: share.bucketMs };
    if (sharing.redis) {
      const all = rateBuckets(perSecond);
      this.#shared = {
        limiter: new RateLimiterRedis({ storeClient: sharing.redis.client, keyPrefix: 'rate', points: all.perBucket, duration: Math.ceil((2 * all.bucketMs) / 1000), rejectIfRedisNotReady: true }),
        bucketMs: all.bucketMs,
      };
    }
  }

  /** Calls waiting for a place now. */
  get waiting(): number {
    return this.#waiting;
  }

  /** Calls that waited for a place (each counted once). */
  get limited(): number {
    return this.#limited;
  }

  /** Takes one place for a call, waiting for the next bucket while `deadline` (epoch ms) allows. */
  async take(deadline: number, signal?: AbortSignal): Promise<void> {
    let waited = false;
    try {
      for (;;) {
        const next = await this.#tryTake(Date.now());
        if (next === undefined) return;
        if (next >= deadline || signal?.aborted) {
          throw hutongError('HUTONG_ERR_DEPARTMENT_BUSY', `${this.department} takes at most ${this.perSecond} calls a second; no place came free in time`);
        }
        if (!waited) {
          waited = true;
          this.#limited++;
          this.#waiting++;
        }
        await new Promise((resolve) => setTimeout(resolve, next - Date.now() + 1));
      }
    } finally {
      if (waited) this.#waiting--;
    }
  }

  /** Takes a place in the current bucket (undefined), or says when the next bucket begins. Counts alone when Redis fails. */
  async #tryTake(now: number): Promise<number | undefined> {
    const countings = this.#shared && this.#redis?.up ? [this.#shared, this.#alone] : [this.#alone];
    for (const counting of countings) {
      const bucket = Math.floor(now / counting.bucketMs);
      try {
        await counting.limiter.consume(`${this.department}:${bucket}`);
        return undefined;
      } catch (refusal) {
        if (refusal instanceof RateLimiterRes) return (bucket + 1) * counting.bucketMs;
        // Redis failed just now: count alone.
      }
    }
    return now + this.#alone.bucketMs;
  }
}
