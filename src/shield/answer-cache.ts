import { LRUCache } from 'lru-cache';
import type { SharedRedis } from './shared-redis.ts';

/** One department answer as the shield keeps it; times are epoch milliseconds. */
export interface CachedAnswer {
  readonly value: unknown;
  readonly fetchedAt: number;
  /** Until then the answer is served as it is. */
  readonly freshUntil: number;
  /** Until then it may still be served while a refresh runs, or when the department fails. */
  readonly keepUntil: number;
}

/** When a load began: the time (compared across processes, in Redis) and this process's invalidation count. */
export interface LoadStart {
  readonly at: number;
  readonly epoch: number;
}

/** Keys under the deployment's namespace (the Redis client adds it). */
const PREFIX = 'shield:';
const INVALIDATIONS = 'shield-invalidations';
/** How long an invalidation is remembered, so a load that began before it cannot store its answer afterwards. */
const INVALIDATION_MEMORY_MS = 10 * 60_000;

/**
 * Stores an answer unless the key was invalidated after the load that produced it began
 * (KEYS: answer, invalidation time; ARGV: answer, load start, lifetime in ms).
 */
const SET_UNLESS_INVALIDATED = `
local invalidated = tonumber(redis.call('GET', KEYS[2]) or '0')
if invalidated >= tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return 1`;

/**
 * The shield's answers in two tiers: this process's memory (`lru-cache`) and, with Redis, a tier
 * every hub process shares. An invalidation reaches every process: it is published on Redis, and
 * each process forgets the key in memory and remembers when, so a load that was already under way
 * does not put the old answer back. Without Redis (or while it is down) the memory tier works alone.
 */
export class AnswerCache {
  readonly #local: LRUCache<string, CachedAnswer>;
  readonly #invalidatedAt: LRUCache<string, number>;
  readonly #redis?: SharedRedis;
  /** Counts this process's invalidations (its own and those published by others), to order them against loads. */
  #epoch = 0;

  constructor(options: { maxEntries?: number; redis?: SharedRedis } = {}) {
    this.#local = new LRUCache<string, CachedAnswer>({ max: options.maxEntries ?? 100_000, ttlAutopurge: false });
    this.#invalidatedAt = new LRUCache<string, number>({ max: options.maxEntries ?? 100_000, ttl: INVALIDATION_MEMORY_MS });
    this.#redis = options.redis;
  }

  /** Listens for other processes' invalidations. */
  async start(): Promise<void> {
    await this.#redis?.subscribe(INVALIDATIONS, (key) => this.#forgetLocally(key));
  }

  /** The answer this process holds in memory, if any (also past its time). */
  peek(key: string): CachedAnswer | undefined {
    return this.#local.get(key, { allowStale: true });
  }

  /** The answer from memory, else from the shared tier (then kept in memory too). */
  async get(key: string): Promise<CachedAnswer | undefined> {
    const local = this.#local.get(key);
    if (local) return local;
    const redis = this.#redis;
    if (!redis?.up) return undefined;
    const asked = this.#epoch;
    let raw: string | null;
    try {
      raw = await redis.client.get(`${PREFIX}a:${key}`);
    } catch {
      return undefined;
    }
    if (!raw) return undefined;
    const entry = JSON.parse(raw) as CachedAnswer;
    const now = Date.now();
    // Invalidated while the answer was on its way: it is not to be trusted.
    if (entry.keepUntil <= now || (this.#invalidatedAt.get(key) ?? 0) > asked) return undefined;
    this.#local.set(key, entry, { ttl: entry.keepUntil - now });
    return entry;
  }

  /** A mark of this moment, taken when a load begins, for {@link set}. */
  loadBegins(): LoadStart {
    return { at: Date.now(), epoch: this.#epoch };
  }

  /** Keeps an answer whose load began at `started`, unless the key was invalidated since. */
  async set(key: string, entry: CachedAnswer, started: LoadStart): Promise<void> {
    if ((this.#invalidatedAt.get(key) ?? 0) > started.epoch) return;
    const lifetime = Math.max(1, entry.keepUntil - Date.now());
    this.#local.set(key, entry, { ttl: lifetime });
    const redis = this.#redis;
    if (!redis?.up) return;
    try {
      await redis.client.eval(SET_UNLESS_INVALIDATED, 2, `${PREFIX}a:${key}`, `${PREFIX}i:${key}`, JSON.stringify(entry), String(started.at), String(lifetime));
    } catch {
      // The shared tier is best effort: this process has the answer in memory.
    }
  }

  /**
   * Forgets an answer in every process. Resolves once the shared tier has forgotten it and the
   * other processes have been told (at once, without waiting, when Redis is down).
   */
  async invalidate(key: string): Promise<void> {
    this.#forgetLocally(key);
    const redis = this.#redis;
    if (!redis?.up) return;
    try {
      await redis.client
        .multi()
        .set(`${PREFIX}i:${key}`, String(Date.now()), 'PX', INVALIDATION_MEMORY_MS)
        .del(`${PREFIX}a:${key}`)
        .publish(redis.channel(INVALIDATIONS), key)
        .exec();
    } catch {
      // Redis went down meanwhile: other processes' memory tiers keep the answer until its TTL.
    }
  }

  /**
   * Takes the right to load `key` for `ms` among all processes; true when this process should
   * load it (always, without Redis).
   */
  async claimLoad(key: string, ms: number): Promise<boolean> {
    const redis = this.#redis;
    if (!redis?.up) return true;
    try {
      return (await redis.client.set(`${PREFIX}l:${key}`, '1', 'PX', Math.max(1, ms), 'NX')) === 'OK';
    } catch {
      return true;
    }
  }

  async releaseLoad(key: string): Promise<void> {
    const redis = this.#redis;
    if (!redis?.up) return;
    await redis.client.del(`${PREFIX}l:${key}`).catch(() => undefined);
  }

  /**
   * Waits for the answer another process is loading: resolves with it once it is stored, or
   * undefined when that process gives up (its claim ends) or `ms` pass.
   */
  async awaitOtherLoad(key: string, ms: number): Promise<CachedAnswer | undefined> {
    const redis = this.#redis;
    const until = Date.now() + ms;
    while (redis?.up && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 15));
      const entry = await this.get(key);
      if (entry && entry.freshUntil > Date.now()) return entry;
      const claimed = await redis.client.exists(`${PREFIX}l:${key}`).catch(() => 0);
      if (!claimed) return this.get(key);
    }
    return undefined;
  }

  get size(): number {
    return this.#local.size;
  }

  #forgetLocally(key: string): void {
    this.#local.delete(key);
    this.#invalidatedAt.set(key, ++this.#epoch);
  }
}
