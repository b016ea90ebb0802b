import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { redisMissing, TEST_REDIS_URL } from '../../test/helpers/redis.ts';
import { startTcpProxy, type TcpProxy } from '../../test/helpers/tcp-proxy.ts';
import { DepartmentRate, rateBuckets } from './department-rate.ts';
import { SharedRedis } from './shared-redis.ts';
import { DEFAULT_DEPARTMENT_LIMITS, Shield, type DepartmentCall } from './shield.ts';

/** The most of `times` (epoch ms) that fall in any window of `ms`. */
function busiestWindow(times: number[], ms = 1000): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= ms) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

describe('rate buckets', () => {
  it('never let a sliding second hold more than the rate', () => {
    // Below 3 a second: one call per two seconds, so never two calls (nor a late one) in one second.
    assert.deepEqual(rateBuckets(2), { bucketMs: 2000, perBucket: 1 });
    for (const rate of [3, 5, 10, 11, 50, 100, 1000]) {
      const { bucketMs, perBucket } = rateBuckets(rate);
      assert.ok(perBucket >= 1, `${rate}/s: at least one call a bucket`);
      // A second, plus a bucket's delay between the grant and the department, overlaps at most ceil(1000 / bucketMs) + 2 buckets.
      assert.ok((Math.ceil(1000 / bucketMs) + 2) * perBucket <= rate, `${rate}/s: ${perBucket} per ${bucketMs} ms`);
    }
  });
});

const missing = await redisMissing();
const NAMESPACE = `hutong-test-${randomBytes(4).toString('hex')}`;

