import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHutongError } from '../../errors.ts';
import { AccessTokenCache } from './access-token-cache.ts';

/** A token endpoint the test answers by hand. */
function manualIssuer() {
  const calls: Array<{ signal: AbortSignal; resolve: (token: string) => void; reject: (error: Error) => void }> = [];
  const fetchToken = (signal: AbortSignal) =>
    new Promise<{ token: string; expiresInSeconds: number }>((resolve, reject) => {
      calls.push({ signal, resolve: (token) => resolve({ token, expiresInSeconds: 7200 }), reject });
      signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
    });
  return { calls, fetchToken };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('AccessTokenCache', () => {
  it('lets a caller give up without failing the others waiting for the same fetch', async () => {
    const issuer = manualIssuer();
    const cache = new AccessTokenCache('Test', issuer.fetchToken);
    const impatient = new AbortController();
    const first = cache.get(impatient.signal);
    const second = cache.get(AbortSignal.timeout(5_000));
    await tick();
    impatient.abort();
    await assert.rejects(first, (e: unknown) => isHutongError(e) && e.code === 'HUTONG_ERR_CHANNEL_UNAVAILABLE');
    assert.equal(issuer.calls[0].signal.aborted, false, 'the fetch goes on for the caller still waiting');
    issuer.calls[0].resolve('t1');
    assert.equal(await second, 't1');
    assert.equal(issuer.calls.length, 1);
  });

  it('aborts the fetch when every caller has given up, and starts afresh next time', async () => {
    const issuer = manualIssuer();
    const cache = new AccessTokenCache('Test', issuer.fetchToken);
    const a = new AbortController();
    const b = new AbortController();
    const waits = [cache.get(a.signal), cache.get(b.signal)];
    await tick();
    a.abort();
    b.abort();
    await Promise.allSettled(waits);
    assert.equal(issuer.calls[0].signal.aborted, true);
    const next = cache.get(AbortSignal.timeout(5_000));
    await tick();
    assert.equal(issuer.calls.length, 2);
    issuer.calls[1].resolve('t2');
    assert.equal(await next, 't2');
  });

  it('passes a failed fetch to every waiter and retries on the next call', async () => {
    const issuer = manualIssuer();
    const cache = new AccessTokenCache('Test', issuer.fetchToken);
    const waits = [cache.get(AbortSignal.timeout(5_000)), cache.get(AbortSignal.timeout(5_000))];
    await tick();
    issuer.calls[0].reject(new Error('platform down'));
    for (const wait of waits) await assert.rejects(wait, /platform down/);
    const next = cache.get(AbortSignal.timeout(5_000));
    await tick();
    issuer.calls[1].resolve('t3');
    assert.equal(await next, 't3');
  });

  it('refreshes shortly before expiry and after the platform refused the token', async () => {
    let now = 0;
    const issuer = manualIssuer();
    const cache = new AccessTokenCache('Test', issuer.fetchToken, () => now);
    const first = cache.get(AbortSignal.timeout(5_000));
    await tick();
    issuer.calls[0].resolve('t1');
    assert.equal(await first, 't1');
    now = (7200 - 301) * 1000;
    assert.equal(await cache.get(AbortSignal.timeout(5_000)), 't1');
    now = (7200 - 299) * 1000;
    const refreshed = cache.get(AbortSignal.timeout(5_000));
    await tick();
    issuer.calls[1].resolve('t2');
    assert.equal(await refreshed, 't2');
    cache.invalidate('t1');
    assert.equal(await cache.get(AbortSignal.timeout(5_000)), 't2', 'an old token\'s refusal does not drop the new one');
    cache.invalidate('t2');
    const again = cache.get(AbortSignal.timeout(5_000));
    await tick();
    assert.equal(issuer.calls.length, 3);
    issuer.calls[2].resolve('t3');
    assert.equal(await again, 't3');
  });
});
