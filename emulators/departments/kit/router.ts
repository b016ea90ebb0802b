/**
 * A small router for the REST department emulators: each is served under `/{segment}/{city}/…`,
 * answers its own errors in its own envelope, and sees the raw body (signatures are over bytes).
 */
import type http from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { sendJson, type EmulatorRoute } from '../../http-kit.ts';
import { isRestCityId, type RestCityId } from './synthetic.ts';
import { readRawBody } from '../../http-kit.ts';

/** What a handler is given: the call, the city it is for and the path parameters. */
export interface RestCall {
  readonly req: http.IncomingMessage;
  readonly res: http.ServerResponse;
  readonly url: URL;
  readonly city: RestCityId;
  /** Decoded path parameters, by name. */
  readonly params: Readonly<Record<string, string>>;
  /** The body as received (empty when none). */
  readonly body: Buffer;
  /** Answers JSON with a status. */
  send(status: number, body: unknown, headers?: Record<string, string>): void;
}

export interface RestEndpoint {
  readonly method: 'GET' | 'POST';
  /** Path after `/{segment}/{city}`, with `:name` parameters (letters, then letters or digits), e.g. `/readers/:card/loans`. */
  readonly path: string;
  handle(call: RestCall): Promise<void> | void;
}

export interface DepartmentRouterOptions {
  /** First path segment, which is also the fault-switch name. */
  readonly segment: string;
  readonly endpoints: readonly RestEndpoint[];
  /** The department's own error envelope for a status and a message. */
  readonly errorBody: (status: number, message: string) => unknown;
  /** Runs before every endpoint (authentication); returns false after answering the call itself. */
  readonly guard?: (call: RestCall, endpoint: RestEndpoint) => Promise<boolean> | boolean;
  readonly bodyLimitBytes?: number;
}

interface CompiledEndpoint {
  readonly endpoint: RestEndpoint;
  readonly pattern: RegExp;
  readonly names: readonly string[];
}

function compile(endpoint: RestEndpoint): CompiledEndpoint {
  const names: string[] = [];
  const source = endpoint.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:([a-zA-Z][a-zA-Z0-9]*)/g, (_whole, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { endpoint, pattern: new RegExp(`^${source}$`), names };
}

export { readRawBody };

/** Constant-time string comparison for keys and secrets. */
export function sameSecret(given: string | undefined, expected: string): boolean {
  const a = Buffer.from(given ?? '');
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A header's single value (the first when repeated). */
export function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The route of one REST department: unknown cities and paths get 404, wrong methods 405, each in
 * the department's envelope; calls for other departments are left alone.
 */
export function departmentRoute(options: DepartmentRouterOptions): EmulatorRoute {
  const compiled = options.endpoints.map(compile);
  const prefix = `/${options.segment}/`;
  return async (req, res, url) => {
    if (!url.pathname.startsWith(prefix)) return false;
    const rest = url.pathname.slice(prefix.length);
    const slash = rest.indexOf('/');
    const cityId = slash === -1 ? rest : rest.slice(0, slash);
    const subPath = slash === -1 ? '' : rest.slice(slash);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
      sendJson(res, status, body);
    };
    if (!isRestCityId(cityId)) {
      send(404, options.errorBody(404, `城市不存在 / no such city: ${cityId}`));
      return true;
    }
    const matches = compiled.flatMap((entry) => {
      const match = entry.pattern.exec(subPath);
      return match ? [{ entry, match }] : [];
    });
    if (matches.length === 0) {
      send(404, options.errorBody(404, `接口不存在 / no such endpoint: ${subPath || '/'}`));
      return true;
    }
    const found = matches.find(({ entry }) => entry.endpoint.method === req.method);
    if (!found) {
      send(405, options.errorBody(405, `不支持的请求方法 / method not allowed: ${req.method ?? ''}`), {
        allow: [...new Set(matches.map(({ entry }) => entry.endpoint.method))].join(', '),
      });
      return true;
    }
    let body: Buffer;
    try {
      body = await readRawBody(req, options.bodyLimitBytes);
    } catch {
      send(413, options.errorBody(413, '请求体过大 / body too large'));
      return true;
    }
    const params: Record<string, string> = {};
    let malformed = false;
    found.entry.names.forEach((name, index) => {
      try {
        params[name] = decodeURIComponent(found.match[index + 1]!);
      } catch {
        malformed = true;
      }
    });
    if (malformed) {
      send(400, options.errorBody(400, '路径参数编码错误 / malformed path parameter'));
      return true;
    }
    const call: RestCall = { req, res, url, city: cityId, params, body, send };
    if (options.guard && !(await options.guard(call, found.entry.endpoint))) return true;
    await found.entry.endpoint.handle(call);
    return true;
  };
}

/** Reads `pageNo`-style paging parameters; undefined when malformed or out of range. */
export function readPaging(
  url: URL,
  names: { page: string; size: string },
  defaults: { size: number; maxSize: number },
): { page: number; size: number } | undefined {
  const page = readPositiveInt(url.searchParams.get(names.page), 1);
  const size = readPositiveInt(url.searchParams.get(names.size), defaults.size);
  if (page === undefined || size === undefined || size > defaults.maxSize) return undefined;
  return { page, size };
}

function readPositiveInt(text: string | null, fallback: number): number | undefined {
  if (text === null || text === '') return fallback;
  if (!/^\d{1,6}$/.test(text)) return undefined;
  const value = Number(text);
  return value >= 1 ? value : undefined;
}

/** The environment's value of a secret, else the demo default; the same rule as `${NAME:-default}` in the city YAML. */
export function secretFromEnv(name: string, demoDefault: string): string {
  const value = process.env[name];
  return value ?? demoDefault;
}

/** The body as a JSON object, or undefined when it is empty, not JSON, or JSON of another shape. */
export function jsonObjectOf(body: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a value is a person's name as registers write it: Han characters (or Latin letters), a middle dot, spaces. */
export function isPersonName(value: unknown): value is string {
  return typeof value === 'string' && /^[\p{Script=Han}·A-Za-z ]{1,30}$/u.test(value);
}
