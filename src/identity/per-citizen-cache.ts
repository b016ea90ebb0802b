import { LRUCache } from 'lru-cache';

/**
 * An LRU of values kept per citizen (`lru-cache`), which can forget everything of one citizen at
 * once: what is kept about them is keyed `citizenId|what`, and an index says which keys are theirs.
 *
 * @example
 *   const kept = new PerCitizenCache<string>({ max: 50_000, ttlMs: 1000 })
 *   kept.set(citizenId, 'records:shanghai/traffic.violations', body)
 *   kept.forget(citizenId) // after a consent is withdrawn
 */
export class PerCitizenCache<V extends object> {
  readonly #entries: LRUCache<string, V>;
  readonly #keysOf = new Map<string, Set<string>>();

  constructor(options: { max: number; ttlMs?: number }) {
    this.#entries = new LRUCache<string, V>({
      max: options.max,
      ...(options.ttlMs ? { ttl: options.ttlMs } : {}),
      dispose: (_value, key) => {
        const citizenId = key.slice(0, key.indexOf('|'));
        const keys = this.#keysOf.get(citizenId);
        keys?.delete(key);
        if (keys?.size === 0) this.#keysOf.delete(citizenId);
      },
    });
  }

  get(citizenId: string, what: string): V | undefined {
    return this.#entries.get(`${citizenId}|${what}`);
  }

  set(citizenId: string, what: string, value: V): void {
    const key = `${citizenId}|${what}`;
    this.#entries.set(key, value);
    let keys = this.#keysOf.get(citizenId);
    if (!keys) this.#keysOf.set(citizenId, (keys = new Set()));
    keys.add(key);
  }

  /** Forgets everything kept about one citizen. */
  forget(citizenId: string): void {
    for (const key of [...(this.#keysOf.get(citizenId) ?? [])]) this.#entries.delete(key);
    this.#keysOf.delete(citizenId);
  }

  clear(): void {
    this.#entries.clear();
    this.#keysOf.clear();
  }
}
