/** JSON calls to the hub and the emulators, with a deadline; network failures come back as status 0. */
import net from 'node:net';

export interface Answer {
  readonly status: number;
  readonly body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  readonly headers: Headers | undefined;
  readonly ms: number;
}

export interface CallOptions {
  readonly method?: string;
  readonly token?: string;
  readonly json?: unknown;
  readonly headers?: Record<string, string>;
  readonly timeoutMs?: number;
}

export async function call(url: string, options: CallOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.json !== undefined) headers['content-type'] = 'application/json';
  const started = performance.now();
  try {
    const res = await fetch(url, {
      method: options.method ?? (options.json === undefined ? 'GET' : 'POST'),
      headers,
      body: options.json === undefined ? undefined : JSON.stringify(options.json),
      signal: AbortSignal.timeout(options.timeoutMs ?? 20_000),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: kept as text
    }
    return { status: res.status, body, headers: res.headers, ms: performance.now() - started };
  } catch (error) {
    return { status: 0, body: { error: { code: 'NETWORK', message: (error as Error).message } }, headers: undefined, ms: performance.now() - started };
  }
}

/** The hub's error code of an answer, or its HTTP status. */
export function errorCode(answer: Answer): string {
  return answer.body?.error?.code ?? `HTTP ${answer.status}`;
}

/** Like `call`, but fails unless the answer is 2xx. */
export async function callOk(url: string, options: CallOptions = {}): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const answer = await call(url, options);
  if (answer.status < 200 || answer.status >= 300) {
    throw new Error(`${options.method ?? (options.json === undefined ? 'GET' : 'POST')} ${new URL(url).pathname}: ${answer.status} ${errorCode(answer)} ${answer.body?.error?.message ?? ''}`.trim());
  }
  return answer.body;
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Whether something accepts TCP connections at host:port within `timeoutMs`. */
export function reachable(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
