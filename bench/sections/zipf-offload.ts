/**
 * (d) Department offload under Zipf-distributed reads, with payments mixed in.
 *
 * Reads of traffic.violations are drawn from a Zipf distribution (exponent BENCH_ZIPF_S) over
 * bench citizens 1…BENCH_ZIPF_CITIZENS of one city; the whole sequence is drawn first, from a
 * seeded generator. Only the citizens actually drawn log in, in order of first appearance, with
 * bounded concurrency and a time budget; if the budget ends first, the reads are cut at the first
 * read of a citizen not logged in — a prefix of an independent sample is still a sample of the
 * same distribution, so the cut does not favour popular citizens.
 *
 * A share of the operations (BENCH_ZIPF_PAY_SHARE) is a payment: the citizen reads their
 * violations, pays one unpaid fine through the Alipay or WeChat Pay emulator, waits until the
 * payment is `succeeded`, and reads again at once: that read must show the fine `paid` (otherwise
 * it is a stale read).
 *
 * Offload = 1 − (requests the traffic police received during the reads, counted by the emulator)
 * / (citizen reads). The department count includes what the payments cost it (the fine confirmed
 * with the department before checkout, and the payment written back), so the figure is a lower
 * bound on what the cache alone spares.
 */
import { randomBytes } from 'node:crypto';
import type { BenchContext } from '../lib/context.ts';
import { logIn, populationOf, type LoggedIn } from '../lib/citizens.ts';
import { configuredRate } from '../lib/catalog.ts';
import { call, errorCode, sleep } from '../lib/http.ts';
import { meets } from '../lib/report.ts';
import { percentile, pool, round, seededRandom } from '../lib/stats.ts';
import { Zipf } from '../lib/zipf.ts';
import { knobs, reserveFor } from '../lib/config.ts';

const WALLETS = ['alipay', 'wechatpay'] as const;
type Wallet = (typeof WALLETS)[number];
/** Where each wallet's emulator takes a "scan and pay" from its app, and a payer as that wallet names its users. */
const PAY_PATH: Record<Wallet, string> = { alipay: '/alipay-pay/_demo/pay', wechatpay: '/wechatpay/_demo/pay' };
const PAYER: Record<Wallet, string> = { alipay: '2088000012345678', wechatpay: 'payer-openid-1' };
const SETTLE_TIMEOUT_MS = 20_000;

interface Operation {
  readonly serial: number;
  readonly pay: boolean;
}

interface Violation {
  id: string;
  status: string;
}

class Tally {
  readonly counts: Record<string, number> = {};
  note(kind: string): void {
    this.counts[kind] = (this.counts[kind] ?? 0) + 1;
  }
  get total(): number {
    return Object.values(this.counts).reduce((a, b) => a + b, 0);
  }
  toString(): string {
    return Object.entries(this.counts)
      .map(([k, n]) => `${n}× ${k}`)
      .join(', ');
  }
}

