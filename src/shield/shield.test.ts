import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { hutongError, isHutongError, type ErrorCode } from '../errors.ts';
import { Shield, type DepartmentCall } from './shield.ts';

const DEPARTMENT = 'shanghai/traffic-police';

function call<T>(key: string, load: (signal: AbortSignal) => Promise<T>, overrides: Partial<DepartmentCall<T>> = {}): DepartmentCall<T> {
  return { department: DEPARTMENT, key, ttlMs: 60_000, timeoutMs: 2000, load, ...overrides };
}

/** A loader that counts its runs and answers `answer(run)` after `delayMs`. */
function countingLoader<T>(answer: (run: number) => T, delayMs = 0): { load: (signal: AbortSignal) => Promise<T>; runs: () => number } {
  let runs = 0;
  return {
    load: async () => {
      const run = ++runs;
      if (delayMs > 0) await sleep(delayMs);
      return answer(run);
    },
    runs: () => runs,
  };
}

function unreachable(): never {
  throw hutongError('HUTONG_ERR_DEPARTMENT_UNREACHABLE', `${DEPARTMENT} could not be reached (ECONNREFUSED)`);
}

/**
 * Runs `fn` with a referenced timer alive: the shield's deadline is an `AbortSignal.timeout`, whose
 * timer does not hold the event loop open, so with nothing else pending the test process would end first.
 */
async function keepingLoopAlive<T>(fn: () => Promise<T>): Promise<T> {
  const keepAlive = setInterval(() => {}, 1000);
  try {
    return await fn();
  } finally {
    clearInterval(keepAlive);
  }
}

