import { pingStore, type Store } from './db.ts';

/**
 * Whether the store answers: pinged every few seconds, and marked down at once when a request
 * finds it unreachable. `/readyz` and the metrics read it; nothing waits on it.
 */
export class StoreWatch {
  #up = true;
  readonly #timer: NodeJS.Timeout;

  constructor(
    private readonly store: Store,
    intervalMs = 5000,
  ) {
    this.#timer = setInterval(() => void this.check(), intervalMs).unref();
  }

  get up(): boolean {
    return this.#up;
  }

  /** Pings the store now; true when it answered. */
  async check(): Promise<boolean> {
    try {
      await pingStore(this.store);
      this.#up = true;
    } catch {
      this.#up = false;
    }
    return this.#up;
  }

  /** A request could not reach the store. */
  failed(): void {
    this.#up = false;
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
