import os from 'node:os';
import path from 'node:path';

/** Everything the hub reads from its environment, validated once and frozen. */
export interface HubConfig {
  readonly host: string;
  readonly port: number;
  /** Folder of the embedded store (PGlite) and other local state; `memory://` keeps nothing. */
  readonly dataDir: string;
  /** Where batch-file departments drop their files (`<inboxDir>/<city>/<department>/`); `${HUTONG_INBOX_DIR}` in city YAML. */
  readonly inboxDir: string;
  /** PostgreSQL connection string; when set, replaces the embedded store. */
  readonly databaseUrl?: string;
  /** Redis connection string: the cache, invalidations and department rates shared by every hub process. */
  readonly redisUrl?: string;
  /** Prefix of the hub's Redis keys and channels, so deployments sharing one Redis stay apart. */
  readonly redisNamespace: string;
  /** Hub processes serving together (`hutong serve --workers N` sets it): each keeps its share of a department's concurrency, and of its rate while Redis is down. */
  readonly processes: number;
  /** Event-loop delay beyond which requests are refused with 503 and Retry-After (load shedding); 0 turns shedding off. */
  readonly shedEventLoopDelayMs: number;
  /** Folder of city YAML files. */
  readonly catalogDir: string;
  /** Variables available to `${NAME}` references in the city YAML (defaults to the process environment). */
  readonly catalogVars: Readonly<Record<string, string | undefined>>;
  /** Base URL of the SMS gateway used by the `web` channel's login codes. */
  readonly smsGatewayUrl: string;
  /** Secret for signing session tokens; when absent, one is generated and kept in the store. */
  readonly sessionSecret?: string;
  readonly logLevel: string;
  /** Default deadline of one department call, in milliseconds. */
  readonly departmentTimeoutMs: number;
  /** How often batch-file departments' drop folders are imported; 0 turns the schedule off. */
  readonly batchSyncIntervalMs: number;
  /** The origin clients address when a proxy in front changes scheme or host (signed partner requests name it). */
  readonly publicUrl?: string;
  /** Bearer token of the hub's operators for `/v1/admin/*`; without it those routes are closed. */
  readonly adminToken?: string;
  /** Deadline of the "My City" dashboard, in milliseconds. */
  readonly dashboardDeadlineMs: number;
  /** Emulators are part of this deployment: demo-only conveniences are switched on. */
  readonly demoMode: boolean;
  /** Base URL of the emulators (`HUTONG_EMULATORS_URL`); in demo mode the operator console reaches their fault switches there. */
  readonly emulatorsUrl?: string;
  /** How long a paid fine or bill may wait for its department to record it before reconciliation reports it. */
  readonly writeBackGraceMs: number;
  /** How often holds whose time ran out are released, in milliseconds; 0 turns the sweep off. */
  readonly bookingSweepMs: number;
  /** How often subscribed citizens' records are polled for reminders, in milliseconds; 0 turns polling off. */
  readonly reminderPollMs: number;
  /** How often due reminders are handed to the entrances' push APIs, in milliseconds; 0 turns delivery off. */
  readonly reminderDispatchMs: number;
  /** Reminders one citizen gets per local day at most; more wait for the next morning. */
  readonly reminderDailyCap: number;
  /** The public-security identity check real names are proved against, and the hub's licence with it (a secret). */
  readonly realNameRegister: { readonly url: string; readonly license: string };
}

export const DEFAULT_EMULATORS_URL = 'http://127.0.0.1:4100';

