/**
 * (h) Scale-out: the cached citizen query (section b's) served by several hub processes on
 * PostgreSQL + Redis, against one process on the same store; target ≥ 1.7× with two.
 *
 * A fresh database is made for the run (`create database bench_<random>` on BENCH_PG_URL) and
 * dropped at the end. The hubs use the run's emulators (HUTONG_EMULATORS_URL, demo mode).
 * `hutong serve --workers N` (node:cluster) is used when the CLI has it; otherwise N separate hub
 * processes (bench/servers/hub.ts) on their own ports, with autocannon spreading its connections
 * over them in turn — a balancer with no extra hop or process, on a machine with few cores.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import type { BenchContext } from '../lib/context.ts';
import { logIn, populationOf } from '../lib/citizens.ts';
import { call, errorCode, freePort, reachable, sleep } from '../lib/http.ts';
import { saturateInTurns, type Figures, type Target } from '../lib/load.ts';
import { startChild, startScript, stopChild, type Child } from '../lib/processes.ts';
import { meets } from '../lib/report.ts';
import { round } from '../lib/stats.ts';
import { knobs } from '../lib/config.ts';
import { CACHED_CITY } from './hub-cached.ts';
import { failures } from './raw-ceiling.ts';
import { adminQuery } from '../payments.ts';

const SERIAL = 700_001;
const START_TIMEOUT_MS = 90_000;

const admin = adminQuery;

/** Whether `hutong serve` takes `--workers`. */
async function serveHasWorkers(): Promise<boolean> {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve', '--help'], { timeout: 30_000 });
    return /--workers\b/.test(stdout);
  } catch {
    return false;
  }
}

interface Served {
  readonly urls: string[];
  readonly children: Child[];
}

async function healthy(url: string, deadline: number): Promise<void> {
  for (;;) {
    const answer = await call(`${url}/healthz`, { timeoutMs: 2000 });
    if (answer.status === 200) return;
    if (Date.now() > deadline) throw new Error(`${url}/healthz: ${answer.status} ${errorCode(answer)}`);
    await sleep(200);
  }
}

/** `hutong serve [--workers N]` on a free port, on the run's database and Redis. */
async function startServe(env: NodeJS.ProcessEnv, workers: number | undefined): Promise<Served> {
  const port = await freePort();
  const args = ['--import', 'tsx', 'src/cli.ts', 'serve', ...(workers ? ['--workers', String(workers)] : [])];
  const { child, info } = await startChild<string>(`hutong serve${workers ? ` --workers ${workers}` : ''}`, process.execPath, args, {
    env: { ...env, PORT: String(port), HOST: '127.0.0.1' },
    ready: (out) => /Hutong hub\s+(http:\/\/\S+)/.exec(out)?.[1],
    timeoutMs: START_TIMEOUT_MS,
  });
  await healthy(info, Date.now() + 30_000);
  return { urls: [info], children: [child] };
}

/**
 * Logs a citizen in on `served` and reads their violations once on each URL; the load target.
 * (Every process sees the query during the load's warm-up: its connections reach them all.)
 */
async function prepare(served: Served, emulators: string, serial: number): Promise<Target> {
  const { token } = await logIn(served.urls[0]!, emulators, populationOf(CACHED_CITY).citizen(serial), { linkPlate: true });
  const path = `/v1/cities/${CACHED_CITY}/services/traffic.violations/records`;
  for (const url of served.urls) {
    const answer = await call(`${url}${path}`, { token });
    if (answer.status !== 200) throw new Error(`listRecords on ${url}: ${answer.status} ${errorCode(answer)}`);
  }
  return { url: served.urls.length === 1 ? `${served.urls[0]}${path}` : served.urls.map((u) => `${u}${path}`), headers: { authorization: `Bearer ${token}` } };
}