function hasCode(code: ErrorCode): (error: unknown) => boolean {
  return (error) => {
    assert.ok(isHutongError(error), `expected a HutongError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return true;
  };
}

describe('Shield', () => {
  it('runs one department call for 100 concurrent callers of one key (single-flight)', async () => {
    const shield = new Shield();
    const loader = countingLoader((run) => ({ run, violations: ['v1'] }), 50);
    const answers = await Promise.all(Array.from({ length: 100 }, () => shield.call(call('plate:沪A12345', loader.load))));
    assert.equal(loader.runs(), 1);
    const first = answers[0]!;
    assert.deepEqual(first.value, { run: 1, violations: ['v1'] });
    for (const answer of answers) {
      assert.equal(answer.value, first.value, 'the very same value object');
      assert.equal(answer.freshness, 'live');
      assert.equal(answer.fetchedAt.getTime(), first.fetchedAt.getTime());
      assert.equal(answer.staleBecause, undefined);
    }

    const later = await shield.call(call('plate:沪A12345', loader.load));
    assert.equal(loader.runs(), 1);
    assert.equal(later.freshness, 'cached');
    assert.equal(later.value, first.value);
    assert.equal(later.fetchedAt.getTime(), first.fetchedAt.getTime());
  });

  it('keeps keys apart', async () => {
    const shield = new Shield();
    const loader = countingLoader((run) => run);
    const a = await shield.call(call('a', loader.load));
    const b = await shield.call(call('b', loader.load));
    assert.deepEqual([a.value, b.value, loader.runs()], [1, 2, 2]);
    assert.equal((await shield.call(call('a', loader.load))).value, 1);
    assert.equal(shield.size, 2);
  });

  it('asks the department again once the TTL has passed, and says so', async () => {
    const shield = new Shield();
    const loader = countingLoader((run) => run);
    // Long enough that the back-to-back calls below land within it even on a busy machine.
    const options = { ttlMs: 100 };
    const first = await shield.call(call('k', loader.load, options));
    assert.deepEqual([first.value, first.freshness], [1, 'live']);
    assert.equal((await shield.call(call('k', loader.load, options))).freshness, 'cached');
    await sleep(150);
    const second = await shield.call(call('k', loader.load, options));
    assert.equal(loader.runs(), 2);
    assert.equal(second.value, 2);
    assert.equal(second.freshness, 'live');
    assert.ok(second.fetchedAt.getTime() > first.fetchedAt.getTime());
    assert.equal((await shield.call(call('k', loader.load, options))).freshness, 'cached');
  });

  it('answers the old value as stale when the department fails after the TTL (stale-if-error)', async () => {
    const shield = new Shield();
    const options = { ttlMs: 30 };
    const first = await shield.call(call('k', async () => 'old', options));
    await sleep(60);

    let failures = 0;
    const failing = async (): Promise<string> => {
      failures++;
      await sleep(10);
      unreachable();
    };
    // Every caller waiting on the failed refresh gets the stale answer, and the department is asked once.
    const answers = await Promise.all([1, 2, 3].map(() => shield.call(call('k', failing, options))));
    assert.equal(failures, 1);
    for (const stale of answers) {
      assert.equal(stale.value, 'old');
      assert.equal(stale.freshness, 'stale');
      assert.equal(stale.staleBecause, 'HUTONG_ERR_DEPARTMENT_UNREACHABLE');
      assert.equal(stale.fetchedAt.getTime(), first.fetchedAt.getTime());
    }

    // Stale is not cached: the next call asks again, and a recovered department answers live.
    const recovered = await shield.call(call('k', async () => 'new', options));
    assert.deepEqual([recovered.value, recovered.freshness, recovered.staleBecause], ['new', 'live', undefined]);
  });

  it('passes the department’s error through unchanged when nothing is cached', async () => {
    const shield = new Shield();
    let runs = 0;
    const failing = async (): Promise<string> => {
      runs++;
      await sleep(10);
      unreachable();
    };
    await assert.rejects(shield.call(call('k', failing)), hasCode('HUTONG_ERR_DEPARTMENT_UNREACHABLE'));
    // Concurrent callers sharing the failing call all see the same error.
    const outcomes = await Promise.allSettled([1, 2, 3].map(() => shield.call(call('k2', failing))));
    for (const outcome of outcomes) {
      assert.equal(outcome.status, 'rejected');
      hasCode('HUTONG_ERR_DEPARTMENT_UNREACHABLE')((outcome as PromiseRejectedResult).reason);
    }
    assert.equal(runs, 2);
    // A failure is not cached.
    const after = await shield.call(call('k', async () => 'ok'));
    assert.deepEqual([after.value, after.freshness], ['ok', 'live']);
  });

  it('enforces the deadline: the loader’s signal is aborted and the call fails with HUTONG_ERR_DEPARTMENT_TIMEOUT', async () => {
    for (const ttlMs of [60_000, 0]) {
      const shield = new Shield();
      const timeoutMs = 100;
      let seen: AbortSignal | undefined;
      const hanging = (signal: AbortSignal): Promise<never> => {
        seen = signal;
        return new Promise((_resolve, reject) => {
          signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        });
      };
      const started = performance.now();
      await keepingLoopAlive(() => assert.rejects(shield.call(call('k', hanging, { ttlMs, timeoutMs })), hasCode('HUTONG_ERR_DEPARTMENT_TIMEOUT')));
      const elapsed = performance.now() - started;
      assert.ok(elapsed >= timeoutMs - 5, `gave up after ${Math.round(elapsed)} ms, before the deadline`);
      assert.ok(elapsed < timeoutMs + 500, `gave up after ${Math.round(elapsed)} ms (ttlMs ${ttlMs})`);
      assert.ok(seen?.aborted, 'the signal given to the loader is aborted');
    }
  });

  it('keeps a HutongError a loader throws after its deadline as it is', async () => {
    const shield = new Shield();
    const load = (signal: AbortSignal): Promise<never> =>
      new Promise((_resolve, reject) => {
        signal.addEventListener('abort', () => reject(hutongError('HUTONG_ERR_DEPARTMENT_FAULT', 'answered a fault')), { once: true });
      });
    await keepingLoopAlive(() => assert.rejects(shield.call(call('k', load, { timeoutMs: 50 })), hasCode('HUTONG_ERR_DEPARTMENT_FAULT')));
  });

  it('with ttlMs 0 asks the department every time', async () => {
    const shield = new Shield();
    const loader = countingLoader((run) => run);
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await shield.call(call('k', loader.load, { ttlMs: 0 })));
    assert.equal(loader.runs(), 3);
    assert.deepEqual(
      answers.map((a) => [a.value, a.freshness]),
      [
        [1, 'live'],
        [2, 'live'],
        [3, 'live'],
      ],
    );
    assert.equal(shield.size, 0);
  });

  it('invalidate(key) makes the next call live', async () => {
    const shield = new Shield();
    const loader = countingLoader((run) => run);
    await shield.call(call('k', loader.load));
    await shield.call(call('other', loader.load));
    assert.equal((await shield.call(call('k', loader.load))).freshness, 'cached');
    shield.invalidate('k');
    const again = await shield.call(call('k', loader.load));
    assert.deepEqual([again.value, again.freshness, loader.runs()], [3, 'live', 3]);
    // Other keys are untouched.
    const other = await shield.call(call('other', loader.load));
    assert.deepEqual([other.value, other.freshness], [2, 'cached']);
  });
});
