/** (p) The payments bench (bench/payments.ts), with BENCH_PAYMENTS=1 only: it takes minutes. */
import path from 'node:path';
import type { BenchContext } from '../lib/context.ts';
import { runPaymentsBench } from '../payments.ts';

export async function paymentsBench(ctx: BenchContext): Promise<void> {
  const { rows, file } = await runPaymentsBench({ quiet: true });
  ctx.report.details.p = { file: path.relative(process.cwd(), file), rows };
  for (const row of rows) {
    if (row.status !== 'ok') {
      ctx.report.add({ section: 'p', name: `payments (${row.engine})`, value: row.status });
      continue;
    }
    ctx.report.add({ section: 'p', name: `payments (${row.engine}): intents created`, value: row.createdPerSecond!, unit: 'per s', p50Ms: row.createP50Ms, p99Ms: row.createP99Ms, note: `${row.intentsCreated} intents for ${row.payables} payables; errors: ${row.errors}` });
    ctx.report.add({ section: 'p', name: `payments (${row.engine}): settled`, value: row.settledPerSecond!, unit: 'per s', note: `${row.settled}/${row.payables} settled, ${row.writtenBack} written back` });
    ctx.report.add({ section: 'p', name: `payments (${row.engine}): double charges`, value: row.doubleCharges!, unit: 'payables', target: '= 0', met: row.doubleCharges === 0 });
  }
}
