import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testEngines } from '../helpers/stores.ts';
import { startTestHub, type TestHub } from '../helpers/hub.ts';
import type { DemoCitizen } from '../../src/demo/demo-citizens.ts';

/**
 * Walks every operation in /openapi.json as citizen B aimed at citizen A's resources (A's
 * identifier ids and plate in every parameter that takes one), and as an entrance without
 * consent: nothing of A's comes back, and personal data needs consent.
 */
const [engine] = testEngines();

interface Operation {
  method: string;
  path: string;
  operationId: string;
  params: string[];
  query: string[];
  secured: boolean;
}

describe('authorization matrix over every route', () => {
  let hub: TestHub;
  let a: { token: string; person: DemoCitizen; identifierIds: string[] };
  let b: { token: string; person: DemoCitizen };
  let operations: Operation[];

  before(async () => {
    hub = await startTestHub(engine);
    const aLogin = await hub.loginDemo(21, 'shanghai');
    const ids = (await hub.app.inject({ method: 'GET', url: '/v1/me/identifiers', headers: { authorization: `Bearer ${aLogin.token}` } })).json().items.map((i: { id: string }) => i.id);
    a = { ...aLogin, identifierIds: ids };
    b = await hub.loginDemo(22, 'shanghai');
    // A's records are in the cache now: a leak would have something to leak.
    await hub.app.inject({ method: 'GET', url: '/v1/cities/shanghai/dashboard', headers: { authorization: `Bearer ${a.token}` } });
    const doc = (await hub.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, { operationId: string; security?: unknown[]; parameters?: Array<{ in: string; name: string }> }>>;
    };
    operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({
        method: method.toUpperCase(),
        path,
        operationId: op.operationId,
        params: (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name),
        query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
        secured: (op.security ?? []).some((s) => JSON.stringify(s).includes('bearerAuth')),
      })),
    );
    assert.ok(operations.length >= 20);
  });
  after(() => hub.close());

  /** Every request B can aim at A's resources through one operation. */
  function attacks(op: Operation): Array<{ url: string; payload?: unknown }> {
    const services = ['traffic.violations', 'living.utility-bills', 'culture.library-loans', 'social.insurance'];
    const values: Record<string, string[]> = {
      cityId: ['shanghai'],
      serviceId: services,
      identifierId: a.identifierIds,
      action: ['renewLoan'],
      scope: ['traffic'],
      channelId: ['web'],
      partnerId: ['none'],
      file: ['Citizen.json'],
    };
    let urls = [op.path];
    for (const name of op.params) {
      urls = urls.flatMap((u) => (values[name] ?? ['x']).map((v) => u.replace(`{${name}}`, encodeURIComponent(v))));
    }
    const withQuery = urls.flatMap((u) => {
      const variants = [u];
      if (op.query.includes('plate')) variants.push(`${u}?plate=${encodeURIComponent(a.person.plate)}`);
      if (op.query.includes('identifierId')) for (const id of a.identifierIds) variants.push(`${u}?identifierId=${id}`);
      return variants;
    });
    const payload =
      op.operationId === 'performServiceAction'
        ? { identifierId: a.identifierIds[a.identifierIds.length - 1], recordId: 'L1' }
        : op.operationId === 'linkIdentifier'
          ? { kind: 'plate', value: a.person.plate, consentTextVersion: '2026-11-v1' }
          : op.method === 'POST' || op.method === 'PUT'
            ? {}
            : undefined;
    return withQuery.map((url) => ({ url, payload }));
  }

  it('citizen B gets nothing of citizen A through any operation', async () => {
    const secrets = [a.person.plate, a.person.nationalId, a.person.name, a.person.waterAccount, a.person.libraryCard, a.person.phone, ...a.identifierIds];
    let requests = 0;
    for (const op of operations.filter((o) => o.secured && !['logout', 'revokeConsent'].includes(o.operationId))) {
      for (const attack of attacks(op)) {
        const res = await hub.app.inject({ method: op.method as 'GET', url: attack.url, headers: { authorization: `Bearer ${b.token}` }, ...(attack.payload ? { payload: attack.payload } : {}) });
        requests++;
        for (const secret of secrets) assert.ok(!res.body.includes(secret), `${op.operationId} ${attack.url} answered ${res.statusCode} with A's data`);
        if (attack.url.includes('identifierId') || attack.url.includes('plate=') || (attack.payload as { identifierId?: string })?.identifierId) {
          assert.ok(res.statusCode >= 400, `${op.operationId} ${attack.url} let B act on A's identifier (${res.statusCode})`);
        }
      }
    }
    assert.ok(requests > 30, `walked ${requests} requests`);
  });

  it('without a token, every secured operation answers 401', async () => {
    for (const op of operations.filter((o) => o.secured)) {
      const [attack] = attacks(op);
      const res = await hub.app.inject({ method: op.method as 'GET', url: attack.url, ...(attack.payload ? { payload: attack.payload } : {}) });
      assert.equal(res.statusCode, 401, `${op.operationId} ${attack.url}`);
    }
  });

  it('an entrance without consent reads no personal data through any operation', async () => {
    const c = await hub.loginDemo(23, 'shanghai');
    for (const scope of ['traffic', 'living', 'medical', 'social', 'culture', 'civil']) {
      await hub.app.inject({ method: 'DELETE', url: `/v1/me/consents/${scope}`, headers: { authorization: `Bearer ${c.token}` } });
    }
    const ids = (await hub.app.inject({ method: 'GET', url: '/v1/me/identifiers', headers: { authorization: `Bearer ${c.token}` } })).json().items.map((i: { id: string }) => i.id);
    for (const serviceId of ['traffic.violations', 'traffic.licence', 'living.utility-bills', 'social.insurance', 'culture.library-loans', 'civil.exit-entry-progress']) {
      const res = await hub.app.inject({ method: 'GET', url: `/v1/cities/shanghai/services/${serviceId}/records`, headers: { authorization: `Bearer ${c.token}` } });
      assert.equal(res.statusCode, 403, serviceId);
      assert.equal(res.json().error.code, 'HUTONG_ERR_CONSENT_REQUIRED');
    }
    const action = await hub.app.inject({
      method: 'POST',
      url: '/v1/cities/shanghai/services/culture.library-loans/actions/renewLoan',
      headers: { authorization: `Bearer ${c.token}` },
      payload: { identifierId: ids[ids.length - 1], recordId: 'L1' },
    });
    assert.equal(action.statusCode, 403);
    const dashboard = await hub.app.inject({ method: 'GET', url: '/v1/cities/shanghai/dashboard', headers: { authorization: `Bearer ${c.token}` } });
    assert.deepEqual(dashboard.json().sections, []);
  });
});
