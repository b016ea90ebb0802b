import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { copyFile, cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

import { formatProblem, loadCatalogDir, type CatalogProblem, type LoadedCityFile } from './catalog.loader.ts';
import { Catalog } from './catalog.service.ts';
import { HutongError } from '../errors.ts';
import { SEED_CITY_REGIONS, type SeedCityId } from '../model/regions.ts';
import { SEED_SERVICE_IDS } from '../../test/helpers/seed.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CITIES_DIR = path.join(ROOT, 'config/cities');
const MAPPING_FILE = path.join(ROOT, 'config/mappings/traffic-police-soap/violations.jsonata');
const VARS = { HUTONG_EMULATORS_URL: 'http://127.0.0.1:4100', HUTONG_INBOX_DIR: path.join(os.tmpdir(), 'hutong-catalog-inbox') };


/** A temp folder laid out like config/: `<tmp>/cities` next to a copy of every mapping in `<tmp>/mappings`. */
async function tempCatalog(): Promise<{ root: string; cities: string }> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'hutong-catalog-'));
  const cities = path.join(root, 'cities');
  await mkdir(cities);
  await cp(path.join(ROOT, 'config/mappings'), path.join(root, 'mappings'), { recursive: true });
  assert.ok((await readFile(path.join(root, 'mappings/traffic-police-soap/violations.jsonata'), 'utf8')) === (await readFile(MAPPING_FILE, 'utf8')));
  return { root, cities };
}

async function shipped(name: string): Promise<string> {
  return readFile(path.join(CITIES_DIR, name), 'utf8');
}

/** Replaces exactly one occurrence, so a change in the shipped files breaks the test loudly, not silently. */
function replaceOnce(text: string, from: string, to: string): string {
  const at = text.indexOf(from);
  assert.notEqual(at, -1, `fixture text not found: ${from}`);
  assert.equal(text.indexOf(from, at + 1), -1, `fixture text not unique: ${from}`);
  return text.slice(0, at) + to + text.slice(at + from.length);
}

/** 1-based line of the only line containing `needle`. */
function lineOf(text: string, needle: string): number {
  const lines = text.split('\n');
  const found = lines.flatMap((l, i) => (l.includes(needle) ? [i + 1] : []));
  assert.equal(found.length, 1, `expected one line containing ${needle}, found ${found.length}`);
  return found[0];
}

async function lineAt(file: string, line: number): Promise<string> {
  return (await readFile(file, 'utf8')).split('\n')[line - 1] ?? '';
}

function loadedOk(result: Awaited<ReturnType<typeof loadCatalogDir>>): readonly LoadedCityFile[] {
  if (!result.ok) assert.fail(`catalog did not load:\n${result.problems.map(formatProblem).join('\n')}`);
  return result.cities;
}

function problemsOf(result: Awaited<ReturnType<typeof loadCatalogDir>>): readonly CatalogProblem[] {
  if (result.ok) assert.fail('expected the catalog to be refused');
  return result.problems;
}

describe('shipped catalog (config/cities)', () => {
  let cities: readonly LoadedCityFile[];
  before(async () => {
    cities = loadedOk(await loadCatalogDir(CITIES_DIR, VARS));
  });

  it('loads exactly the 12 seed cities', () => {
    assert.deepEqual(cities.map((c) => c.config.id).sort(), Object.keys(SEED_CITY_REGIONS).sort());
    assert.equal(cities.length, 12);
  });

  it('gives every city the region code and plate prefix of SEED_CITY_REGIONS', () => {
    for (const { config } of cities) {
      const seed = SEED_CITY_REGIONS[config.id as SeedCityId];
      assert.ok(seed, `${config.id} is not a seed city`);
      assert.equal(config.regionCode, seed.regionCode, `${config.id} regionCode`);
      assert.equal(config.platePrefix, seed.platePrefix, `${config.id} platePrefix`);
    }
  });

  it('gives every city exactly the 11 shipped services', () => {
    for (const { config } of cities) {
      assert.deepEqual(config.services.map((s) => s.id).sort(), [...SEED_SERVICE_IDS].sort(), `${config.id} services`);
    }
  });

  it('substitutes the variables and applies schema defaults', () => {
    const shanghai = cities.find((c) => c.config.id === 'shanghai');
    assert.ok(shanghai);
    const police = shanghai.config.departments.find((d) => d.id === 'traffic-police');
    assert.equal((police?.connector.options as { wsdl?: string }).wsdl, 'http://127.0.0.1:4100/traffic-police/shanghai/ws?wsdl');
    const reminders = shanghai.config.services.find((s) => s.id === 'traffic.violation-reminders');
    assert.equal(reminders?.cacheTtlSeconds, 300, 'cacheTtlSeconds default');
  });
});

