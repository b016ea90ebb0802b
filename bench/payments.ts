/**
 * Payments bench: intents created and settled per second, on PGlite and on PostgreSQL, and the
 * proof that no payable was charged twice. Per engine, one child process runs the emulators and a
 * hub on free loopback ports (bench/servers/payments-hub.ts); this process drives it over HTTP:
 *
 *  setup   demo citizens log in (their real entrance flow, real name, linked plate) and list their
 *          unpaid traffic fines — bounded in time and count;
 *  create  createPayment for every fine, rotating the wallets, each with its own Idempotency-Key;
 *          for 10% the same key is sent twice at once (one intent expected), and for 5% a second
 *          checkout with another wallet is opened too (both are paid at once below: a race);
 *  settle  every checkout is paid at its wallet emulator, then each payment is read back until it
 *          is succeeded and recorded by its department;
 *  check   5% of the paid payables get another createPayment (new key, other wallet): it must be
 *          refused; then every intent is read once more to count double charges.
 *
 * `npx tsx bench/payments.ts` runs it alone; `npm run bench` runs it too with BENCH_PAYMENTS=1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { demoToken } from '../src/cli.ts';
import { demoCitizen } from '../src/demo/demo-citizens.ts';
import { generateViolations } from '../emulators/departments/traffic-police/violations.ts';
import { percentile, pool, round } from './lib/stats.ts';
import { call as callWithin, errorCode, type Answer, type CallOptions } from './lib/http.ts';

const WALLETS = ['alipay', 'wechatpay', 'unionpay'] as const;
type Wallet = (typeof WALLETS)[number];
/** Where each wallet's emulator takes a "scan and pay" from its app, and a payer as that wallet names its users. */
const PAY_PATH: Record<Wallet, string> = { alipay: '/alipay-pay/_demo/pay', wechatpay: '/wechatpay/_demo/pay', unionpay: '/unionpay/_demo/pay' };
const PAYER: Record<Wallet, string> = { alipay: '2088000012345678', wechatpay: 'payer-openid-1', unionpay: 'payer-1' };

const CITIES = (process.env.BENCH_PAYMENTS_CITIES ?? 'wuhan,ningbo').split(',');
const RESIDENTS_PER_CITY = Number(process.env.BENCH_PAYMENTS_RESIDENTS ?? 100);
const MAX_PAYABLES = Number(process.env.BENCH_PAYMENTS_MAX ?? 300);
const SETUP_BUDGET_MS = Number(process.env.BENCH_PAYMENTS_SETUP_S ?? 40) * 1000;
const LOGIN_CONCURRENCY = 4;
const CONCURRENCY = Number(process.env.BENCH_PAYMENTS_CONCURRENCY ?? 16);
const SETTLE_BUDGET_MS = 60_000;
const WRITE_BACK_BUDGET_MS = 20_000;
const START_BUDGET_MS = 90_000;
const REQUEST_TIMEOUT_MS = 20_000;

/** One engine's figures. */
export interface PaymentsRow {
  engine: 'pglite' | 'postgres';
  status: string;
  citizens?: number;
  payables?: number;
  setupSeconds?: number;
  intentsCreated?: number;
  createdPerSecond?: number;
  createP50Ms?: number;
  createP99Ms?: number;
  sameKeyPairs?: number;
  sameKeyOneIntent?: number;
  settled?: number;
  notSettled?: number;
  settledPerSecond?: number;
  settleSeconds?: number;
  writtenBack?: number;
  /** Payments recorded by their department per second, from the first pay to the last recorded. */
  writtenBackPerSecond?: number;
  racedPayables?: number;
  racedTradesPaidTwice?: number;
  racedTradesRefunded?: number;
  secondPaymentsTried?: number;
  secondPaymentsRefused?: number;
  doubleCharges?: number;
  errors?: number;
  errorsByKind?: Record<string, number>;
}

