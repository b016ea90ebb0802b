import { Type } from '@sinclair/typebox';
import { City, Service } from '../../model/catalog.ts';
import { errorResponses } from '../error-handler.ts';
import type { HubApp, HubServices } from '../types.ts';

const CityParams = Type.Object({ cityId: Type.String({ maxLength: 64 }) });

export function catalogRoutes(app: HubApp, { catalog }: HubServices): void {
  app.get(
    '/v1/cities',
    {
      schema: {
        operationId: 'listCities',
        tags: ['catalog'],
        summary: 'Every city this hub serves, with its GB/T 2260 region code',
        response: { 200: Type.Object({ items: Type.Array(City) }), ...errorResponses },
      },
    },
    async () => ({ items: catalog.listCities() }),
  );

  app.get(
    '/v1/cities/:cityId',
    {
      schema: { operationId: 'getCity', tags: ['catalog'], summary: 'One city', params: CityParams, response: { 200: City, ...errorResponses } },
    },
    async (request) => catalog.getCity(request.params.cityId),
  );

  app.get(
    '/v1/cities/:cityId/services',
    {
      schema: {
        operationId: 'listServices',
        tags: ['catalog'],
        summary: 'The services of a city, each with its kind, category and whether it is available here',
        params: CityParams,
        response: { 200: Type.Object({ cityId: Type.String(), items: Type.Array(Service) }), ...errorResponses },
      },
    },
    async (request) => ({ cityId: request.params.cityId, items: catalog.listServices(request.params.cityId) }),
  );
}
