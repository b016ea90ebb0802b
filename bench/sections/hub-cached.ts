/**
 * (b) The hub serving a cached, authenticated citizen query: listRecords of traffic.violations
 * for one logged-in citizen. A raw node:http server runs beside it and the two take turns under
 * the same load, so that other work on the machine falls on both alike: saturated (throughput,
 * and the ratio hub / raw), then at a fixed moderate rate with our open-loop client (the p99 the
 * hub adds on a cache hit is p99(hub) − p99(raw)).
 */
import type { BenchContext } from '../lib/context.ts';
import { logIn, populationOf } from '../lib/citizens.ts';
import { call, errorCode } from '../lib/http.ts';
import { fixedRateInTurns, saturateInTurns, type Figures, type RateFigures } from '../lib/load.ts';
import { stopChild } from '../lib/processes.ts';
import { meets } from '../lib/report.ts';
import { round } from '../lib/stats.ts';
import { knobs } from '../lib/config.ts';
import { failures, startRaw } from './raw-ceiling.ts';

export const CACHED_CITY = 'shanghai';
const CITIZEN_SERIAL = 1;

export async function hubCached(ctx: BenchContext): Promise<void> {
  const { hub, emulators, report } = ctx;
  const citizen = populationOf(CACHED_CITY).citizen(CITIZEN_SERIAL);
  const { token } = await logIn(hub.url, emulators.url, citizen, { linkPlate: true });
  const url = `${hub.url}/v1/cities/${CACHED_CITY}/services/traffic.violations/records`;
  const headers = { authorization: `Bearer ${token}` };
  const first = await call(url, { token });
  if (first.status !== 200) throw new Error(`listRecords answered ${first.status} ${errorCode(first)}`);

  await emulators.admin.resetTraffic();
  // The raw server again, beside the hub: both saturated in turns, then both at the fixed rate in turns.
  const raw = await startRaw();
  let rawSaturated: Figures, saturated: Figures, rawFixed: RateFigures, fixed: RateFigures;
  try {
    [rawSaturated, saturated] = (await saturateInTurns([{ url: raw.info.url }, { url, headers }])) as [Figures, Figures];
    [rawFixed, fixed] = (await fixedRateInTurns([{ url: raw.info.url }, { url, headers }])) as [RateFigures, RateFigures];
  } finally {
    await stopChild(raw.child);
  }
  const departmentCalls = (await emulators.admin.departmentTraffic('traffic-police')).requests;
  ctx.shared.hub = { saturated, fixed: fixed };
  report.details.b = { rawSaturated, saturated, rawFixed, fixed, trafficPoliceCallsDuringLoad: departmentCalls, plate: citizen.plate };

  const cacheNote = `traffic police called ${departmentCalls} times during ${saturated.requests + fixed.requests} reads`;
  report.add({ section: 'b', name: 'hub listRecords, cached, authenticated, saturated', value: saturated.rps, unit: 'req/s', rps: saturated.rps, p50Ms: saturated.p50Ms, p99Ms: saturated.p99Ms, note: [failures(saturated), cacheNote].filter(Boolean).join('; ') });
  const ratio = round(saturated.rps / rawSaturated.rps, 3);
  const alone = ctx.shared.raw ? `; alone in a: ${ctx.shared.raw.saturated.rps} req/s` : '';
  report.add({ section: 'b', name: 'hub / raw throughput (b / a)', value: ratio ?? 'n/a', unit: '×', target: '≥ 0.4', met: meets(ratio, '≥', 0.4), note: `raw saturated in turns with the hub: ${rawSaturated.rps} req/s${alone}` });
  report.add({ section: 'b', name: `raw node:http hello, fixed ${knobs.rate} req/s`, value: rawFixed.p99Ms ?? 'no answers', unit: 'ms p99', rps: rawFixed.rps, p50Ms: rawFixed.p50Ms, p99Ms: rawFixed.p99Ms, note: failures(rawFixed) });
  report.add({ section: 'b', name: `hub listRecords, fixed ${knobs.rate} req/s`, value: fixed.p99Ms ?? 'no answers', unit: 'ms p99', rps: fixed.rps, p50Ms: fixed.p50Ms, p99Ms: fixed.p99Ms, note: failures(fixed) });
  if (rawFixed.p99Ms !== undefined && fixed.p99Ms !== undefined) {
    const added = round(fixed.p99Ms - rawFixed.p99Ms, 3);
    report.add({ section: 'b', name: 'hub-added p99 on a cache hit (p99 hub − p99 raw)', value: added!, unit: 'ms', target: '≤ 2 ms', met: meets(added, '≤', 2) });
  }
}
