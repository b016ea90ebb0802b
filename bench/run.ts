/**
 * `npm run bench`: one bounded run on this machine, one table, the same figures in
 * bench/results/bench-<time>.json.
 *
 *  a  raw node:http hello-world: the ceiling
 *  b  the hub serving a cached, authenticated citizen query: throughput, ratio to a, and the p99
 *     the hub adds on a cache hit at a fixed rate
 *  c  nginx proxy_cache in front of the same department endpoint (when nginx is installed)
 *  d  department offload under Zipf-distributed reads over 100 000 citizens, payments mixed in
 *  e  My City with one department hung: p99 against its deadline; the department's busiest second
 *  f  a booking burst through the waiting room (when the hub has it)
 *  g  the hub's resident memory at rest and after the load
 *  h  scale-out: several hub processes on PostgreSQL + Redis against one
 *  p  the payments bench (bench/payments.ts), with BENCH_PAYMENTS=1 only
 *
 * Every server runs in its own child process on a free loopback port: the emulators (shared by
 * every hub, and counting each department's requests), the hub under test (PGlite in memory), the
 * raw server, nginx, the scale-out hubs. Each load step stops by itself (seconds and a request
 * cap); the run has a global time budget (BENCH_BUDGET_S) that sections shrink to or are skipped
 * for, and a watchdog; every child is ended at the end, on error and on interrupt.
 * Knobs: bench/lib/config.ts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { knobs } from './lib/config.ts';
import { Budget, type BenchContext, type RunningServer } from './lib/context.ts';
import { EmulatorAdmin } from './lib/emulators.ts';
import { sleep } from './lib/http.ts';
import { installCleanup, killAllNow, residentMiB, startScript, stopAll, stopChild, type Child } from './lib/processes.ts';
import { Report } from './lib/report.ts';
import { round } from './lib/stats.ts';
import { rawCeiling } from './sections/raw-ceiling.ts';
import { hubCached } from './sections/hub-cached.ts';
import { nginxCache } from './sections/nginx-cache.ts';
import { zipfOffload } from './sections/zipf-offload.ts';
import { dashboardHang } from './sections/dashboard-hang.ts';
import { bookingBurst } from './sections/booking-burst.ts';
import { scaleOut } from './sections/scale-out.ts';
import { paymentsBench } from './sections/payments.ts';

const report = new Report();
const budget = new Budget(knobs.budgetSeconds * 1000);
let current = 'setup';
let printed = false;

/** Prints the table and writes the file once, whatever way the run ends. */
async function finish(): Promise<void> {
  if (printed) return;
  printed = true;
  console.log(`\n${report.format()}`);
  const file = await report.write();
  console.log(`\nwritten ${path.relative(process.cwd(), file)}`);
}

installCleanup(() => {
  report.skip(current.slice(0, 1), current, 'interrupted');
  if (!printed) console.log(`\n${report.format()}`);
  printed = true;
});
// The watchdog: a run that overruns its budget by a minute ends here, with what it has.
setTimeout(() => {
  report.skip(current.slice(0, 1), current, 'the run overran its time budget');
  killAllNow();
  void finish().finally(() => process.exit(1));
}, (knobs.budgetSeconds + 60) * 1000).unref();

interface Section {
  readonly letter: string;
  readonly title: string;
  /** Seconds it needs at least; skipped when the budget has less. */
  readonly needsSeconds: number;
  readonly needs: 'nothing' | 'emulators' | 'hub';
  readonly run: (ctx: BenchContext) => Promise<void>;
}

const SECTIONS: Section[] = [
  { letter: 'a', title: 'raw node:http ceiling', needsSeconds: 12, needs: 'nothing', run: rawCeiling },
  { letter: 'b', title: 'hub cached citizen query', needsSeconds: 30, needs: 'hub', run: hubCached },
  { letter: 'c', title: 'nginx proxy_cache', needsSeconds: 18, needs: 'emulators', run: nginxCache },
  { letter: 'd', title: 'Zipf reads, department offload', needsSeconds: 40, needs: 'hub', run: zipfOffload },
  { letter: 'f', title: 'booking burst through the waiting room', needsSeconds: 35, needs: 'hub', run: bookingBurst },
  { letter: 'e', title: 'dashboard with a department hung', needsSeconds: 12, needs: 'hub', run: dashboardHang },
];

