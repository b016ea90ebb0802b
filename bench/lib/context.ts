/** What the sections share: the report, the time budget, the emulators and the hub under test. */
import type { Child } from './processes.ts';
import type { EmulatorAdmin } from './emulators.ts';
import type { Report } from './report.ts';
import type { Figures, RateFigures } from './load.ts';

/** The run's time budget: sections ask what is left and bound their own steps by it. */
export class Budget {
  readonly #deadline: number;
  constructor(totalMs: number) {
    this.#deadline = Date.now() + totalMs;
  }
  remainingMs(): number {
    return Math.max(0, this.#deadline - Date.now());
  }
  /** `wantedMs`, or less when the budget (keeping `reserveMs` for what follows) has less. */
  allow(wantedMs: number, reserveMs = 0): number {
    return Math.max(0, Math.min(wantedMs, this.remainingMs() - reserveMs));
  }
}

export interface RunningServer {
  readonly url: string;
  readonly pid: number;
  readonly child: Child;
}

export interface BenchContext {
  readonly report: Report;
  readonly budget: Budget;
  /** A folder of this run, removed at the end. */
  readonly tmp: string;
  /** Environment every hub and the emulators of this run share (SMS key, inbox, log level). */
  readonly env: NodeJS.ProcessEnv;
  readonly emulators: RunningServer & { readonly admin: EmulatorAdmin };
  /** The hub under test in a, b, d, e, f, g: one process, PGlite in memory. */
  readonly hub: RunningServer;
  /** Figures later sections compare with. */
  readonly shared: {
    raw?: { saturated: Figures };
    hub?: { saturated: Figures; fixed: RateFigures };
  };
}
