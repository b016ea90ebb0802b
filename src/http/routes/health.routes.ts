import { Type } from '@sinclair/typebox';
import { pendingMigrations, pingStore } from '../../store/db.ts';
import type { HubApp, HubServices } from '../types.ts';

const Readiness = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('degraded'), Type.Literal('not-ready')], {
    description: 'ready: all well; degraded: serving, but the store cannot be reached (cached reads only) or Redis is down (this process\'s own cache and limits); not-ready: migrations are pending',
  }),
  store: Type.Object({ engine: Type.String(), reachable: Type.Boolean(), pendingMigrations: Type.Array(Type.String()) }),
  sharing: Type.Union([Type.Literal('shared'), Type.Literal('local'), Type.Literal('alone')], {
    description: 'shared: cache, invalidations and department rates shared through Redis; local: Redis is configured but down, this process works with its own; alone: no Redis configured',
  }),
  processes: Type.Integer({ description: 'hub processes configured to serve together' }),
  cities: Type.Integer(),
});

export function healthRoutes(app: HubApp, { store, catalog, metrics, shield, processes }: HubServices): void {
  app.get(
    '/healthz',
    { schema: { operationId: 'getHealth', tags: ['operations'], summary: 'The process is alive', response: { 200: Type.Object({ status: Type.Literal('ok') }) } } },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        operationId: 'getReadiness',
        tags: ['operations'],
        summary: 'Whether this process serves: the store reachable and migrated, the cache shared with the other processes',
        response: { 200: Readiness, 503: Readiness },
      },
    },
    async (_request, reply) => {
      let reachable = true;
      let pending: string[] = [];
      try {
        await pingStore(store);
        pending = await pendingMigrations(store);
      } catch {
        reachable = false;
      }
      const sharing = shield.sharing;
      // Without the store the hub still answers from its cache, so it stays in service, degraded.
      const status = reachable && pending.length > 0 ? 'not-ready' : !reachable || sharing === 'local' ? 'degraded' : 'ready';
      return reply.status(status === 'not-ready' ? 503 : 200).send({
        status,
        store: { engine: store.engine, reachable, pendingMigrations: pending },
        sharing,
        processes,
        cities: catalog.listCities().length,
      });
    },
  );

  // Open like /healthz for a scraper on the operators' network: labels name entrances, cities, services and departments, never a person.
  app.get(
    '/metrics',
    {
      schema: {
        operationId: 'getMetrics',
        tags: ['operations'],
        summary: 'Prometheus metrics: API requests by entrance and service, department calls and latency, cache lookups, breakers, the process',
        response: { 200: Type.String({ description: 'Prometheus text exposition format 0.0.4' }) },
      },
    },
    async (_request, reply) => reply.header('cache-control', 'no-store').type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
}
