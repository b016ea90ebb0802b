/** (a) The ceiling: a bare node:http hello-world on this machine, saturated. */
import type { BenchContext } from '../lib/context.ts';
import { saturate } from '../lib/load.ts';
import { startScript, stopChild } from '../lib/processes.ts';

export function startRaw() {
  return startScript<{ url: string; pid: number }>('raw-http', 'bench/servers/raw-http.ts', {}, 20_000);
}

export async function rawCeiling(ctx: BenchContext): Promise<void> {
  const { child, info } = await startRaw();
  try {
    const saturated = await saturate({ url: info.url });
    ctx.shared.raw = { saturated };
    ctx.report.add({ section: 'a', name: 'raw node:http hello (ceiling), saturated', value: saturated.rps, unit: 'req/s', rps: saturated.rps, p50Ms: saturated.p50Ms, p99Ms: saturated.p99Ms, note: failures(saturated) });
    ctx.report.details.a = { saturated };
  } finally {
    await stopChild(child);
  }
}

export function failures(figures: { failed: number; requests: number }): string | undefined {
  return figures.failed > 0 ? `${figures.failed} of ${figures.requests} requests failed or were not 2xx` : undefined;
}