describe('Catalog built from the shipped cities', () => {
  let catalog: Catalog;
  before(async () => {
    catalog = new Catalog(loadedOk(await loadCatalogDir(CITIES_DIR, VARS)));
  });
  after(async () => {
    await catalog?.close();
  });

  it('lists the 11 services of shanghai', () => {
    const services = catalog.listServices('shanghai');
    assert.equal(services.length, 11);
    assert.deepEqual(services.map((s) => s.id).sort(), [...SEED_SERVICE_IDS].sort());
    assert.ok(services.every((s) => s.cityId === 'shanghai'));
  });

  it('offers traffic.violations queries but not payment, with a reason', () => {
    const violations = catalog.listServices('shanghai').find((s) => s.id === 'traffic.violations');
    assert.ok(violations);
    assert.equal(violations.available, true);
    assert.equal(violations.kind, 'query');
    assert.equal(violations.unavailableReason, undefined);
    assert.deepEqual(
      violations.functions.map((f) => [f.kind, f.available]),
      [
        ['query', true],
        ['payment', false],
      ],
    );
    const payment = violations.functions.find((f) => f.kind === 'payment');
    assert.equal(typeof payment?.unavailableReason, 'string');
    assert.ok((payment?.unavailableReason ?? '').length > 0);
    assert.equal(violations.functions.find((f) => f.kind === 'query')?.unavailableReason, undefined);
  });

  it('gives every unavailable service and function a non-empty reason, in every city', () => {
    let unavailable = 0;
    for (const city of catalog.listCities()) {
      for (const service of catalog.listServices(city.id)) {
        if (!service.available) {
          unavailable++;
          assert.ok(service.unavailableReason && service.unavailableReason.trim().length > 0, `${city.id}/${service.id}`);
        } else {
          assert.equal(service.unavailableReason, undefined, `${city.id}/${service.id}`);
        }
        for (const f of service.functions) {
          if (!f.available) assert.ok(f.unavailableReason && f.unavailableReason.trim().length > 0, `${city.id}/${service.id}/${f.kind}`);
        }
        // Available means a citizen can use at least one of its functions.
        assert.equal(service.available, service.functions.some((f) => f.available), `${city.id}/${service.id}: some function`);
        assert.equal(service.kind, service.functions[0].kind, `${city.id}/${service.id}: primary kind`);
      }
    }
    assert.equal(unavailable, 0, 'every seed service can be used in every shipped city');
    const missing = catalog.listCities().flatMap((city) => catalog.listServices(city.id).flatMap((s) => s.functions.filter((f) => !f.available).map((f) => `${s.id}/${f.kind}: ${f.unavailableReason}`)));
    // This catalog has no wallets: payments are what it cannot offer, and nothing else.
    for (const line of missing) assert.match(line, /\/payment: no wallet is configured/);
  });

  it('returns a city with its region facts', () => {
    const city = catalog.getCity('shenzhen');
    assert.equal(city.regionCode, SEED_CITY_REGIONS.shenzhen.regionCode);
    assert.equal(city.platePrefix, SEED_CITY_REGIONS.shenzhen.platePrefix);
    assert.equal(city.timeZone, 'Asia/Shanghai');
  });

  it('refuses an unknown city with HUTONG_ERR_CITY_NOT_FOUND', () => {
    assert.throws(
      () => catalog.getCity('nowhere'),
      (error: unknown) => error instanceof HutongError && error.code === 'HUTONG_ERR_CITY_NOT_FOUND' && error.statusCode === 404,
    );
    assert.throws(() => catalog.listServices('nowhere'), (error: unknown) => error instanceof HutongError && error.code === 'HUTONG_ERR_CITY_NOT_FOUND');
  });

  it('refuses an unknown service with HUTONG_ERR_SERVICE_NOT_FOUND', () => {
    assert.throws(
      () => catalog.getService('shanghai', 'x.y'),
      (error: unknown) => error instanceof HutongError && error.code === 'HUTONG_ERR_SERVICE_NOT_FOUND' && error.statusCode === 404,
    );
    assert.equal(catalog.getService('shanghai', 'traffic.violations').service.id, 'traffic.violations');
  });
});

