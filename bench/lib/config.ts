/**
 * The bench's knobs, all from BENCH_* environment variables, with defaults that keep
 * `npm run bench` within about six minutes on a two-core machine.
 */
import path from 'node:path';

function number(name: string, fallback: number, min = 0): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) throw new Error(`${name} must be a number ≥ ${min}, got "${raw}"`);
  return value;
}

function text(name: string, fallback: string): string {
  const raw = process.env[name];
  return raw === undefined || raw === '' ? fallback : raw;
}

export const knobs = Object.freeze({
  /** Whole run, seconds: a section that would not fit is skipped, and a watchdog ends the run 60 s after. */
  budgetSeconds: number('BENCH_BUDGET_S', 360, 30),
  /** Which sections run, by letter (a…h). */
  sections: text('BENCH_SECTIONS', 'abcdefgh').toLowerCase(),
  /** Saturating load (autocannon): seconds, connections, and a cap on requests per step. */
  durationSeconds: number('BENCH_DURATION_S', 5, 1),
  connections: number('BENCH_CONNECTIONS', 32, 1),
  maxRequests: number('BENCH_MAX_REQUESTS', 1_000_000, 1),
  /** Fixed-rate latency steps: requests per second, connections, seconds of one slice, slices per server. */
  rate: number('BENCH_RATE', 1000, 1),
  rateConnections: number('BENCH_RATE_CONNECTIONS', 10, 1),
  rateSeconds: number('BENCH_RATE_S', 2, 0.5),
  rateRounds: number('BENCH_RATE_ROUNDS', 3, 1),
  /** (c) nginx binary and worker processes. */
  nginx: text('BENCH_NGINX', 'nginx'),
  nginxWorkers: number('BENCH_NGINX_WORKERS', 1, 1),
  /** (d) Zipf reads over one city's citizens, with payments mixed in. */
  zipfS: number('BENCH_ZIPF_S', 1.1, 0),
  zipfCitizens: number('BENCH_ZIPF_CITIZENS', 100_000, 1),
  zipfReads: number('BENCH_ZIPF_READS', 20_000, 1),
  zipfPayShare: number('BENCH_ZIPF_PAY_SHARE', 0.01, 0),
  zipfCity: text('BENCH_ZIPF_CITY', 'guangzhou'),
  zipfLoginSeconds: number('BENCH_ZIPF_LOGIN_S', 60, 1),
  zipfReadSeconds: number('BENCH_ZIPF_READ_S', 60, 1),
  zipfConcurrency: number('BENCH_ZIPF_CONCURRENCY', 16, 1),
  loginConcurrency: number('BENCH_LOGIN_CONCURRENCY', 8, 1),
  seed: number('BENCH_SEED', 20_261_203, 0),
  /** (e) the department hung during the dashboard step, and the step's length. */
  dashboardCity: text('BENCH_DASHBOARD_CITY', 'wuhan'),
  hungDepartment: text('BENCH_HUNG_DEPARTMENT', 'social-security'),
  dashboardSeconds: number('BENCH_DASHBOARD_S', 6, 1),
  dashboardConnections: number('BENCH_DASHBOARD_CONNECTIONS', 10, 1),
  /** (f) booking burst through the waiting room. */
  burstCitizens: number('BENCH_BURST_CITIZENS', 500, 1),
  burstCity: text('BENCH_BURST_CITY', 'chengdu'),
  burstLoginSeconds: number('BENCH_BURST_LOGIN_S', 45, 1),
  burstSeconds: number('BENCH_BURST_S', 75, 1),
  /** (h) scale-out: the PostgreSQL server a fresh database is made on, and Redis. */
  postgresUrl: text('BENCH_PG_URL', 'postgres://root@127.0.0.1:5432/postgres'),
  redisUrl: text('BENCH_REDIS_URL', 'redis://127.0.0.1:6379'),
  scaleWorkers: number('BENCH_SCALE_WORKERS', 2, 2),
  /** auto: `hutong serve --workers N` when the CLI has it, else N hub processes; cluster or processes: that one. */
  scaleMode: text('BENCH_SCALE_MODE', 'auto') as 'auto' | 'cluster' | 'processes',
  /** Also run bench/payments.ts (minutes). */
  payments: process.env.BENCH_PAYMENTS === '1',
  /** Show the children's own output. */
  verbose: process.env.BENCH_VERBOSE === '1',
  resultsDir: path.resolve(text('BENCH_RESULTS_DIR', 'bench/results')),
});

export type Knobs = typeof knobs;

/** About how long each section takes with the defaults, seconds: what a section leaves for those after it. */
const TYPICAL_SECONDS: Record<string, number> = { a: 10, b: 32, c: 18, d: 110, f: 60, e: 12, g: 1, h: 60 };

/** Time to keep for the sections named in `letters` that this run includes, in ms. */
export function reserveFor(letters: string): number {
  return [...letters].filter((l) => knobs.sections.includes(l)).reduce((ms, l) => ms + (TYPICAL_SECONDS[l] ?? 0) * 1000, 0);
}
