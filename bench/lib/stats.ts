import { mulberry32 } from '../../emulators/departments/kit/synthetic.ts';
/** Small numeric helpers: percentiles (nearest rank) and rounding. */

export function percentile(values: readonly number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export function round(n: number | undefined, digits = 1): number | undefined {
  return n === undefined || !Number.isFinite(n) ? undefined : Number(n.toFixed(digits));
}

/**
 * Runs `work` over `items`, `concurrency` at a time; no new item starts once `stop()` says so.
 * Resolves when every started item has finished.
 */
export async function pool<T>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<void>, stop: () => boolean = () => false): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !stop()) {
      const index = next++;
      await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/** A seeded pseudo-random generator (mulberry32, the emulators' own): the same seed draws the same numbers. */
export const seededRandom = mulberry32;