async function runSection(section: Section, ctx: Partial<BenchContext> & { hubError?: string; emulatorsError?: string }): Promise<void> {
  current = `${section.letter} ${section.title}`;
  if (!knobs.sections.includes(section.letter)) return report.skip(section.letter, section.title, 'not in BENCH_SECTIONS');
  if (section.needs !== 'nothing' && ctx.emulatorsError) return report.skip(section.letter, section.title, `the emulators did not start: ${ctx.emulatorsError}`);
  if (section.needs === 'hub' && ctx.hubError) return report.skip(section.letter, section.title, `the hub did not start: ${ctx.hubError}`);
  if (budget.remainingMs() < section.needsSeconds * 1000) return report.skip(section.letter, section.title, 'time budget');
  const started = Date.now();
  process.stderr.write(`bench: ${current} …\n`);
  try {
    await section.run(ctx as BenchContext);
  } catch (error) {
    report.fail(section.letter, section.title, error);
  } finally {
    // A section that failed half-way leaves no fault switched on.
    await ctx.emulators?.admin.clearFaults();
    process.stderr.write(`bench: ${current} done in ${Math.round((Date.now() - started) / 1000)} s\n`);
  }
}

const tmp = await mkdtemp(path.join(os.tmpdir(), 'hutong-bench-'));
const env: NodeJS.ProcessEnv = {
  HUTONG_SMS_APP_KEY: 'hutong-bench-sms-app-key',
  HUTONG_INBOX_DIR: path.join(tmp, 'inbox'),
  LOG_LEVEL: process.env.LOG_LEVEL || 'warn',
};
const ctx: Partial<BenchContext> & { hubError?: string; emulatorsError?: string } = { report, budget, tmp, env, shared: {} };
let hubChild: Child | undefined;
try {
  process.stderr.write('bench: starting the emulators and the hub …\n');
  try {
    const { child, info } = await startScript<{ url: string; pid: number }>('emulators', 'bench/servers/emulators.ts', env, 60_000);
    (ctx as { emulators: BenchContext['emulators'] }).emulators = { url: info.url, pid: info.pid, child, admin: new EmulatorAdmin(info.url) };
  } catch (error) {
    ctx.emulatorsError = (error as Error).message;
  }
  const hubNeeded = [...'bdefg'].some((letter) => knobs.sections.includes(letter));
  if (ctx.emulators && hubNeeded) {
    try {
      const { child, info } = await startScript<{ url: string; pid: number }>('hub', 'bench/servers/hub.ts', { ...env, BENCH_EMULATORS_URL: ctx.emulators.url }, 120_000);
      hubChild = child;
      (ctx as { hub: RunningServer }).hub = { url: info.url, pid: info.pid, child };
    } catch (error) {
      ctx.hubError = (error as Error).message.split('\n')[0];
    }
  } else ctx.hubError = ctx.emulators ? 'not started: no section needs it' : 'no emulators';

  // g, at rest: after start, before any load.
  let restMiB: number | undefined;
  if (ctx.hub) {
    await sleep(1000);
    restMiB = await residentMiB(ctx.hub.pid);
  }

  for (const section of SECTIONS) await runSection(section, ctx);

  current = 'g hub resident memory';
  if (!knobs.sections.includes('g')) report.skip('g', 'hub resident memory', 'not in BENCH_SECTIONS');
  else if (!ctx.hub) report.skip('g', 'hub resident memory', `the hub did not start: ${ctx.hubError}`);
  else {
    const afterMiB = await residentMiB(ctx.hub.pid);
    report.add({ section: 'g', name: 'hub RSS at rest (VmRSS, hub alone, PGlite in memory)', value: round(restMiB) ?? 'n/a', unit: 'MiB' });
    report.add({ section: 'g', name: 'hub RSS after the load (b–f)', value: round(afterMiB) ?? 'n/a', unit: 'MiB', note: 'the emulators run in their own process and are not counted' });
    report.details.g = { restMiB, afterMiB, pid: ctx.hub.pid };
  }
  // The scale-out hubs are measured without the single hub running beside them.
  if (hubChild) await stopChild(hubChild);

  await runSection({ letter: 'h', title: 'scale-out on PostgreSQL + Redis', needsSeconds: 45, needs: 'emulators', run: scaleOut }, ctx);

  if (knobs.payments) {
    current = 'p payments bench';
    process.stderr.write('bench: p payments bench (BENCH_PAYMENTS=1) …\n');
    try {
      await paymentsBench(ctx as BenchContext);
    } catch (error) {
      report.fail('p', 'payments bench', error);
    }
  }
} catch (error) {
  report.fail(current.slice(0, 1), current, error);
  process.exitCode = 1;
} finally {
  current = 'cleanup';
  await stopAll();
  await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
}
await finish();
process.exit(process.exitCode ?? 0);
