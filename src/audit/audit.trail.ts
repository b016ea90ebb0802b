import type { AuditRepository, NewAuditEntry } from './audit.repository.ts';

export interface AuditTrailOptions {
  /** How long a read's entry may wait before it is written. */
  readonly flushIntervalMs?: number;
  /** Entries written in one statement at most. */
  readonly maxBatch?: number;
  /** Entries kept while the store refuses writes; older ones beyond this are counted as lost. */
  readonly maxPending?: number;
  readonly onFlushError?: (error: unknown) => void;
}

/**
 * Who did what to whose data. Changes (logins, links) are written before the answer; reads are
 * noted with their time and written in batches a few milliseconds later, so that reading one's
 * records costs no synchronous write.
 *
 * @example
 *   await trail.record({ actor: 'citizen:1', action: 'identifier.link', subject: 'identifier:9' })
 *   trail.note({ actor: 'citizen:1', action: 'records.list', subject: 'service:traffic.violations' })
 */
export class AuditTrail {
  readonly #repository: AuditRepository;
  readonly #options: Required<Omit<AuditTrailOptions, 'onFlushError'>> & Pick<AuditTrailOptions, 'onFlushError'>;
  #pending: NewAuditEntry[] = [];
  #timer?: NodeJS.Timeout;
  #flushing?: Promise<void>;
  #lost = 0;

  constructor(repository: AuditRepository, options: AuditTrailOptions = {}) {
    this.#repository = repository;
    this.#options = { flushIntervalMs: 100, maxBatch: 500, maxPending: 100_000, ...options };
  }

  /** Writes an entry now; the caller waits for it. */
  record(entry: NewAuditEntry): Promise<void> {
    return this.#repository.record(entry);
  }

  /** Notes an entry to be written with the next batch. */
  note(entry: NewAuditEntry): void {
    this.#pending.push({ ...entry, at: entry.at ?? new Date() });
    if (this.#pending.length > this.#options.maxPending) {
      this.#lost += this.#pending.length - this.#options.maxPending;
      this.#pending.splice(0, this.#pending.length - this.#options.maxPending);
    }
    if (this.#pending.length >= this.#options.maxBatch) void this.flush();
    else this.#timer ??= setTimeout(() => void this.flush(), this.#options.flushIntervalMs).unref();
  }

  /** Entries noted but not yet written, and entries dropped because the store refused them too long. */
  get backlog(): { pending: number; lost: number } {
    return { pending: this.#pending.length, lost: this.#lost };
  }

  /** Writes everything noted so far. */
  async flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#flushing;
    this.#flushing = (async () => {
      while (this.#pending.length > 0) {
        const batch = this.#pending.splice(0, this.#options.maxBatch);
        try {
          await this.#repository.recordMany(batch);
        } catch (error) {
          this.#pending.unshift(...batch); // kept for the next flush
          this.#options.onFlushError?.(error);
          this.#timer ??= setTimeout(() => void this.flush(), this.#options.flushIntervalMs * 10).unref();
          return;
        }
      }
    })();
    await this.#flushing;
  }
}
