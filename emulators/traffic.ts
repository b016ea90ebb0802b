import { sendJson, type EmulatorRoute } from './http-kit.ts';

/** What one department was asked since the meter was last reset. */
export interface DepartmentTraffic {
  /** Requests that reached the department (answered, failed, hung or dropped alike). */
  readonly requests: number;
  /** The most requests that arrived within any one second (a sliding window ending at an arrival). */
  readonly maxPerSecond: number;
  /** When that busiest second ended, RFC 3339; absent before the first request. */
  readonly maxPerSecondAt?: string;
}

export interface TrafficSnapshot {
  /** When counting began (the start, or the last reset), RFC 3339. */
  readonly since: string;
  readonly departments: Record<string, DepartmentTraffic>;
}

const WINDOW_MS = 1000;

/** Arrival times of one department's requests within the last second, and its counts. */
class DepartmentWindow {
  requests = 0;
  maxPerSecond = 0;
  maxPerSecondAt = 0;
  // A queue of arrival times as an array with a moving head; compacted when the head runs far.
  #times: number[] = [];
  #head = 0;

  record(now: number): void {
    this.requests++;
    this.#times.push(now);
    while (this.#head < this.#times.length && this.#times[this.#head]! <= now - WINDOW_MS) this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#times.length) {
      this.#times = this.#times.slice(this.#head);
      this.#head = 0;
    }
    const inWindow = this.#times.length - this.#head;
    if (inWindow > this.maxPerSecond) {
      this.maxPerSecond = inWindow;
      this.maxPerSecondAt = now;
    }
  }
}

/**
 * Counts the requests each emulated department receives, and the most it received in any one
 * second, as the department's own access log would show them. Read and reset at
 * `GET/DELETE /_admin/traffic`, so a benchmark can see the real load the hub put on each system.
 *
 * @example
 *   const meter = new TrafficMeter()
 *   meter.record('traffic-police')
 *   meter.snapshot().departments['traffic-police'] // { requests: 1, maxPerSecond: 1, … }
 */
export class TrafficMeter {
  readonly #windows = new Map<string, DepartmentWindow>();
  readonly #now: () => number;
  #since: number;

  /** `now` gives milliseconds on the wall clock; tests pass their own. */
  constructor(now: () => number = Date.now) {
    this.#now = now;
    this.#since = now();
  }

  record(department: string): void {
    let window = this.#windows.get(department);
    if (!window) this.#windows.set(department, (window = new DepartmentWindow()));
    window.record(this.#now());
  }

  snapshot(): TrafficSnapshot {
    const departments: Record<string, DepartmentTraffic> = {};
    for (const [name, window] of this.#windows) {
      departments[name] = {
        requests: window.requests,
        maxPerSecond: window.maxPerSecond,
        ...(window.requests > 0 ? { maxPerSecondAt: new Date(window.maxPerSecondAt).toISOString() } : {}),
      };
    }
    return { since: new Date(this.#since).toISOString(), departments };
  }

  /** Forgets every count; counting starts again now. */
  reset(): void {
    this.#windows.clear();
    this.#since = this.#now();
  }

  /** `GET /_admin/traffic`: the counts; `DELETE /_admin/traffic`: start counting again. */
  route(): EmulatorRoute {
    return (req, res, url) => {
      if (url.pathname !== '/_admin/traffic') return false;
      if (req.method === 'GET') sendJson(res, 200, this.snapshot());
      else if (req.method === 'DELETE') {
        this.reset();
        sendJson(res, 200, this.snapshot());
      } else sendJson(res, 405, { code: 'MethodNotAllowed', message: 'GET or DELETE' });
      return true;
    };
  }
}
