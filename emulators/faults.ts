import type http from 'node:http';
import { readJsonBody, sendJson, type EmulatorRoute } from './http-kit.ts';
import { TrafficMeter } from './traffic.ts';

/** What a department emulator is told to do wrong, as real department systems do. */
export interface FaultSettings {
  /** Added to every answer. */
  readonly latencyMs: number;
  /** Share of calls (0…1) answered with HTTP 500 (a SOAP Fault for SOAP systems). */
  readonly failRate: number;
  /** Share of calls (0…1) answered with 429 Too Many Requests and Retry-After. */
  readonly throttleRate: number;
  /** Accept calls and never answer. */
  readonly hang: boolean;
  /** Drop connections, as a system that is down. */
  readonly down: boolean;
}

export const NO_FAULTS: FaultSettings = Object.freeze({ latencyMs: 0, failRate: 0, throttleRate: 0, hang: false, down: false });

/** Counts of what each department was asked, so tests and benchmarks can see its real load. */
export interface DepartmentLoad {
  calls: number;
  inFlight: number;
  maxInFlight: number;
}

/**
 * The fault switches of every emulated department, by department name (`traffic-police`,
 * `hospital`, …; the first path segment of its endpoints). Set through `/_admin/faults/{name}`
 * or `hutong emulator fault`.
 */
export class FaultSwitchboard {
  readonly #settings = new Map<string, FaultSettings>();
  readonly #load = new Map<string, DepartmentLoad>();
  readonly #hanging = new Set<http.ServerResponse>();
  #random: () => number;
  /** Requests per department and the busiest second of each (`/_admin/traffic`). */
  readonly traffic: TrafficMeter;

  constructor(random: () => number = Math.random, traffic: TrafficMeter = new TrafficMeter()) {
    this.#random = random;
    this.traffic = traffic;
  }

  get(department: string): FaultSettings {
    return this.#settings.get(department) ?? NO_FAULTS;
  }

  set(department: string, changes: Partial<FaultSettings>): FaultSettings {
    const next = { ...this.get(department), ...changes };
    this.#settings.set(department, Object.freeze(next));
    return next;
  }

  reset(department?: string): void {
    if (department === undefined) this.#settings.clear();
    else this.#settings.delete(department);
  }

  load(department: string): DepartmentLoad {
    let load = this.#load.get(department);
    if (!load) this.#load.set(department, (load = { calls: 0, inFlight: 0, maxInFlight: 0 }));
    return load;
  }

  /** Every department's load counters. */
  loads(): Record<string, DepartmentLoad> {
    return Object.fromEntries(this.#load);
  }

  /**
   * Applies the department's faults to a call. Returns true when the fault answered (or dropped)
   * the call; otherwise the call proceeds after any latency, and `done` must be called when it ends.
   */
  async intercept(department: string, req: http.IncomingMessage, res: http.ServerResponse, flavor: 'json' | 'soap' | 'fhir' = 'json'): Promise<boolean> {
    const settings = this.get(department);
    const load = this.load(department);
    this.traffic.record(department);
    load.calls++;
    load.inFlight++;
    load.maxInFlight = Math.max(load.maxInFlight, load.inFlight);
    res.once('close', () => load.inFlight--);
    if (settings.down) {
      req.socket.destroy();
      return true;
    }
    if (settings.hang) {
      this.#hanging.add(res);
      res.once('close', () => this.#hanging.delete(res));
      return true;
    }
    if (settings.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, settings.latencyMs));
    // A SOAP service's WSDL is a static document; its operations are what fail or throttle.
    if (flavor === 'soap' && req.method === 'GET') return false;
    if (settings.throttleRate > 0 && this.#random() < settings.throttleRate) {
      res.setHeader('retry-after', '1');
      sendJson(res, 429, { code: 'TooManyRequests', message: 'rate limit exceeded' });
      return true;
    }
    if (settings.failRate > 0 && this.#random() < settings.failRate) {
      if (flavor === 'fhir') {
        const outcome = {
          resourceType: 'OperationOutcome',
          issue: [{ severity: 'error', code: 'exception', diagnostics: '系统繁忙 / HIS temporarily unavailable' }],
        };
        res.writeHead(500, { 'content-type': 'application/fhir+json; charset=utf-8' });
        res.end(JSON.stringify(outcome));
      } else if (flavor === 'soap') {
        const fault =
          '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault>' +
          '<faultcode>soap:Server</faultcode><faultstring>系统繁忙 / system busy</faultstring></soap:Fault></soap:Body></soap:Envelope>';
        res.writeHead(500, { 'content-type': 'text/xml; charset=utf-8' });
        res.end(fault);
      } else {
        sendJson(res, 500, { code: 'InternalError', message: 'injected failure' });
      }
      return true;
    }
    return false;
  }

  /** Ends calls left hanging, so a server can close. */
  releaseHanging(): void {
    for (const res of this.#hanging) res.destroy();
    this.#hanging.clear();
  }

  /** `GET/POST/DELETE /_admin/faults[/{department}]`: read, change or clear the switches; `GET /_admin/load`. */
  adminRoute(): EmulatorRoute {
    return async (req, res, url) => {
      if (url.pathname === '/_admin/load' && req.method === 'GET') {
        sendJson(res, 200, this.loads());
        return true;
      }
      const match = /^\/_admin\/faults(?:\/([a-z0-9-]+))?$/.exec(url.pathname);
      if (!match) return false;
      const department = match[1];
      if (req.method === 'GET') {
        sendJson(res, 200, department ? this.get(department) : Object.fromEntries(this.#settings));
      } else if (req.method === 'DELETE') {
        this.reset(department);
        sendJson(res, 200, { reset: department ?? 'all' });
      } else if (req.method === 'POST' && department) {
        let body: unknown;
        try {
          body = await readJsonBody(req);
        } catch {
          sendJson(res, 400, { code: 'MalformedBody', message: 'body must be JSON' });
          return true;
        }
        const problems = validateFaultChanges(body);
        if (problems.length > 0) sendJson(res, 400, { code: 'InvalidFaults', message: problems.join('; ') });
        else sendJson(res, 200, this.set(department, body as Partial<FaultSettings>));
      } else {
        sendJson(res, 405, { code: 'MethodNotAllowed', message: 'GET, POST or DELETE' });
      }
      return true;
    };
  }
}

function validateFaultChanges(body: unknown): string[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return ['body must be an object'];
  const problems: string[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (key === 'latencyMs') {
      if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > 600_000) problems.push('latencyMs must be 0…600000');
    } else if (key === 'failRate' || key === 'throttleRate') {
      if (typeof value !== 'number' || value < 0 || value > 1) problems.push(`${key} must be 0…1`);
    } else if (key === 'hang' || key === 'down') {
      if (typeof value !== 'boolean') problems.push(`${key} must be true or false`);
    } else problems.push(`unknown switch ${key}`);
  }
  return problems;
}