interface Payable {
  index: number;
  city: string;
  recordId: string;
  fineFen: number;
  token: string;
}

interface Intent {
  id: string;
  payable: Payable;
  wallet: Wallet;
  qrCodeContent?: string;
  amountFen: number;
  /** The wallet emulator took the money for this trade. */
  paidAtWallet: boolean;
  view?: PaymentView;
}

interface PaymentView {
  id: string;
  state: string;
  amountFen: number;
  refundedFen: number;
  qrCodeContent?: string;
  history: Array<{ to: string; reason: string; at: string }>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const call = (url: string, options: CallOptions = {}) => callWithin(url, { timeoutMs: REQUEST_TIMEOUT_MS, ...options });
/** A latency percentile in ms, to a tenth; 0 when nothing was timed. */
const latencyMs = (values: readonly number[], q: number): number => round(percentile(values, q)) ?? 0;
const roundTo = (n: number, digits = 1): number => round(n, digits) ?? 0;

/** Counts unexpected answers per phase and keeps a few to show. */
class Errors {
  count = 0;
  readonly byKind: Record<string, number> = {};
  note(where: string, what: string): void {
    this.count++;
    const kind = `${where}: ${what}`;
    this.byKind[kind] = (this.byKind[kind] ?? 0) + 1;
  }
}

// --- the hub under test ---------------------------------------------------------------------------

interface Started {
  child: ChildProcess;
  url: string;
  emulators: string;
}

async function startHub(databaseUrl: string): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/servers/payments-hub.ts'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, BENCH_DATABASE_URL: databaseUrl },
  });
  try {
    const info = await new Promise<{ url: string; emulators: string }>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`the hub did not start within ${START_BUDGET_MS / 1000} s`)), START_BUDGET_MS);
      child.stdout!.on('data', (chunk) => {
        out += chunk;
        const ready = /READY (.*)\n/.exec(out);
        if (ready) {
          clearTimeout(timer);
          resolve(JSON.parse(ready[1]!));
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the hub exited ${code} before it was ready`));
      });
    });
    // The hub's own log (warnings and errors) is shown with BENCH_VERBOSE=1.
    if (process.env.BENCH_VERBOSE) child.stdout!.pipe(process.stderr);
    else child.stdout!.resume();
    return { child, ...info };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}

async function stopHub(engine: string, child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const code = await exited;
  clearTimeout(timer);
  if (code !== 0) process.stderr.write(`payments bench (${engine}): the hub exited ${code ?? 'on a signal'} while closing\n`);
}

// --- PostgreSQL: a fresh database for the run ------------------------------------------------------

/** The server to create the bench database in: DATABASE_URL's, else the local one as this user. */
function postgresServerUrl(): string {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  const user = process.env.USER || os.userInfo().username;
  return `postgres://${encodeURIComponent(user)}@127.0.0.1:5432/postgres`;
}

/** Runs one statement against the server (creating or dropping the bench's database). */
export async function adminQuery(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

// --- the phases ------------------------------------------------------------------------------------

/** Demo residents of the bench cities whose plate has unpaid fines, cities interleaved. */
async function candidates(hub: string): Promise<Array<{ city: string; n: number }>> {
  const today = new Date();
  const perCity: Array<Array<{ city: string; n: number }>> = [];
  for (const id of CITIES) {
    const city = (await call(`${hub}/v1/cities/${id}`)).body as { id: string; regionCode: string; platePrefix: string };
    const found: Array<{ city: string; n: number }> = [];
    for (let n = 1; n <= 200 && found.length < RESIDENTS_PER_CITY; n++) {
      const unpaid = generateViolations(id, demoCitizen(n, city).plate, today).filter((v) => v.JKBJ !== '1');
      if (unpaid.length > 0) found.push({ city: id, n });
    }
    perCity.push(found);
  }
  const out: Array<{ city: string; n: number }> = [];
  for (let i = 0; i < RESIDENTS_PER_CITY; i++) for (const list of perCity) if (list[i]) out.push(list[i]!);
  return out;
}

/**
 * Logs demo citizens in and lists their unpaid fines. The fines are then ordered one citizen after
 * another (round robin), as many people paying at once would come: one person's fines are not all
 * confirmed with the department at the same moment.
 */
async function prepare(hub: Started, errors: Errors): Promise<{ payables: Payable[]; citizens: number; seconds: number }> {
  const started = Date.now();
  const perCitizen: Array<Array<Omit<Payable, 'index'>>> = [];
  let found = 0;
  const stop = () => Date.now() - started > SETUP_BUDGET_MS || found >= MAX_PAYABLES;
  await pool(
    await candidates(hub.url),
    LOGIN_CONCURRENCY,
    async ({ city, n }) => {
      let token: string;
      try {
        token = await demoToken({ city, channel: 'web', citizen: n, hub: hub.url, emulators: hub.emulators });
      } catch (error) {
        errors.note('login', (error as Error).message);
        return;
      }
      const list = await call(`${hub.url}/v1/cities/${city}/services/traffic.violations/records`, { token });
      if (list.status !== 200) return errors.note('listRecords', errorCode(list));
      const fines: Array<Omit<Payable, 'index'>> = [];
      for (const item of list.body.items as Array<{ id: string; fineFen: number; status: string }>) {
        if (item.status === 'unpaid' && found < MAX_PAYABLES) {
          found++;
          fines.push({ city, recordId: item.id, fineFen: item.fineFen, token });
        }
      }
      perCitizen.push(fines);
    },
    stop,
  );
  const payables: Payable[] = [];
  for (let round = 0; payables.length < found; round++) {
    for (const fines of perCitizen) if (fines[round]) payables.push({ index: payables.length, ...fines[round]! });
  }
  return { payables, citizens: perCitizen.length, seconds: (Date.now() - started) / 1000 };
}

const isSameKeyPair = (p: Payable) => p.index % 10 === 3; // 10%
const isRaced = (p: Payable) => p.index % 20 === 7; // 5%
const isPaidAgain = (p: Payable) => p.index % 20 === 12; // 5%, never a raced one

function createPayment(hub: Started, payable: Payable, wallet: Wallet, key: string): Promise<Answer> {
  return call(`${hub.url}/v1/payments`, {
    token: payable.token,
    headers: { 'idempotency-key': key },
    json: { cityId: payable.city, serviceId: 'traffic.violations', recordId: payable.recordId, wallet },
  });
}

async function getPayment(hub: Started, intent: Intent, errors: Errors): Promise<PaymentView | undefined> {
  const answer = await call(`${hub.url}/v1/payments/${intent.id}`, { token: intent.payable.token });
  if (answer.status !== 200) {
    errors.note('getPayment', errorCode(answer));
    return undefined;
  }
  intent.view = answer.body as PaymentView;
  return intent.view;
}

async function payAtWallet(hub: Started, intent: Intent): Promise<Answer> {
  const answer = await call(`${hub.emulators}${PAY_PATH[intent.wallet]}`, { json: { qrCodeContent: intent.qrCodeContent, payerId: PAYER[intent.wallet] } });
  if (answer.status === 200) intent.paidAtWallet = true;
  return answer;
}

const succeededAt = (view: PaymentView) => view.history.find((h) => h.to === 'succeeded')?.at;
const writtenBackAt = (view: PaymentView) => view.history.find((h) => h.reason.includes('recorded by the department'))?.at;
const writtenBack = (view: PaymentView) => writtenBackAt(view) !== undefined;
/** A trade the wallet took money for and the hub did not keep: it must have been given back. */
const refunded = (intent: Intent) => (intent.view?.refundedFen ?? 0) >= intent.amountFen;

async function runEngine(engine: PaymentsRow['engine'], databaseUrl: string): Promise<PaymentsRow> {
  const errors = new Errors();
  const hub = await startHub(databaseUrl);
  try {
    // Setup.
    const { payables, citizens, seconds: setupSeconds } = await prepare(hub, errors);
    const runId = randomBytes(4).toString('hex');
    const intents = new Map<string, Intent>();
    const byPayable = new Map<number, Intent[]>();
    const remember = (payable: Payable, wallet: Wallet, body: PaymentView): Intent => {
      let intent = intents.get(body.id);
      if (!intent) {
        intent = { id: body.id, payable, wallet, qrCodeContent: body.qrCodeContent, amountFen: body.amountFen, paidAtWallet: false, view: body };
        intents.set(body.id, intent);
        byPayable.set(payable.index, [...(byPayable.get(payable.index) ?? []), intent]);
      }
      return intent;
    };

    // Phase A: create.
    const latencies: number[] = [];
    let sameKeyPairs = 0;
    let sameKeyOneIntent = 0;
    const createStarted = performance.now();
    await pool(payables, CONCURRENCY, async (payable) => {
      const wallet = WALLETS[payable.index % WALLETS.length]!;
      const key = `bench-${runId}-${payable.index}-a`;
      const answers = isSameKeyPair(payable) ? await Promise.all([createPayment(hub, payable, wallet, key), createPayment(hub, payable, wallet, key)]) : [await createPayment(hub, payable, wallet, key)];
      const ids = new Set<string>();
      for (const answer of answers) {
        if (answer.status !== 201) {
          errors.note('createPayment', errorCode(answer));
          continue;
        }
        latencies.push(answer.ms);
        ids.add(remember(payable, wallet, answer.body).id);
      }
      if (answers.length === 2) {
        sameKeyPairs++;
        if (ids.size === 1 && answers.every((a) => a.status === 201)) sameKeyOneIntent++;
      }
      if (isRaced(payable)) {
        const other = WALLETS[(payable.index + 1) % WALLETS.length]!;
        const second = await createPayment(hub, payable, other, `bench-${runId}-${payable.index}-b`);
        if (second.status !== 201) errors.note('createPayment (second checkout)', errorCode(second));
        else {
          latencies.push(second.ms);
          remember(payable, other, second.body);
        }
      }
    });
    const createSeconds = (performance.now() - createStarted) / 1000;
    const intentsCreated = intents.size;

    // Phase B: settle. A raced payable's two checkouts are paid at the same moment.
    const payStarted = Date.now();
    const opened = payables.filter((p) => byPayable.has(p.index));
    await pool(opened, CONCURRENCY, async (payable) => {
      const answers = await Promise.all(byPayable.get(payable.index)!.map((intent) => payAtWallet(hub, intent)));
      // In a race the wallet may refuse the later trade (closed by the hub): that is expected.
      if (!answers.some((a) => a.status === 200)) errors.note('wallet pay', `${answers.map((a) => `${a.status} ${a.body?.code ?? ''}`).join(', ')}`);
    });
    const payableSettled = (p: Payable) => byPayable.get(p.index)!.some((i) => i.view?.state === 'succeeded');
    // Done: kept, or never paid at the wallet, or paid there and given back.
    const intentDone = (intent: Intent) => intent.view?.state === 'succeeded' || !intent.paidAtWallet || refunded(intent);
    const settleDeadline = Date.now() + SETTLE_BUDGET_MS;
    for (;;) {
      const waiting = [...intents.values()].filter((i) => !intentDone(i) || !payableSettled(i.payable));
      if (waiting.length === 0 || Date.now() > settleDeadline) break;
      await pool(waiting, CONCURRENCY, async (intent) => void (await getPayment(hub, intent, errors)));
      if (waiting.some((i) => !intentDone(i) || !payableSettled(i.payable))) await sleep(100);
    }
    const succeeded = [...intents.values()].filter((i) => i.view?.state === 'succeeded');
    const lastSucceeded = Math.max(payStarted, ...succeeded.map((i) => Date.parse(succeededAt(i.view!) ?? '') || payStarted));
    const settleSeconds = (lastSucceeded - payStarted) / 1000;
    const settled = opened.filter(payableSettled).length;

    // Write-back: every succeeded payment is recorded by its department, through a durable job.
    const writeBackDeadline = Date.now() + WRITE_BACK_BUDGET_MS;
    for (;;) {
      const waiting = succeeded.filter((i) => !writtenBack(i.view!));
      if (waiting.length === 0 || Date.now() > writeBackDeadline) break;
      await sleep(250);
      await pool(waiting, CONCURRENCY, async (intent) => void (await getPayment(hub, intent, errors)));
    }

    const recorded = succeeded.filter((i) => writtenBack(i.view!));

    // Check: a payable already paid takes no second payment.
    let secondPaymentsTried = 0;
    let secondPaymentsRefused = 0;
    const acceptedSeconds: Intent[] = [];
    await pool(opened.filter((p) => isPaidAgain(p) && payableSettled(p)), CONCURRENCY, async (payable) => {
      const paidWith = byPayable.get(payable.index)!.find((i) => i.view?.state === 'succeeded')!.wallet;
      const other = WALLETS[(WALLETS.indexOf(paidWith) + 1) % WALLETS.length]!;
      secondPaymentsTried++;
      const answer = await createPayment(hub, payable, other, `bench-${runId}-${payable.index}-again`);
      if (answer.status === 409 && errorCode(answer) === 'HUTONG_ERR_PAYMENT_ALREADY_PAID') secondPaymentsRefused++;
      else if (answer.status === 201) {
        // Accepted where it must not be: pay it, so that the count below shows what that costs the payer.
        errors.note('second createPayment', 'accepted for a paid payable');
        const intent = remember(payable, other, answer.body);
        acceptedSeconds.push(intent);
        await payAtWallet(hub, intent);
      } else errors.note('second createPayment', errorCode(answer));
    });
    if (acceptedSeconds.some((i) => i.paidAtWallet)) await sleep(3000); // time for the hub to hear of them and refund

    // Every intent read once more; then per payable: succeeded payments, and paid trades not given back.
    await pool([...intents.values()], CONCURRENCY, async (intent) => void (await getPayment(hub, intent, errors)));
    let doubleCharges = 0;
    let racedTradesPaidTwice = 0;
    let racedTradesRefunded = 0;
    for (const payable of opened) {
      const own = byPayable.get(payable.index)!;
      const kept = own.filter((i) => i.view?.state === 'succeeded');
      if (kept.length > 1) doubleCharges++;
      const extra = own.filter((i) => i.paidAtWallet && i.view?.state !== 'succeeded' && kept.length > 0);
      doubleCharges += extra.filter((i) => !refunded(i)).length;
      if (isRaced(payable) && extra.length > 0) {
        racedTradesPaidTwice += extra.length;
        racedTradesRefunded += extra.filter(refunded).length;
      }
    }

    return {
      engine,
      status: 'ok',
      citizens,
      payables: payables.length,
      setupSeconds: roundTo(setupSeconds),
      intentsCreated,
      createdPerSecond: roundTo(intentsCreated / createSeconds),
      createP50Ms: latencyMs(latencies, 0.5),
      createP99Ms: latencyMs(latencies, 0.99),
      sameKeyPairs,
      sameKeyOneIntent,
      settled,
      notSettled: opened.length - settled,
      settledPerSecond: settleSeconds > 0 ? roundTo(settled / settleSeconds) : 0,
      settleSeconds: roundTo(settleSeconds, 2),
      writtenBack: recorded.length,
      writtenBackPerSecond: recorded.length > 0 ? roundTo(recorded.length / ((Math.max(...recorded.map((i) => Date.parse(writtenBackAt(i.view!)!))) - payStarted) / 1000), 2) : 0,
      racedPayables: opened.filter(isRaced).length,
      racedTradesPaidTwice,
      racedTradesRefunded,
      secondPaymentsTried,
      secondPaymentsRefused,
      doubleCharges,
      errors: errors.count,
      errorsByKind: errors.byKind,
    };
  } finally {
    for (const [kind, n] of Object.entries(errors.byKind)) process.stderr.write(`payments bench (${engine}) ${n} × ${kind}\n`);
    await stopHub(engine, hub.child);
  }
}

async function runPostgres(): Promise<PaymentsRow> {
  const serverUrl = postgresServerUrl();
  const name = `hutong_bench_${randomBytes(6).toString('hex')}`;
  try {
    await adminQuery(serverUrl, `create database ${name}`);
  } catch {
    return { engine: 'postgres', status: 'skipped: no PostgreSQL' };
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  try {
    return await runEngine('postgres', url.toString());
  } finally {
    await adminQuery(serverUrl, `drop database if exists ${name} with (force)`).catch((error: unknown) => {
      process.stderr.write(`payments bench: could not drop ${name}: ${(error as Error).message}\n`);
    });
  }
}

async function guarded(engine: PaymentsRow['engine'], run: () => Promise<PaymentsRow>): Promise<PaymentsRow> {
  try {
    return await run();
  } catch (error) {
    return { engine, status: `failed: ${(error as Error).message}` };
  }
}

/** What the table shows of a row. */
function tableRow(row: PaymentsRow): Record<string, string | number> {
  if (row.status !== 'ok') return { engine: row.engine, status: row.status };
  return {
    engine: row.engine,
    status: row.status,
    payables: row.payables!,
    'created/s': row.createdPerSecond!,
    'create p50 ms': row.createP50Ms!,
    'create p99 ms': row.createP99Ms!,
    'same key x2 = 1 intent': `${row.sameKeyOneIntent}/${row.sameKeyPairs}`,
    'settled/s': row.settledPerSecond!,
    settled: `${row.settled}/${row.payables}`,
    [`written back in ${WRITE_BACK_BUDGET_MS / 1000} s`]: `${row.writtenBack}/${row.settled}`,
    'raced paid twice, refunded': `${row.racedTradesPaidTwice}, ${row.racedTradesRefunded}`,
    'refused 2nd payments': `${row.secondPaymentsRefused}/${row.secondPaymentsTried}`,
    'double charges': row.doubleCharges!,
    errors: row.errors!,
  };
}

/**
 * Runs the payments bench on every engine, prints its table (unless `quiet`: `npm run bench` puts
 * its figures in its own table) and writes bench/results/payments-<time>.json.
 */
export async function runPaymentsBench(options: { quiet?: boolean } = {}): Promise<{ rows: PaymentsRow[]; file: string }> {
  const startedAt = new Date();
  const rows = [await guarded('pglite', () => runEngine('pglite', '')), await guarded('postgres', runPostgres)];
  if (!options.quiet) {
    console.log('payments: intents created and settled per second (one run, loopback)');
    console.table(rows.map(tableRow));
    for (const row of rows) if (row.status === 'ok') console.log(`${row.engine}: double charges: ${row.doubleCharges}`);
  }
  const outDir = path.resolve('bench/results');
  await mkdir(outDir, { recursive: true });
  const file = path.join(outDir, `payments-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(
    file,
    JSON.stringify(
      {
        at: startedAt.toISOString(),
        seconds: roundTo((Date.now() - startedAt.getTime()) / 1000),
        node: process.version,
        cpus: os.cpus().length,
        settings: { cities: CITIES, residentsPerCity: RESIDENTS_PER_CITY, maxPayables: MAX_PAYABLES, setupBudgetSeconds: SETUP_BUDGET_MS / 1000, loginConcurrency: LOGIN_CONCURRENCY, concurrency: CONCURRENCY },
        rows,
      },
      null,
      2,
    ),
  );
  console.log(`written ${path.relative(process.cwd(), file)}`);
  return { rows, file };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  await runPaymentsBench();
}
