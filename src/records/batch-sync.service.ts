import type { FastifyBaseLogger } from 'fastify';
import type { Catalog } from '../catalog/catalog.service.ts';
import type { SynchronizeReport } from '../connectors/connector.ts';

export interface BatchSyncStatus {
  readonly department: string;
  readonly lastRunAt?: string;
  readonly lastReport?: SynchronizeReport;
  readonly lastError?: string;
}

/**
 * Imports what batch-file departments (a utility's nightly CSV) have dropped, at start and then on
 * an interval. Imports are idempotent, so several hub processes may run it at once.
 */
export class BatchSyncService {
  readonly #status = new Map<string, BatchSyncStatus>();
  #timer?: NodeJS.Timeout;
  #running?: Promise<void>;
  #stopping = new AbortController();

  constructor(
    private readonly catalog: Catalog,
    private readonly log: FastifyBaseLogger,
    private readonly intervalMs: number,
  ) {}

  /** The departments this hub imports from, with their last run. */
  status(): BatchSyncStatus[] {
    return [...this.#status.values()];
  }

  /** Runs one import of every batch department now (waits for a run already under way). */
  async runOnce(): Promise<void> {
    this.#running ??= this.#run().finally(() => (this.#running = undefined));
    return this.#running;
  }

  start(): void {
    void this.runOnce();
    this.#timer = setInterval(() => void this.runOnce(), this.intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#stopping.abort();
    await this.#running?.catch(() => undefined);
  }

  async #run(): Promise<void> {
    for (const city of this.catalog.listCities()) {
      for (const department of this.catalog.listDepartments(city.id)) {
        if (this.#stopping.signal.aborted) return;
        let connector;
        try {
          connector = this.catalog.connectorFor(city.id, department.id);
        } catch {
          continue; // a connector kind not installed here has nothing to import
        }
        if (!connector.synchronize) continue;
        const key = `${city.id}/${department.id}`;
        try {
          const report = await connector.synchronize({ signal: this.#stopping.signal });
          this.#status.set(key, { department: key, lastRunAt: new Date().toISOString(), lastReport: report });
          for (const file of report.files.filter((f) => f.status === 'imported' || f.status === 'failed')) {
            this.log.info(
              { department: key, file: file.file, status: file.status, imported: file.linesImported, rejected: file.linesRejected.length },
              'batch file import',
            );
          }
        } catch (error) {
          this.#status.set(key, { department: key, lastRunAt: new Date().toISOString(), lastError: (error as Error).message });
          this.log.warn({ department: key, err: error }, 'batch import failed; retried at the next run');
        }
      }
    }
  }
}
