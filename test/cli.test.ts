import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const BIN = path.resolve('bin/hutong.js');

function hutong(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
}

describe('hutong CLI', () => {
  let work: string;
  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'hutong-cli-'));
  });
  after(() => rm(work, { recursive: true, force: true }));

  it('--help lists every command', () => {
    const run = hutong(['--help']);
    assert.equal(run.status, 0);
    for (const command of ['serve', 'migrate', 'catalog', 'demo']) assert.match(run.stdout, new RegExp(`\\b${command}\\b`));
    const demo = hutong(['demo', 'token', '--help']);
    assert.match(demo.stdout, /--city/);
    assert.match(demo.stdout, /--channel/);
    assert.match(demo.stdout, /--citizen/);
  });

  it('migrate applies the migrations to the embedded store once', () => {
    const dataDir = path.join(work, 'data');
    const first = hutong(['migrate'], { HUTONG_DATA_DIR: dataDir, DATABASE_URL: '' });
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /applied: 0001_identity/);
    const second = hutong(['migrate'], { HUTONG_DATA_DIR: dataDir, DATABASE_URL: '' });
    assert.match(second.stdout, /up to date/);
  });

  it('catalog validate accepts the shipped catalog and lists every problem of a broken one with file and line', async () => {
    const ok = hutong(['catalog', 'validate']);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /ok: 12 cities, 132 services/);

    const broken = path.join(work, 'cities');
    await cp('config/cities', broken, { recursive: true });
    await cp('config/mappings', path.join(work, 'mappings'), { recursive: true });
    const file = path.join(broken, 'qingdao.yaml');
    const text = (await readFile(file, 'utf8')).replace('regionCode: "370200"', 'regionCode: "37020"').replace('category: social\n    kinds: [query]', 'category: social\n    kinds: [inquiry]');
    assert.ok(text.includes('kinds: [inquiry]'));
    await writeFile(file, text);
    const run = hutong(['catalog', 'validate', broken]);
    assert.equal(run.status, 1);
    const lines = text.split('\n');
    const regionLine = lines.findIndex((l) => l.startsWith('regionCode:')) + 1;
    const kindsLine = lines.findIndex((l) => l.includes('kinds: [inquiry]')) + 1;
    assert.match(run.stderr, new RegExp(`qingdao\\.yaml:${regionLine}:\\d+ regionCode: `));
    assert.match(run.stderr, new RegExp(`qingdao\\.yaml:${kindsLine}:\\d+ services\\[7\\]\\.kinds\\[0\\]: must be one of`));
    assert.match(run.stderr, /2 problem\(s\) found/);

    const serve = hutong(['serve'], { HUTONG_CONFIG: broken, PORT: '0', HUTONG_DATA_DIR: path.join(work, 'refused') });
    assert.notEqual(serve.status, 0, 'the hub refuses to start on a broken catalog');
    assert.match(serve.stderr, /qingdao\.yaml:\d+:\d+ regionCode/);
    assert.match(serve.stderr, /services\[7\]\.kinds\[0\]/);
  });

  describe('serve --with-emulators and demo token', () => {
    let server: ChildProcessWithoutNullStreams;
    let hubUrl = '';
    let emulatorsUrl = '';
    let residentsUrl = '';

    before(async () => {
      server = spawn(process.execPath, [BIN, 'serve', '--with-emulators'], {
        env: { ...process.env, PORT: '0', HUTONG_EMULATORS_URL: 'http://127.0.0.1:0', HUTONG_DATA_DIR: path.join(work, 'serve-data'), DATABASE_URL: '', LOG_LEVEL: 'warn' },
      });
      let output = '';
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URLs printed in 30 s:\n${output}`)), 30_000);
        server.stdout.on('data', (chunk) => {
          output += chunk;
          const hub = /Hutong hub\s+(\S+)/.exec(output);
          const emulators = /Emulators\s+(\S+)/.exec(output);
          const residents = /Demo residents\s+(\S+)/.exec(output);
          if (hub && emulators && residents) {
            hubUrl = hub[1];
            emulatorsUrl = emulators[1];
            residentsUrl = residents[1];
            clearTimeout(timer);
            resolve();
          }
        });
        server.stderr.on('data', (chunk) => (output += chunk));
        server.once('exit', (code) => reject(new Error(`exited ${code}:\n${output}`)));
      });
      const health = await fetch(`${hubUrl}/healthz`);
      assert.equal(health.status, 200);
      // Start-up time is not asserted (a busy machine is slower); the 30 s above only guards against a hang.
    });

    after(async () => {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    });

    it('prints where a newcomer finds the residents of the emulated world to try the app as', async () => {
      const res = await fetch(residentsUrl);
      assert.equal(res.status, 200);
      const body = (await res.json()) as { cityId: string; residents: Array<{ name: string; phone: string }> };
      assert.equal(body.cityId, 'shanghai');
      assert.ok(body.residents.length > 0 && body.residents.every((r) => r.name && /^1\d{10}$/.test(r.phone)));
    });

    it('prints a token from the real web login flow that lists the demo citizen\'s violations', async () => {
      const run = spawnSync(process.execPath, [BIN, 'demo', 'token', '--city', 'hangzhou', '--channel', 'web', '--citizen', '7', '--hub', hubUrl, '--emulators', emulatorsUrl], {
        encoding: 'utf8',
        timeout: 60_000,
      });
      assert.equal(run.status, 0, run.stderr);
      const token = run.stdout.trim();
      assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
      const me = await fetch(`${hubUrl}/v1/me`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(me.status, 200);
      const profile = (await me.json()) as { identifiers: Array<{ kind: string; value: string }> };
      assert.ok(profile.identifiers.some((i) => i.kind === 'plate' && i.value === '浙AD0007'));
      assert.deepEqual([...new Set(profile.identifiers.map((i) => i.kind))].sort(), ['library-card', 'national-id', 'plate', 'utility-account']);
      const records = await fetch(`${hubUrl}/v1/cities/hangzhou/services/traffic.violations/records`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(records.status, 200);
      const body = (await records.json()) as { sources: Array<{ status: string }> };
      assert.equal(body.sources[0].status, 'ok');
    });

    it('connector test checks a department against its live system, and emulator fault makes it fail', () => {
      const env = { HUTONG_EMULATORS_URL: emulatorsUrl, HUTONG_DATA_DIR: path.join(work, 'connector-test'), DATABASE_URL: '' };
      const ok = hutong(['connector', 'test', 'shanghai/library'], env);
      assert.equal(ok.status, 0, ok.stderr);
      assert.match(ok.stdout, /shanghai\/library \(rest\): OK/);
      assert.match(ok.stdout, /LibraryLoan for library-card/);
      const fault = hutong(['emulator', 'fault', 'library', '--fail-rate', '1'], env);
      assert.equal(fault.status, 0, fault.stderr);
      assert.match(fault.stdout, /"failRate":1/);
      const failing = hutong(['connector', 'test', 'shanghai/library'], env);
      assert.equal(failing.status, 1);
      assert.match(failing.stdout, /department-error/);
      assert.match(failing.stdout, /HUTONG_ERR_DEPARTMENT_FAULT/);
      assert.equal(hutong(['emulator', 'fault', 'library', '--reset'], env).status, 0);
      const bad = hutong(['emulator', 'fault', 'library', '--fail-rate', '7'], env);
      assert.notEqual(bad.status, 0);
      assert.match(bad.stderr, /between 0 and 1/);
    });

    it('logs in through Alipay too, and refuses an unknown entrance and an unknown city', () => {
      const channel = hutong(['demo', 'token', '--city', 'hangzhou', '--channel', 'myspace', '--citizen', '1', '--hub', hubUrl, '--emulators', emulatorsUrl]);
      assert.equal(channel.status, 1);
      assert.match(channel.stderr, /myspace/);
      const alipay = hutong(['demo', 'token', '--city', 'hangzhou', '--channel', 'alipay', '--citizen', '8', '--hub', hubUrl, '--emulators', emulatorsUrl]);
      assert.equal(alipay.status, 0, alipay.stderr);
      assert.match(alipay.stdout.trim(), /^[\w-]+\.[\w-]+\.[\w-]+$/);
      const city = hutong(['demo', 'token', '--city', 'gotham', '--channel', 'web', '--citizen', '1', '--hub', hubUrl, '--emulators', emulatorsUrl]);
      assert.equal(city.status, 1);
      assert.match(city.stderr, /HUTONG_ERR_CITY_NOT_FOUND/);
    });
  });
});
