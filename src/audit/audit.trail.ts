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
  /** Noted entries waiting to be written, by what they say, so that a repeated read adds to one entry. */
  readonly #waiting = new Map<string, NewAuditEntry>();
  readonly #keys = new WeakMap<NewAuditEntry, string>();
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

  /**
   * Notes an entry to be written with the next batch. The same read noted again before then
   * (same actor, action, subject, city and detail) is counted in the first entry's detail
   * (`repeats`, `lastAt`) rather than written again.
   */
  note(entry: NewAuditEntry, sameAs?: string): void {
    // `sameAs`: the caller's own key for "the same read", cheaper than comparing everything.
    const key = sameAs ?? JSON.stringify([entry.actor, entry.action, entry.subject, entry.cityId ?? null, entry.detail ?? null]);
    const same = this.#waiting.get(key);
    const at = entry.at ?? new Date();
    if (same) {
      const detail = (same.detail ?? {}) as Record<string, unknown>;
      (same as { detail?: unknown }).detail = { ...detail, repeats: Number(detail.repeats ?? 1) + 1, lastAt: at.toISOString() };
      return;
    }
    const noted: NewAuditEntry = { ...entry, at };
    this.#waiting.set(key, noted);
    this.#keys.set(noted, key);
    this.#pending.push(noted);
    if (this.#pending.length > this.#options.maxPending) {
      this.#lost += this.#pending.length - this.#options.maxPending;
      this.#forget(this.#pending.splice(0, this.#pending.length - this.#options.maxPending));
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
        this.#forget(batch);
        try {
          await this.#repository.recordMany(batch);
        } catch (error) {
          this.#pending.unshift(...batch); // kept for the next flush (no longer merged with new notes)
          this.#options.onFlushError?.(error);
          this.#timer ??= setTimeout(() => void this.flush(), this.#options.flushIntervalMs * 10).unref();
          return;
        }
      }
    })();
    await this.#flushing;
  }

  #forget(entries: readonly NewAuditEntry[]): void {
    for (const entry of entries) {
      const key = this.#keys.get(entry);
      if (key !== undefined && this.#waiting.get(key) === entry) this.#waiting.delete(key);
    }
  }
}
