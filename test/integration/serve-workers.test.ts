import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { redisMissing, TEST_REDIS_URL } from '../helpers/redis.ts';

const why = process.env.DATABASE_URL ? await redisMissing() : 'needs PostgreSQL (DATABASE_URL)';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('hutong serve --workers 2', { skip: why }, () => {
  let database: string;
  let primary: ChildProcess;
  let output = '';
  let url: string;
  let pids: number[];

  before(async () => {
    database = `hutong_workers_${randomBytes(5).toString('hex')}`;
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`create database ${database}`);
    await admin.end();
    const databaseUrl = Object.assign(new URL(process.env.DATABASE_URL!), { pathname: `/${database}` }).toString();
    primary = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve', '--workers', '2', '--with-emulators'], {
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        REDIS_URL: TEST_REDIS_URL,
        HUTONG_REDIS_NAMESPACE: `hutong-test-${randomBytes(4).toString('hex')}`,
        PORT: '0',
        HUTONG_EMULATORS_URL: 'http://127.0.0.1:0',
        HUTONG_DATA_DIR: 'memory://',
        HUTONG_BATCH_SYNC_INTERVAL_MS: '0',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    primary.stdout!.on('data', (chunk) => (output += chunk));
    primary.stderr!.on('data', (chunk) => (output += chunk));
    for (let i = 0; i < 600 && !/^Processes .*pids ([\d ]+)\)/m.test(output); i++) await sleep(100);
    url = /^Hutong hub\s+(\S+)/m.exec(output)?.[1] ?? assert.fail(`no address printed:\n${output}`);
    pids = /pids ([\d ]+)\)/.exec(output)![1]!.split(' ').map(Number);
  });

  after(async () => {
    if (primary && primary.exitCode === null) {
      primary.kill('SIGKILL');
      for (const pid of pids ?? []) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`drop database if exists ${database} with (force)`);
    await admin.end();
  });

  it('serves on one port from two processes sharing Redis, replaces a worker that dies, and stops on SIGTERM', async () => {
    assert.equal(pids.length, 2, output);
    assert.match(output, /cache and limits shared through Redis/);
    const ready = (await (await fetch(`${url}/readyz`)).json()) as { status: string; sharing: string; processes: number };
    assert.deepEqual([ready.status, ready.sharing, ready.processes], ['ready', 'shared', 2]);
    // Connections go to the workers in turn: both answer.
    const seen = new Set<string>();
    for (let i = 0; i < 20 && seen.size < 2; i++) {
      const metrics = await (await fetch(`${url}/metrics`, { headers: { connection: 'close' } })).text();
      seen.add(/^process_start_time_seconds (\S+)/m.exec(metrics)?.[1] ?? '');
    }
    assert.equal(seen.size, 2, 'two processes answered');

    process.kill(pids[0]!, 'SIGKILL');
    for (let i = 0; i < 300 && !/starting another/.test(output); i++) await sleep(100);
    assert.match(output, /exited \(SIGKILL\); starting another/);
    let status = 0;
    for (let i = 0; i < 300 && status !== 200; i++) {
      status = await fetch(`${url}/v1/cities`).then((r) => r.status, () => 0);
      if (status !== 200) await sleep(100);
    }
    assert.equal(status, 200, 'still served');

    const exited = new Promise<number | null>((resolve) => primary.once('exit', (code) => resolve(code)));
    primary.kill('SIGTERM');
    assert.equal(await exited, 0);
  });
});
