import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testEngines } from '../helpers/stores.ts';
import { startTestHub, type TestHub } from '../helpers/hub.ts';

const [engine] = testEngines();

/** Keeps the event loop busy for `ms`, as a burst of work would. */
function block(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy
  }
}

describe('load shedding', () => {
  let hub: TestHub;

  before(async () => {
    hub = await startTestHub(engine, { shedEventLoopDelayMs: 100 }, { importBatchFiles: false });
  });
  after(() => hub.close());

  it('refuses new requests with 503 HUTONG_ERR_OVERLOADED and Retry-After while the event loop lags; probes still answer; service resumes by itself', async () => {
    assert.equal((await hub.app.inject({ method: 'GET', url: '/v1/cities' })).statusCode, 200);
    // Lag well past the limit for more than one sampling interval.
    for (let i = 0; i < 6; i++) {
      block(400);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const shed = await hub.app.inject({ method: 'GET', url: '/v1/cities' });
    assert.equal(shed.statusCode, 503, shed.body);
    assert.equal(shed.json().error.code, 'HUTONG_ERR_OVERLOADED');
    assert.ok(Number(shed.headers['retry-after']) >= 1);
    for (const probe of ['/healthz', '/readyz', '/metrics']) {
      assert.equal((await hub.app.inject({ method: 'GET', url: probe })).statusCode, 200, `${probe} answers under pressure`);
    }
    assert.match((await hub.app.inject({ method: 'GET', url: '/metrics' })).body, /^hutong_load_shed_total [1-9]/m);

    let resumed = 0;
    for (let i = 0; i < 60 && resumed !== 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      resumed = (await hub.app.inject({ method: 'GET', url: '/v1/cities' })).statusCode;
    }
    assert.equal(resumed, 200, 'served again once the loop keeps up');
  });
});
