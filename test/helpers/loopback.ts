import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach } from 'node:test';
import type { EmulatorRoute } from '../../emulators/http-kit.ts';

export interface Listening {
  readonly url: string;
  readonly server: http.Server;
  close(): Promise<void>;
}

/** A server on 127.0.0.1 and a free port, for a test's emulator or notify URL. */
export async function listenOnLoopback(handler: http.RequestListener | http.Server): Promise<Listening> {
  const server = handler instanceof http.Server ? handler : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Serves one emulator route alone, 404 for anything it does not take. */
export function serveRoute(route: EmulatorRoute): http.RequestListener {
  return async (req, res) => {
    if (!(await route(req, res, new URL(req.url ?? '/', 'http://emulator.invalid')))) res.writeHead(404).end();
  };
}

/**
 * One emulator route on a loopback port, built anew before each test (fresh in-memory state) with
 * a clock the tests move by hand: `office.now` is what the route's `now()` returns.
 *
 * @example
 *   const office = routeRebuiltPerTest((baseUrl, now) => createCivilAffairsRoute({ baseUrl, referenceDate }, { now }))
 *   await fetch(`${office.url}/civil-affairs/beijing/api/hydj/sd`); office.now += 86_400_000
 */
export function routeRebuiltPerTest(build: (baseUrl: string, now: () => number) => EmulatorRoute): { readonly url: string; now: number } {
  const office = { url: '', now: 0 };
  let listening: Listening | undefined;
  let route: EmulatorRoute | undefined;
  before(async () => {
    listening = await listenOnLoopback((req, res) => (route ? serveRoute(route)(req, res) : res.writeHead(404).end()));
    office.url = listening.url;
  });
  after(() => listening?.close());
  beforeEach(() => {
    office.now = 0;
    route = build(office.url, () => office.now);
  });
  return office;
}
