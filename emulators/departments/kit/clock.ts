/**
 * The clock of a stateful department emulator: it starts at the emulator's reference date (so the
 * booking rules agree with the synthetic data counted from it) and moves on as real time does.
 */

/** Epoch milliseconds of the emulator's "now". */
export type EmulatorClock = () => number;

/**
 * A clock reading `referenceDate` when created and advancing with `now` (Date.now by default);
 * tests pass a `now` they move by hand to step over a payment lock without sleeping. A reference
 * date earlier the same day (a demo, or tests counting from this morning) is simply real time, so
 * the office's clock agrees with the hub's, as real clocks do.
 *
 * @example
 *   let t = 0
 *   const clock = emulatorClock(new Date('2026-11-01T00:00:00+08:00'), () => t)
 *   t += 16 * 60_000 // clock() is now 00:16 on 1 November
 */
export function emulatorClock(referenceDate: Date, now: () => number = Date.now): EmulatorClock {
  const startedAt = now();
  if (referenceDate.getTime() <= startedAt && startedAt - referenceDate.getTime() < 86_400_000) return now;
  return () => referenceDate.getTime() + (now() - startedAt);
}

/** Booking references (业务流水号) the hub sends: its idempotency key, 20 to 32 letters and digits. */
export const BOOKING_REFERENCE = /^[A-Za-z0-9]{20,32}$/;
