import assert from 'node:assert/strict';

/**
 * Asks `probe` every 20 ms until it gives something other than undefined, and returns that; fails
 * the test, naming `what`, after `timeoutMs`.
 *
 * @example
 *   const text = await until('the reminder SMS', () => sms.inbox(phone)[0])
 */
export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
