/**
 * (e) My City (getDashboard) with one department hung: the emulator accepts its calls and never
 * answers. For a citizen none of whose answers are cached yet, the dashboard must still answer
 * within its deadline (HUTONG_DASHBOARD_DEADLINE_MS, 800 ms by default): p99 / deadline ≤ 1.1.
 * The hung department's busiest second, counted by its emulator, is compared with the rate the
 * city configures for it.
 */
import type { BenchContext } from '../lib/context.ts';
import { logIn, populationOf } from '../lib/citizens.ts';
import { configuredRate } from '../lib/catalog.ts';
import { saturate } from '../lib/load.ts';
import { meets } from '../lib/report.ts';
import { round } from '../lib/stats.ts';
import { knobs } from '../lib/config.ts';
import { failures } from './raw-ceiling.ts';

/** Bench citizens of this section are numbered from here, apart from the Zipf section's. */
const SERIAL = 500_001;

export async function dashboardHang(ctx: BenchContext): Promise<void> {
  const { hub, emulators, report } = ctx;
  const city = knobs.dashboardCity;
  const hung = knobs.hungDepartment;
  const deadlineMs = Number(ctx.env.HUTONG_DASHBOARD_DEADLINE_MS || 800);
  const { token } = await logIn(hub.url, emulators.url, populationOf(city).citizen(SERIAL), { linkPlate: true });
  const url = `${hub.url}/v1/cities/${city}/dashboard`;

  await emulators.admin.resetTraffic();
  await emulators.admin.setFaults(hung, { hang: true });
  let figures;
  try {
    figures = await saturate({ url, headers: { authorization: `Bearer ${token}` } }, { connections: knobs.dashboardConnections, seconds: knobs.dashboardSeconds, warmupSeconds: 0 });
  } finally {
    await emulators.admin.clearFaults();
  }
  const traffic = await emulators.admin.departmentTraffic(hung);
  const rate = await configuredRate(city, hung);
  report.details.e = { city, hung, deadlineMs, figures, hungDepartmentTraffic: traffic, configuredRatePerSecond: rate };

  report.add({
    section: 'e',
    name: `getDashboard, ${hung} hung, fresh citizen`,
    value: figures.p99Ms ?? 'no answers',
    unit: 'ms p99',
    rps: figures.rps,
    p50Ms: figures.p50Ms,
    p99Ms: figures.p99Ms,
    note: [`${knobs.dashboardConnections} connections, ${knobs.dashboardSeconds} s, deadline ${deadlineMs} ms`, failures(figures)].filter(Boolean).join('; '),
  });
  const ratio = figures.p99Ms === undefined ? undefined : round(figures.p99Ms / deadlineMs, 3);
  report.add({ section: 'e', name: 'getDashboard p99 / deadline', value: ratio ?? 'n/a', unit: '×', target: '≤ 1.1', met: meets(ratio, '≤', 1.1) });
  report.add({
    section: 'e',
    name: `${hung} busiest second (emulator) vs configured rate`,
    value: traffic.maxPerSecond,
    unit: 'req/s',
    target: rate === undefined ? 'no rate configured' : `≤ ${rate}`,
    met: rate === undefined ? undefined : traffic.maxPerSecond <= rate,
    note: `${traffic.requests} requests reached it while hung`,
  });
}
