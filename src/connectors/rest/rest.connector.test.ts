import assert from 'node:assert/strict';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import { isHutongError, type ErrorCode, type HutongError } from '../../errors.ts';
import type { ConnectorContext, HolderCheck, RecordQuery } from '../connector.ts';
import { RestOptions, restConnector } from './rest.connector.ts';

// ---------------------------------------------------------------------------------------------
// A department on loopback: every test starts one with its own handler and closes it.

interface SeenRequest {
  readonly method: string;
  /** Path and query exactly as they arrived on the wire. */
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

type Handler = (request: SeenRequest, response: http.ServerResponse) => void | Promise<void>;

interface Department {
  readonly url: string;
  readonly requests: SeenRequest[];
  close(): Promise<void>;
}

const departments = new Set<Department>();

async function startDepartment(handler: Handler): Promise<Department> {
  const requests: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      requests.push(seen);
      Promise.resolve(handler(seen, res)).catch((error: unknown) => send(res, 599, { message: String(error) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const department: Department = {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: async () => {
      departments.delete(department);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  departments.add(department);
  return department;
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/html' : 'application/json', ...headers });
  res.end(text);
}

/** A port on 127.0.0.1 that nothing listens on any more. */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

// ---------------------------------------------------------------------------------------------
// Mapping files, options and assertions.

let configDir: string;

const MAPPING_FILES: Record<string, string> = {
  'loans.jsonata': `{
    "records": data.{ "id": loanId, "cityId": $cityId, "departmentId": $departmentId, "title": title },
    "total": totalCount
  }`,
  // No total: the department answers in one page. items.{…} of one item is one object, not an array.
  'roads.jsonata': `{ "records": items.{ "id": id, "road": road, "cityId": $cityId } }`,
  'renewal.jsonata': `{ "loanId": loan.id, "dueDate": loan.due, "httpStatus": $status }`,
  // Throws at evaluation time on a non-numeric title (D3030).
  'throws.jsonata': `{ "records": data.{ "id": loanId, "n": $number(title) } }`,
  'syntax-error.jsonata': `{ "records": data.{ `,
  'holder.jsonata': `{ "outcome": verdict = "same" ? "match" : verdict = "other" ? "mismatch" : verdict = "none" ? "unknown-identifier" : verdict }`,
  'payment.jsonata': `{ "departmentReference": receipt.no }`,
};

before(async () => {
  configDir = await mkdtemp(path.join(os.tmpdir(), 'hutong-rest-'));
  for (const [file, source] of Object.entries(MAPPING_FILES)) await writeFile(path.join(configDir, file), source);
});

after(async () => {
  for (const department of [...departments]) await department.close();
  await rm(configDir, { recursive: true, force: true });
});

function context(): ConnectorContext {
  return { cityId: 'beijing', departmentId: 'library', timeZone: 'Asia/Shanghai', configDir };
}

const LOANS_REQUEST = `{
  "method": "GET",
  "path": "/cards/" & $encodeUrlComponent(identifier) & "/loans",
  "query": { "page": page, "size": pageSize, "branch": params.branch, "kind": identifierKind }
}`;
const ROADS_REQUEST = `{ "method": "GET", "path": "/roads", "query": { "district": params.district, "hasIdentifier": $exists(identifier) } }`;
const RENEW_REQUEST = `{
  "method": "POST",
  "path": "/loans/" & $encodeUrlComponent(recordId) & "/renewals",
  "body": { "card": identifier, "days": $number(params.days), "city": cityId }
}`;

/** Options as the catalog builds them: defaults first, then create. */
function options(raw: Record<string, unknown>): RestOptions {
  const withDefaults = Value.Default(RestOptions, structuredClone(raw)) as RestOptions;
  assert.ok(Value.Check(RestOptions, withDefaults), JSON.stringify([...Value.Errors(RestOptions, withDefaults)][0]));
  return withDefaults;
}

function loanOptions(baseUrl: string, extra: Record<string, unknown> = {}, record: Record<string, unknown> = {}): RestOptions {
  return options({
    baseUrl,
    records: { LibraryLoan: { request: LOANS_REQUEST, response: 'loans.jsonata', ...record } },
    ...extra,
  });
}

const CARD: RecordQuery = { recordType: 'LibraryLoan', identifier: { kind: 'library-card', value: 'LC 0042/7' } };
const CARD_PATH = '/cards/LC%200042%2F7/loans';

/** JSONata builds records on its own objects; compare them as plain data. */
function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

function signal(ms = 5000): { signal: AbortSignal } {
  return { signal: AbortSignal.timeout(ms) };
}

async function expectCode(promise: Promise<unknown>, code: ErrorCode, check?: (error: HutongError) => void): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isHutongError(error), `expected a HutongError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    check?.(error);
    return true;
  });
}

function loansPage(all: number, page: number, size: number): unknown {
  const from = (page - 1) * size;
  const data = Array.from({ length: Math.max(0, Math.min(size, all - from)) }, (_, i) => ({ loanId: `L-${from + i + 1}`, title: `Book ${from + i + 1}` }));
  return { totalCount: all, data };
}

function queryOf(url: string): URLSearchParams {
  return new URL(url, 'http://department').searchParams;
}

// ---------------------------------------------------------------------------------------------

describe('rest connector: records', () => {
  it('follows three pages until the total is reached, with the request built from the query', async () => {
    const department = await startDepartment((req, res) => {
      const query = queryOf(req.url);
      send(res, 200, loansPage(7, Number(query.get('page')), Number(query.get('size'))));
    });
    const connector = restConnector.create(
      loanOptions(`${department.url}/api/v1/`, { headers: { 'X-Hub-Id': 'hutong-beijing' } }, { pageSize: 3 }),
      context(),
    );
    assert.equal(connector.kind, 'rest');
    assert.deepEqual([...connector.recordTypes], ['LibraryLoan']);
    assert.equal(connector.actions, undefined);
    assert.equal(connector.performAction, undefined);

    const records = await connector.fetchRecords({ ...CARD, params: { branch: '东城 分馆' } }, signal());
    assert.deepEqual(
      plain(records),
      Array.from({ length: 7 }, (_, i) => ({ id: `L-${i + 1}`, cityId: 'beijing', departmentId: 'library', title: `Book ${i + 1}` })),
    );
    assert.deepEqual(
      department.requests.map((r) => r.url),
      [1, 2, 3].map((page) => `/api/v1${CARD_PATH}?page=${page}&size=3&branch=%E4%B8%9C%E5%9F%8E%20%E5%88%86%E9%A6%86&kind=library-card`),
    );
    for (const request of department.requests) {
      assert.equal(request.method, 'GET');
      assert.equal(request.headers.accept, 'application/json');
      assert.equal(request.headers['x-hub-id'], 'hutong-beijing');
      assert.equal(request.body.length, 0);
    }
    await department.close();
  });

  it('stops at an exact multiple of the page size and at an empty page', async () => {
    let total = 6;
    const department = await startDepartment((req, res) => {
      const query = queryOf(req.url);
      send(res, 200, loansPage(total, Number(query.get('page')), Number(query.get('size'))));
    });
    const connector = restConnector.create(loanOptions(department.url, {}, { pageSize: 3 }), context());
    assert.equal((await connector.fetchRecords(CARD, signal())).length, 6);
    assert.equal(department.requests.length, 2);
    // The department claims 10 but has only 4: the empty third page ends the paging.
    total = 4;
    department.requests.length = 0;
    const claimsMore = await startDepartment((req, res) => {
      const page = Number(queryOf(req.url).get('page'));
      send(res, 200, { ...(loansPage(4, page, 3) as object), totalCount: 10 });
    });
    const other = restConnector.create(loanOptions(claimsMore.url, {}, { pageSize: 3 }), context());
    assert.equal((await other.fetchRecords(CARD, signal())).length, 4);
    assert.equal(claimsMore.requests.length, 3);
    await department.close();
    await claimsMore.close();
  });

  it('rejects with DEPARTMENT_FAULT rather than cut the records at maxPages', async () => {
    const department = await startDepartment((req, res) => {
      const query = queryOf(req.url);
      send(res, 200, loansPage(7, Number(query.get('page')), Number(query.get('size'))));
    });
    const connector = restConnector.create(loanOptions(department.url, {}, { pageSize: 3, maxPages: 2 }), context());
    await expectCode(connector.fetchRecords(CARD, signal()), 'HUTONG_ERR_DEPARTMENT_FAULT', (error) => {
      assert.match(error.message, /7 LibraryLoan records, more than 2 pages of 3/);
    });
    assert.equal(department.requests.length, 2);
    await department.close();
  });

  it('fetches public records without an identifier, in one page when the answer has no total', async () => {
    const department = await startDepartment((req, res) => {
      assert.equal(queryOf(req.url).get('hasIdentifier'), 'false');
      send(res, 200, { items: [{ id: 'R-1', road: '长安街' }] });
    });
    const connector = restConnector.create(
      options({ baseUrl: department.url, records: { RoadCondition: { request: ROADS_REQUEST, response: 'roads.jsonata', pageSize: 1 } } }),
      context(),
    );
    const records = await connector.fetchRecords({ recordType: 'RoadCondition', params: { district: 'dongcheng' } }, signal());
    // One mapped object is still a list of records.
    assert.deepEqual(plain(records), [{ id: 'R-1', road: '长安街', cityId: 'beijing' }]);
    assert.deepEqual(department.requests.map((r) => r.url), ['/roads?district=dongcheng&hasIdentifier=false']);
    await department.close();
  });

  it('answers [] for a 404 unless notFoundIsEmpty is false', async () => {
    const department = await startDepartment((_req, res) => send(res, 404, { code: 'NO_CARD', message: 'unknown card' }));
    const lenient = restConnector.create(loanOptions(department.url), context());
    assert.deepEqual(await lenient.fetchRecords(CARD, signal()), []);
    const strict = restConnector.create(loanOptions(department.url, {}, { notFoundIsEmpty: false }), context());
    await expectCode(strict.fetchRecords(CARD, signal()), 'HUTONG_ERR_DEPARTMENT_FAULT', (error) => {
      assert.match(error.message, /HTTP 404: NO_CARD unknown card/);
    });
    await department.close();
  });
});

describe('rest connector: department failures', () => {
  it('429 → DEPARTMENT_THROTTLED with retryAfterSeconds, from seconds or an HTTP date', async () => {
    let retryAfter = '120';
    const department = await startDepartment((_req, res) => send(res, 429, { message: 'slow down' }, { 'retry-after': retryAfter }));
    const connector = restConnector.create(loanOptions(department.url), context());
    await expectCode(connector.fetchRecords(CARD, signal()), 'HUTONG_ERR_DEPARTMENT_THROTTLED', (error) => {
      assert.deepEqual(error.details, { retryAfterSeconds: 120 });
    });
    retryAfter = new Date(Date.now() + 90_000).toUTCString();
    await expectCode(connector.fetchRecords(CARD, signal()), 'HUTONG_ERR_DEPARTMENT_THROTTLED', (error) => {
      const seconds = (error.details as { retryAfterSeconds: number }).retryAfterSeconds;
      assert.ok(seconds >= 85 && seconds <= 91, `retryAfterSeconds ${seconds}`);
    });
    await department.close();
  });

  it('500, a 4xx and a body that is not JSON → DEPARTMENT_FAULT, with the department\'s own code', async () => {
    let answer: [number, unknown] = [500, { code: 'DB_DOWN', message: 'database unavailable' }];
    const department = await startDepartment((_req, res) => send(res, ...answer));
    const connector = restConnector.create(loanOptions(department.url), context());
    await expectCode(connector.fetchRecords(CARD, signal()), 'HUTONG_ERR_DEPARTMENT_FAULT', (error) => {
      assert.match(error.message, /HTTP 500: DB_DOWN database unavailable/);
      assert.deepEqual(error.details, { status: 500, departmentCode: 'DB_DOWN' });
    });
    answer = [400, { code: 'E_CARD_FORMAT', message: 'card number malformed' }];
    await expectCode(connector.fetchRecords(CARD, signal()), 'HUTONG_ERR_DEPARTMENT_FAULT', (error) => {
      assert.match(error.message, /HTTP 400: E_CARD_FORMAT card number malformed/);
    });
    answer = [200, '<html>maintenance tonight</html>'];
    await expectCode(connector.fetchRecords(CARD, signal()), 'HUTONG_ERR_DEPARTMENT_FAULT', (error) => {
      assert.match(error.message, /not JSON \(text\/html\)/);
    });
    answer = [200, '{"totalCount": 1, "data": [{"loanId": "L-1",'];
    await expectCode(connector.fetchRecords(CARD, signal()), 'HUTONG_ERR_DEPARTMENT_FAULT');
    await department.close();
  });

  it('a mapping that throws → DEPARTMENT_MAPPING; a missing mapping file fails the call, not the process', async () => {
    const department = await startDepartment((_req, res) => send(res, 200, { totalCount: 1, data: [{ loanId: 'L-1', title: 'not a number' }] }));
    const throwing = restConnector.create(loanOptions(department.url, {}, { response: 'throws.jsonata' }), context());
    await expectCode(throwing.fetchRecords(CARD, signal()), 'HUTONG_ERR_DEPARTMENT_MAPPING', (error) => {
      assert.match(error.message, /mapping cannot read/);
    });
    const missing = restConnector.create(loanOptions(department.url, {}, { response: 'no-such-file.jsonata' }), context());
    await new Promise((resolve) => setImmediate(resolve)); // the failed load has settled without an unhandled rejection
    await expectCode(missing.fetchRecords(CARD, signal()), 'HUTONG_ERR_DEPARTMENT_MAPPING', (error) => {
      assert.match(error.message, /no-such-file\.jsonata does not exist/);
    });
    assert.equal(department.requests.length, 1, 'a call without a usable mapping does not reach the department');
    await department.close();
  });

  it('a department that never answers → DEPARTMENT_TIMEOUT when the signal fires', async () => {
    const department = await startDepartment(() => {
      // never answers
    });
    const connector = restConnector.create(loanOptions(department.url), context());
    const started = Date.now();
    await expectCode(connector.fetchRecords(CARD, signal(200)), 'HUTONG_ERR_DEPARTMENT_TIMEOUT');
    assert.ok(Date.now() - started < 2000, 'the deadline reached the wire');
    await department.close();
  });

  it('nothing listening → DEPARTMENT_UNREACHABLE', async () => {
    const connector = restConnector.create(loanOptions(`http://127.0.0.1:${await closedPort()}`), context());
    await expectCode(connector.fetchRecords(CARD, signal()), 'HUTONG_ERR_DEPARTMENT_UNREACHABLE', (error) => {
      assert.match(error.message, /ECONNREFUSED/);
    });
  });

  it('a request path that climbs out of the baseUrl is refused before it is sent', async () => {
    const department = await startDepartment((_req, res) => send(res, 200, { totalCount: 0, data: [] }));
    const connector = restConnector.create(loanOptions(`${department.url}/api`, {}, { request: '{ "method": "GET", "path": "/cards/" & identifier }' }), context());
    await expectCode(connector.fetchRecords({ ...CARD, identifier: { kind: 'library-card', value: '../../admin' } }, signal()), 'HUTONG_ERR_DEPARTMENT_MAPPING');
    assert.equal(department.requests.length, 0);
    await department.close();
  });
});

describe('rest connector: actions', () => {
  const renewalOptions = (baseUrl: string, extra: Record<string, unknown> = {}): RestOptions =>
    loanOptions(baseUrl, { actions: { renewLoan: { request: RENEW_REQUEST, response: 'renewal.jsonata' } }, ...extra });

  it('performs an action with a JSON body and maps the answer with $status', async () => {
    const department = await startDepartment((req, res) => {
      assert.equal(req.method, 'POST');
      assert.equal(req.url, '/loans/L-9/renewals');
      assert.match(String(req.headers['content-type']), /^application\/json/);
      const body = JSON.parse(req.body.toString('utf8')) as { card: string; days: number; city: string };
      assert.deepEqual(body, { card: 'LC 0042/7', days: 14, city: 'beijing' });
      send(res, 201, { loan: { id: 'L-9', due: '2026-12-01' } });
    });
    const connector = restConnector.create(renewalOptions(department.url), context());
    assert.deepEqual([...(connector.actions ?? [])], ['renewLoan']);
    assert.ok(connector.performAction);
    const result = await connector.performAction({ name: 'renewLoan', identifier: CARD.identifier!, recordId: 'L-9', params: { days: '14' } }, signal());
    assert.deepEqual(plain(result), { loanId: 'L-9', dueDate: '2026-12-01', httpStatus: 201 });
    await department.close();
  });

  it('409 and 422 → DEPARTMENT_REFUSED with the department\'s message', async () => {
    let status = 409;
    const department = await startDepartment((_req, res) => send(res, status, { code: 'RENEWAL_LIMIT', message: 'no renewals left' }));
    const connector = restConnector.create(renewalOptions(department.url), context());
    const renew = (): Promise<unknown> => connector.performAction!({ name: 'renewLoan', identifier: CARD.identifier!, recordId: 'L-9', params: { days: '14' } }, signal());
    await expectCode(renew(), 'HUTONG_ERR_DEPARTMENT_REFUSED', (error) => {
      assert.equal(error.message, 'no renewals left');
      assert.equal(error.statusCode, 409);
      assert.deepEqual(error.details, { status: 409, departmentCode: 'RENEWAL_LIMIT' });
    });
    status = 422;
    await expectCode(renew(), 'HUTONG_ERR_DEPARTMENT_REFUSED');
    status = 503;
    await expectCode(renew(), 'HUTONG_ERR_DEPARTMENT_FAULT');
    await department.close();
  });
});

const HOLDER_REQUEST = `{
  "method": "POST",
  "path": "/cards/" & $encodeUrlComponent(identifier) & "/holder",
  "body": { "name": name, "id": nationalId, "kind": identifierKind, "city": cityId }
}`;

describe('rest connector: holder checks', () => {
  const holderOptions = (baseUrl: string, check: Record<string, unknown> = {}): RestOptions =>
    loanOptions(baseUrl, { holderChecks: { 'library-card': { request: HOLDER_REQUEST, response: 'holder.jsonata', ...check } } });
  const claim: HolderCheck = { identifier: { kind: 'library-card', value: 'LC 0042/7' }, holder: { name: '张小明', nationalId: '11010519491231002X' } };

  it('sends the claim as the request expression builds it and maps the answer to an outcome', async () => {
    let verdict = 'same';
    const department = await startDepartment((req, res) => {
      assert.equal(req.method, 'POST');
      assert.equal(req.url, '/cards/LC%200042%2F7/holder');
      assert.deepEqual(JSON.parse(req.body.toString('utf8')), { name: '张小明', id: '11010519491231002X', kind: 'library-card', city: 'beijing' });
      send(res, 200, { verdict });
    });
    const connector = restConnector.create(holderOptions(department.url), context());
    assert.deepEqual([...(connector.holderCheckKinds ?? [])], ['library-card']);
    assert.ok(connector.checkHolder);
    assert.deepEqual(await connector.checkHolder(claim, signal()), { outcome: 'match' });
    verdict = 'other';
    assert.deepEqual(await connector.checkHolder(claim, signal()), { outcome: 'mismatch' });
    verdict = 'none';
    assert.deepEqual(await connector.checkHolder(claim, signal()), { outcome: 'unknown-identifier' });
    verdict = 'perhaps';
    await expectCode(connector.checkHolder(claim, signal()), 'HUTONG_ERR_DEPARTMENT_MAPPING', (error) => assert.match(error.message, /outcome/));
    await assert.rejects(connector.checkHolder({ ...claim, identifier: { kind: 'plate', value: '沪A12345' } }, signal()), TypeError);
    await department.close();
  });

  it('a 404 is an unknown identifier unless notFoundIsUnknown is false; other failures keep their codes', async () => {
    let status = 404;
    const department = await startDepartment((_req, res) => send(res, status, { code: 'NO_CARD', message: 'no such card' }));
    const connector = restConnector.create(holderOptions(department.url), context());
    assert.deepEqual(await connector.checkHolder!(claim, signal()), { outcome: 'unknown-identifier' });
    const strict = restConnector.create(holderOptions(department.url, { notFoundIsUnknown: false }), context());
    await expectCode(strict.checkHolder!(claim, signal()), 'HUTONG_ERR_DEPARTMENT_FAULT', (error) => assert.deepEqual(error.details, { status: 404, departmentCode: 'NO_CARD' }));
    status = 429;
    await expectCode(connector.checkHolder!(claim, signal()), 'HUTONG_ERR_DEPARTMENT_THROTTLED');
    status = 500;
    await expectCode(connector.checkHolder!(claim, signal()), 'HUTONG_ERR_DEPARTMENT_FAULT');
    await department.close();
  });

  it('a department that never answers → DEPARTMENT_TIMEOUT when the signal fires', async () => {
    const department = await startDepartment(() => new Promise(() => {}));
    const connector = restConnector.create(holderOptions(department.url), context());
    await expectCode(connector.checkHolder!(claim, signal(100)), 'HUTONG_ERR_DEPARTMENT_TIMEOUT');
    await department.close();
  });

  it('a department without holder checks has neither the kinds nor the method', () => {
    const connector = restConnector.create(loanOptions('http://127.0.0.1:1'), context());
    assert.equal(connector.holderCheckKinds, undefined);
    assert.equal(connector.checkHolder, undefined);
  });
});

const PAY_REQUEST = `{
  "method": "POST",
  "path": "/accounts/" & $encodeUrlComponent(identifier) & "/fines/" & $encodeUrlComponent(recordId) & "/payment",
  "headers": { "Idempotency-Key": paymentReference, "X-Absent": null },
  "body": { "fen": amountFen, "yuan": amountYuan, "at": paidAt, "local": paidAtLocal, "wallet": wallet, "kind": identifierKind, "type": recordType }
}`;

describe('rest connector: payments', () => {
  const paymentOptions = (baseUrl: string, request = PAY_REQUEST): RestOptions =>
    loanOptions(baseUrl, { headers: { 'X-Channel': 'hutong' }, payments: { LibraryLoan: { request, response: 'payment.jsonata' } } });
  const fine = {
    recordType: 'LibraryLoan',
    recordId: 'L-9',
    identifier: { kind: 'library-card', value: 'LC 0042/7' },
    amountFen: 1050,
    paymentReference: 'HT20261101101530abcdef0123',
    paidAt: new Date('2026-11-01T02:15:30Z'),
    wallet: 'unionpay',
  } as const;

  it('sends the request expression\'s headers (the idempotency key) with the configured ones, and maps the department reference', async () => {
    const department = await startDepartment((req, res) => {
      assert.equal(req.method, 'POST');
      assert.equal(req.url, '/accounts/LC%200042%2F7/fines/L-9/payment');
      assert.equal(req.headers['idempotency-key'], fine.paymentReference);
      assert.equal(req.headers['x-channel'], 'hutong');
      assert.equal(req.headers['x-absent'], undefined);
      assert.deepEqual(JSON.parse(req.body.toString('utf8')), {
        fen: 1050,
        yuan: '10.50',
        at: '2026-11-01T10:15:30+08:00',
        local: '2026-11-01 10:15:30',
        wallet: 'unionpay',
        kind: 'library-card',
        type: 'LibraryLoan',
      });
      send(res, 201, { receipt: { no: 'R-77' } });
    });
    const connector = restConnector.create(paymentOptions(department.url), context());
    assert.deepEqual([...(connector.paymentRecordTypes ?? [])], ['LibraryLoan']);
    assert.deepEqual(await connector.recordPayment!(fine, signal()), { departmentReference: 'R-77' });
    await assert.rejects(connector.recordPayment!({ ...fine, recordType: 'Bill' }, signal()), TypeError);
    await department.close();
  });

  it('404, 409 and 422 → DEPARTMENT_REFUSED; 5xx and 429 stay retryable; an answer without a reference → DEPARTMENT_MAPPING', async () => {
    let status = 409;
    let body: unknown = { resultCode: '2002', resultMsg: 'already paid' };
    const department = await startDepartment((_req, res) => send(res, status, body));
    const connector = restConnector.create(paymentOptions(department.url), context());
    await expectCode(connector.recordPayment!(fine, signal()), 'HUTONG_ERR_DEPARTMENT_REFUSED', (error) => {
      assert.match(error.message, /already paid/);
      assert.deepEqual(error.details, { status: 409, departmentCode: '2002' });
    });
    for (const refused of [404, 422]) {
      status = refused;
      await expectCode(connector.recordPayment!(fine, signal()), 'HUTONG_ERR_DEPARTMENT_REFUSED');
    }
    status = 503;
    await expectCode(connector.recordPayment!(fine, signal()), 'HUTONG_ERR_DEPARTMENT_FAULT');
    status = 429;
    await expectCode(connector.recordPayment!(fine, signal()), 'HUTONG_ERR_DEPARTMENT_THROTTLED');
    status = 200;
    body = { receipt: {} };
    await expectCode(connector.recordPayment!(fine, signal()), 'HUTONG_ERR_DEPARTMENT_MAPPING', (error) => assert.match(error.message, /departmentReference/));
    await department.close();
  });

  it('a header name HTTP does not allow, or headers that are not an object, are refused before anything is sent', async () => {
    const department = await startDepartment((_req, res) => send(res, 200, { receipt: { no: 'R-1' } }));
    for (const headers of ['{ "Bad Name": "x" }', '"Idempotency-Key"', '{ "X-Key": { "nested": 1 } }']) {
      const connector = restConnector.create(paymentOptions(department.url, `{ "method": "POST", "path": "/pay", "headers": ${headers} }`), context());
      await expectCode(connector.recordPayment!(fine, signal()), 'HUTONG_ERR_DEPARTMENT_MAPPING');
    }
    assert.equal(department.requests.length, 0);
    await department.close();
  });

  it('a department without payments has neither the record types nor the method', () => {
    const connector = restConnector.create(loanOptions('http://127.0.0.1:1'), context());
    assert.equal(connector.paymentRecordTypes, undefined);
    assert.equal(connector.recordPayment, undefined);
  });
});

describe('rest connector: api-key auth', () => {
  it('sends the key in the configured header, and keeps it out of error messages', async () => {
    const KEY = 'k-7f3a9c2e51d04b86';
    const department = await startDepartment((req, res) => {
      const key = req.headers['x-department-key'];
      if (key !== KEY) return send(res, 401, { code: 'AUTH_FAILED', message: `unknown key ${String(key)}` });
      send(res, 200, { totalCount: 1, data: [{ loanId: 'L-1', title: 'Book 1' }] });
    });
    const good = restConnector.create(loanOptions(department.url, { auth: { type: 'api-key', header: 'X-Department-Key', key: KEY } }), context());
    assert.equal((await good.fetchRecords(CARD, signal())).length, 1);

    const WRONG = 'k-0000wrong0000key';
    const bad = restConnector.create(loanOptions(department.url, { auth: { type: 'api-key', header: 'X-Department-Key', key: WRONG } }), context());
    await expectCode(bad.fetchRecords(CARD, signal()), 'HUTONG_ERR_DEPARTMENT_FAULT', (error) => {
      assert.match(error.message, /HTTP 401: AUTH_FAILED unknown key/);
      assert.ok(!error.message.includes(WRONG), error.message);
    });
    assert.equal(department.requests.length, 2, 'an api key refused is not retried');
    await department.close();
  });
});

describe('rest connector: OAuth2 client credentials', () => {
  const CLIENT_ID = 'hutong hub';
  const CLIENT_SECRET = 's3cr:t+/é&=';

  interface TokenServer {
    readonly department: Department;
    readonly tokenRequests: () => number;
    readonly resourceRequests: () => number;
    /** Revokes every token issued so far, as a department does when it rotates keys. */
    revokeAll(): void;
  }

  async function startOAuthDepartment(settings: { expiresIn?: number; tokenDelayMs?: number } = {}): Promise<TokenServer> {
    const valid = new Set<string>();
    let issued = 0;
    const department = await startDepartment(async (req, res) => {
      if (req.url === '/oauth/token') {
        if (settings.tokenDelayMs) await new Promise((resolve) => setTimeout(resolve, settings.tokenDelayMs));
        assert.equal(req.method, 'POST');
        assert.equal(req.headers['content-type'], 'application/x-www-form-urlencoded');
        const form = new URLSearchParams(req.body.toString('utf8'));
        if (form.get('grant_type') !== 'client_credentials') return send(res, 400, { error: 'unsupported_grant_type' });
        if (form.get('scope') !== 'loans:read loans:renew') return send(res, 400, { error: 'invalid_scope' });
        // RFC 6749 §2.3.1: Basic over the form-urlencoded id and secret.
        const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
        const decoded = Buffer.from(basic ?? '', 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        const formDecode = (s: string): string => new URLSearchParams(`v=${s}`).get('v') ?? '';
        if (colon < 0 || formDecode(decoded.slice(0, colon)) !== CLIENT_ID || formDecode(decoded.slice(colon + 1)) !== CLIENT_SECRET) {
          return send(res, 401, { error: 'invalid_client', error_description: 'client authentication failed' });
        }
        const token = `at-${++issued}-${Math.random().toString(36).slice(2)}`;
        valid.add(token);
        return send(res, 200, { access_token: token, token_type: 'Bearer', expires_in: settings.expiresIn ?? 3600 });
      }
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (!bearer || !valid.has(bearer)) return send(res, 401, { error: 'invalid_token' }, { 'www-authenticate': 'Bearer error="invalid_token"' });
      send(res, 200, { totalCount: 1, data: [{ loanId: 'L-1', title: 'Book 1' }] });
    });
    const count = (resource: boolean): number => department.requests.filter((r) => (r.url === '/oauth/token') !== resource).length;
    return { department, tokenRequests: () => count(false), resourceRequests: () => count(true), revokeAll: () => valid.clear() };
  }

  const oauthOptions = (server: TokenServer, secret = CLIENT_SECRET): RestOptions =>
    loanOptions(server.department.url, {
      auth: { type: 'oauth2-client-credentials', tokenUrl: `${server.department.url}/oauth/token`, clientId: CLIENT_ID, clientSecret: secret, scope: 'loans:read loans:renew' },
    });

  it('fetches a token with Basic client credentials and reuses it while it is valid', async () => {
    const server = await startOAuthDepartment();
    const connector = restConnector.create(oauthOptions(server), context());
    assert.equal((await connector.fetchRecords(CARD, signal())).length, 1);
    assert.equal((await connector.fetchRecords(CARD, signal())).length, 1);
    assert.equal(server.tokenRequests(), 1);
    assert.equal(server.resourceRequests(), 2);
    await server.department.close();
  });

  it('renews a token that expires within 30 seconds', async () => {
    const server = await startOAuthDepartment({ expiresIn: 30 });
    const connector = restConnector.create(oauthOptions(server), context());
    await connector.fetchRecords(CARD, signal());
    await connector.fetchRecords(CARD, signal());
    assert.equal(server.tokenRequests(), 2);
    await server.department.close();
  });

  it('drops a token the resource refuses with 401 and retries once with a new one', async () => {
    const server = await startOAuthDepartment();
    const connector = restConnector.create(oauthOptions(server), context());
    await connector.fetchRecords(CARD, signal());
    server.revokeAll();
    assert.equal((await connector.fetchRecords(CARD, signal())).length, 1);
    assert.equal(server.tokenRequests(), 2);
    assert.equal(server.resourceRequests(), 3);
    await server.department.close();
  });

  it('concurrent calls share one token request', async () => {
    const server = await startOAuthDepartment({ tokenDelayMs: 100 });
    const connector = restConnector.create(oauthOptions(server), context());
    const results = await Promise.all(Array.from({ length: 5 }, () => connector.fetchRecords(CARD, signal())));
    assert.deepEqual(results.map((r) => r.length), [1, 1, 1, 1, 1]);
    assert.equal(server.tokenRequests(), 1);
    assert.equal(server.resourceRequests(), 5);
    await server.department.close();
  });

  it('a token endpoint that refuses the client → DEPARTMENT_FAULT without the secret; one that is down → UNREACHABLE', async () => {
    const server = await startOAuthDepartment();
    const connector = restConnector.create(oauthOptions(server, 'wrong-secret-value'), context());
    await expectCode(connector.fetchRecords(CARD, signal()), 'HUTONG_ERR_DEPARTMENT_FAULT', (error) => {
      assert.match(error.message, /token endpoint answered HTTP 401: invalid_client/);
      assert.ok(!error.message.includes('wrong-secret-value'));
    });
    assert.equal(server.resourceRequests(), 0);
    await server.department.close();

    const port = await closedPort();
    const down = restConnector.create(
      loanOptions(`http://127.0.0.1:${port}`, { auth: { type: 'oauth2-client-credentials', tokenUrl: `http://127.0.0.1:${port}/oauth/token`, clientId: 'a', clientSecret: 'b' } }),
      context(),
    );
    await expectCode(down.fetchRecords(CARD, signal()), 'HUTONG_ERR_DEPARTMENT_UNREACHABLE');
  });
});

describe('rest connector: HMAC-SHA256 signatures', () => {
  const KEY_ID = 'hutong-beijing';
  const SECRET = 'hmac-secret-2f9d8e7c';

  /** The department's own check, from the raw request: recompute and compare, within 5 minutes, nonce used once. */
  async function startSigningDepartment(): Promise<Department> {
    const nonces = new Set<string>();
    return startDepartment((req, res) => {
      const header = (name: string): string => String(req.headers[name] ?? '');
      const timestamp = header('x-timestamp');
      const nonce = header('x-nonce');
      const bodyHash = createHash('sha256').update(req.body).digest('hex');
      const canonical = `${req.method}\n${req.url}\n${timestamp}\n${nonce}\n${bodyHash}`;
      const expected = createHmac('sha256', SECRET).update(canonical).digest();
      const given = Buffer.from(header('x-signature'), 'base64');
      const fresh = Math.abs(Date.now() - Number(timestamp)) < 300_000;
      if (header('x-api-key') !== KEY_ID || !/^[0-9a-f]{32}$/.test(nonce) || nonces.has(nonce) || !fresh || given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return send(res, 401, { code: 'SIGNATURE_INVALID', message: 'signature does not verify' });
      }
      nonces.add(nonce);
      if (req.method === 'POST') return send(res, 200, { loan: { id: 'L-9', due: '2026-12-01' } });
      send(res, 200, { totalCount: 1, data: [{ loanId: 'L-1', title: 'Book 1' }] });
    });
  }

  const hmacOptions = (baseUrl: string, secret: string): RestOptions =>
    loanOptions(baseUrl, {
      auth: { type: 'hmac-sha256', keyId: KEY_ID, secret },
      actions: { renewLoan: { request: RENEW_REQUEST, response: 'renewal.jsonata' } },
    });

  it('signs path (with the baseUrl prefix), encoded query and body so the department verifies them', async () => {
    const department = await startSigningDepartment();
    const connector = restConnector.create(hmacOptions(`${department.url}/gateway/v2`, SECRET), context());
    assert.equal((await connector.fetchRecords({ ...CARD, params: { branch: '朝阳' } }, signal())).length, 1);
    assert.equal((await connector.fetchRecords(CARD, signal())).length, 1, 'a new nonce per request');
    const renewed = await connector.performAction!({ name: 'renewLoan', identifier: CARD.identifier!, recordId: 'L-9', params: { days: '7' } }, signal());
    assert.deepEqual(plain(renewed), { loanId: 'L-9', dueDate: '2026-12-01', httpStatus: 200 });
    assert.ok(department.requests[0].url.startsWith(`/gateway/v2${CARD_PATH}?`));
    await department.close();
  });

  it('a wrong secret is rejected by the department → DEPARTMENT_FAULT, without signature or secret in the message', async () => {
    const department = await startSigningDepartment();
    const connector = restConnector.create(hmacOptions(department.url, 'not-the-secret-at-all'), context());
    await expectCode(connector.fetchRecords(CARD, signal()), 'HUTONG_ERR_DEPARTMENT_FAULT', (error) => {
      assert.match(error.message, /HTTP 401: SIGNATURE_INVALID/);
      assert.ok(!error.message.includes('not-the-secret-at-all'));
      assert.ok(!error.message.includes(String(department.requests[0].headers['x-signature'])));
    });
    await department.close();
  });
});

describe('restConnector.validateOptions', () => {
  it('reports every expression that does not compile and every mapping file missing or broken, by path', async () => {
    const problems = await restConnector.validateOptions!(
      options({
        baseUrl: 'http://127.0.0.1:1',
        records: {
          LibraryLoan: { request: '{ "method": ', response: 'loans.jsonata' },
          RoadCondition: { request: ROADS_REQUEST, response: 'missing.jsonata' },
        },
        actions: { renewLoan: { request: RENEW_REQUEST, response: 'syntax-error.jsonata' } },
        holderChecks: { 'library-card': { request: HOLDER_REQUEST, response: 'no-holder.jsonata' }, plate: { request: '{ "path": ', response: 'holder.jsonata' } },
      }),
      context(),
    );
    assert.deepEqual(
      problems.map((p) => p.path),
      ['records.LibraryLoan.request', 'records.RoadCondition.response', 'actions.renewLoan.response', 'holderChecks.library-card.response', 'holderChecks.plate.request'],
    );
    assert.match(problems[0].message, /JSONata does not compile/);
    assert.match(problems[1].message, /missing\.jsonata does not exist/);
    assert.match(problems[2].message, /syntax-error\.jsonata does not compile/);
  });

  it('finds nothing wrong in good options, and a department with no records yet is valid', async () => {
    const good = options({
      baseUrl: 'http://127.0.0.1:1',
      records: { LibraryLoan: { request: LOANS_REQUEST, response: 'loans.jsonata' }, RoadCondition: { request: ROADS_REQUEST, response: 'roads.jsonata' } },
      actions: { renewLoan: { request: RENEW_REQUEST, response: 'renewal.jsonata' } },
      holderChecks: { 'library-card': { request: HOLDER_REQUEST, response: 'holder.jsonata' } },
    });
    assert.deepEqual(await restConnector.validateOptions!(good, context()), []);
    const bare = options({ baseUrl: 'http://127.0.0.1:1' });
    assert.deepEqual(await restConnector.validateOptions!(bare, context()), []);
    assert.equal(restConnector.create(bare, context()).recordTypes.size, 0);
  });
});
