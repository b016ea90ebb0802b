import type { FastifyRequest } from 'fastify';
import type { Catalog } from '../catalog/catalog.service.ts';
import type { HubApp } from '../http/types.ts';
import { OTHER_LABEL, type HubMetrics } from './metrics.ts';

export interface RequestMetricsOptions {
  readonly metrics: HubMetrics;
  readonly catalog: Catalog;
  /** Ids of the installed entrances. */
  readonly channelIds: readonly string[];
  /** The entrance whose in-app browser sent a User-Agent (a plain browser is the web). */
  readonly recogniseEntrance: (userAgent: string | undefined) => string;
}

/** Operations that name their city and service in the body rather than the path. */
const BODY_NAMES_SERVICE: ReadonlySet<string> = new Set(['createBooking', 'createPayment']);

/** The operator's own routes: a console polling them is not citizen traffic. */
const NOT_TRAFFIC = /^\/v1\/(?:admin|operations)\//;

/**
 * Counts every answered API request (`/v1/…`) in `hutong_http_requests_total` by entrance, city,
 * service and status class. Labels take only values the hub knows (installed entrances, the
 * catalog's cities and services), anything else is `other`, and none carries personal data.
 *
 * @example
 *   installRequestMetrics(app, { metrics, catalog, channelIds: ['web', 'alipay'], recogniseEntrance: (ua) => login.recognise(ua).id })
 */
export function installRequestMetrics(app: HubApp, options: RequestMetricsOptions): void {
  const { metrics, catalog } = options;
  const channels = new Set(options.channelIds);
  const cities = new Set(catalog.listCities().map((c) => c.id));
  const services = new Set(catalog.listCities().flatMap((c) => catalog.listServices(c.id).map((s) => s.id)));
  const bounded = (value: string | undefined, known: ReadonlySet<string>) => (value === undefined || value === '' ? '' : known.has(value) ? value : OTHER_LABEL);

  app.addHook('onResponse', async (request, reply) => {
    const pathname = request.url.split('?', 1)[0] ?? '';
    if (!pathname.startsWith('/v1/') || NOT_TRAFFIC.test(pathname)) return;
    const { cityId, serviceId } = namedService(request);
    const entrance = request.principal?.channel ?? options.recogniseEntrance(request.headers['user-agent']);
    metrics.countRequest({
      entrance: bounded(entrance, channels),
      city: bounded(cityId, cities),
      service: bounded(serviceId, services),
      status_class: `${Math.floor(reply.statusCode / 100)}xx`,
    });
  });
}

function namedService(request: FastifyRequest): { cityId?: string; serviceId?: string } {
  const params = (request.params ?? {}) as Record<string, unknown>;
  const fromPath = { cityId: text(params.cityId), serviceId: text(params.serviceId) };
  const operationId = (request.routeOptions.schema as { operationId?: string } | undefined)?.operationId;
  if (operationId === undefined || !BODY_NAMES_SERVICE.has(operationId)) return fromPath;
  const body = request.body !== null && typeof request.body === 'object' ? (request.body as Record<string, unknown>) : {};
  return { cityId: fromPath.cityId ?? text(body.cityId), serviceId: fromPath.serviceId ?? text(body.serviceId) };
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
