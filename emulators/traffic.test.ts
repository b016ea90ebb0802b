/**
 * The emulators' traffic meter: requests per department and the busiest second, counted as the
 * department sees them (hung and failed calls too), read and reset at `/_admin/traffic`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startEmulators, type RunningEmulators } from './index.ts';
import { TrafficMeter, type TrafficSnapshot } from './traffic.ts';

describe('TrafficMeter', () => {
  it('counts requests per department and the most within any one second', () => {
    let now = Date.parse('2026-11-01T00:00:00Z');
    const meter = new TrafficMeter(() => now);
    // 3 requests at 0, 400 and 900 ms: one second holds all three.
    for (const at of [0, 400, 900]) {
      now = Date.parse('2026-11-01T00:00:00Z') + at;
      meter.record('library');
    }
    // 1.5 s later, 2 more within 100 ms: the busiest second still had 3.
    now += 1500;
    meter.record('library');
    now += 100;
    meter.record('library');
    meter.record('hospital');
    const { departments } = meter.snapshot();
    assert.equal(departments.library!.requests, 5);
    assert.equal(departments.library!.maxPerSecond, 3);
    assert.equal(departments.library!.maxPerSecondAt, '2026-11-01T00:00:00.900Z');
    assert.deepEqual(departments.hospital, { requests: 1, maxPerSecond: 1, maxPerSecondAt: new Date(now).toISOString() });
  });

  it('slides the window: requests 1 s apart or more never share a second', () => {
    let now = 0;
    const meter = new TrafficMeter(() => now);
    for (let i = 0; i < 10; i++) {
      meter.record('gas');
      now += 1000;
    }
    assert.equal(meter.snapshot().departments.gas!.maxPerSecond, 1);
    // 5000 requests within 500 ms, then as many spread over 10 s: the peak is the burst.
    for (let i = 0; i < 5000; i++) {
      meter.record('gas');
      now += 0.1;
    }
    now += 1000;
    for (let i = 0; i < 5000; i++) {
      meter.record('gas');
      now += 2;
    }
    const gas = meter.snapshot().departments.gas!;
    assert.equal(gas.requests, 10_010);
    assert.equal(gas.maxPerSecond, 5000);
  });

  it('starts again from nothing after a reset', () => {
    let now = 5000;
    const meter = new TrafficMeter(() => now);
    meter.record('water');
    meter.record('water');
    now = 6000;
    meter.reset();
    assert.deepEqual(meter.snapshot(), { since: new Date(6000).toISOString(), departments: {} });
    meter.record('water');
    assert.equal(meter.snapshot().departments.water!.maxPerSecond, 1);
  });
});

describe('GET/DELETE /_admin/traffic', () => {
  let emulators: RunningEmulators;
  const traffic = async (method = 'GET') => (await (await fetch(`${emulators.url}/_admin/traffic`, { method })).json()) as TrafficSnapshot;

  before(async () => {
    emulators = await startEmulators({ port: 0, smsAppKey: 'k' });
  });

  after(async () => {
    await emulators.close();
  });

  it('counts every request a department receives, also those its faults answer, and nothing else', async () => {
    await traffic('DELETE');
    const roads = `${emulators.url}/transport-bureau/wuhan/traffic/roads`;
    for (let i = 0; i < 3; i++) assert.equal((await fetch(roads)).status, 200);
    emulators.faults.set('transport-bureau', { failRate: 1 });
    assert.equal((await fetch(roads)).status, 500);
    emulators.faults.reset();
    await fetch(`${emulators.url}/_admin/faults`);
    const seen = await traffic();
    assert.deepEqual(Object.keys(seen.departments), ['transport-bureau']);
    assert.equal(seen.departments['transport-bureau']!.requests, 4);
    assert.equal(seen.departments['transport-bureau']!.maxPerSecond, 4);

    const cleared = await traffic('DELETE');
    assert.deepEqual(cleared.departments, {});
    assert.equal((await fetch(`${emulators.url}/_admin/traffic`, { method: 'PUT' })).status, 405);
  });
});
