import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { testEngines } from '../helpers/stores.ts';
import { startTestHub, type TestHub } from '../helpers/hub.ts';

const [engine] = testEngines();
const PERSONAL_SERVICES = ['civil.exit-entry-progress', 'culture.library-loans', 'living.utility-bills', 'social.insurance', 'traffic.licence', 'traffic.violations'];

interface Section {
  serviceId: string;
  status: string;
  ageSeconds?: number;
  error?: { code: string };
  sources: Array<{ departmentId: string; status: string }>;
}

/** A copy of the catalog where the library's loans stay fresh for one second only. */
async function catalogWithShortLibraryTtl(): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'hutong-dashboard-'));
  await cp('config', root, { recursive: true });
  const file = path.join(root, 'cities', 'shanghai.yaml');
  const text = await readFile(file, 'utf8');
  const changed = text.replace(/(- id: culture\.library-loans[\s\S]*?cacheTtlSeconds: )\d+/, '$11');
  assert.notEqual(changed, text);
  await writeFile(file, changed);
  return root;
}

describe('My City dashboard', () => {
  let hub: TestHub;
  let token: string;
  let catalogRoot: string;
  const dashboard = async () => {
    const started = performance.now();
    const res = await hub.app.inject({ method: 'GET', url: '/v1/cities/shanghai/dashboard', headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.statusCode, 200, res.body);
    return { ms: performance.now() - started, body: res.json() as { deadlineMs: number; sections: Section[]; suggestions: Array<{ serviceId: string }> } };
  };
  const section = (sections: Section[], id: string) => sections.find((s) => s.serviceId === id)!;

  before(async () => {
    catalogRoot = await catalogWithShortLibraryTtl();
    hub = await startTestHub(engine, { catalogDir: path.join(catalogRoot, 'cities'), dashboardDeadlineMs: 800, departmentTimeoutMs: 2000 });
    ({ token } = await hub.loginDemo(5, 'shanghai'));
  });
  after(async () => {
    await hub.close();
    await rm(catalogRoot, { recursive: true, force: true });
  });

  it('gathers every personal service where the citizen has identifiers, all ok', async () => {
    const { body } = await dashboard();
    assert.equal(body.deadlineMs, 800);
    assert.deepEqual(body.sections.map((s) => s.serviceId).sort(), PERSONAL_SERVICES);
    for (const s of body.sections) assert.equal(s.status, 'ok', `${s.serviceId}: ${JSON.stringify(s.error ?? s.sources)}`);
  });

  it('suggests what to link for a citizen without identifiers', async () => {
    const bare = await hub.login('13912349999');
    const res = await hub.app.inject({ method: 'GET', url: '/v1/cities/shanghai/dashboard', headers: { authorization: `Bearer ${bare}` } });
    assert.deepEqual(res.json().sections, []);
    assert.deepEqual((res.json().suggestions as Array<{ serviceId: string }>).map((s) => s.serviceId).sort(), PERSONAL_SERVICES);
  });

  it('with one department hung and one failing, answers within the deadline and labels the sections', async () => {
    hub.emulators.faults.set('social-security', { hang: true });
    hub.emulators.faults.set('exit-entry', { failRate: 1 });
    hub.services.shield.invalidate; // (cached answers of the other departments keep serving)
    await new Promise((r) => setTimeout(r, 1100)); // the library's answer is now past its 1 s TTL
    hub.emulators.faults.set('library', { down: true });

    const times: number[] = [];
    let last: Section[] = [];
    for (let round = 0; round < 10; round++) {
      const answers = await Promise.all(Array.from({ length: 20 }, () => dashboard()));
      for (const a of answers) times.push(a.ms);
      last = answers[answers.length - 1].body.sections;
    }
    times.sort((a, b) => a - b);
    const p50 = times[Math.floor(times.length * 0.5)];
    const p99 = times[Math.floor(times.length * 0.99)];
    console.log(`dashboard over ${times.length} calls with one department hung: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms (deadline 800 ms)`);
    assert.ok(p99 < 800 + 300, `p99 ${p99.toFixed(1)} ms`);

    // Social security and exit-entry answered before the faults, so their cached answers still serve.
    // Clear them to see the labels of departments with nothing to fall back on.
    const insurance = section(last, 'social.insurance');
    assert.equal(insurance.status, 'ok', 'a cached answer within its TTL is served while the department hangs');
    const library = section(last, 'culture.library-loans');
    assert.equal(library.status, 'stale', 'past its TTL, with the library down, the last answer is served as stale');
    assert.ok((library.ageSeconds ?? 0) >= 1);
    for (const id of ['traffic.violations', 'traffic.licence']) assert.equal(section(last, id).status, 'ok');
  });

  it('labels a hung department with nothing cached unavailable, and a service missing one of its departments partial', async () => {
    const { token: fresh } = await hub.loginDemo(6, 'shanghai');
    hub.emulators.faults.set('gas', { failRate: 1 });
    const started = performance.now();
    const res = await hub.app.inject({ method: 'GET', url: '/v1/cities/shanghai/dashboard', headers: { authorization: `Bearer ${fresh}` } });
    const ms = performance.now() - started;
    const sections = res.json().sections as Section[];
    const insurance = section(sections, 'social.insurance');
    assert.equal(insurance.status, 'unavailable');
    assert.ok(insurance.error?.code === 'HUTONG_ERR_DEPARTMENT_TIMEOUT' || insurance.sources.some((s) => s.status === 'unavailable'));
    assert.equal(section(sections, 'civil.exit-entry-progress').status, 'unavailable');
    const bills = section(sections, 'living.utility-bills');
    assert.equal(bills.status, 'partial');
    assert.deepEqual(bills.sources.filter((s) => s.status === 'unavailable').map((s) => s.departmentId), ['gas-company']);
    assert.equal(section(sections, 'traffic.violations').status, 'ok');
    assert.ok(ms < 800 + 300, `answered in ${ms.toFixed(1)} ms`);
    hub.emulators.faults.reset();
  });
});
