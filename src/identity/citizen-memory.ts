import { isStoreUnavailable } from '../store/store-errors.ts';
import { PerCitizenCache } from './per-citizen-cache.ts';
import type { HubBus } from '../shield/hub-bus.ts';

/** Bus topic: something about a citizen (session, consents, identifiers) changed; the message is the citizen id. */
export const CITIZEN_CHANGED = 'citizen-changed';

/** How long a remembered fact may still be used while the store cannot be reached. */
const WHILE_STORE_DOWN_MS = 10 * 60_000;

interface Remembered {
  readonly value: unknown;
  readonly at: number;
}

/**
 * What the hub reads about a citizen on every request — their session, the entrances' consents,
 * their linked identifiers — kept in memory for a few seconds, so a cached answer to a citizen
 * costs no store query. Any change is told to every hub process (through the {@link HubBus}),
 * which forgets that citizen at once; without a bus message, an entry lives `ttlMs` at most.
 * While the store cannot be reached, what was remembered is used for a while longer, so citizens
 * can still read what the shield has cached.
 *
 * @example
 *   const standing = await memory.remember(citizenId, `consents:${channel}`, () => repository.standingScopes(citizenId, channel))
 *   await memory.changed(citizenId) // after a consent is withdrawn
 */
export class CitizenMemory {
  readonly #entries: PerCitizenCache<Remembered>;
  readonly #bus?: HubBus;
  readonly #ttlMs: number;

  constructor(options: { bus?: HubBus; ttlMs?: number; maxEntries?: number } = {}) {
    this.#ttlMs = options.ttlMs ?? 15_000;
    this.#bus = options.bus;
    this.#entries = new PerCitizenCache<Remembered>({ max: options.maxEntries ?? 200_000 });
    this.#bus?.on(CITIZEN_CHANGED, (citizenId) => this.#entries.forget(citizenId));
  }

  /** The fact as remembered if recent, else loaded now (and, while the store is down, as last remembered). */
  async remember<T>(citizenId: string, what: string, load: () => Promise<T>): Promise<T> {
    if (this.#ttlMs <= 0) return load();
    const known = this.#entries.get(citizenId, what);
    const now = Date.now();
    if (known && now - known.at < this.#ttlMs) return known.value as T;
    try {
      const value = await load();
      this.#entries.set(citizenId, what, { value, at: Date.now() });
      return value;
    } catch (error) {
      if (known && now - known.at < WHILE_STORE_DOWN_MS && isStoreUnavailable(error)) return known.value as T;
      throw error;
    }
  }

  /** Something about these citizens changed: every hub process forgets what it remembered of them. */
  async changed(...citizenIds: string[]): Promise<void> {
    await Promise.all(citizenIds.map((id) => (this.#bus ? this.#bus.publish(CITIZEN_CHANGED, id) : this.#entries.forget(id))));
  }
}