export async function zipfOffload(ctx: BenchContext): Promise<void> {
  const { hub, emulators, report, budget } = ctx;
  const city = knobs.zipfCity;
  const population = populationOf(city);
  const random = seededRandom(knobs.seed);
  const zipf = new Zipf(knobs.zipfCitizens, knobs.zipfS, random);
  const operations: Operation[] = Array.from({ length: knobs.zipfReads }, () => ({ serial: zipf.next(), pay: random() < knobs.zipfPayShare }));
  const firstSeen: number[] = [];
  const seen = new Set<number>();
  for (const op of operations) {
    if (seen.has(op.serial)) continue;
    seen.add(op.serial);
    firstSeen.push(op.serial);
  }

  // Log in the citizens drawn, most needed first.
  const loginBudgetMs = budget.allow(knobs.zipfLoginSeconds * 1000, reserveFor('feh') + 30_000);
  const loginStarted = Date.now();
  const sessions = new Map<number, LoggedIn>();
  const loginErrors = new Tally();
  await pool(
    firstSeen,
    knobs.loginConcurrency,
    async (serial) => {
      try {
        sessions.set(serial, await logIn(hub.url, emulators.url, population.citizen(serial), { linkPlate: true }));
      } catch (error) {
        loginErrors.note((error as Error).message.replace(/\d{5,}/g, '…').slice(0, 120));
      }
    },
    () => Date.now() - loginStarted > loginBudgetMs,
  );
  const loginSeconds = (Date.now() - loginStarted) / 1000;
  const cut = operations.findIndex((op) => !sessions.has(op.serial));
  const planned = cut < 0 ? operations : operations.slice(0, cut);
  if (planned.length === 0) throw new Error(`no citizen logged in (${loginErrors.toString()})`);

  // Reads and payments, closed loop, bounded by count (the sequence) and time.
  const readBudgetMs = budget.allow(knobs.zipfReadSeconds * 1000, reserveFor('feh'));
  const runId = randomBytes(4).toString('hex');
  const url = `${hub.url}/v1/cities/${city}/services/traffic.violations/records`;
  const latencies: number[] = [];
  const readErrors = new Tally();
  const paymentErrors = new Tally();
  let reads = 0;
  let opsDone = 0;
  let paymentsTried = 0;
  let paymentsSucceeded = 0;
  let paymentsWithoutFine = 0;
  let staleReads = 0;
  const settleMs: number[] = [];
  const read = async (session: LoggedIn): Promise<Violation[] | undefined> => {
    const answer = await call(url, { token: session.token });
    reads++;
    if (answer.status !== 200) {
      readErrors.note(errorCode(answer));
      return undefined;
    }
    latencies.push(answer.ms);
    return answer.body.items as Violation[];
  };
  // A popular citizen may draw two payments at once: each goes for a different fine.
  const claimed = new Set<string>();
  const pay = async (session: LoggedIn, index: number): Promise<void> => {
    const items = await read(session);
    const fine = items?.find((v) => v.status === 'unpaid' && !claimed.has(v.id));
    if (!fine) {
      if (items) paymentsWithoutFine++;
      return;
    }
    claimed.add(fine.id);
    paymentsTried++;
    const wallet = WALLETS[index % WALLETS.length]!;
    const created = await call(`${hub.url}/v1/payments`, {
      token: session.token,
      headers: { 'idempotency-key': `bench-${runId}-${index}` },
      json: { cityId: city, serviceId: 'traffic.violations', recordId: fine.id, wallet },
    });
    if (created.status !== 201 && created.status !== 200) return paymentErrors.note(`createPayment ${errorCode(created)}`);
    const started = Date.now();
    const paid = await call(`${emulators.url}${PAY_PATH[wallet]}`, { json: { qrCodeContent: created.body.qrCodeContent, payerId: PAYER[wallet] } });
    if (paid.status !== 200) return paymentErrors.note(`wallet pay ${paid.status} ${paid.body?.code ?? ''}`);
    for (;;) {
      const view = await call(`${hub.url}/v1/payments/${created.body.id}`, { token: session.token });
      if (view.status === 200 && view.body.state === 'succeeded') break;
      if (view.status === 200 && ['failed', 'cancelled', 'closed', 'refunded'].includes(view.body.state)) return paymentErrors.note(`payment ${view.body.state}`);
      if (Date.now() - started > SETTLE_TIMEOUT_MS) return paymentErrors.note('not succeeded within 20 s');
      await sleep(50);
    }
    settleMs.push(Date.now() - started);
    paymentsSucceeded++;
    const after = await read(session);
    if (!after) return;
    if (after.find((v) => v.id === fine.id)?.status !== 'paid') staleReads++;
  };

  await emulators.admin.resetTraffic();
  const readsStarted = Date.now();
  await pool(
    planned,
    knobs.zipfConcurrency,
    async (op, index) => {
      const session = sessions.get(op.serial)!;
      if (op.pay) await pay(session, index);
      else await read(session);
      opsDone++;
    },
    () => Date.now() - readsStarted > readBudgetMs,
  );
  const readSeconds = (Date.now() - readsStarted) / 1000;
  const traffic = await emulators.admin.departmentTraffic('traffic-police');
  const rate = await configuredRate(city, 'traffic-police');

  const used = planned.slice(0, opsDone);
  const distinctRead = new Set(used.map((op) => op.serial)).size;
  const offload = reads > 0 ? 1 - traffic.requests / reads : undefined;
  const ceiling = reads > 0 ? 1 - distinctRead / reads : undefined;
  const repeatOffload = reads > distinctRead ? 1 - Math.max(0, traffic.requests - distinctRead) / (reads - distinctRead) : undefined;
  const pct = (x: number | undefined) => (x === undefined ? undefined : round(x * 100, 1));

  report.details.d = {
    city,
    zipf: { s: knobs.zipfS, citizens: knobs.zipfCitizens, drawn: operations.length, distinctDrawn: firstSeen.length, seed: knobs.seed },
    login: { seconds: round(loginSeconds), loggedIn: sessions.size, errors: loginErrors.counts },
    reads: { planned: planned.length, operationsDone: opsDone, reads, seconds: round(readSeconds), distinctCitizens: distinctRead, errors: readErrors.counts, p50Ms: round(percentile(latencies, 0.5)), p99Ms: round(percentile(latencies, 0.99)) },
    trafficPolice: traffic,
    configuredRatePerSecond: rate,
    payments: { tried: paymentsTried, succeeded: paymentsSucceeded, withoutUnpaidFine: paymentsWithoutFine, staleReads, errors: paymentErrors.counts, settleP50Ms: percentile(settleMs, 0.5) },
  };

  report.add({
    section: 'd',
    name: 'Zipf citizens used (distinct, logged in)',
    value: distinctRead,
    unit: 'citizens',
    note: `s = ${knobs.zipfS} over ${knobs.zipfCitizens} citizens of ${city}; ${operations.length} operations drawn (${firstSeen.length} distinct citizens), ${sessions.size} logged in within ${round(loginSeconds)} s${loginErrors.total ? ` (login failures: ${loginErrors.toString()})` : ''}; ${planned.length} operations kept`,
  });
  report.add({
    section: 'd',
    name: 'citizen reads (Zipf, payments mixed in)',
    value: reads,
    unit: 'reads',
    rps: Math.round(reads / readSeconds),
    p50Ms: round(percentile(latencies, 0.5)),
    p99Ms: round(percentile(latencies, 0.99)),
    note: `${opsDone} of ${planned.length} operations in ${round(readSeconds)} s, ${knobs.zipfConcurrency} at a time${readErrors.total ? `; failed reads: ${readErrors.toString()}` : ''}`,
  });
  report.add({
    section: 'd',
    name: 'department offload (1 − traffic-police calls / reads)',
    value: pct(offload) ?? 'n/a',
    unit: '%',
    target: '≥ 95 %',
    met: meets(offload, '≥', 0.95),
    note: `${traffic.requests} traffic-police requests for ${reads} reads, payments' own calls included`,
  });
  report.add({ section: 'd', name: 'offload possible with a cold cache (1 − distinct / reads)', value: pct(ceiling) ?? 'n/a', unit: '%', note: 'every citizen\'s first read must reach the department' });
  report.add({ section: 'd', name: 'offload on repeat reads (calls beyond first reads / repeat reads)', value: pct(repeatOffload) ?? 'n/a', unit: '%' });
  report.add({
    section: 'd',
    name: 'payments succeeded / tried',
    value: `${paymentsSucceeded}/${paymentsTried}`,
    p50Ms: percentile(settleMs, 0.5),
    note: `pay → succeeded p50 in the ms column${paymentsWithoutFine ? `; ${paymentsWithoutFine} payment draws found no unpaid fine` : ''}${paymentErrors.total ? `; ${paymentErrors.toString()}` : ''}`,
  });
  report.add({ section: 'd', name: 'stale reads right after a payment succeeded', value: staleReads, unit: 'reads', target: '= 0', met: paymentsSucceeded > 0 ? staleReads === 0 : undefined });
  report.add({
    section: 'd',
    name: 'traffic police busiest second (emulator) vs configured rate',
    value: traffic.maxPerSecond,
    unit: 'req/s',
    target: rate === undefined ? 'no rate configured' : `≤ ${rate}`,
    met: rate === undefined ? undefined : traffic.maxPerSecond <= rate,
  });
}
