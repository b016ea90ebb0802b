import { randomBytes } from 'node:crypto';
import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from './config.ts';
import { formatProblem, loadCatalogDir } from './catalog/catalog.loader.ts';
import type { IdentifierKind } from './model/common.ts';
import { demoCitizen, demoIdentifierLinks, demoRealName, MAX_DEMO_CITIZENS, type DemoCitizen } from './demo/demo-citizens.ts';
import { WECHAT_DEMO_APPS } from '../emulators/channels/wechat/wechat.apps.ts';
import { WEIBO_DEMO_APPS } from '../emulators/channels/weibo/weibo.apps.ts';
import { TAOBAO_DEMO_APPS } from '../emulators/channels/taobao/taobao.apps.ts';
import { IDENTIFIER_CONSENT_TEXT_VERSION } from './identity/citizen.service.ts';
import { DEFAULT_EMULATORS_URL } from './config.ts';
import { VIOLATION_CODES, type LegacyViolationRecord } from '../emulators/departments/traffic-police/violations.ts';

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

/** Calls the hub's API and fails with its error code and message. */
async function callHub<T>(url: string, init: RequestInit & { json?: unknown; token?: string } = {}): Promise<T> {
  const headers: Record<string, string> = {};
  if (init.json !== undefined) headers['content-type'] = 'application/json';
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  const response = await fetch(url, { ...init, headers, body: init.json === undefined ? undefined : JSON.stringify(init.json) });
  const body = (await response.json().catch(() => ({}))) as { error?: { code: string; message: string } };
  if (!response.ok) throw new Error(`${url}: ${response.status} ${body.error?.code ?? ''} ${body.error?.message ?? ''}`.trim());
  return body as T;
}

// The hub, the store and the connectors are loaded by the commands that use them, so `--help`
// and the commands that only call a running hub or the emulators start at once.
const loadServer = () => import('./server.ts');
const loadStore = () => import('./store/db.ts');

