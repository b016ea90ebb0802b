import cluster, { type Worker } from 'node:cluster';
import { startDemoEmulators, startHub, type RunningHub } from './server.ts';
import type { RunningEmulators } from '../emulators/index.ts';

/** What a worker tells the primary once it listens. */
interface WorkerReady {
  readonly hutong: 'listening';
  readonly url: string;
  readonly pid: number;
}

export interface ClusterOptions {
  /** Hub processes to run. */
  readonly workers: number;
  readonly env: NodeJS.ProcessEnv;
  /** Start the emulators once, in the primary, and point every worker at them. */
  readonly withEmulators?: boolean;
}

export interface RunningCluster {
  readonly url: string;
  readonly pids: number[];
  readonly emulators?: RunningEmulators;
  close(): Promise<void>;
}

/**
 * `hutong serve --workers N`: N hub processes sharing one port (`node:cluster`, which hands
 * connections to the workers in turn), one PostgreSQL and, with `REDIS_URL`, one Redis. The
 * primary only starts and watches them: a worker that dies is replaced. Each worker is told how
 * many there are (`HUTONG_PROCESSES`), so it keeps its share of every department's limits.
 *
 * @example
 *   const running = await startCluster({ workers: 2, env: { ...process.env, DATABASE_URL, REDIS_URL } })
 */
export async function startCluster(options: ClusterOptions): Promise<RunningCluster> {
  if (!cluster.isPrimary) throw new Error('startCluster runs in the primary process');
  const env: NodeJS.ProcessEnv = { ...options.env, HUTONG_PROCESSES: String(options.workers) };
  if (!env.DATABASE_URL) {
    throw new Error('--workers needs DATABASE_URL: the embedded store (PGlite) belongs to one process; several hub processes share one PostgreSQL');
  }
  const emulators = options.withEmulators ? await startDemoEmulators(env) : undefined;

  let closing = false;
  const ready = new Map<number, WorkerReady>();
  let firstListening: (() => void) | undefined;
  let announce: ((url: string) => void) | undefined;
  let fail: ((error: Error) => void) | undefined;
  const allListening = new Promise<string>((resolve, reject) => {
    announce = resolve;
    fail = reject;
  });

  // One worker imports the batch-file departments' drops (importing one file twice at once is wasted work).
  let importer: number | undefined;
  const fork = (): Worker => {
    const imports = importer === undefined;
    const worker = cluster.fork({ ...env, HUTONG_CLUSTER_WORKER: '1', ...(imports ? {} : { HUTONG_BATCH_SYNC_INTERVAL_MS: '0' }) });
    if (imports) importer = worker.id;
    worker.on('message', (message: WorkerReady) => {
      if (message?.hutong !== 'listening') return;
      ready.set(worker.id, message);
      firstListening?.();
      if (ready.size === options.workers) announce?.(message.url);
    });
    return worker;
  };
  cluster.on('exit', (worker, code, signal) => {
    const wasReady = ready.delete(worker.id);
    if (importer === worker.id) importer = undefined;
    if (closing) return;
    if (!wasReady && ready.size < options.workers) {
      fail?.(new Error(`a hub worker exited while starting (${signal ?? `code ${code}`}); its error is above`));
      return;
    }
    process.stderr.write(`hub worker ${worker.process.pid} exited (${signal ?? `code ${code}`}); starting another\n`);
    fork();
  });
  // The first worker migrates the store alone; the others start once it listens.
  const first = new Promise<void>((resolve) => (firstListening = resolve));
  fork();
  await Promise.race([first, allListening]).catch(async (error) => {
    closing = true;
    await emulators?.close();
    throw error;
  });
  for (let i = 1; i < options.workers; i++) fork();
  const url = await allListening.catch(async (error) => {
    closing = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill();
    await emulators?.close();
    throw error;
  });
  const pids = [...ready.values()].map((r) => r.pid);
  return {
    url,
    pids,
    emulators,
    async close() {
      closing = true;
      const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
      await Promise.all(
        workers.map(
          (worker) =>
            new Promise<void>((resolve) => {
              worker.once('exit', () => resolve());
              worker.send({ hutong: 'close' });
              // A worker that does not close in time is ended.
              setTimeout(() => worker.kill('SIGKILL'), 10_000).unref();
            }),
        ),
      );
      await emulators?.close();
    },
  };
}

/** Whether this process is a hub worker started by {@link startCluster}. */
export function isClusterWorker(): boolean {
  return cluster.isWorker && process.env.HUTONG_CLUSTER_WORKER === '1';
}

/** The worker's side: runs one hub on the shared port and closes it when the primary says so. */
export async function runClusterWorker(): Promise<RunningHub> {
  const hub = await startHub({ env: process.env });
  process.send?.({ hutong: 'listening', url: hub.url, pid: process.pid } satisfies WorkerReady);
  process.on('message', (message: { hutong?: string }) => {
    if (message?.hutong === 'close') void hub.close().then(() => process.exit(0));
  });
  // The primary handles the terminal's signals and tells the workers.
  process.on('SIGINT', () => {});
  return hub;
}