describe('a broken catalog', () => {
  let root: string;
  let dir: string;
  let problems: readonly CatalogProblem[];
  const lines: Record<string, number> = {};

  before(async () => {
    ({ root, cities: dir } = await tempCatalog());

    // shanghai.yaml: wrong region code, invalid zone, missing mapping file, service naming a missing department.
    let shanghai = await shipped('shanghai.yaml');
    shanghai = replaceOnce(shanghai, 'regionCode: "310000"', 'regionCode: "990000"');
    shanghai = replaceOnce(shanghai, 'timeZone: Asia/Shanghai', 'timeZone: Mars/Olympus_Mons');
    shanghai = replaceOnce(shanghai, 'response: ../mappings/traffic-police-soap/violations.jsonata', 'response: ../mappings/traffic-police-soap/missing.jsonata');
    shanghai = replaceOnce(shanghai, 'departments: [hospital]', 'departments: [clinic]');
    await writeFile(path.join(dir, 'shanghai.yaml'), shanghai);
    lines.region = lineOf(shanghai, 'regionCode: "990000"');
    lines.zone = lineOf(shanghai, 'Mars/Olympus_Mons');
    lines.mapping = lineOf(shanghai, 'missing.jsonata');
    lines.department = lineOf(shanghai, 'departments: [clinic]');

    // guangzhou.yaml: unknown service category, unknown connector kind, a variable set nowhere.
    let guangzhou = await shipped('guangzhou.yaml');
    guangzhou = replaceOnce(guangzhou, '- id: culture.library-loans', '- id: leisure.library-loans');
    guangzhou = replaceOnce(guangzhou, 'category: culture', 'category: leisure');
    guangzhou = replaceOnce(guangzhou, 'kind: fhir', 'kind: grpc');
    guangzhou = replaceOnce(
      guangzhou,
      'baseUrl: ${HUTONG_EMULATORS_URL}/vehicle-administration/guangzhou',
      'baseUrl: ${NOT_SET_ANYWHERE}/vehicle-administration/guangzhou',
    );
    await writeFile(path.join(dir, 'guangzhou.yaml'), guangzhou);
    lines.category = lineOf(guangzhou, 'category: leisure');
    lines.kind = lineOf(guangzhou, 'kind: grpc');
    lines.variable = lineOf(guangzhou, 'NOT_SET_ANYWHERE');

    // nanchang.yaml: a YAML syntax error.
    const nanchang = replaceOnce(await shipped('nanchang.yaml'), 'platePrefix: 赣A', 'platePrefix: 赣A: oops');
    await writeFile(path.join(dir, 'nanchang.yaml'), nanchang);
    lines.syntax = lineOf(nanchang, '赣A: oops');

    // beijing.yaml and beijing.yml: both valid on their own, with the same city id (region codes differ).
    await writeFile(path.join(dir, 'beijing.yaml'), await shipped('beijing.yaml'));
    const beijingYml = replaceOnce(await shipped('beijing.yaml'), 'regionCode: "110000"', 'regionCode: "110100"');
    await writeFile(path.join(dir, 'beijing.yml'), beijingYml);
    lines.duplicate = lineOf(beijingYml, 'id: beijing');

    problems = problemsOf(await loadCatalogDir(dir, VARS));
  });
  after(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  const file = (name: string): string => path.join(dir, name);
  function only(name: string, problemPath: string): CatalogProblem {
    const found = problems.filter((p) => p.file === file(name) && p.path === problemPath);
    assert.equal(found.length, 1, `one problem at ${name} ${problemPath}; all problems:\n${problems.map(formatProblem).join('\n')}`);
    return found[0];
  }

  it('reports one problem per break, and nothing else', () => {
    assert.equal(problems.length, 9, problems.map(formatProblem).join('\n'));
    assert.deepEqual(
      problems.map((p) => `${path.basename(p.file)} ${p.path}`).sort(),
      [
        'beijing.yml id',
        'guangzhou.yaml departments[1].connector.options.baseUrl',
        'guangzhou.yaml departments[6].connector.kind',
        'guangzhou.yaml services[8].category',
        'nanchang.yaml ',
        'shanghai.yaml departments[0].connector.options.records.TrafficViolation.response',
        'shanghai.yaml regionCode',
        'shanghai.yaml services[6].departments[0]',
        'shanghai.yaml timeZone',
      ],
    );
  });

  it('pins every problem to a line and column that exist in its file', async () => {
    for (const p of problems) {
      assert.equal(typeof p.line, 'number', formatProblem(p));
      assert.equal(typeof p.column, 'number', formatProblem(p));
      assert.ok((await lineAt(p.file, p.line!)).length >= p.column!, `column within the line: ${formatProblem(p)}`);
    }
  });

  it('a wrong region code', async () => {
    const p = only('shanghai.yaml', 'regionCode');
    assert.equal(p.line, lines.region);
    assert.match(await lineAt(p.file, p.line!), /^regionCode: "990000"/);
    assert.match(p.message, /province/i);
  });

  it('an invalid time zone', async () => {
    const p = only('shanghai.yaml', 'timeZone');
    assert.equal(p.line, lines.zone);
    assert.match(await lineAt(p.file, p.line!), /Mars\/Olympus_Mons/);
    assert.match(p.message, /Mars\/Olympus_Mons.*time zone/);
  });

  it('a missing mapping file', async () => {
    const p = only('shanghai.yaml', 'departments[0].connector.options.records.TrafficViolation.response');
    assert.equal(p.line, lines.mapping);
    assert.match(await lineAt(p.file, p.line!), /response: .*missing\.jsonata/);
    assert.match(p.message, /missing\.jsonata does not exist/);
  });

  it('a service naming a department the city does not have', async () => {
    const p = only('shanghai.yaml', 'services[6].departments[0]');
    assert.equal(p.line, lines.department);
    assert.match(await lineAt(p.file, p.line!), /departments: \[clinic\]/);
    assert.equal(p.column, (await lineAt(p.file, p.line!)).indexOf('clinic') + 1, 'column points at the department id');
    assert.match(p.message, /no department "clinic"/);
  });

  it('an unknown service category', async () => {
    const p = only('guangzhou.yaml', 'services[8].category');
    assert.equal(p.line, lines.category);
    assert.match(await lineAt(p.file, p.line!), /category: leisure/);
    assert.match(p.message, /must be one of: traffic, living, medical, social, culture, civil/);
  });

  it('an unknown connector kind', async () => {
    const p = only('guangzhou.yaml', 'departments[6].connector.kind');
    assert.equal(p.line, lines.kind);
    assert.match(await lineAt(p.file, p.line!), /kind: grpc/);
    assert.match(p.message, /must be one of: rest, soap, csv, fhir/);
  });

  it('a variable set nowhere', async () => {
    const p = only('guangzhou.yaml', 'departments[1].connector.options.baseUrl');
    assert.equal(p.line, lines.variable);
    assert.match(await lineAt(p.file, p.line!), /baseUrl: \$\{NOT_SET_ANYWHERE\}/);
    assert.match(p.message, /\$\{NOT_SET_ANYWHERE\} is not set/);
  });

  it('a YAML syntax error', async () => {
    const p = only('nanchang.yaml', '');
    assert.equal(p.line, lines.syntax);
    assert.match(await lineAt(p.file, p.line!), /platePrefix: 赣A: oops/);
    assert.match(p.message, /^YAML syntax: /);
  });

  it('a city id used by two files', async () => {
    const p = only('beijing.yml', 'id');
    assert.equal(p.line, lines.duplicate);
    assert.match(await lineAt(p.file, p.line!), /^id: beijing$/);
    assert.match(p.message, /city id "beijing" is also used by .*beijing\.yaml/);
  });

  it('formats a problem as file:line:col path: message', () => {
    const p = only('shanghai.yaml', 'services[6].departments[0]');
    assert.equal(formatProblem(p), `${p.file}:${p.line}:${p.column} services[6].departments[0]: ${p.message}`);
    assert.match(formatProblem(p), /shanghai\.yaml:\d+:\d+ services\[6\]\.departments\[0\]: no department "clinic"/);
    const syntax = only('nanchang.yaml', '');
    assert.match(formatProblem(syntax), new RegExp(`nanchang\\.yaml:${lines.syntax}:\\d+ \\(file\\): YAML syntax: `));
    assert.equal(formatProblem({ file: p.file, path: 'id', message: 'm' }), `${p.file} id: m`);
  });

  it('formats a problem inside the working directory with a relative path', () => {
    const inside = path.join(process.cwd(), 'config/cities/x.yaml');
    assert.equal(formatProblem({ file: inside, path: 'regionCode', line: 5, column: 13, message: 'bad' }), `${path.join('config/cities', 'x.yaml')}:5:13 regionCode: bad`);
  });
});

describe('adding a city', () => {
  let root: string;
  before(async () => {
    ({ root } = await tempCatalog());
  });
  after(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('a 13th city file is picked up with no code change', async () => {
    const dir = path.join(root, 'cities');
    for (const name of await readdir(CITIES_DIR)) await copyFile(path.join(CITIES_DIR, name), path.join(dir, name));
    await writeFile(
      path.join(dir, 'suzhou.yaml'),
      [
        '# Suzhou (苏州) — GB/T 2260 320500',
        'id: suzhou',
        'regionCode: "320500"',
        'name: { zh: 苏州, en: Suzhou }',
        'timeZone: Asia/Shanghai',
        'platePrefix: 苏E',
        '',
        'departments:',
        '  - id: traffic-police',
        '    name: { zh: 苏州市公安局交通警察支队, en: Suzhou Traffic Police }',
        '    connector:',
        '      kind: soap',
        '      options:',
        '        wsdl: ${HUTONG_EMULATORS_URL}/traffic-police/suzhou/ws?wsdl',
        '        records:',
        '          TrafficViolation:',
        '            operation: QueryViolations',
        `            request: '{ "hphm": identifier, "hpzl": $plateTypeCode(identifier), "pageNo": page, "pageSize": pageSize }'`,
        '            response: ../mappings/traffic-police-soap/violations.jsonata',
        '',
        'services:',
        '  - id: traffic.violations',
        '    departments: [traffic-police]',
        '    category: traffic',
        '    kinds: [query]',
        '    name: { zh: 交通违法查询, en: Traffic violations }',
        '    recordType: TrafficViolation',
        '    requiredIdentifiers: [plate]',
        '    channels: [web]',
        '',
      ].join('\n'),
    );

    const cities = loadedOk(await loadCatalogDir(dir, VARS));
    assert.equal(cities.length, 13);
    const catalog = new Catalog(cities);
    try {
      assert.equal(catalog.listCities().length, 13);
      const suzhou = catalog.getCity('suzhou');
      assert.equal(suzhou.regionCode, '320500');
      assert.equal(suzhou.platePrefix, '苏E');
      const [service] = catalog.listServices('suzhou');
      assert.equal(catalog.listServices('suzhou').length, 1);
      assert.equal(service.id, 'traffic.violations');
      assert.equal(service.available, true, service.unavailableReason);
      const police = catalog.getService('suzhou', 'traffic.violations').config.departments;
      assert.deepEqual(police, ['traffic-police']);
    } finally {
      await catalog.close();
    }
  });
});

describe('an empty or missing catalog folder', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'hutong-catalog-empty-'));
  });
  after(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('a folder with no YAML is refused with a clear problem', async () => {
    await writeFile(path.join(root, 'README.md'), '# not a city\n');
    await writeFile(path.join(root, 'shanghai.json'), '{}\n');
    const problems = problemsOf(await loadCatalogDir(root, VARS));
    assert.equal(problems.length, 1);
    assert.equal(problems[0].file, root);
    assert.match(problems[0].message, /no city YAML files/);
  });

  it('a missing folder is refused', async () => {
    const missing = path.join(root, 'does-not-exist');
    const problems = problemsOf(await loadCatalogDir(missing, VARS));
    assert.equal(problems.length, 1);
    assert.equal(problems[0].file, missing);
    assert.match(problems[0].message, /cannot read the catalog folder/);
    assert.match(formatProblem(problems[0]), /does-not-exist \(file\): cannot read the catalog folder: ENOENT/);
  });
});