export function buildCli(): Command {
  const program = new Command('hutong')
    .description('Hutong (互通): an open interconnection hub for city services')
    .showHelpAfterError();

  program
    .command('serve')
    .description('run the hub (HOST, PORT, DATABASE_URL, HUTONG_DATA_DIR, HUTONG_CONFIG from the environment)')
    .option('--with-emulators', 'also start every emulated department and channel service on loopback (demo mode)')
    .option('-p, --port <port>', 'port to listen on (overrides PORT)')
    .option('-H, --host <host>', 'address to bind (overrides HOST)')
    .option('-w, --workers <n>', 'hub processes sharing the port (needs DATABASE_URL; REDIS_URL shares their cache and limits)', positiveInteger)
    .action(async (opts: { withEmulators?: boolean; port?: string; host?: string; workers?: number }) => {
      const { isClusterWorker, runClusterWorker, startCluster } = await import('./cluster.ts');
      if (isClusterWorker()) {
        await runClusterWorker();
        return;
      }
      const env: NodeJS.ProcessEnv = { ...process.env, ...(opts.port ? { PORT: opts.port } : {}), ...(opts.host ? { HOST: opts.host } : {}) };
      // As startHub decides it: --with-emulators means demo mode unless HUTONG_DEMO says otherwise.
      const demo = env.HUTONG_DEMO ?? (opts.withEmulators ? '1' : undefined);
      const demoMode = demo === '1' || demo === 'true';
      // A demo needs no setup to open the console; the token lives only in this process and on the screen, never in the logs.
      const generatedAdminToken = demoMode && !env.HUTONG_ADMIN_TOKEN ? randomBytes(24).toString('base64url') : undefined;
      let pids: number[] = [];
      let hub: { url: string; config: { databaseUrl?: string; dataDir: string; adminToken?: string; redisUrl?: string }; emulators?: { url: string }; close(): Promise<void> };
      if (opts.workers && opts.workers > 1) {
        const config = loadConfig(env);
        const running = await startCluster({
          workers: opts.workers,
          env: { ...env, ...(generatedAdminToken ? { HUTONG_ADMIN_TOKEN: generatedAdminToken } : {}) },
          withEmulators: opts.withEmulators,
        });
        hub = { url: running.url, config: { ...config, adminToken: generatedAdminToken ?? config.adminToken }, emulators: running.emulators, close: () => running.close() };
        pids = running.pids;
      } else {
        const { startHub } = await loadServer();
        hub = await startHub({ env, withEmulators: opts.withEmulators, ...(generatedAdminToken ? { overrides: { adminToken: generatedAdminToken } } : {}) });
      }
      const processes = pids.length > 1 ? `${pids.length} processes (node:cluster, pids ${pids.join(' ')}), ` : '';
      const lines = [
        `Hutong hub        ${hub.url}`,
        `Citizen web app   ${hub.url}/app/`,
        `Every entrance    ${hub.url}/app/demo`,
        `Operator console  ${hub.url}/admin/`,
        `API docs          ${hub.url}/docs`,
        `OpenAPI           ${hub.url}/openapi.json`,
        `Cities            ${hub.url}/v1/cities`,
        `Store             ${hub.config.databaseUrl ? 'PostgreSQL' : `PGlite in ${hub.config.dataDir}`}`,
        `Processes         ${processes || '1 process, '}${hub.config.redisUrl ? 'cache and limits shared through Redis' : 'cache and limits in this process (set REDIS_URL to share them)'}`,
      ];
      if (hub.emulators) {
        lines.push(`Emulators         ${hub.emulators.url} (department systems, public-security register, entrance platforms, SMS gateway, fault switches at /_admin/faults)`);
        lines.push(`Demo residents    ${hub.url}/v1/demo/residents?cityId=shanghai (or pick one on the web app's login page)`);
      }
      if (generatedAdminToken) {
        lines.push(`Console login     ${hub.url}/admin/#token=${generatedAdminToken}`);
        lines.push('                  (demo mode: a new operator token is generated at every start; set HUTONG_ADMIN_TOKEN to keep one)');
      } else if (!hub.config.adminToken) {
        lines.push('                  (the operator console needs HUTONG_ADMIN_TOKEN, 24 characters or more; /v1/admin/* is closed without it)');
      }
      process.stdout.write(`${lines.join('\n')}\n`);
      const stop = async () => {
        await hub.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });

  program
    .command('migrate')
    .description('apply pending store migrations (PGlite in HUTONG_DATA_DIR, or DATABASE_URL)')
    .action(async () => {
      const config = loadConfig();
      const { migrateToLatest, openStore } = await loadStore();
      const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
      try {
        const outcome = await migrateToLatest(store);
        const applied = outcome.results?.filter((r) => r.status === 'Success').map((r) => r.migrationName) ?? [];
        process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'store is up to date\n');
      } finally {
        await store.close();
      }
    });

  const catalog = program.command('catalog').description('the city catalog (config/cities/*.yaml)');
  catalog
    .command('validate')
    .description('check every city file against the published schema and its references; print every problem')
    .argument('[dir]', 'folder of city YAML files', process.env.HUTONG_CONFIG || 'config/cities')
    .action(async (dir: string) => {
      const config = loadConfig({ ...process.env, HUTONG_CONFIG: dir });
      const result = await loadCatalogDir(config.catalogDir, config.catalogVars);
      if (!result.ok) {
        for (const problem of result.problems) process.stderr.write(`${formatProblem(problem)}\n`);
        process.stderr.write(`${result.problems.length} problem(s) found\n`);
        process.exitCode = 1;
        return;
      }
      const services = result.cities.reduce((n, c) => n + c.config.services.length, 0);
      process.stdout.write(`ok: ${result.cities.length} cities, ${services} services\n`);
    });

  const connector = program.command('connector').description('department connectors');
  connector
    .command('test')
    .description('run the contract checks of one department\'s connector against its live system and report, per field, what failed to map')
    .argument('<department>', 'city/department, e.g. shanghai/library')
    .option('--citizen <n>', 'use demo citizen N\'s identifiers as samples', positiveInteger, 1)
    .option('--identifier <kind=value...>', 'a sample identifier, e.g. national-id=110105194912310029 (repeatable)')
    .option('--json', 'print the report as JSON')
    .action(async (target: string, opts: { citizen: number; identifier?: string[]; json?: boolean }) => {
      const [cityId, departmentId] = target.split('/');
      if (!cityId || !departmentId) throw new InvalidArgumentError('give the department as city/department');
      const config = loadConfig();
      const result = await loadCatalogDir(config.catalogDir, config.catalogVars);
      if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
      const file = result.cities.find((c) => c.config.id === cityId);
      if (!file) throw new Error(`no city "${cityId}" in ${config.catalogDir}`);
      const kind = file.config.departments.find((d) => d.id === departmentId)?.connector.kind;
      if (!kind) throw new Error(`no department "${departmentId}" in ${cityId}`);
      // Batch-file departments are checked by importing what they dropped, which needs the store.
      const { migrateToLatest, openStore } = await loadStore();
      const [{ Catalog }, { BatchRecordRepository }, { checkConnector, formatConnectorCheck }] = await Promise.all([
        import('./catalog/catalog.service.ts'),
        import('./store/batch-records.repository.ts'),
        import('./connectors/contract.ts'),
      ]);
      const store = kind === 'csv' ? await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }) : undefined;
      try {
        if (store) await migrateToLatest(store);
        const catalog = new Catalog(result.cities, store ? { batchRecords: new BatchRecordRepository(store.db) } : undefined);
        const person = demoCitizen(opts.citizen, catalog.getCity(cityId));
        const samples: Partial<Record<IdentifierKind, string>> = {
          plate: person.plate,
          'national-id': person.nationalId,
          'library-card': person.libraryCard,
          'utility-account': { 'water-company': person.waterAccount, 'electricity-company': person.electricityAccount, 'gas-company': person.gasAccount }[departmentId],
        };
        for (const pair of opts.identifier ?? []) {
          const [k, ...v] = pair.split('=');
          samples[k as IdentifierKind] = v.join('=');
        }
        const check = await checkConnector(catalog, cityId, departmentId, { identifiers: samples, synchronize: true });
        process.stdout.write(opts.json ? `${JSON.stringify(check, null, 2)}\n` : `${formatConnectorCheck(check)}\n`);
        if (!check.ok) process.exitCode = 1;
        await catalog.close();
      } finally {
        await store?.close();
      }
    });

  const demo = program.command('demo').description('demo helpers, against a hub started with --with-emulators');
  demo
    .command('token')
    .description('log demo citizen N in through a channel\'s real login flow, prove their real name and link their demo identifiers in the city (plate, utility accounts, library card); print the bearer token')
    .requiredOption('--city <id>', 'city id, e.g. shanghai')
    .requiredOption('--channel <id>', 'entrance channel, e.g. web')
    .requiredOption('--citizen <n>', `demo citizen number, 1…${MAX_DEMO_CITIZENS}`, positiveInteger)
    .option('--hub <url>', 'hub base URL', `http://${process.env.HOST || '127.0.0.1'}:${process.env.PORT || '3000'}`)
    .option('--emulators <url>', 'emulators base URL (where the demo phone reads its SMS)', process.env.HUTONG_EMULATORS_URL || DEFAULT_EMULATORS_URL)
    .action(async (opts: { city: string; channel: string; citizen: number; hub: string; emulators: string }) => {
      const token = await demoToken(opts);
      process.stdout.write(`${token}\n`);
    });

  const emulator = program.command('emulator').description('the emulated department systems (demo mode)');
  emulator
    .command('fault')
    .description('tell an emulated department to misbehave: add latency, fail or throttle a share of calls, hang, or go down')
    .argument('<department>', 'department path name: traffic-police, vehicle-administration, transport-bureau, electricity, gas, water, hospital, social-security, library, civil-affairs, exit-entry')
    .option('--latency <ms>', 'added to every answer', (v) => nonNegativeInteger(v))
    .option('--fail-rate <share>', 'share of calls answered with an error, 0…1', (v) => share(v))
    .option('--throttle-rate <share>', 'share of calls answered 429, 0…1', (v) => share(v))
    .option('--hang', 'accept calls and never answer')
    .option('--down', 'drop connections')
    .option('--up', 'undo --hang and --down')
    .option('--reset', 'clear every switch of the department')
    .option('--emulators <url>', 'emulators base URL', process.env.HUTONG_EMULATORS_URL || DEFAULT_EMULATORS_URL)
    .action(async (department: string, opts: { latency?: number; failRate?: number; throttleRate?: number; hang?: boolean; down?: boolean; up?: boolean; reset?: boolean; emulators: string }) => {
      const url = `${opts.emulators}/_admin/faults/${encodeURIComponent(department)}`;
      if (opts.reset) {
        await callHub(url, { method: 'DELETE' });
        process.stdout.write(`${department}: all switches cleared\n`);
        return;
      }
      const changes = {
        ...(opts.latency !== undefined ? { latencyMs: opts.latency } : {}),
        ...(opts.failRate !== undefined ? { failRate: opts.failRate } : {}),
        ...(opts.throttleRate !== undefined ? { throttleRate: opts.throttleRate } : {}),
        ...(opts.hang ? { hang: true } : {}),
        ...(opts.down ? { down: true } : {}),
        ...(opts.up ? { hang: false, down: false } : {}),
      };
      const settings = Object.keys(changes).length ? await callHub(url, { method: 'POST', json: changes }) : await callHub(url);
      process.stdout.write(`${department}: ${JSON.stringify(settings)}\n`);
    });
  emulator
    .command('violation')
    .description('make a camera of the emulated traffic police record a new violation on a plate (unpaid, dated now); print its record number (序号)')
    .requiredOption('--city <id>', 'city id, e.g. shanghai')
    .requiredOption('--plate <plate>', 'plate number, e.g. 沪A12345')
    .option('--code <code>', `violation code (违法行为), one of ${VIOLATION_CODES.join(', ')}; picked as a camera would when absent`)
    .option('--occurred-at <time>', 'when it happened, RFC 3339 with an offset (e.g. 2025-06-01T12:00:00+08:00); now when absent')
    .option('--location <text>', 'where it happened (违法地点); a road of the city when absent')
    .option('--json', 'print the whole record as the traffic police answers it')
    .option('--emulators <url>', 'emulators base URL', process.env.HUTONG_EMULATORS_URL || DEFAULT_EMULATORS_URL)
    .action(async (opts: { city: string; plate: string; code?: string; occurredAt?: string; location?: string; json?: boolean; emulators: string }) => {
      const url = `${opts.emulators}/_admin/traffic-police/${encodeURIComponent(opts.city)}/violations`;
      const body = { plate: opts.plate, code: opts.code, occurredAt: opts.occurredAt, location: opts.location };
      const record = await callEmulator<LegacyViolationRecord>(url, body);
      process.stdout.write(opts.json ? `${JSON.stringify(record, null, 2)}\n` : `${record.XH}\n`);
    });

  program
    .command('reconcile')
    .description('reconcile one China-local day: every wallet\'s statement against the hub\'s ledger, and payments their department has not recorded (needs HUTONG_ADMIN_TOKEN)')
    .requiredOption('--date <YYYY-MM-DD>', 'the day')
    .option('--hub <url>', 'hub base URL', `http://127.0.0.1:${process.env.PORT || 3000}`)
    .option('--json', 'print the report as JSON')
    .action(async (opts: { date: string; hub: string; json?: boolean }) => {
      const adminToken = process.env.HUTONG_ADMIN_TOKEN;
      if (!adminToken) throw new Error('set HUTONG_ADMIN_TOKEN to the hub\'s operator token');
      const report = await callHub<ReconciliationReportBody>(`${opts.hub}/v1/admin/reconciliation?date=${encodeURIComponent(opts.date)}`, { token: adminToken });
      process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatReconciliation(report));
    });

  const wallet = program.command('wallet').description('the emulated wallets (demo mode)');
  wallet
    .command('pay')
    .description('scan a checkout QR and pay it, as the wallet app would (the content of a payment\'s qrCodeContent)')
    .argument('<wallet>', 'alipay, wechatpay or unionpay')
    .argument('<qr-content>', 'the text of the QR code')
    .option('--payer <id>', 'the paying wallet user', '')
    .option('--emulators <url>', 'emulators base URL', process.env.HUTONG_EMULATORS_URL || DEFAULT_EMULATORS_URL)
    .action(async (walletId: string, qrCodeContent: string, opts: { payer: string; emulators: string }) => {
      const prefix = WALLET_EMULATOR_PREFIX[walletId];
      if (!prefix) throw new Error(`no wallet "${walletId}"; use alipay, wechatpay or unionpay`);
      const payerId = opts.payer || DEMO_PAYER[walletId]!;
      const paid = await callHub<{ outTradeNo: string; amountFen: number }>(`${opts.emulators}${prefix}/_demo/pay`, { method: 'POST', json: { qrCodeContent, payerId } });
      process.stdout.write(`paid ${paid.outTradeNo}: ¥${(paid.amountFen / 100).toFixed(2)}\n`);
    });

  return program;
}

