/**
 * The REST department emulators, called the way the hub's REST connector calls them: each
 * department's connector block (its `connector.yaml`, the same text as the city YAML snippet) is
 * read, its request expression evaluated, the URL built and signed as its `auth` says, and the
 * answer mapped with its JSONata file. Every mapped record must pass its standard-model schema and
 * equal what the emulator's own generator says it holds.
 */
import assert from 'node:assert/strict';
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import '../../src/model/formats.ts';
import { Bill, LibraryLoan, LicenceStatus, PermitApplication, RoadCondition, Slot, SocialInsuranceSummary } from '../../src/model/records.ts';
import { maskNationalId, nationalIdCheckChar } from '../../src/model/identifiers.ts';
import { RestOptions, type RestHolderCheckOptions, type RestRecordOptions } from '../../src/connectors/rest/rest.options.ts';
import { SEED_CITY_REGIONS } from '../../src/model/regions.ts';
import { demoResident, holderOf, maskName, residentName, type DemoResident } from '../population.ts';
import type { RecordType } from '../../src/model/catalog.ts';
import { compileMapping, loadMappingFile, type Mapping } from '../../src/connectors/mapping.ts';
import { startEmulators, type RunningEmulators } from '../index.ts';
import { generateInspectionSlots, generateLicence, generateVehicle, type InspectionSlot, type LegacyLicence } from './vehicle-administration/records.ts';
import { generateRoadConditions, routeBoundingBox, segmentNearBox, type RoadSegmentFeature } from './transport-bureau/records.ts';
import { generateElectricityBills, type ElectricityBill } from './electricity-company/records.ts';
import { generateGasBills, type GasBill } from './gas-company/records.ts';
import { generateInsuranceSummary, type InsuranceSummary } from './social-security/records.ts';
import { generateLibraryLoans, type LibraryLoanRecord } from './library/records.ts';
import { generateMarriageSlots, type MarriageSlot } from './civil-affairs/records.ts';
import { generatePermitApplications, type PermitApplicationRecord } from './exit-entry/records.ts';

const REFERENCE_DATE = new Date('2026-11-01T00:00:00+08:00');
const TIME_ZONE = { timeZone: 'Asia/Shanghai' };
const CITIES_DIR = fileURLToPath(new URL('../../config/cities/', import.meta.url));

/** Department id → the emulator folder holding its connector.yaml, and its path segment (fault-switch name). */
const DEPARTMENTS = {
  'vehicle-administration': 'vehicle-administration',
  'transport-bureau': 'transport-bureau',
  'electricity-company': 'electricity',
  'gas-company': 'gas',
  'social-security': 'social-security',
  library: 'library',
  'civil-affairs': 'civil-affairs',
  'exit-entry': 'exit-entry',
} as const;
type DepartmentId = keyof typeof DEPARTMENTS;

let emulators: RunningEmulators;

before(async () => {
  emulators = await startEmulators({ port: 0, smsAppKey: 'k', referenceDate: REFERENCE_DATE });
});

after(async () => {
  await emulators.close();
});

// ---------------------------------------------------------------------------
// A stand-in for the hub's REST connector, driven by the department's connector block
// ---------------------------------------------------------------------------

const VARIABLE = /\$\{([A-Z0-9_]+)(?::-([^}]*))?\}/g;

async function connectorOptions(departmentId: DepartmentId, cityId: string): Promise<RestOptions> {
  const text = await readFile(new URL(`./${departmentId}/connector.yaml`, import.meta.url), 'utf8');
  const vars: Record<string, string | undefined> = { ...process.env, HUTONG_EMULATORS_URL: emulators.url };
  const resolved = text.replaceAll('{city}', cityId).replace(VARIABLE, (whole, name: string, fallback: string | undefined) => vars[name] ?? fallback ?? whole);
  const block = parseYaml(resolved) as { connector: { kind: string; options: unknown } };
  assert.equal(block.connector.kind, 'rest');
  // As the catalog loader does: defaults first, then the schema.
  const options = Value.Default(RestOptions, structuredClone(block.connector.options));
  assert.ok(Value.Check(RestOptions, options), `${departmentId} options: ${[...Value.Errors(RestOptions, options)].map((e) => `${e.path} ${e.message}`).join('; ')}`);
  return options as RestOptions;
}

interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly url: string;
}

interface RequestSpec {
  method: string;
  path: string;
  query?: Record<string, unknown>;
  body?: unknown;
}

/** Access tokens by token URL and client, reused as the connector would until they expire. */
const TOKENS = new Map<string, string>();

class DepartmentClient {
  private constructor(
    readonly departmentId: DepartmentId,
    readonly cityId: string,
    readonly options: RestOptions,
  ) {}

  static async open(departmentId: DepartmentId, cityId: string): Promise<DepartmentClient> {
    return new DepartmentClient(departmentId, cityId, await connectorOptions(departmentId, cityId));
  }

  /** The URL a request expression's result addresses. */
  urlOf(request: RequestSpec): string {
    const url = new URL(this.options.baseUrl + request.path);
    for (const [name, value] of Object.entries(request.query ?? {})) url.searchParams.set(name, String(value));
    return url.toString();
  }

