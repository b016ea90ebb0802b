import { Type } from '@sinclair/typebox';
import { pendingMigrations, pingStore } from '../../store/db.ts';
import type { HubApp, HubServices } from '../types.ts';

const Readiness = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not-ready')]),
  store: Type.Object({ engine: Type.String(), reachable: Type.Boolean(), pendingMigrations: Type.Array(Type.String()) }),
  cities: Type.Integer(),
});

export function healthRoutes(app: HubApp, { store, catalog, metrics }: HubServices): void {
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
        summary: 'The store is reachable and every migration is applied',
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
      const ready = reachable && pending.length === 0;
      return reply.status(ready ? 200 : 503).send({
        status: ready ? 'ready' : 'not-ready',
        store: { engine: store.engine, reachable, pendingMigrations: pending },
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
