/**
 * Load steps. Each stops by itself: after its seconds or its request cap, whichever comes first.
 *
 *  - `saturate`: autocannon, closed loop, as many requests per second as the server gives.
 *  - `fixedRate`: our own open-loop client at a fixed rate, for latency. autocannon records
 *    latency in whole milliseconds, too coarse to tell a 2 ms difference between two p99s, so this
 *    client times each request with process.hrtime (microseconds) from the moment it is handed
 *    to node:http (a keep-alive agent with `connections` sockets) to the end of the response body.
 *    A request that has to wait for a free socket waits on the clock. Requests are issued on a
 *    1 ms timer at the rate's schedule, never more than the schedule says (no catch-up bursts
 *    beyond the requests due).
 *  - `…InTurns`: the same on several servers taken in turns, a slice each, so that other work on
 *    the machine (which comes and goes) falls on each alike and their ratio or difference holds.
 */
import http from 'node:http';
import autocannon from 'autocannon';
import { knobs } from './config.ts';
import { percentile, round } from './stats.ts';

export interface Target {
  /** One URL, or several served alike (connections are spread over them in turn). */
  readonly url: string | string[];
  readonly method?: 'GET' | 'POST';
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

export interface Figures {
  readonly rps: number;
  readonly p50Ms?: number;
  readonly p99Ms?: number;
  readonly requests: number;
  /** Answers other than 2xx, errors and timeouts. */
  readonly failed: number;
  readonly seconds: number;
}

/** Closed-loop load with autocannon: a short warm-up, then the measured step. */
export async function saturate(target: Target, options: { seconds?: number; connections?: number; maxRequests?: number; warmupSeconds?: number } = {}): Promise<Figures> {
  const connections = options.connections ?? knobs.connections;
  const base = {
    // autocannon takes several URLs (its connections take them in turn); its types say one.
    url: target.url as string,
    method: target.method ?? 'GET',
    headers: target.headers ?? {},
    body: target.body,
    connections,
    timeout: 10,
  };
  if ((options.warmupSeconds ?? 2) > 0) await autocannon({ ...base, duration: options.warmupSeconds ?? 2, maxOverallRequests: options.maxRequests ?? knobs.maxRequests });
  const result = await autocannon({ ...base, duration: options.seconds ?? knobs.durationSeconds, maxOverallRequests: options.maxRequests ?? knobs.maxRequests });
  const seconds = result.duration || options.seconds || knobs.durationSeconds;
  return {
    rps: Math.round(result.requests.total / seconds),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    failed: result.non2xx + result.errors + result.timeouts,
    seconds: round(seconds, 2)!,
  };
}

/**
 * Closed-loop load on several targets taken in turns (`rounds` slices of `seconds` each, target
 * after target), so that other work on the machine falls on all of them alike; each is warmed up
 * once first. Per target: requests per second over all its slices, the median of its slices' p50
 * and the highest of their p99.
 */
export async function saturateInTurns(targets: readonly Target[], options: { seconds?: number; rounds?: number; connections?: number; maxRequests?: number } = {}): Promise<Figures[]> {
  const rounds = options.rounds ?? knobs.rateRounds;
  const seconds = options.seconds ?? Math.max(1, Math.round(knobs.durationSeconds / rounds));
  for (const target of targets) await saturate(target, { ...options, seconds: 1, warmupSeconds: 1 });
  const slices: Figures[][] = targets.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (const [i, target] of targets.entries()) slices[i]!.push(await saturate(target, { ...options, seconds, warmupSeconds: 0 }));
  }
  return slices.map((list) => {
    const requests = list.reduce((n, f) => n + f.requests, 0);
    const total = list.reduce((n, f) => n + f.seconds, 0);
    const p50s = list.flatMap((f) => (f.p50Ms === undefined ? [] : [f.p50Ms]));
    const p99s = list.flatMap((f) => (f.p99Ms === undefined ? [] : [f.p99Ms]));
    return {
      rps: Math.round(requests / total),
      p50Ms: percentile(p50s, 0.5),
      p99Ms: p99s.length ? Math.max(...p99s) : undefined,
      requests,
      failed: list.reduce((n, f) => n + f.failed, 0),
      seconds: round(total, 2)!,
    };
  });
}

export interface RateFigures extends Figures {
  readonly p90Ms?: number;
  readonly maxMs?: number;
  /** The rate asked for. */
  readonly rate: number;
}