  async send(request: RequestSpec, overrideHeaders?: Record<string, string>): Promise<Answer> {
    const url = this.urlOf(request);
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    const headers: Record<string, string> = { accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) };
    Object.assign(headers, overrideHeaders ?? (await this.authHeaders(request.method, url, body ?? '')));
    const response = await fetch(url, { method: request.method, headers, body });
    return { status: response.status, body: await response.json(), url };
  }

  async authHeaders(method: string, url: string, body: string): Promise<Record<string, string>> {
    const auth = this.options.auth;
    if (!auth) return {};
    if (auth.type === 'api-key') return { [auth.header]: auth.key };
    if (auth.type === 'oauth2-client-credentials') {
      const key = `${auth.tokenUrl}|${auth.clientId}`;
      let token = TOKENS.get(key);
      if (!token) TOKENS.set(key, (token = await fetchToken(auth.tokenUrl, auth.clientId, auth.clientSecret, auth.scope)));
      return { authorization: `Bearer ${token}` };
    }
    const { pathname, search } = new URL(url);
    return signedHeaders(auth.keyId, auth.secret, method, pathname + search, body);
  }

  recordOptions(recordType: RecordType): RestRecordOptions {
    const record = (this.options.records as Partial<Record<RecordType, RestRecordOptions>>)[recordType];
    assert.ok(record, `${this.departmentId} maps no ${recordType}`);
    return record;
  }

  async request(recordType: RecordType, input: Record<string, unknown>): Promise<RequestSpec> {
    const record = this.recordOptions(recordType);
    return (await compileMapping(record.request, TIME_ZONE).evaluate({ params: {}, cityId: this.cityId, departmentId: this.departmentId, ...input })) as RequestSpec;
  }

  /** Every record of a type, paging as the connector does; the raw answers too. */
  async fetchRecords(recordType: RecordType, identifier?: { kind: string; value: string }, params: Record<string, string> = {}): Promise<{ records: unknown[]; answers: Answer[] }> {
    const record = this.recordOptions(recordType);
    const mapping = await loadMappingFile(`${CITIES_DIR}${record.response}`, TIME_ZONE);
    const pageSize = record.pageSize ?? 50;
    const records: unknown[] = [];
    const answers: Answer[] = [];
    for (let page = 1; page <= (record.maxPages ?? 20); page++) {
      const request = await this.request(recordType, { identifier: identifier?.value, identifierKind: identifier?.kind, params, page, pageSize });
      const answer = await this.send(request);
      answers.push(answer);
      assert.equal(answer.status, 200, `${answer.url} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      const mapped = (await this.map(mapping, answer)) as { records?: unknown[]; total?: number };
      const pageRecords = mapped.records ?? [];
      records.push(...pageRecords);
      if (pageRecords.length === 0 || records.length >= Number(mapped.total ?? records.length)) break;
    }
    return { records: plain(records), answers };
  }

  async act(name: string, identifier: { kind: string; value: string }, recordId: string): Promise<{ answer: Answer; result?: unknown }> {
    const action = this.options.actions![name]!;
    const request = (await compileMapping(action.request, TIME_ZONE).evaluate({
      identifier: identifier.value,
      identifierKind: identifier.kind,
      recordId,
      params: {},
      cityId: this.cityId,
      departmentId: this.departmentId,
    })) as RequestSpec;
    const answer = await this.send(request);
    if (answer.status !== 200) return { answer };
    const mapping = await loadMappingFile(`${CITIES_DIR}${action.response}`, TIME_ZONE);
    return { answer, result: plain(await this.map(mapping, answer)) };
  }

  /**
   * A holder check as the connector makes it: the request expression, the answer, and the outcome
   * its mapping gives (a 404 is an unknown identifier, as `notFoundIsUnknown` says by default).
   */
  async checkHolder(kind: string, identifier: string, holder: { name: string; nationalId: string }): Promise<{ answer: Answer; outcome?: unknown }> {
    const check = (this.options.holderChecks as Record<string, RestHolderCheckOptions> | undefined)?.[kind];
    assert.ok(check, `${this.departmentId} checks no holder of a ${kind}`);
    const request = (await compileMapping(check.request, TIME_ZONE).evaluate({
      identifier,
      identifierKind: kind,
      name: holder.name,
      nationalId: holder.nationalId,
      cityId: this.cityId,
      departmentId: this.departmentId,
    })) as RequestSpec;
    const answer = await this.send(request);
    if (answer.status === 404 && (check.notFoundIsUnknown ?? true)) return { answer, outcome: 'unknown-identifier' };
    if (answer.status !== 200) return { answer };
    const mapping = await loadMappingFile(`${CITIES_DIR}${check.response}`, TIME_ZONE);
    return { answer, outcome: (plain(await this.map(mapping, answer)) as { outcome?: unknown }).outcome };
  }

  map(mapping: Mapping, answer: Answer): Promise<unknown> {
    return mapping.evaluate(answer.body, { cityId: this.cityId, departmentId: this.departmentId, status: answer.status });
  }
}

async function fetchToken(tokenUrl: string, clientId: string, clientSecret: string, scope?: string): Promise<string> {
  const response = await fetch(tokenUrl, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...(scope ? { scope } : {}) }).toString(),
  });
  const body = (await response.json()) as { access_token?: string; token_type?: string; expires_in?: number };
  assert.equal(response.status, 200, JSON.stringify(body));
  assert.equal(body.token_type, 'Bearer');
  assert.ok(typeof body.expires_in === 'number' && body.expires_in > 0);
  return body.access_token!;
}

function signedHeaders(keyId: string, secret: string, method: string, pathAndQuery: string, body: string, timestamp = Date.now(), nonce = randomUUID()): Record<string, string> {
  const bodyHash = createHash('sha256').update(body).digest('hex');
  const signature = createHmac('sha256', secret).update(`${method}\n${pathAndQuery}\n${timestamp}\n${nonce}\n${bodyHash}`).digest('base64');
  return { 'X-Api-Key': keyId, 'X-Timestamp': String(timestamp), 'X-Nonce': nonce, 'X-Signature': signature };
}

/** JSONata results carry sequence markers; compare plain JSON. */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function assertAllPass(schema: TSchema, records: readonly unknown[], what: string): void {
  for (const record of records) {
    assert.ok(Value.Check(schema, record), `${what}: ${[...Value.Errors(schema, record)].map((e) => `${e.path} ${e.message}`).join('; ')} in ${JSON.stringify(record)}`);
  }
}

/** A valid national id for a region, birth date (yyyyMMdd) and sequence number. */
function nationalId(region: string, birth: string, sequence: number): string {
  const first17 = `${region}${birth}${String(sequence).padStart(3, '0')}`;
  return first17 + nationalIdCheckChar(first17);
}

const localTime = (date: string, time: string): string => `${date}T${time.length === 5 ? `${time}:00` : time}+08:00`;
const yuanToFen = (yuan: string): number => Math.round(Number(yuan) * 100);

// ---------------------------------------------------------------------------
// 1. Vehicle administration
// ---------------------------------------------------------------------------

function expectedLicence(licence: LegacyLicence, cityId: string): LicenceStatus {
  return {
    cityId,
    departmentId: 'vehicle-administration',
    licenceNumberMasked: maskNationalId(licence.JSZH),
    status: ({ A: 'valid', D: 'suspended', F: 'revoked', M: 'expired' } as const)[licence.ZT],
    pointsUsed: Number(licence.LJJF),
    pointsLeft: 12 - Number(licence.LJJF),
    cycleEndsOn: licence.QFRQ,
    validUntil: licence.YXQZ,
    vehicleClass: licence.ZJCX,
  };
}

function expectedInspectionSlot(slot: InspectionSlot, cityId: string): Slot {
  return {
    id: slot.SDBH,
    cityId,
    departmentId: 'vehicle-administration',
    resource: slot.JCZMC,
    start: localTime(slot.YYRQ, slot.KSSJ),
    end: localTime(slot.YYRQ, slot.JSSJ),
    capacity: Number(slot.YYZS),
    remaining: Number(slot.SYHS),
    feeFen: yuanToFen(slot.JCFY),
  };
}

describe('vehicle-administration (API key)', () => {
  for (const [cityId, region] of [['shanghai', '310104'], ['beijing', '110105']] as const) {
    it(`maps licences of ${cityId} to LicenceStatus, for every kind of licence`, async () => {
      const client = await DepartmentClient.open('vehicle-administration', cityId);
      const seen = new Set<string>();
      for (let sequence = 0; sequence < 40; sequence++) {
        const id = nationalId(region, `19${70 + (sequence % 30)}0${1 + (sequence % 9)}1${sequence % 10}`, sequence);
        const { records } = await client.fetchRecords('LicenceStatus', { kind: 'national-id', value: id });
        assertAllPass(LicenceStatus, records, id);
        assert.deepEqual(records, [expectedLicence(generateLicence(cityId, id, REFERENCE_DATE)!, cityId)]);
        seen.add((records[0] as LicenceStatus).status);
      }
      assert.ok(seen.has('valid') && seen.size >= 2, `statuses seen: ${[...seen].join(', ')}`);
    });

    it(`serves the inspection slots of ${cityId} over the next 7 days, paged, as Slots`, async () => {
      const client = await DepartmentClient.open('vehicle-administration', cityId);
      const { records, answers } = await client.fetchRecords('Slot', { kind: 'plate', value: '沪A12345' });
      assert.ok(answers.length >= 2, 'more slots than one page');
      assertAllPass(Slot, records, 'inspection slot');
      const expected = generateInspectionSlots(cityId, REFERENCE_DATE);
      assert.equal(expected.length, 7 * 12 * 3);
      assert.deepEqual(records, expected.map((slot) => expectedInspectionSlot(slot, cityId)));
      const starts = (records as Slot[]).map((slot) => Date.parse(slot.start));
      assert.ok(Math.min(...starts) > REFERENCE_DATE.getTime() && Math.max(...starts) < REFERENCE_DATE.getTime() + 8 * 86_400_000);
      assert.ok((records as Slot[]).every((slot) => slot.remaining <= slot.capacity && Date.parse(slot.end) - Date.parse(slot.start) === 1_800_000));
    });
  }

  it('refuses a missing or wrong API key with 401 in its own envelope', async () => {
    const client = await DepartmentClient.open('vehicle-administration', 'shanghai');
    const request = await client.request('LicenceStatus', { identifier: '11010519491231002X', identifierKind: 'national-id', page: 1, pageSize: 1 });
    for (const headers of [{}, { 'X-Api-Key': 'not-the-key' }] as Array<Record<string, string>>) {
      const answer = await client.send(request, headers);
      assert.equal(answer.status, 401);
      assert.deepEqual(answer.body, { code: '1002', msg: 'API密钥无效 / missing or invalid X-Api-Key', data: null });
    }
  });

  it('answers 400 for a malformed id and 404 for someone too young to drive', async () => {
    const client = await DepartmentClient.open('vehicle-administration', 'shanghai');
    const bad = await client.send({ method: 'GET', path: '/drivers/310104198506120001/licence' });
    assert.equal(bad.status, 400);
    assert.equal((bad.body as { code: string }).code, '1001');
    const child = nationalId('310104', '20150301', 7);
    const young = await client.send({ method: 'GET', path: `/drivers/${child}/licence` });
    assert.equal(young.status, 404);
    assert.equal(generateLicence('shanghai', child, REFERENCE_DATE), undefined);
  });

  it('serves a local vehicle with its inspection due date, and 404 for another city’s plate', async () => {
    const client = await DepartmentClient.open('vehicle-administration', 'guangzhou');
    for (const plate of ['粤A12345', '粤AD12345']) {
      const answer = await client.send({ method: 'GET', path: `/vehicles/${encodeURIComponent(plate)}` });
      assert.equal(answer.status, 200);
      const vehicle = generateVehicle('guangzhou', plate, REFERENCE_DATE)!;
      assert.deepEqual((answer.body as { data: unknown }).data, vehicle);
      assert.match(vehicle.JYYXQZ, /^\d{4}-\d{2}-\d{2}$/);
      assert.equal(vehicle.ZT === 'Q', vehicle.JYYXQZ < '2026-11-01');
    }
    const elsewhere = await client.send({ method: 'GET', path: `/vehicles/${encodeURIComponent('粤B12345')}` });
    assert.equal(elsewhere.status, 404);
    const mismatched = await client.send({ method: 'GET', path: `/vehicles/${encodeURIComponent('粤A12345')}`, query: { hpzl: '52' } });
    assert.equal(mismatched.status, 400);
  });
});

// ---------------------------------------------------------------------------
// 2. Transport bureau
// ---------------------------------------------------------------------------

function expectedRoadCondition(feature: RoadSegmentFeature, cityId: string): RoadCondition {
  return {
    segmentId: feature.properties.segmentId,
    cityId,
    departmentId: 'transport-bureau',
    road: feature.properties.roadName,
    level: (['free', 'slow', 'congested', 'blocked'] as const)[feature.properties.congestionLevel - 1]!,
    speedKmh: Number(feature.properties.avgSpeed),
    geometry: feature.geometry,
    observedAt: localTime(feature.properties.observedTime.slice(0, 10), feature.properties.observedTime.slice(11)),
  };
}

describe('transport-bureau (public GeoJSON)', () => {
  const routes = { shanghai: { from: '121.40,31.20', to: '121.48,31.23' }, wuhan: { from: '114.30,30.59', to: '114.33,30.62' } } as const;
  for (const cityId of ['shanghai', 'wuhan'] as const) {
    it(`maps every road segment of ${cityId} to RoadCondition`, async () => {
      const client = await DepartmentClient.open('transport-bureau', cityId);
      const { records, answers } = await client.fetchRecords('RoadCondition');
      assert.equal((answers[0]!.body as { type: string }).type, 'FeatureCollection');
      assertAllPass(RoadCondition, records, 'road condition');
      const expected = generateRoadConditions(cityId, REFERENCE_DATE).features;
      assert.ok(expected.length >= 10);
      assert.deepEqual(records, expected.map((feature) => expectedRoadCondition(feature, cityId)));
    });

    it(`keeps only the segments near a route in ${cityId}`, async () => {
      const client = await DepartmentClient.open('transport-bureau', cityId);
      const route = routes[cityId];
      const { records } = await client.fetchRecords('RoadCondition', undefined, { ...route });
      const all = generateRoadConditions(cityId, REFERENCE_DATE).features;
      const box = routeBoundingBox(route.from.split(',').map(Number) as [number, number], route.to.split(',').map(Number) as [number, number]);
      const near = all.filter((feature) => segmentNearBox(feature, box));
      assert.ok(near.length > 0 && near.length < all.length, `${near.length} of ${all.length} near the route`);
      assert.deepEqual(records, near.map((feature) => expectedRoadCondition(feature, cityId)));
    });
  }

  it('answers 400 { errcode, errmsg } for a malformed coordinate or a lone from', async () => {
    const client = await DepartmentClient.open('transport-bureau', 'shanghai');
    for (const query of [{ from: '121.4', to: '121.48,31.23' }, { from: '0,0', to: '121.48,31.23' }, { from: '121.40,31.20' }]) {
      const answer = await client.send({ method: 'GET', path: '/traffic/roads', query });
      assert.equal(answer.status, 400);
      assert.equal((answer.body as { errcode: number }).errcode, 40001);
    }
  });
});

// ---------------------------------------------------------------------------
// 3. Electricity company
// ---------------------------------------------------------------------------

const BILL_STATUS = { '0': 'unpaid', '1': 'paid', '2': 'overdue' } as const;

function expectedElectricityBill(bill: ElectricityBill, account: string, cityId: string): Bill {
  return {
    id: bill.billNo,
    cityId,
    departmentId: 'electricity-company',
    utility: 'electricity',
    accountNumber: account,
    period: `${bill.billYm.slice(0, 4)}-${bill.billYm.slice(4)}`,
    usage: Number(bill.totalPq),
    unit: 'kWh',
    amountFen: yuanToFen(bill.totalAmt),
    dueOn: bill.payDeadline,
    status: BILL_STATUS[bill.payStatus],
  };
}

describe('electricity-company (OAuth2 client credentials)', () => {
  for (const [cityId, account] of [['shanghai', '3100123456'], ['shenzhen', '0755987654']] as const) {
    it(`maps the last 6 months of ${cityId} bills to Bill`, async () => {
      const client = await DepartmentClient.open('electricity-company', cityId);
      const { records } = await client.fetchRecords('Bill', { kind: 'utility-account', value: account });
      assertAllPass(Bill, records, 'electricity bill');
      const expected = generateElectricityBills(cityId, account, REFERENCE_DATE).bills;
      assert.deepEqual(records, expected.map((bill) => expectedElectricityBill(bill, account, cityId)));
      assert.deepEqual((records as Bill[]).map((bill) => bill.period), ['2026-10', '2026-09', '2026-08', '2026-07', '2026-06', '2026-05']);
    });
  }

  it('refuses wrong client credentials with 401 invalid_client', async () => {
    const options = await connectorOptions('electricity-company', 'shanghai');
    assert.ok(options.auth?.type === 'oauth2-client-credentials');
    for (const authorization of [`Basic ${Buffer.from(`${options.auth.clientId}:wrong`).toString('base64')}`, undefined]) {
      const response = await fetch(options.auth.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authorization ? { authorization } : {}) },
        body: 'grant_type=client_credentials',
      });
      assert.equal(response.status, 401);
      assert.equal(((await response.json()) as { error: string }).error, 'invalid_client');
    }
    const basic = `Basic ${Buffer.from(`${options.auth.clientId}:${options.auth.clientSecret}`).toString('base64')}`;
    const wrongGrant = await fetch(options.auth.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic },
      body: 'grant_type=password',
    });
    assert.equal(wrongGrant.status, 400);
    assert.equal(((await wrongGrant.json()) as { error: string }).error, 'unsupported_grant_type');
  });

  it('refuses bills without a bearer, with an unknown one, or with another city’s', async () => {
    const shanghai = await DepartmentClient.open('electricity-company', 'shanghai');
    const request = await shanghai.request('Bill', { identifier: '3100123456', identifierKind: 'utility-account', page: 1, pageSize: 50 });
    const ningbo = await connectorOptions('electricity-company', 'ningbo');
    assert.ok(ningbo.auth?.type === 'oauth2-client-credentials');
    const ningboToken = await fetchToken(ningbo.auth.tokenUrl, ningbo.auth.clientId, ningbo.auth.clientSecret);
    for (const headers of [{}, { authorization: 'Bearer forged-token' }, { authorization: `Bearer ${ningboToken}` }] as Array<Record<string, string>>) {
      const answer = await shanghai.send(request, headers);
      assert.equal(answer.status, 401);
      assert.equal((answer.body as { error: string }).error, 'invalid_token');
    }
  });
});

// ---------------------------------------------------------------------------
// 4. Gas company
// ---------------------------------------------------------------------------

function expectedGasBill(bill: GasBill, account: string, cityId: string): Bill {
  const due = bill.lastPayDate;
  return {
    id: bill.billNo,
    cityId,
    departmentId: 'gas-company',
    utility: 'gas',
    accountNumber: account,
    period: bill.billMonth,
    usage: Number(bill.gasVolume),
    unit: 'm3',
    amountFen: yuanToFen(bill.billAmount),
    dueOn: `${due.slice(0, 4)}-${due.slice(4, 6)}-${due.slice(6)}`,
    status: bill.payFlag === 'Y' ? 'paid' : bill.overdueFlag === '1' ? 'overdue' : 'unpaid',
  };
}

describe('gas-company (API key)', () => {
  for (const [cityId, account] of [['hangzhou', '5710000001'], ['chengdu', '2800456789']] as const) {
    it(`maps ${cityId} gas bills to Bill`, async () => {
      const client = await DepartmentClient.open('gas-company', cityId);
      const { records } = await client.fetchRecords('Bill', { kind: 'utility-account', value: account });
      assertAllPass(Bill, records, 'gas bill');
      const expected = generateGasBills(cityId, account, REFERENCE_DATE).billList;
      assert.equal(expected.length, 6);
      assert.deepEqual(records, expected.map((bill) => expectedGasBill(bill, account, cityId)));
    });
  }

  it('covers every bill status over many accounts', async () => {
    const client = await DepartmentClient.open('gas-company', 'qingdao');
    const statuses = new Set<string>();
    for (let n = 0; n < 25; n++) {
      const { records } = await client.fetchRecords('Bill', { kind: 'utility-account', value: String(5320000000 + n * 7919) });
      assertAllPass(Bill, records, 'gas bill');
      for (const bill of records as Bill[]) statuses.add(bill.status);
    }
    assert.deepEqual([...statuses].sort(), ['overdue', 'paid', 'unpaid']);
  });

  it('refuses a wrong or missing app key, and answers 400 for a malformed account', async () => {
    const client = await DepartmentClient.open('gas-company', 'hangzhou');
    const request = await client.request('Bill', { identifier: '5710000001', identifierKind: 'utility-account', page: 1, pageSize: 50 });
    for (const headers of [{}, { 'X-App-Key': 'wrong' }, { 'X-Api-Key': 'demo-gas-key' }] as Array<Record<string, string>>) {
      const answer = await client.send(request, headers);
      assert.equal(answer.status, 401);
      assert.equal((answer.body as { resultCode: string }).resultCode, '1002');
    }
    const bad = await client.send({ method: 'GET', path: '/api/bill/query', query: { userNo: '57100' } });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body, { resultCode: '1001', resultMsg: '用户号应为10位数字 / userNo must be 10 digits', result: null });
  });
});

// ---------------------------------------------------------------------------
// 5. Social security
// ---------------------------------------------------------------------------

function expectedSummary(summary: InsuranceSummary, cityId: string): SocialInsuranceSummary {
  return {
    cityId,
    departmentId: 'social-security',
    insuredSince: summary.aac030,
    contributionMonths: Number(summary.jfys),
    lastContributionMonth: `${summary.aae002.slice(0, 4)}-${summary.aae002.slice(4)}`,
    pensionBalanceFen: yuanToFen(summary.ylgrzhye),
    medicalBalanceFen: yuanToFen(summary.yiliaogrzhye),
    employer: summary.aab004,
    status: summary.aac008 === '1' ? 'active' : 'suspended',
  };
}

describe('social-security (HMAC-signed requests)', () => {
  for (const [cityId, region] of [['guangzhou', '440106'], ['taiyuan', '140105']] as const) {
    it(`maps ${cityId} contribution summaries to SocialInsuranceSummary`, async () => {
      const client = await DepartmentClient.open('social-security', cityId);
      const statuses = new Set<string>();
      for (let sequence = 0; sequence < 30; sequence++) {
        const id = nationalId(region, `19${60 + sequence}0${1 + (sequence % 9)}2${sequence % 9}`, sequence);
        const { records } = await client.fetchRecords('SocialInsuranceSummary', { kind: 'national-id', value: id });
        assertAllPass(SocialInsuranceSummary, records, id);
        assert.deepEqual(records, [expectedSummary(generateInsuranceSummary(cityId, id, REFERENCE_DATE)!, cityId)]);
        statuses.add((records[0] as SocialInsuranceSummary).status);
      }
      assert.deepEqual([...statuses].sort(), ['active', 'suspended']);
    });
  }

  it('refuses a bad signature, a replayed nonce, a stale timestamp, a wrong key and unsigned calls with 401', async () => {
    const client = await DepartmentClient.open('social-security', 'guangzhou');
    assert.ok(client.options.auth?.type === 'hmac-sha256');
    const { keyId, secret } = client.options.auth;
    const id = nationalId('440106', '19880808', 12);
    const request = await client.request('SocialInsuranceSummary', { identifier: id, identifierKind: 'national-id', page: 1, pageSize: 1 });
    const url = new URL(client.urlOf(request));
    const pathAndQuery = url.pathname + url.search;
    const codeOf = (answer: Answer): string => (answer.body as { code: string }).code;

    const good = signedHeaders(keyId, secret, 'GET', pathAndQuery, '');
    assert.equal((await client.send(request, good)).status, 200);
    const replay = await client.send(request, good);
    assert.equal(replay.status, 401);
    assert.equal(codeOf(replay), '40105');

    const cases: Array<[Record<string, string>, string]> = [
      [signedHeaders(keyId, 'wrong-secret', 'GET', pathAndQuery, ''), '40104'],
      [signedHeaders(keyId, secret, 'GET', `${pathAndQuery}?tampered=1`, ''), '40104'],
      [signedHeaders(keyId, secret, 'POST', pathAndQuery, ''), '40104'],
      [signedHeaders(keyId, secret, 'GET', pathAndQuery, '', Date.now() - 6 * 60_000), '40102'],
      [signedHeaders('someone-else', secret, 'GET', pathAndQuery, ''), '40101'],
      [{}, '40100'],
    ];
    for (const [headers, code] of cases) {
      const answer = await client.send(request, headers);
      assert.equal(answer.status, 401);
      assert.equal(codeOf(answer), code, JSON.stringify(answer.body));
      assert.match((answer.body as { msg: string }).msg, /\p{Script=Han}.* \/ [a-zA-Z]/u);
    }
  });

  it('answers 404 for someone with no insurance record', async () => {
    const client = await DepartmentClient.open('social-security', 'taiyuan');
    const { records, answers } = await fetchAllowing404(client, nationalId('140105', '20120505', 3));
    assert.equal(answers.status, 404);
    assert.deepEqual(records, []);
  });
});

async function fetchAllowing404(client: DepartmentClient, id: string): Promise<{ records: unknown[]; answers: Answer }> {
  const request = await client.request('SocialInsuranceSummary', { identifier: id, identifierKind: 'national-id', page: 1, pageSize: 1 });
  const answer = await client.send(request);
  const mapping = await loadMappingFile(`${CITIES_DIR}${client.recordOptions('SocialInsuranceSummary').response}`, TIME_ZONE);
  const mapped = plain((await client.map(mapping, answer)) as { records: unknown[] });
  return { records: mapped.records, answers: answer };
}

// ---------------------------------------------------------------------------
// 6. Library
// ---------------------------------------------------------------------------

function expectedLoan(loan: LibraryLoanRecord, cityId: string): LibraryLoan {
  return {
    id: loan.loanId,
    cityId,
    departmentId: 'library',
    title: loan.title,
    borrowedOn: loan.loanDate.slice(0, 10),
    dueOn: loan.dueDate,
    renewalsLeft: loan.maxRenew - loan.renewCount,
    overdue: loan.overdueFlag === '1',
  };
}

/** The first card (12 digits from a prefix and a counter) whose generated loans satisfy `accept`. */
function findCard(cityId: string, prefix: string, accept: (loans: LibraryLoanRecord[]) => boolean): string {
  for (let n = 0; n < 10_000; n++) {
    const card = `${prefix}${String(n).padStart(12 - prefix.length, '0')}`;
    if (accept(generateLibraryLoans(cityId, card, REFERENCE_DATE).loans)) return card;
  }
  throw new Error(`no card in ${cityId} fits`);
}

describe('library (loans and the renewLoan action)', () => {
  for (const cityId of ['shanghai', 'foshan'] as const) {
    it(`maps the loans of ${cityId} readers to LibraryLoan`, async () => {
      const client = await DepartmentClient.open('library', cityId);
      const card = findCard(cityId, '2001', (loans) => loans.length >= 3 && loans.some((loan) => loan.overdueFlag === '1'));
      const { records } = await client.fetchRecords('LibraryLoan', { kind: 'library-card', value: card });
      assertAllPass(LibraryLoan, records, 'loan');
      assert.deepEqual(records, generateLibraryLoans(cityId, card, REFERENCE_DATE).loans.map((loan) => expectedLoan(loan, cityId)));
    });
  }

  it('renews a loan until no renewals are left, the new due date persisting, then refuses with 409', async () => {
    const cityId = 'shanghai';
    const client = await DepartmentClient.open('library', cityId);
    const card = findCard(cityId, '3001', (loans) => loans.some((loan) => loan.overdueFlag === '0' && loan.renewCount === 0));
    const loan = generateLibraryLoans(cityId, card, REFERENCE_DATE).loans.find((l) => l.overdueFlag === '0' && l.renewCount === 0)!;
    const identifier = { kind: 'library-card', value: card };
    let due = loan.dueDate;
    for (let left = loan.maxRenew; left > 0; left--) {
      const { answer, result } = await client.act('renewLoan', identifier, loan.loanId);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assertAllPass(LibraryLoan, [result], 'renewed loan');
      const renewed = result as LibraryLoan;
      assert.equal(renewed.id, loan.loanId);
      assert.equal(renewed.renewalsLeft, left - 1);
      assert.equal(Date.parse(renewed.dueOn) - Date.parse(due), 30 * 86_400_000);
      due = renewed.dueOn;
      const { records } = await client.fetchRecords('LibraryLoan', identifier);
      assert.deepEqual((records as LibraryLoan[]).find((r) => r.id === loan.loanId), renewed, 'a second list shows the renewal');
    }
    const refused = await client.act('renewLoan', identifier, loan.loanId);
    assert.equal(refused.answer.status, 409);
    assert.deepEqual(refused.answer.body, { code: 40901, message: '已达最大续借次数，不能续借 / No renewals left for this loan', data: null });
    const { records } = await client.fetchRecords('LibraryLoan', identifier);
    assert.equal((records as LibraryLoan[]).find((r) => r.id === loan.loanId)!.dueOn, due, 'a refusal changes nothing');
  });

  it('refuses to renew an overdue loan with 409, and answers 404 for an unknown loan, 400 for a bad card', async () => {
    const cityId = 'foshan';
    const client = await DepartmentClient.open('library', cityId);
    const card = findCard(cityId, '4001', (loans) => loans.some((loan) => loan.overdueFlag === '1' && loan.renewCount < loan.maxRenew));
    const overdue = generateLibraryLoans(cityId, card, REFERENCE_DATE).loans.find((l) => l.overdueFlag === '1' && l.renewCount < l.maxRenew)!;
    const refused = await client.act('renewLoan', { kind: 'library-card', value: card }, overdue.loanId);
    assert.equal(refused.answer.status, 409);
    assert.match((refused.answer.body as { message: string }).message, /超期.* \/ The loan is overdue/);
    assert.equal((await client.act('renewLoan', { kind: 'library-card', value: card }, 'JY0000000000')).answer.status, 404);
    assert.equal((await client.act('renewLoan', { kind: 'library-card', value: '12345' }, overdue.loanId)).answer.status, 400);
  });
});

// ---------------------------------------------------------------------------
// 7. Civil affairs
// ---------------------------------------------------------------------------

function expectedMarriageSlot(slot: MarriageSlot, cityId: string): Slot {
  return {
    id: slot.sdbh,
    cityId,
    departmentId: 'civil-affairs',
    resource: slot.djjgmc,
    start: localTime(slot.yyrq, slot.kssj),
    end: localTime(slot.yyrq, slot.jssj),
    capacity: slot.zhs,
    remaining: slot.syhs,
  };
}

describe('civil-affairs (public marriage registry slots)', () => {
  for (const cityId of ['beijing', 'nanchang'] as const) {
    it(`maps the half-day slots of ${cityId} over 14 working days to Slot`, async () => {
      const client = await DepartmentClient.open('civil-affairs', cityId);
      const { records, answers } = await client.fetchRecords('Slot', { kind: 'national-id', value: nationalId('110105', '19900101', 1) });
      assert.ok(answers.length >= 2, 'more slots than one page');
      assertAllPass(Slot, records, 'marriage slot');
      assert.deepEqual(records, generateMarriageSlots(cityId, REFERENCE_DATE).map((slot) => expectedMarriageSlot(slot, cityId)));
      const days = [...new Set((records as Slot[]).map((slot) => slot.start.slice(0, 10)))];
      assert.equal(days.length, 14);
      assert.ok(days.every((day) => ![0, 6].includes(new Date(`${day}T00:00:00Z`).getUTCDay())), 'working days only');
      assert.equal(days[0], '2026-11-02');
    });
  }
});

// ---------------------------------------------------------------------------
// 8. Exit-entry
// ---------------------------------------------------------------------------

const STAGES = { '01': 'submitted', '02': 'reviewing', '03': 'approved', '04': 'producing', '05': 'ready', '06': 'collected', '09': 'rejected' } as const;

function expectedPermit(application: PermitApplicationRecord, cityId: string): PermitApplication {
  return {
    id: application.slbh,
    cityId,
    departmentId: 'exit-entry',
    permitType: ({ HZ: 'passport', GA: 'hong-kong-macao-pass', TW: 'taiwan-pass' } as const)[application.zjzl],
    submittedAt: localTime(application.sqsj.slice(0, 10), application.sqsj.slice(11)),
    stage: STAGES[application.blzt],
    updatedAt: localTime(application.gxsj.slice(0, 10), application.gxsj.slice(11)),
  };
}

describe('exit-entry (permit application progress)', () => {
  for (const [cityId, region] of [['wuhan', '420106'], ['ningbo', '330203']] as const) {
    it(`maps 0–2 applications per person in ${cityId} to PermitApplication`, async () => {
      const client = await DepartmentClient.open('exit-entry', cityId);
      const counts = new Set<number>();
      const stages = new Set<string>();
      for (let sequence = 0; sequence < 40; sequence++) {
        const id = nationalId(region, `19${75 + (sequence % 20)}1${sequence % 3}0${1 + (sequence % 9)}`, sequence);
        const { records } = await client.fetchRecords('PermitApplication', { kind: 'national-id', value: id });
        assertAllPass(PermitApplication, records, id);
        assert.deepEqual(records, generatePermitApplications(cityId, id, REFERENCE_DATE).map((a) => expectedPermit(a, cityId)));
        counts.add(records.length);
        for (const record of records as PermitApplication[]) {
          stages.add(record.stage);
          assert.ok(record.submittedAt <= record.updatedAt && Date.parse(record.updatedAt) <= REFERENCE_DATE.getTime());
        }
      }
      assert.deepEqual([...counts].sort(), [0, 1, 2]);
      assert.ok(stages.size >= 4, `stages seen: ${[...stages].join(', ')}`);
    });
  }

  it('shows each application at the stage its timetable has reached by the reference date', () => {
    const order = ['01', '02', '03', '04', '05', '06'];
    let checked = 0;
    for (let sequence = 0; sequence < 300; sequence++) {
      const id = nationalId('420106', '19850315', sequence);
      for (const application of generatePermitApplications('wuhan', id, REFERENCE_DATE)) {
        checked++;
        const codes = application.jdxx.map((step) => step.blzt);
        const rejected = codes.at(-1) === '09';
        assert.deepEqual(codes, rejected ? ['01', '02', '09'] : order.slice(0, codes.length), 'stages in order, none skipped');
        assert.equal(application.blzt, codes.at(-1));
        assert.equal(application.gxsj, application.jdxx.at(-1)!.clsj);
        const times = application.jdxx.map((step) => step.clsj);
        assert.deepEqual(times, [...times].sort());
        const ageDays = (REFERENCE_DATE.getTime() - Date.parse(`${application.sqsj.replace(' ', 'T')}+08:00`)) / 86_400_000;
        // The whole timetable to 待领取 takes at most 10 days (and a few hours).
        if (ageDays > 11) assert.ok(['05', '06', '09'].includes(application.blzt), `${application.blzt} after ${ageDays.toFixed(1)} days`);
        if (ageDays < 0.9) assert.equal(application.blzt, '01');
      }
    }
    assert.ok(checked > 150);
  });

  it('answers 400 for a malformed id', async () => {
    const client = await DepartmentClient.open('exit-entry', 'wuhan');
    const answer = await client.send({ method: 'GET', path: '/api/bzjd/query', query: { zjhm: '420106198503150000' } });
    assert.equal(answer.status, 400);
    assert.equal((answer.body as { code: string }).code, '-1');
  });
});

// ---------------------------------------------------------------------------
// Every department: determinism, unknown cities and paths, fault switches
// ---------------------------------------------------------------------------

/** A cheap call each department answers (with credentials where it needs them). */
async function probe(departmentId: DepartmentId, cityId = 'shanghai'): Promise<Answer> {
  const client = await DepartmentClient.open(departmentId, cityId);
  const [recordType, identifier] = (
    {
      'vehicle-administration': ['LicenceStatus', '11010519491231002X'],
      'transport-bureau': ['RoadCondition', undefined],
      'electricity-company': ['Bill', '3100123456'],
      'gas-company': ['Bill', '3100123456'],
      'social-security': ['SocialInsuranceSummary', '11010519491231002X'],
      library: ['LibraryLoan', '200100000001'],
      'civil-affairs': ['Slot', undefined],
      'exit-entry': ['PermitApplication', '11010519491231002X'],
    } as const
  )[departmentId];
  return client.send(await client.request(recordType, { identifier, page: 1, pageSize: 10 }));
}

describe('every REST department', () => {
  it('answers in all 12 cities with records that pass their schemas', async () => {
    const cases: Array<[DepartmentId, RecordType, TSchema, { kind: string; value: string } | undefined]> = [
      ['vehicle-administration', 'LicenceStatus', LicenceStatus, { kind: 'national-id', value: '11010519491231002X' }],
      ['vehicle-administration', 'Slot', Slot, undefined],
      ['transport-bureau', 'RoadCondition', RoadCondition, undefined],
      ['electricity-company', 'Bill', Bill, { kind: 'utility-account', value: '1000000001' }],
      ['gas-company', 'Bill', Bill, { kind: 'utility-account', value: '1000000001' }],
      ['social-security', 'SocialInsuranceSummary', SocialInsuranceSummary, { kind: 'national-id', value: '11010519491231002X' }],
      ['library', 'LibraryLoan', LibraryLoan, { kind: 'library-card', value: '100000000001' }],
      ['civil-affairs', 'Slot', Slot, undefined],
      ['exit-entry', 'PermitApplication', PermitApplication, { kind: 'national-id', value: '11010519491231002X' }],
    ];
    for (const cityId of ['shanghai', 'guangzhou', 'shenzhen', 'hangzhou', 'ningbo', 'nanchang', 'qingdao', 'taiyuan', 'foshan', 'wuhan', 'beijing', 'chengdu']) {
      for (const [departmentId, recordType, schema, identifier] of cases) {
        const client = await DepartmentClient.open(departmentId, cityId);
        const { records } = await client.fetchRecords(recordType, identifier);
        assertAllPass(schema, records, `${cityId}/${departmentId}`);
        if (['LicenceStatus', 'Slot', 'RoadCondition', 'Bill', 'SocialInsuranceSummary'].includes(recordType)) assert.ok(records.length > 0, `${cityId}/${departmentId} ${recordType}`);
      }
    }
  });

  it('gives the same answer to the same question, also from a fresh emulator with the same reference date', async () => {
    const second = await startEmulators({ port: 0, smsAppKey: 'k', referenceDate: REFERENCE_DATE });
    try {
      for (const departmentId of Object.keys(DEPARTMENTS) as DepartmentId[]) {
        const first = await probe(departmentId);
        assert.equal(first.status, 200, `${departmentId}: ${JSON.stringify(first.body)}`);
        assert.deepEqual((await probe(departmentId)).body, first.body, departmentId);
        const fresh = await fetchFrom(second.url, departmentId, first.url);
        assert.deepEqual(fresh, first.body, `${departmentId} from a second emulator`);
        const elsewhere = await probe(departmentId, 'chengdu');
        assert.notDeepEqual(elsewhere.body, first.body, `${departmentId} differs by city`);
      }
    } finally {
      await second.close();
    }
  });

  it('answers 404 in its own envelope for an unknown city or path', async () => {
    for (const segment of Object.values(DEPARTMENTS)) {
      for (const path of [`/${segment}/atlantis/anything`, `/${segment}/shanghai/no/such/endpoint`]) {
        const response = await fetch(`${emulators.url}${path}`);
        assert.equal(response.status, 404, path);
        const body = (await response.json()) as Record<string, unknown>;
        assert.ok(!('code' in body && body.code === 'NotFound'), `${path} answered by the department itself`);
      }
    }
  });

  it('is reached by its fault switch, named after its path segment', async () => {
    for (const [departmentId, segment] of Object.entries(DEPARTMENTS) as Array<[DepartmentId, string]>) {
      assert.equal((await probe(departmentId)).status, 200, `${segment} before the fault`); // also fetches any token first
      const before = emulators.faults.load(segment).calls;
      emulators.faults.set(segment, { failRate: 1 });
      try {
        const failed = await probe(departmentId);
        assert.equal(failed.status, 500, segment);
        assert.deepEqual(failed.body, { code: 'InternalError', message: 'injected failure' });
      } finally {
        emulators.faults.reset(segment);
      }
      emulators.faults.set(segment, { throttleRate: 1 });
      try {
        assert.equal((await probe(departmentId)).status, 429, segment);
      } finally {
        emulators.faults.reset(segment);
      }
      assert.equal((await probe(departmentId)).status, 200, `${segment} recovers`);
      assert.equal(emulators.faults.load(segment).calls, before + 3);
    }
  });
});

/** The same request as `url` (made against the main emulators), sent to another emulator server. */
async function fetchFrom(baseUrl: string, departmentId: DepartmentId, url: string): Promise<unknown> {
  const client = await DepartmentClient.open(departmentId, 'shanghai');
  const target = new URL(url);
  const moved = `${baseUrl}${target.pathname}${target.search}`;
  // Credentials for the second server: fresh token and signature for its own URL.
  let headers: Record<string, string> = {};
  const auth = client.options.auth;
  if (auth?.type === 'oauth2-client-credentials') {
    const token = await fetchToken(auth.tokenUrl.replace(emulators.url, baseUrl), auth.clientId, auth.clientSecret);
    headers = { authorization: `Bearer ${token}` };
  } else if (auth) {
    headers = await client.authHeaders('GET', moved, '');
  }
  const response = await fetch(moved, { headers });
  return response.json();
}

// ---------------------------------------------------------------------------
// Holder checks: each department confirms who holds what it issued, from the same population
// ---------------------------------------------------------------------------

function resident(n: number, cityId: keyof typeof SEED_CITY_REGIONS): DemoResident {
  return demoResident(n, { id: cityId, ...SEED_CITY_REGIONS[cityId] });
}

/** The outcomes of the four claims every department must tell apart, and of one with nobody's name. */
async function claimOutcomes(client: DepartmentClient, kind: string, identifier: string, unknownIdentifier: string, holder: DemoResident, other: DemoResident) {
  assert.notEqual(holder.name, other.name, 'two residents with different names');
  const claims = {
    holder: { name: holder.name, nationalId: holder.nationalId },
    wrongName: { name: other.name, nationalId: holder.nationalId },
    wrongId: { name: holder.name, nationalId: other.nationalId },
    unknown: { name: holder.name, nationalId: holder.nationalId },
  };
  const outcomes: Record<string, unknown> = {};
  for (const [claim, person] of Object.entries(claims)) {
    const { answer, outcome } = await client.checkHolder(kind, claim === 'unknown' ? unknownIdentifier : identifier, person);
    assert.ok(answer.status === 200 || answer.status === 404, `${claim}: ${answer.status} ${JSON.stringify(answer.body)}`);
    outcomes[claim] = outcome;
  }
  return outcomes;
}

const EXPECTED_OUTCOMES = { holder: 'match', wrongName: 'mismatch', wrongId: 'mismatch', unknown: 'unknown-identifier' };

describe('holder checks', () => {
  for (const cityId of ['shanghai', 'guangzhou'] as const) {
    it(`vehicle-administration of ${cityId} confirms a plate's registered owner by id and name`, async () => {
      const client = await DepartmentClient.open('vehicle-administration', cityId);
      const [holder, other] = [resident(3, cityId), resident(4, cityId)];
      const elsewhere = cityId === 'shanghai' ? '京AD0003' : '粤BD0003';
      assert.deepEqual(await claimOutcomes(client, 'plate', holder.plate, elsewhere, holder, other), EXPECTED_OUTCOMES);
      const { answer } = await client.checkHolder('plate', holder.plate, holder);
      assert.deepEqual(answer.body, { code: '0000', msg: '核查完成', data: { HPHM: holder.plate, HDJG: '1', HDJGMC: '一致' } });
      const unknown = await client.checkHolder('plate', elsewhere, holder);
      assert.deepEqual(unknown.answer.body, { code: '1004', msg: '非本市登记机动车 / the vehicle is not registered in this city', data: null });
      // A plate no demo resident holds belongs to someone all the same.
      const strangerPlate = `${SEED_CITY_REGIONS[cityId].platePrefix}12345`;
      const stranger = holderOf(cityId, 'plate', strangerPlate)!;
      assert.equal((await client.checkHolder('plate', strangerPlate, stranger)).outcome, 'match');
    });
  }

  it('vehicle-administration answers 400 for a malformed plate, id, name or body', async () => {
    const client = await DepartmentClient.open('vehicle-administration', 'shanghai');
    const holder = resident(3, 'shanghai');
    const path = `/vehicles/${encodeURIComponent(holder.plate)}/owner-check`;
    for (const [where, request] of [
      ['plate', { method: 'POST', path: `/vehicles/${encodeURIComponent('沪I0000')}/owner-check`, body: { sfzmhm: holder.nationalId, xm: holder.name } }],
      ['id', { method: 'POST', path, body: { sfzmhm: `${holder.nationalId.slice(0, 17)}${holder.nationalId.endsWith('0') ? '1' : '0'}`, xm: holder.name } }],
      ['name', { method: 'POST', path, body: { sfzmhm: holder.nationalId, xm: '' } }],
      ['name', { method: 'POST', path, body: { sfzmhm: holder.nationalId } }],
      ['body', { method: 'POST', path, body: [holder.nationalId, holder.name] }],
    ] as Array<[string, RequestSpec]>) {
      const answer = await client.send(request);
      assert.equal(answer.status, 400, `${where}: ${JSON.stringify(answer.body)}`);
      assert.equal((answer.body as { code: string }).code, '1001');
    }
  });

  it('electricity-company confirms an account holder by name, and by id when it is given', async () => {
    const client = await DepartmentClient.open('electricity-company', 'hangzhou');
    const [holder, other] = [resident(5, 'hangzhou'), resident(6, 'hangzhou')];
    assert.deepEqual(await claimOutcomes(client, 'utility-account', holder.electricityAccount, '3302100005', holder, other), EXPECTED_OUTCOMES);
    const byName = await client.send({
      method: 'POST',
      path: `/api/v1/consumers/${holder.electricityAccount}/holder-verification`,
      body: { consName: holder.name },
    });
    assert.deepEqual(byName.body, { code: '00000', message: '成功', data: { consNo: holder.electricityAccount, checkResult: '1', checkResultName: '一致' } });
    const unknown = await client.checkHolder('utility-account', '3302100005', holder);
    assert.equal((unknown.answer.body as { code: string }).code, 'A0201', 'another city’s account, in the company’s own 404');
    // The bills print the holder's name as the population has it.
    assert.equal(generateElectricityBills('hangzhou', holder.electricityAccount, REFERENCE_DATE).consName, maskName(holder.name));
  });

  it('electricity-company answers 400 for a malformed account, name, id or body', async () => {
    const client = await DepartmentClient.open('electricity-company', 'hangzhou');
    const holder = resident(5, 'hangzhou');
    const path = `/api/v1/consumers/${holder.electricityAccount}/holder-verification`;
    for (const request of [
      { method: 'POST', path: '/api/v1/consumers/33011/holder-verification', body: { consName: holder.name } },
      { method: 'POST', path, body: { consName: 'x1' } },
      { method: 'POST', path, body: { consName: holder.name, certNo: '12345' } },
      { method: 'POST', path, body: 'not an object' },
    ] as RequestSpec[]) {
      const answer = await client.send(request);
      assert.equal(answer.status, 400, JSON.stringify(request));
      assert.equal((answer.body as { code: string }).code, 'A0400');
    }
  });

  it('gas-company confirms a user number holder by name, and by id when it is given', async () => {
    const client = await DepartmentClient.open('gas-company', 'chengdu');
    const [holder, other] = [resident(7, 'chengdu'), resident(8, 'chengdu')];
    assert.deepEqual(await claimOutcomes(client, 'utility-account', holder.gasAccount, '5101100007', holder, other), EXPECTED_OUTCOMES);
    const byName = await client.send({ method: 'POST', path: '/api/user/verify', body: { userNo: holder.gasAccount, userName: other.name } });
    assert.deepEqual(byName.body, { resultCode: '0000', resultMsg: '核验完成', result: { userNo: holder.gasAccount, verifyFlag: 'N' } });
    const unknown = await client.checkHolder('utility-account', '5101100007', holder);
    assert.deepEqual(unknown.answer.body, { resultCode: '1004', resultMsg: '用户号不存在 / no such userNo', result: null });
    assert.equal(generateGasBills('chengdu', holder.gasAccount, REFERENCE_DATE).userName, maskName(holder.name));
  });

  it('gas-company answers 400 for a malformed user number, name, id or body', async () => {
    const client = await DepartmentClient.open('gas-company', 'chengdu');
    const holder = resident(7, 'chengdu');
    for (const body of [
      { userNo: '51012', userName: holder.name },
      { userName: holder.name },
      { userNo: holder.gasAccount, userName: 42 },
      { userNo: holder.gasAccount, userName: holder.name, idNo: 'X' },
      null,
    ]) {
      const answer = await client.send({ method: 'POST', path: '/api/user/verify', body });
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.equal((answer.body as { resultCode: string }).resultCode, '1001');
    }
  });

  it('library confirms a reader card holder by id and name', async () => {
    const client = await DepartmentClient.open('library', 'foshan');
    const [holder, other] = [resident(9, 'foshan'), resident(10, 'foshan')];
    assert.deepEqual(await claimOutcomes(client, 'library-card', holder.libraryCard, '110000000009', holder, other), EXPECTED_OUTCOMES);
    const { answer } = await client.checkHolder('library-card', holder.libraryCard, holder);
    assert.deepEqual(answer.body, { code: 0, message: '核验完成', data: { rdid: holder.libraryCard, matched: true } });
    const unknown = await client.checkHolder('library-card', '110000000009', holder);
    assert.equal((unknown.answer.body as { code: number }).code, 40401);
    assert.equal(generateLibraryLoans('foshan', holder.libraryCard, REFERENCE_DATE).rdName, maskName(holder.name));
  });

  it('library answers 400 for a malformed card, id, name or body', async () => {
    const client = await DepartmentClient.open('library', 'foshan');
    const holder = resident(9, 'foshan');
    const path = `/readers/${holder.libraryCard}/verification`;
    for (const request of [
      { method: 'POST', path: '/readers/4406/verification', body: { idCardNo: holder.nationalId, rdName: holder.name } },
      { method: 'POST', path, body: { idCardNo: holder.nationalId.slice(1), rdName: holder.name } },
      { method: 'POST', path, body: { idCardNo: holder.nationalId, rdName: '?' } },
      { method: 'POST', path, body: { rdName: holder.name } },
    ] as RequestSpec[]) {
      const answer = await client.send(request);
      assert.equal(answer.status, 400, JSON.stringify(request));
      assert.equal((answer.body as { code: number }).code, 40001);
    }
  });

  it('departments keyed by national id print the name the register holds for it', () => {
    const person = resident(11, 'wuhan');
    assert.equal(generateLicence('wuhan', person.nationalId, REFERENCE_DATE)?.XM, maskName(person.name));
    assert.equal(generateInsuranceSummary('wuhan', person.nationalId, REFERENCE_DATE)?.aac003, maskName(residentName(person.nationalId)));
  });
});