describe('two hub processes sharing one Redis', { skip: missing }, () => {
  let proxy: TcpProxy;
  let redisA: SharedRedis;
  let redisB: SharedRedis;
  const made: Shield[] = [];
  const department = `test-city-${randomBytes(4).toString('hex')}/traffic-police`;

  before(async () => {
    const target = new URL(TEST_REDIS_URL);
    // Process A reaches Redis directly; process B through a proxy the tests can cut.
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
    redisA = new SharedRedis(TEST_REDIS_URL, { namespace: NAMESPACE });
    redisB = new SharedRedis(`redis://127.0.0.1:${proxy.port}`, { namespace: NAMESPACE });
    assert.ok(await redisA.ready(3000));
    assert.ok(await redisB.ready(3000));
  });
  after(async () => {
    await redisA.close();
    await redisB.close();
    await proxy.close();
  });

  async function shieldOn(redis: SharedRedis, limits = DEFAULT_DEPARTMENT_LIMITS): Promise<Shield> {
    const shield = new Shield({ redis, processes: 2, limitsFor: () => limits });
    await shield.start();
    made.push(shield);
    return shield;
  }

  const key = () => `${department}/TrafficViolation/${randomBytes(6).toString('hex')}`;
  const call = <T>(k: string, load: () => Promise<T>, ttlMs = 60_000): DepartmentCall<T> => ({ department, key: k, ttlMs, timeoutMs: 2000, load });

  it('an answer one process loaded is served by the other, and one load serves both when they ask at once', async () => {
    const a = await shieldOn(redisA);
    const b = await shieldOn(redisB);
    let loads = 0;
    const slow = async () => {
      loads++;
      await sleep(150);
      return { violations: loads };
    };
    const k = key();
    const answers = await Promise.all([a.call(call(k, slow)), b.call(call(k, slow)), a.call(call(k, slow)), b.call(call(k, slow))]);
    assert.equal(loads, 1, 'the department was asked once for both processes');
    for (const answer of answers) assert.deepEqual(answer.value, { violations: 1 });

    const k2 = key();
    await a.call(call(k2, async () => 'from A'));
    const fromB = await b.call(call(k2, async () => assert.fail('B must not ask the department')));
    assert.deepEqual([fromB.value, fromB.freshness], ['from A', 'cached']);
  });

  it('an invalidation in one process reaches the other: its next call asks the department', async () => {
    const a = await shieldOn(redisA);
    const b = await shieldOn(redisB);
    const k = key();
    await b.call(call(k, async () => 'unpaid'));
    assert.equal((await b.call(call(k, async () => 'never'))).value, 'unpaid', 'B holds it in memory');
    await a.invalidate(k);
    // The message is on its way once invalidate resolves; B hears it within milliseconds.
    let seen = 'unpaid';
    for (let i = 0; i < 40 && seen === 'unpaid'; i++) {
      seen = String((await b.call(call(k, async () => 'paid'))).value);
      if (seen === 'unpaid') await sleep(5);
    }
    assert.equal(seen, 'paid');
    assert.equal((await a.call(call(k, async () => 'never'))).value, 'paid', 'A reads what B stored after the invalidation');
  });

  it('a load that began before an invalidation does not put the old answer back, in either process', async () => {
    const a = await shieldOn(redisA);
    const b = await shieldOn(redisB);
    const k = key();
    const slowOld = b.call(call(k, async () => (await sleep(100), 'old')));
    await sleep(20);
    await a.invalidate(k);
    assert.equal((await slowOld).value, 'old', 'the caller that asked before gets its answer');
    assert.equal((await a.call(call(k, async () => 'new'))).value, 'new');
    await sleep(20);
    assert.equal((await b.call(call(k, async () => 'newer'))).value, 'new', 'B reads the answer stored after the invalidation');
  });

  it('keeps a department within its rate across processes: no sliding second above it', async () => {
    const rate = 20;
    const shared = { redis: redisA, processes: 2 };
    const dept = `${department}-rate-${randomBytes(3).toString('hex')}`;
    const here = new DepartmentRate(dept, rate, shared);
    const there = new DepartmentRate(dept, rate, { redis: redisB, processes: 2 });
    const granted: number[] = [];
    const stopAt = Date.now() + 2500;
    const worker = async (limiter: DepartmentRate) => {
      while (Date.now() < stopAt) {
        try {
          await limiter.take(Date.now() + 500);
          granted.push(Date.now());
        } catch {
          // HUTONG_ERR_DEPARTMENT_BUSY: no place within the deadline; try again
        }
      }
    };
    await Promise.all([...Array.from({ length: 10 }, () => worker(here)), ...Array.from({ length: 10 }, () => worker(there))]);
    const busiest = busiestWindow(granted);
    assert.ok(busiest <= rate, `at most ${rate} in any second, saw ${busiest}`);
    assert.ok(granted.length >= rate, `calls went through (${granted.length} in 2.5 s)`);
    assert.ok(here.limited + there.limited > 0, 'some calls had to wait');
  });

  it('with Redis cut, a process serves from its own memory, counts its share of the rate, and says so', async () => {
    const b = await shieldOn(redisB);
    const k = key();
    await b.call(call(k, async () => 'kept'));
    assert.equal(b.sharing, 'shared');
    await proxy.cut();
    for (let i = 0; i < 100 && redisB.up; i++) await sleep(10);
    assert.equal(b.sharing, 'local');
    const started = Date.now();
    assert.equal((await b.call(call(k, async () => 'never'))).value, 'kept');
    assert.equal((await b.call(call(key(), async () => 'fresh'))).value, 'fresh', 'new keys load without Redis');
    assert.ok(Date.now() - started < 500, 'nothing waits for Redis');

    const rate = 20;
    const alone = new DepartmentRate(`${department}-alone`, rate, { redis: redisB, processes: 2 });
    const granted: number[] = [];
    const stopAt = Date.now() + 1500;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (Date.now() < stopAt) {
          await alone.take(Date.now() + 300).then(
            () => granted.push(Date.now()),
            () => undefined,
          );
        }
      }),
    );
    assert.ok(busiestWindow(granted) <= rate / 2, `alone, half the rate at most: saw ${busiestWindow(granted)}`);
    assert.ok(granted.length > 0);

    await proxy.restore();
    for (let i = 0; i < 300 && !redisB.up; i++) await sleep(10);
    assert.equal(b.sharing, 'shared', 'back to shared once Redis answers again');
  });
});