interface RateOptions {
  readonly rate?: number;
  readonly connections?: number;
  /** Seconds of one slice. */
  readonly seconds?: number;
  /** Slices per target. */
  readonly rounds?: number;
  readonly maxRequests?: number;
  readonly warmupSeconds?: number;
}

/**
 * Open-loop load at the same fixed rate on several targets, taken in turns: `rounds` slices of
 * `seconds` each, target after target, so that other work on the machine, which comes and goes,
 * falls on every target alike. Each target keeps its own connections throughout and is warmed up
 * once first. Latency is timed per request in microseconds.
 */
export async function fixedRateInTurns(targets: ReadonlyArray<Target & { url: string }>, options: RateOptions = {}): Promise<RateFigures[]> {
  const rate = options.rate ?? knobs.rate;
  const connections = options.connections ?? knobs.rateConnections;
  const seconds = options.seconds ?? knobs.rateSeconds;
  const rounds = options.rounds ?? knobs.rateRounds;
  const maxRequests = Math.min(options.maxRequests ?? knobs.maxRequests, Math.ceil(rate * seconds));
  const agents = targets.map(() => new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections }));
  const samples = targets.map(() => ({ latencies: [] as number[], failed: 0, elapsedMs: 0 }));
  try {
    const warmup = options.warmupSeconds ?? 1;
    if (warmup > 0) for (const [i, target] of targets.entries()) await run(target, agents[i]!, rate, warmup * 1000, Math.ceil(rate * warmup));
    for (let round = 0; round < rounds; round++) {
      for (const [i, target] of targets.entries()) {
        const slice = await run(target, agents[i]!, rate, seconds * 1000, maxRequests);
        for (const ms of slice.latencies) samples[i]!.latencies.push(ms);
        samples[i]!.failed += slice.failed;
        samples[i]!.elapsedMs += slice.elapsedMs;
      }
    }
  } finally {
    for (const agent of agents) agent.destroy();
  }
  return samples.map(({ latencies, failed, elapsedMs }) => ({
    rate,
    rps: Math.round((latencies.length + failed) / (elapsedMs / 1000)),
    p50Ms: round(percentile(latencies, 0.5), 3),
    p90Ms: round(percentile(latencies, 0.9), 3),
    p99Ms: round(percentile(latencies, 0.99), 3),
    maxMs: latencies.length ? round(Math.max(...latencies), 3) : undefined,
    requests: latencies.length + failed,
    failed,
    seconds: round(elapsedMs / 1000, 2)!,
  }));
}

/** Open-loop load at a fixed rate on one target (see `fixedRateInTurns`). */
export async function fixedRate(target: Target & { url: string }, options: RateOptions = {}): Promise<RateFigures> {
  return (await fixedRateInTurns([target], options))[0]!;
}

function run(target: Target & { url: string }, agent: http.Agent, rate: number, durationMs: number, maxRequests: number): Promise<{ latencies: number[]; failed: number; elapsedMs: number }> {
  const url = new URL(target.url);
  const latencies: number[] = [];
  let failed = 0;
  let issued = 0;
  let finished = 0;
  const started = process.hrtime.bigint();
  const elapsedMs = () => Number(process.hrtime.bigint() - started) / 1e6;
  return new Promise((resolve) => {
    let stopped = false;
    const maybeDone = () => {
      if (stopped && finished === issued) resolve({ latencies, failed, elapsedMs: Math.min(elapsedMs(), durationMs) });
    };
    const one = () => {
      issued++;
      const sent = process.hrtime.bigint();
      let settled = false;
      const settle = (ok: boolean) => {
        if (settled) return;
        settled = true;
        if (ok) latencies.push(Number(process.hrtime.bigint() - sent) / 1e6);
        else failed++;
        finished++;
        maybeDone();
      };
      const req = http.request(
        { host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method: target.method ?? 'GET', headers: target.headers, agent, timeout: 10_000 },
        (res) => {
          const ok = res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300;
          res.once('end', () => settle(ok));
          res.once('close', () => settle(false));
          res.resume();
        },
      );
      req.once('timeout', () => req.destroy(new Error('timeout')));
      req.once('error', () => settle(false));
      req.end(target.body);
    };
    const tick = () => {
      const now = elapsedMs();
      if (now >= durationMs || issued >= maxRequests) {
        stopped = true;
        maybeDone();
        return;
      }
      const due = Math.min(maxRequests, Math.floor((now / 1000) * rate) + 1);
      while (issued < due) one();
      setTimeout(tick, 1);
    };
    tick();
  });
}