/** POSTs JSON to an emulator control and fails with the `{ code, message }` it answers errors with. */
async function callEmulator<T>(url: string, json: unknown): Promise<T> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) });
  const body = (await response.json().catch(() => ({}))) as { code?: string; message?: string };
  if (!response.ok) throw new Error(`${url}: ${response.status} ${body.code ?? ''} ${body.message ?? ''}`.trim());
  return body as T;
}

/** Where each emulated wallet takes a "scan and pay", and a demo payer as that wallet names its users. */
const WALLET_EMULATOR_PREFIX: Record<string, string> = { alipay: '/alipay-pay', wechatpay: '/wechatpay', unionpay: '/unionpay' };
const DEMO_PAYER: Record<string, string> = { alipay: '2088000012345678', wechatpay: 'demo-payer-openid', unionpay: 'demo-payer' };

interface ReconciliationReportBody {
  date: string;
  wallets: Array<{ wallet: string; statement: string; error?: string; lines: number; matched: number }>;
  mismatches: Array<{ kind: string; wallet: string; outTradeNo: string; hubAmountFen?: number; walletAmountFen?: number; detail: string }>;
}

function formatReconciliation(report: ReconciliationReportBody): string {
  const lines = [`reconciliation of ${report.date}`];
  for (const w of report.wallets) {
    lines.push(`  ${w.wallet.padEnd(10)} ${w.statement === 'read' ? `${w.lines} statement lines, ${w.matched} matched` : `statement unavailable: ${w.error ?? ''}`}`);
  }
  if (report.mismatches.length === 0) lines.push('  no mismatches');
  for (const m of report.mismatches) {
    const amounts = [m.hubAmountFen !== undefined ? `hub ${m.hubAmountFen} fen` : '', m.walletAmountFen !== undefined ? `wallet ${m.walletAmountFen} fen` : ''].filter(Boolean).join(', ');
    lines.push(`  ${m.kind.padEnd(27)} ${m.wallet.padEnd(10)} ${m.outTradeNo}  ${m.detail}${amounts ? ` (${amounts})` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

function nonNegativeInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number ≥ 0');
  return n;
}

function share(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError('must be between 0 and 1');
  return n;
}

/**
 * Logs demo citizen N in through an entrance as a person would — an SMS code on the web, an auth
 * code the emulated app hands out elsewhere — proves their real name with the public-security
 * register (so every entrance of one person is one citizen) and links their demo identifiers,
 * each confirmed by the department that issued it. Prints the token of the resulting session.
 */
export async function demoToken(opts: { city: string; channel: string; citizen: number; hub: string; emulators: string }): Promise<string> {
  const city = await callHub<{ id: string; regionCode: string; platePrefix: string }>(`${opts.hub}/v1/cities/${encodeURIComponent(opts.city)}`);
  const person = demoCitizen(opts.citizen, city);
  const proof = await demoLoginProof(opts.channel, person, opts);
  const login = await callHub<{ accessToken: string }>(`${opts.hub}/v1/channels/${opts.channel}/login`, { method: 'POST', json: proof });
  const bound = await callHub<{ session?: { accessToken: string } }>(`${opts.hub}/v1/me/real-name`, {
    method: 'POST',
    token: login.accessToken,
    json: { ...demoRealName(person), consentTextVersion: IDENTIFIER_CONSENT_TEXT_VERSION },
  });
  const token = bound.session?.accessToken ?? login.accessToken;
  for (const link of demoIdentifierLinks(person, city.id)) {
    // A hub just started may not have imported the water company's nightly file yet: wait for it.
    for (let attempt = 1; ; attempt++) {
      try {
        await callHub(`${opts.hub}/v1/me/identifiers`, { method: 'POST', token, json: { ...link, consentTextVersion: IDENTIFIER_CONSENT_TEXT_VERSION } });
        break;
      } catch (error) {
        if (attempt >= 60 || !String((error as Error).message).includes('HUTONG_ERR_DEPARTMENT_NOT_SYNCED')) throw error;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }
  return token;
}

/** The login proof an entrance's emulated app gives demo citizen N. */
async function demoLoginProof(channel: string, person: DemoCitizen, opts: { hub: string; emulators: string }): Promise<Record<string, string>> {
  const issue = (path: string, body: Record<string, string>) => callHub<{ code?: string; authCode?: string }>(`${opts.emulators}${path}`, { method: 'POST', json: body });
  const userNumber = person.phone.slice(-8);
  switch (channel) {
    case 'web': {
      await callHub(`${opts.hub}/v1/channels/web/login-codes`, { method: 'POST', json: { phone: person.phone } });
      const inbox = await callHub<{ messages: Array<{ text: string }> }>(`${opts.emulators}/sms/v1/handsets/${person.phone}/messages`);
      const code = /\d{6}/.exec(inbox.messages[0]?.text ?? '')?.[0];
      if (!code) throw new Error('no login code arrived at the demo phone');
      return { phone: person.phone, code };
    }
    case 'alipay':
      return { authCode: (await issue('/alipay/_demo/auth-codes', { userId: `20880000${userNumber}` })).authCode! };
    case 'wechat':
      return { code: (await issue('/wechat/_demo/auth-codes', { appid: WECHAT_DEMO_APPS[0].appId, userId: `demo-${userNumber}` })).code! };
    case 'weibo':
      return { code: (await issue('/weibo/_demo/auth-codes', { clientId: WEIBO_DEMO_APPS[0].clientId, userId: `demo-${userNumber}` })).code! };
    case 'taobao':
      return { code: (await issue('/taobao/_demo/auth-codes', { clientId: TAOBAO_DEMO_APPS[0].clientId, userId: `demo-${userNumber}` })).code! };
    default:
      throw new Error(`no demo login for the ${channel} entrance; use web, alipay, wechat, weibo or taobao (partner apps sign their own requests)`);
  }
}

// Run directly (`tsx src/cli.ts …`); bin/hutong.js imports buildCli instead.
if (import.meta.url === `file://${process.argv[1]}`) {
  buildCli()
    .parseAsync(process.argv)
    .catch((error: unknown) => {
      process.stderr.write(`hutong: ${(error as Error).message}\n`);
      process.exit(1);
    });
}