function integer(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

/**
 * Reads the hub's configuration from environment variables (and explicit overrides, which win).
 *
 * @example
 *   const config = loadConfig(process.env, { port: 0, dataDir: 'memory://' })
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<HubConfig> = {}): HubConfig {
  const emulatorsUrl = env.HUTONG_EMULATORS_URL || DEFAULT_EMULATORS_URL;
  const dataDir = env.HUTONG_DATA_DIR || './data';
  const inboxDir = path.resolve(env.HUTONG_INBOX_DIR || (dataDir.startsWith('memory://') ? path.join(os.tmpdir(), 'hutong-inbox') : path.join(dataDir, 'inbox')));
  const config: HubConfig = {
    host: env.HOST || '127.0.0.1',
    port: integer('PORT', env.PORT, 3000, 0, 65535),
    dataDir: dataDir.startsWith('memory://') ? dataDir : path.resolve(dataDir),
    databaseUrl: env.DATABASE_URL || undefined,
    redisUrl: env.REDIS_URL || undefined,
    redisNamespace: env.HUTONG_REDIS_NAMESPACE || 'hutong',
    processes: integer('HUTONG_PROCESSES', env.HUTONG_PROCESSES, 1, 1, 1024),
    shedEventLoopDelayMs: integer('HUTONG_SHED_EVENT_LOOP_DELAY_MS', env.HUTONG_SHED_EVENT_LOOP_DELAY_MS, 1000, 0, 60_000),
    catalogDir: path.resolve(env.HUTONG_CONFIG || 'config/cities'),
    inboxDir,
    catalogVars: { HUTONG_EMULATORS_URL: emulatorsUrl, HUTONG_INBOX_DIR: inboxDir, ...env },
    smsGatewayUrl: env.HUTONG_SMS_GATEWAY_URL || `${emulatorsUrl}/sms`,
    sessionSecret: env.HUTONG_SESSION_SECRET || undefined,
    logLevel: env.LOG_LEVEL || 'info',
    departmentTimeoutMs: integer('HUTONG_DEPARTMENT_TIMEOUT_MS', env.HUTONG_DEPARTMENT_TIMEOUT_MS, 3000, 1, 600_000),
    publicUrl: env.HUTONG_PUBLIC_URL?.replace(/\/$/, '') || undefined,
    adminToken: env.HUTONG_ADMIN_TOKEN || undefined,
    batchSyncIntervalMs: integer('HUTONG_BATCH_SYNC_INTERVAL_MS', env.HUTONG_BATCH_SYNC_INTERVAL_MS, 60_000, 0, 86_400_000),
    dashboardDeadlineMs: integer('HUTONG_DASHBOARD_DEADLINE_MS', env.HUTONG_DASHBOARD_DEADLINE_MS, 800, 50, 60_000),
    demoMode: env.HUTONG_DEMO === '1' || env.HUTONG_DEMO === 'true',
    emulatorsUrl,
    writeBackGraceMs: integer('HUTONG_WRITE_BACK_GRACE_MS', env.HUTONG_WRITE_BACK_GRACE_MS, 15 * 60_000, 0, 7 * 86_400_000),
    bookingSweepMs: integer('HUTONG_BOOKING_SWEEP_MS', env.HUTONG_BOOKING_SWEEP_MS, 5_000, 0, 3_600_000),
    reminderPollMs: integer('HUTONG_REMINDER_POLL_MS', env.HUTONG_REMINDER_POLL_MS, 5 * 60_000, 0, 86_400_000),
    reminderDispatchMs: integer('HUTONG_REMINDER_DISPATCH_MS', env.HUTONG_REMINDER_DISPATCH_MS, 5_000, 0, 3_600_000),
    reminderDailyCap: integer('HUTONG_REMINDER_DAILY_CAP', env.HUTONG_REMINDER_DAILY_CAP, 5, 1, 1000),
    realNameRegister: {
      url: env.HUTONG_REAL_NAME_URL || `${emulatorsUrl}/public-security/nciic/v1/check`,
      // The emulator's demo licence, as department credentials in the city YAML fall back to theirs.
      license: env.PUBLIC_SECURITY_LICENSE || 'demo-nciic-license-0001',
    },
    ...overrides,
  };
  if (config.adminToken !== undefined && config.adminToken.length < 24) {
    throw new Error('HUTONG_ADMIN_TOKEN must be at least 24 characters');
  }
  if (config.sessionSecret !== undefined && config.sessionSecret.length < 32) {
    throw new Error('HUTONG_SESSION_SECRET must be at least 32 characters');
  }
  return Object.freeze(config);
}
