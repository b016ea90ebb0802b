import { CompiledQuery, type Kysely } from 'kysely';
import PgBoss from 'pg-boss';
import type { Store } from '../store/db.ts';

/** The schema the queue keeps its tables in, beside the hub's own. */
const SCHEMA = 'hutong_jobs';

/** A job handler: resolves when the job is done; a rejection makes the queue retry it with backoff. */
export type JobHandler<T> = (data: T, job: { readonly id: string; readonly retryCount: number }) => Promise<void>;

/** pg-boss speaks SQL through this: the hub's own connection (PGlite or PostgreSQL), or a transaction. */
function executorOf(db: Kysely<unknown>): PgBoss.Db {
  return {
    async executeSql(text: string, values?: unknown[]) {
      const result = await db.executeQuery(CompiledQuery.raw(text, values ?? []));
      return { rows: result.rows };
    },
  } as PgBoss.Db;
}

/**
 * Durable jobs in the hub's store (pg-boss): they survive restarts and crashes, are retried with
 * backoff, and any hub process on the same PostgreSQL may run them. A job sent inside a store
 * transaction exists exactly when that transaction commits.
 *
 * @example
 *   const jobs = await JobQueue.start(store, { onError })
 *   await jobs.define('payment-write-back', { retryLimit: 30 }, (data) => writeBack(data))
 *   await jobs.send('payment-write-back', { intentId }, { key: intentId })
 */
export class JobQueue {
  readonly #boss: PgBoss;
  readonly #pollingIntervalSeconds: number;

  private constructor(boss: PgBoss, pollingIntervalSeconds: number) {
    this.#boss = boss;
    this.#pollingIntervalSeconds = pollingIntervalSeconds;
  }

  static async start(store: Store, options: { onError: (error: Error) => void; pollingIntervalSeconds?: number }): Promise<JobQueue> {
    const boss = new PgBoss({ db: executorOf(store.db as Kysely<unknown>), schema: SCHEMA, supervise: true, schedule: false });
    boss.on('error', options.onError);
    await boss.start();
    return new JobQueue(boss, options.pollingIntervalSeconds ?? 0.5);
  }

  /** Creates the queue (once) and starts working it in this process. */
  async define<T extends object>(
    queue: string,
    options: { retryLimit: number; retryDelaySeconds: number; expireInSeconds?: number },
    handler: JobHandler<T>,
  ): Promise<void> {
    if (!(await this.#boss.getQueue(queue))) {
      await this.#boss.createQueue(queue, {
        name: queue,
        // At most one waiting job per key: sending again while one waits is a no-op.
        policy: 'stately',
        retryLimit: options.retryLimit,
        retryDelay: options.retryDelaySeconds,
        retryBackoff: true,
        expireInSeconds: options.expireInSeconds ?? 60,
      });
    }
    // Up to 20 jobs a fetch, run side by side. One failure fails the batch, so every job of it is
    // retried: handlers are idempotent, and a job already done is a no-op the second time.
    await this.#boss.work<T>(queue, { pollingIntervalSeconds: this.#pollingIntervalSeconds, batchSize: 20 }, async (jobs) => {
      const outcomes = await Promise.allSettled(jobs.map((job) => handler(job.data, { id: job.id, retryCount: (job as { retryCount?: number }).retryCount ?? 0 })));
      const failed = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
      if (failed.length > 0) throw new AggregateError(failed.map((f) => f.reason), `${failed.length} of ${jobs.length} ${queue} jobs failed`);
    });
  }

  /** Sends a job; inside `transaction` it is part of that transaction. `key` keeps one waiting job per key. */
  async send(queue: string, data: object, options: { key?: string; transaction?: Kysely<unknown> } = {}): Promise<void> {
    await this.#boss.send(queue, data, {
      ...(options.key ? { singletonKey: options.key } : {}),
      ...(options.transaction ? { db: executorOf(options.transaction) } : {}),
    });
  }

  async stop(): Promise<void> {
    await this.#boss.stop({ graceful: true, wait: true, timeout: 5000 });
  }
}
