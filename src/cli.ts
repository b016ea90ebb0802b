import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from './config.ts';
import { formatProblem, loadCatalogDir } from './catalog/catalog.loader.ts';
import { migrateToLatest, openStore } from './store/db.ts';
import { startHub } from './server.ts';
import { demoCitizen, demoIdentifierLinks, MAX_DEMO_CITIZENS } from './demo/demo-citizens.ts';
import { IDENTIFIER_CONSENT_TEXT_VERSION } from './identity/citizen.service.ts';
import { DEFAULT_EMULATORS_URL } from './config.ts';

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
    .action(async (opts: { withEmulators?: boolean; port?: string; host?: string }) => {
      const env = { ...process.env, ...(opts.port ? { PORT: opts.port } : {}), ...(opts.host ? { HOST: opts.host } : {}) };
      const hub = await startHub({ env, withEmulators: opts.withEmulators });
      const lines = [
        `Hutong hub        ${hub.url}`,
        `API docs          ${hub.url}/docs`,
        `OpenAPI           ${hub.url}/openapi.json`,
        `Cities            ${hub.url}/v1/cities`,
        `Store             ${hub.config.databaseUrl ? 'PostgreSQL' : `PGlite in ${hub.config.dataDir}`}`,
      ];
      if (hub.emulators) lines.push(`Emulators         ${hub.emulators.url} (traffic police SOAP, SMS gateway)`);
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

  const demo = program.command('demo').description('demo helpers, against a hub started with --with-emulators');
  demo
    .command('token')
    .description('log demo citizen N in through a channel\'s real login flow and print the bearer token; links the citizen\'s demo identifiers in the city (plate, national id, utility accounts, library card)')
    .requiredOption('--city <id>', 'city id, e.g. shanghai')
    .requiredOption('--channel <id>', 'entrance channel, e.g. web')
    .requiredOption('--citizen <n>', `demo citizen number, 1…${MAX_DEMO_CITIZENS}`, positiveInteger)
    .option('--hub <url>', 'hub base URL', `http://${process.env.HOST || '127.0.0.1'}:${process.env.PORT || '3000'}`)
    .option('--emulators <url>', 'emulators base URL (where the demo phone reads its SMS)', process.env.HUTONG_EMULATORS_URL || DEFAULT_EMULATORS_URL)
    .action(async (opts: { city: string; channel: string; citizen: number; hub: string; emulators: string }) => {
      const token = await demoToken(opts);
      process.stdout.write(`${token}\n`);
    });

  return program;
}

/** Demo citizen N logs in through the channel as a person would, then links their demo plate. */
export async function demoToken(opts: { city: string; channel: string; citizen: number; hub: string; emulators: string }): Promise<string> {
  if (opts.channel !== 'web') {
    throw new Error(`the ${opts.channel} channel's login is not installed in this hub yet; use --channel web`);
  }
  const city = await callHub<{ id: string; regionCode: string; platePrefix: string }>(`${opts.hub}/v1/cities/${encodeURIComponent(opts.city)}`);
  const person = demoCitizen(opts.citizen, city);
  await callHub(`${opts.hub}/v1/channels/web/login-codes`, { method: 'POST', json: { phone: person.phone } });
  const inbox = await callHub<{ messages: Array<{ text: string }> }>(`${opts.emulators}/sms/v1/handsets/${person.phone}/messages`);
  const code = /\d{6}/.exec(inbox.messages[0]?.text ?? '')?.[0];
  if (!code) throw new Error('no login code arrived at the demo phone');
  const login = await callHub<{ accessToken: string }>(`${opts.hub}/v1/channels/web/login`, { method: 'POST', json: { phone: person.phone, code } });
  for (const link of demoIdentifierLinks(person, city.id)) {
    await callHub(`${opts.hub}/v1/me/identifiers`, {
      method: 'POST',
      token: login.accessToken,
      json: { ...link, consentTextVersion: IDENTIFIER_CONSENT_TEXT_VERSION },
    });
  }
  return login.accessToken;
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
