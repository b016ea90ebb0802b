/**
 * `npm run bench`: the hub against a raw node:http baseline, in one run on this machine.
 * Each server runs alone in a child process; autocannon drives it from this process for a fixed
 * time. Prints one table and writes the figures to bench/results/. Then the payments bench
 * (bench/payments.ts): intents created and settled per second on PGlite and PostgreSQL, with its
 * own table and file; its rows are also kept in this run's file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import autocannon from 'autocannon';
import { demoToken } from '../src/cli.ts';
import { runPaymentsBench } from './payments.ts';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);

interface Started {
  child: ChildProcess;
  info: { url: string; emulators?: string };
}

async function startServer(script: string): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const info = await new Promise<Started['info']>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      const ready = /READY (.*)\n/.exec(out);
      if (ready) resolve(JSON.parse(ready[1]));
    });
    child.once('exit', (code) => reject(new Error(`${script} exited ${code}`)));
  });
  return { child, info };
}

async function stop(started: Started): Promise<void> {
  const exited = new Promise((resolve) => started.child.once('exit', resolve));
  started.child.kill('SIGTERM');
  await exited;
}

interface Figures {
  name: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

async function load(name: string, url: string, headers: Record<string, string> = {}): Promise<Figures> {
  await autocannon({ url, connections: CONNECTIONS, duration: 1, headers }); // warm-up
  const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_S, headers });
  return {
    name,
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

const figures: Figures[] = [];
const raw = await startServer('bench/servers/raw-http.ts');
figures.push(await load('raw node:http hello (ceiling)', raw.info.url));
await stop(raw);

const hub = await startServer('bench/servers/hub.ts');
try {
  figures.push(await load('hub GET /healthz', `${hub.info.url}/healthz`));
  figures.push(await load('hub listCities', `${hub.info.url}/v1/cities`));
  const token = await demoToken({ city: 'shanghai', channel: 'web', citizen: 1, hub: hub.info.url, emulators: hub.info.emulators! });
  const recordsUrl = `${hub.info.url}/v1/cities/shanghai/services/traffic.violations/records`;
  const first = await fetch(recordsUrl, { headers: { authorization: `Bearer ${token}` } });
  if (first.status !== 200) throw new Error(`records: ${first.status}`);
  figures.push(await load('hub listRecords, cached, authenticated', recordsUrl, { authorization: `Bearer ${token}` }));

  // My City with one department hung (social security) and one failing half its calls (library),
  // for a citizen none of whose answers are cached yet.
  const fresh = await demoToken({ city: 'wuhan', channel: 'web', citizen: 2, hub: hub.info.url, emulators: hub.info.emulators! });
  await fetch(`${hub.info.emulators}/_admin/faults/social-security`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ hang: true }) });
  await fetch(`${hub.info.emulators}/_admin/faults/library`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ failRate: 0.5 }) });
  const dashboard = await load('hub getDashboard, one department hung (deadline 800 ms)', `${hub.info.url}/v1/cities/wuhan/dashboard`, { authorization: `Bearer ${fresh}` });
  figures.push(dashboard);
  await fetch(`${hub.info.emulators}/_admin/faults`, { method: 'DELETE' });
} finally {
  await stop(hub);
}

const ceiling = figures[0].requestsPerSecond;
const rows = figures.map((f) => ({ ...f, ratioToRaw: Number((f.requestsPerSecond / ceiling).toFixed(3)) }));
console.table(rows);
const payments = await runPaymentsBench();
const outDir = path.resolve('bench/results');
await mkdir(outDir, { recursive: true });
const file = path.join(outDir, `hub-vs-raw-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
await writeFile(file, JSON.stringify({ at: new Date().toISOString(), durationSeconds: DURATION_S, connections: CONNECTIONS, node: process.version, rows, payments: { file: path.relative(process.cwd(), payments.file), rows: payments.rows } }, null, 2));
console.log(`written ${path.relative(process.cwd(), file)}`);
