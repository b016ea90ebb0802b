import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startEmulators, type RunningEmulators } from '../../emulators/index.ts';
import { REFERENCE_DATE } from '../helpers/hub.ts';
import { startHubProcess } from '../helpers/hub-process.ts';
import { demoToken } from '../../src/cli.ts';
import { generateViolations } from '../../emulators/departments/traffic-police/violations.ts';
import { demoCitizen } from '../../src/demo/demo-citizens.ts';
import { paymentLedger } from '../../emulators/departments/kit/payments.ts';
import { scanAndPay } from '../helpers/wallets.ts';

const SMS_KEY = 'crash-test-sms-key';
const TAIYUAN = { id: 'taiyuan', regionCode: '140100', platePrefix: '晋A' };

/** The stores the hub processes run on: PGlite in a folder, and PostgreSQL when DATABASE_URL is set. */
const STORES: Array<{ name: string; url?: string }> = [{ name: 'pglite' }, ...(process.env.DATABASE_URL ? [{ name: 'postgres', url: process.env.DATABASE_URL }] : [])];

for (const store of STORES) describe(`a hub killed between the wallet's success and the write-back, on ${store.name}`, () => {
  let emulators: RunningEmulators;
  let dir: string;
  let env: Record<string, string>;
  let running: ChildProcess | undefined;
  let database: string | undefined;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'hutong-crash-'));
    emulators = await startEmulators({ port: 0, smsAppKey: SMS_KEY, referenceDate: REFERENCE_DATE, dropDir: path.join(dir, 'inbox') });
    env = {
      HUTONG_EMULATORS_URL: emulators.url,
      HUTONG_SMS_APP_KEY: SMS_KEY,
      HUTONG_DEMO: '1',
      HUTONG_DATA_DIR: path.join(dir, 'data'),
      HUTONG_INBOX_DIR: path.join(dir, 'inbox'),
      DATABASE_URL: '',
    };
    if (store.url) {
      database = `hutong_crash_${randomBytes(5).toString('hex')}`;
      const admin = new pg.Client({ connectionString: store.url });
      await admin.connect();
      await admin.query(`create database ${database}`);
      await admin.end();
      const url = new URL(store.url);
      url.pathname = `/${database}`;
      env.DATABASE_URL = url.toString();
    }
  });
  after(async () => {
    running?.kill('SIGKILL');
    await emulators.close();
    await rm(dir, { recursive: true, force: true });
    if (store.url && database) {
      const admin = new pg.Client({ connectionString: store.url });
      await admin.connect();
      await admin.query(`drop database if exists ${database} with (force)`);
      await admin.end();
    }
  });

  it('delivers the write-back after a restart, once', async () => {
    let n = 1;
    while (generateViolations('taiyuan', demoCitizen(n, TAIYUAN).plate, REFERENCE_DATE).every((v) => v.JKBJ === '1')) n++;
    const first = await startHubProcess(env);
    running = first.child;
    const token = await demoToken({ city: 'taiyuan', channel: 'web', citizen: n, hub: first.url, emulators: emulators.url });
    const auth = { authorization: `Bearer ${token}` };
    const list = (await (await fetch(`${first.url}/v1/cities/taiyuan/services/traffic.violations/records`, { headers: auth })).json()) as { items: Array<{ id: string; status: string }> };
    const fine = list.items.find((v) => v.status === 'unpaid')!;
    const created = await fetch(`${first.url}/v1/payments`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': 'crash-1' },
      body: JSON.stringify({ cityId: 'taiyuan', serviceId: 'traffic.violations', recordId: fine.id, wallet: 'alipay' }),
    });
    assert.equal(created.status, 201, await created.clone().text());
    const payment = (await created.json()) as { id: string; outTradeNo: string; qrCodeContent: string };

    // The traffic police cannot take the payment now: the write-back job fails and waits to retry.
    emulators.faults.set('traffic-police', { failRate: 1 });
    await scanAndPay(emulators.url, 'alipay', payment.qrCodeContent);
    const view = async (url: string) => (await (await fetch(`${url}/v1/payments/${payment.id}`, { headers: auth })).json()) as { state: string; history: Array<{ reason: string }> };
    for (let i = 0; i < 100 && (await view(first.url)).state !== 'succeeded'; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal((await view(first.url)).state, 'succeeded', 'the wallet\'s success reached the hub');
    assert.ok(!(await view(first.url)).history.some((h) => h.reason.startsWith('recorded by the department')));

    first.child.kill('SIGKILL');
    await once(first.child, 'exit');
    emulators.faults.reset();

    const second = await startHubProcess(env);
    running = second.child;
    let history: Array<{ reason: string }> = [];
    // A job the killed process was running is retried only once pg-boss expires it (60 s), later on a loaded machine.
    for (let i = 0; i < 600; i++) {
      history = (await view(second.url)).history;
      if (history.some((h) => h.reason.startsWith('recorded by the department'))) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(history.filter((h) => h.reason.startsWith('recorded by the department')).length, 1, 'recorded after the restart');
    assert.equal(paymentLedger(emulators.url, 'traffic-police', 'taiyuan')?.recordingsOfReference(payment.outTradeNo), 1, 'the department recorded it once');
    second.child.kill('SIGTERM');
    await once(second.child, 'exit');
    running = undefined;
  });
});
