import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hutongError } from '../errors.ts';
import { DEFAULT_DEPARTMENT_LIMITS, Shield } from '../shield/shield.ts';
import { DEPARTMENT_EMULATORS } from '../../emulators/departments/registry.ts';
import { TRAFFIC_POLICE_SEGMENT } from '../../emulators/departments/traffic-police/server.ts';
import { FAULT_SWITCH_NAMES } from './emulator-faults.ts';
import { HubMetrics, quantileFromBuckets } from './metrics.ts';

describe('quantileFromBuckets', () => {
  const buckets = [
    { le: 0.01, count: 50 },
    { le: 0.1, count: 90 },
    { le: 1, count: 100 },
    { le: Infinity, count: 100 },
  ];

  it('interpolates inside the bucket the quantile falls in', () => {
    assert.equal(quantileFromBuckets(buckets, 0.5), 0.01);
    assert.ok(Math.abs(quantileFromBuckets(buckets, 0.7)! - 0.055) < 1e-12);
    assert.ok(Math.abs(quantileFromBuckets(buckets, 0.95)! - 0.55) < 1e-12);
    assert.equal(quantileFromBuckets(buckets, 1), 1);
  });

  it('does not depend on the order the buckets come in', () => {
    assert.equal(quantileFromBuckets([...buckets].reverse(), 0.95), quantileFromBuckets(buckets, 0.95));
  });

  it('answers the last finite bound for observations beyond it, and nothing without observations', () => {
    assert.equal(quantileFromBuckets([{ le: 0.5, count: 1 }, { le: Infinity, count: 10 }], 0.99), 0.5);
    assert.equal(quantileFromBuckets([{ le: 0.5, count: 0 }, { le: Infinity, count: 0 }], 0.5), undefined);
    assert.equal(quantileFromBuckets([], 0.5), undefined);
  });

  it('skips empty buckets below the one that holds the quantile', () => {
    const sparse = [
      { le: 0.01, count: 0 },
      { le: 0.1, count: 0 },
      { le: 1, count: 4 },
      { le: Infinity, count: 4 },
    ];
    assert.equal(quantileFromBuckets(sparse, 0.5), 0.55);
  });
});

describe('HubMetrics as the shield\'s observer', () => {
  const DEPARTMENT = 'wuhan/library';

  async function valueOf(metrics: HubMetrics, metric: 'cacheLookups', labels: Record<string, string>): Promise<number> {
    const { values } = await metrics[metric].get();
    return values.filter((v) => Object.entries(labels).every(([k, want]) => v.labels[k as keyof typeof v.labels] === want)).reduce((n, v) => n + v.value, 0);
  }

  it('counts cache hits, misses and stale answers, and each department call by outcome', async () => {
    let shield: Shield | undefined;
    const metrics = new HubMetrics({ departmentHealth: () => shield!.health(), processMetrics: false });
    shield = new Shield({ observer: metrics, limitsFor: () => ({ ...DEFAULT_DEPARTMENT_LIMITS, breakerFailures: 100 }) });
    let failing = false;
    const load = async () => {
      if (failing) throw hutongError('HUTONG_ERR_DEPARTMENT_UNREACHABLE', 'down');
      return { loans: 2 };
    };
    await shield.call({ department: DEPARTMENT, key: 'k', ttlMs: 1, load });
    await shield.call({ department: DEPARTMENT, key: 'k2', ttlMs: 60_000, load });
    await shield.call({ department: DEPARTMENT, key: 'k2', ttlMs: 60_000, load });
    await new Promise((resolve) => setTimeout(resolve, 5));
    failing = true;
    const stale = await shield.call({ department: DEPARTMENT, key: 'k', ttlMs: 1, load });
    assert.equal(stale.freshness, 'stale');
    await assert.rejects(shield.call({ department: DEPARTMENT, key: 'never-cached', ttlMs: 60_000, load }));

    assert.equal(await valueOf(metrics, 'cacheLookups', { department: DEPARTMENT, result: 'hit' }), 1);
    assert.equal(await valueOf(metrics, 'cacheLookups', { department: DEPARTMENT, result: 'miss' }), 3);
    assert.equal(await valueOf(metrics, 'cacheLookups', { department: DEPARTMENT, result: 'stale' }), 1);

    const text = await metrics.registry.metrics();
    assert.match(text, /hutong_department_call_duration_seconds_count\{department="wuhan\/library",outcome="ok"\} 2/);
    assert.match(text, /hutong_department_call_duration_seconds_count\{department="wuhan\/library",outcome="error"\} 2/);
    assert.match(text, /hutong_breaker_open\{department="wuhan\/library"\} 0/);
    assert.match(text, /hutong_department_in_flight\{department="wuhan\/library"\} 0/);
  });

  it('labels calls the open breaker refuses as rejected, and a refusal by the department as an answer', async () => {
    let shield: Shield | undefined;
    const metrics = new HubMetrics({ departmentHealth: () => shield!.health(), processMetrics: false });
    shield = new Shield({ observer: metrics, limitsFor: () => ({ ...DEFAULT_DEPARTMENT_LIMITS, breakerFailures: 1 }) });
    const refuse = async () => {
      throw hutongError('HUTONG_ERR_DEPARTMENT_REFUSED', 'no renewals left');
    };
    await assert.rejects(shield.call({ department: DEPARTMENT, key: 'a', ttlMs: 0, load: refuse }));
    const fail = async () => {
      throw hutongError('HUTONG_ERR_DEPARTMENT_FAULT', 'HTTP 500');
    };
    await assert.rejects(shield.call({ department: DEPARTMENT, key: 'b', ttlMs: 0, load: fail }));
    await assert.rejects(shield.call({ department: DEPARTMENT, key: 'c', ttlMs: 0, load: fail }), /paused/);

    const text = await metrics.registry.metrics();
    assert.match(text, /_count\{department="wuhan\/library",outcome="ok"\} 1/);
    assert.match(text, /_count\{department="wuhan\/library",outcome="error"\} 1/);
    assert.match(text, /_count\{department="wuhan\/library",outcome="rejected"\} 1/);
    assert.match(text, /hutong_breaker_open\{department="wuhan\/library"\} 1/);
  });

  it('keeps each app\'s metrics apart: two registries, no shared series', async () => {
    const a = new HubMetrics({ departmentHealth: () => [], processMetrics: false });
    const b = new HubMetrics({ departmentHealth: () => [] });
    a.countRequest({ entrance: 'web', city: 'wuhan', service: 'culture.library-loans', status_class: '2xx' });
    assert.match(await a.registry.metrics(), /hutong_http_requests_total\{entrance="web",city="wuhan",service="culture.library-loans",status_class="2xx"\} 1/);
    assert.doesNotMatch(await b.registry.metrics(), /hutong_http_requests_total\{/);
    assert.match(await b.registry.metrics(), /process_cpu_user_seconds_total/);
  });
});

describe('FAULT_SWITCH_NAMES', () => {
  it('names every department system the emulators can be told to misbehave', () => {
    const emulated = [TRAFFIC_POLICE_SEGMENT, ...DEPARTMENT_EMULATORS.map((e) => e.department)];
    assert.deepEqual([...FAULT_SWITCH_NAMES].sort(), [...emulated].sort());
  });
});