export async function scaleOut(ctx: BenchContext): Promise<void> {
  const { report, emulators } = ctx;
  const name = `scale-out, ${knobs.scaleWorkers} processes vs 1 (PostgreSQL + Redis)`;
  const redis = new URL(knobs.redisUrl);
  if (!(await reachable(redis.hostname, Number(redis.port || 6379)))) return report.skip('h', name, `no Redis at ${redis.host}`);
  const database = `bench_${randomBytes(6).toString('hex')}`;
  try {
    await admin(knobs.postgresUrl, `create database ${database}`);
  } catch (error) {
    return report.skip('h', name, `no PostgreSQL at ${new URL(knobs.postgresUrl).host}: ${(error as Error).message}`);
  }
  const databaseUrl = new URL(knobs.postgresUrl);
  databaseUrl.pathname = `/${database}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...ctx.env,
    DATABASE_URL: databaseUrl.toString(),
    REDIS_URL: knobs.redisUrl,
    HUTONG_EMULATORS_URL: emulators.url,
    HUTONG_DEMO: '1',
  };
  const started: Child[] = [];
  try {
    const cluster = knobs.scaleMode === 'processes' ? false : await serveHasWorkers();
    if (!cluster && knobs.scaleMode === 'cluster') throw new Error('hutong serve has no --workers option (BENCH_SCALE_MODE=cluster)');
    // Both set-ups run side by side on the same database and Redis and are loaded in turns, so
    // that other work on the machine falls on both alike; the one not loaded is idle.
    let single: Served;
    let several: Served;
    if (cluster) {
      single = await startServe(env, undefined);
      started.push(...single.children);
      several = await startServe(env, knobs.scaleWorkers);
      started.push(...several.children);
    } else {
      // The first hub migrates the new database; the others join it once it is ready.
      const hubEnv = { ...env, BENCH_DATABASE_URL: env.DATABASE_URL, BENCH_EMULATORS_URL: emulators.url, HUTONG_PROCESSES: String(knobs.scaleWorkers) };
      const urls: string[] = [];
      for (let i = 0; i < knobs.scaleWorkers; i++) {
        const { child, info } = await startScript<{ url: string }>(`hub ${i + 1} (PostgreSQL)`, 'bench/servers/hub.ts', hubEnv, START_TIMEOUT_MS);
        started.push(child);
        urls.push(info.url);
      }
      // One of them alone, against all of them together.
      single = { urls: urls.slice(0, 1), children: started.slice(0, 1) };
      several = { urls, children: [...started] };
    }
    const targets = [await prepare(single, emulators.url, SERIAL), await prepare(several, emulators.url, SERIAL + 1)];
    const [one, many] = (await saturateInTurns(targets)) as [Figures, Figures];
    const ratio = round(many.rps / one.rps, 3);
    const how = cluster
      ? `hutong serve --workers ${knobs.scaleWorkers}`
      : `${knobs.scaleWorkers} hub processes (bench/servers/hub.ts${knobs.scaleMode === 'processes' ? '' : '; serve --workers not available'}), connections spread over them`;
    report.details.h = { mode: how, database, one, many };
    report.add({ section: 'h', name: 'hub listRecords cached, 1 process (PostgreSQL + Redis)', value: one.rps, unit: 'req/s', rps: one.rps, p50Ms: one.p50Ms, p99Ms: one.p99Ms, note: failures(one) });
    report.add({ section: 'h', name: `hub listRecords cached, ${knobs.scaleWorkers} processes`, value: many.rps, unit: 'req/s', rps: many.rps, p50Ms: many.p50Ms, p99Ms: many.p99Ms, note: [how, failures(many)].filter(Boolean).join('; ') });
    report.add({ section: 'h', name: `scale-out ${knobs.scaleWorkers} processes / 1`, value: ratio ?? 'n/a', unit: '×', target: '≥ 1.7', met: meets(ratio, '≥', 1.7) });
  } finally {
    await Promise.all(started.map((c) => stopChild(c)));
    await admin(knobs.postgresUrl, `drop database if exists ${database} with (force)`).catch((error: unknown) => {
      process.stderr.write(`bench: could not drop database ${database}: ${(error as Error).message}\n`);
    });
  }
}
