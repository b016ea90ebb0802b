import { Type } from '@sinclair/typebox';
import { RecordType } from '../../model/catalog.ts';
import { ERROR_CODES } from '../../errors.ts';
import { bearerAuth, principalOf } from '../auth.ts';
import { errorResponses } from '../error-handler.ts';
import type { HubApp, HubServices } from '../types.ts';

const SourceStatus = Type.Object({
  departmentId: Type.String(),
  identifierId: Type.String(),
  identifier: Type.String({ description: 'masked' }),
  status: Type.Union([Type.Literal('ok'), Type.Literal('stale'), Type.Literal('unavailable')]),
  freshness: Type.Optional(Type.Union([Type.Literal('live'), Type.Literal('cached'), Type.Literal('stale')])),
  fetchedAt: Type.Optional(Type.String({ format: 'date-time' })),
  ageSeconds: Type.Optional(Type.Integer({ minimum: 0 })),
  error: Type.Optional(Type.Object({ code: Type.Union(Object.keys(ERROR_CODES).map((c) => Type.Literal(c))), message: Type.String() })),
});

export function recordsRoutes(app: HubApp, services: HubServices): void {
  app.get(
    '/v1/cities/:cityId/services/:serviceId/records',
    {
      preHandler: bearerAuth(services.sessions),
      schema: {
        operationId: 'listRecords',
        tags: ['records'],
        summary: 'The calling citizen\'s records of one service, for their linked identifiers',
        description:
          'Items follow the record type\'s schema at /schemas/{recordType}.json. `sources` says, per identifier, whether the department answered now, from cache, or stale because it failed.',
        security: [{ bearerAuth: [] }],
        params: Type.Object({ cityId: Type.String({ maxLength: 64 }), serviceId: Type.String({ maxLength: 64 }) }),
        querystring: Type.Object({ plate: Type.Optional(Type.String({ minLength: 1, maxLength: 16, description: 'one of your linked plates' })) }),
        response: {
          200: Type.Object({
            cityId: Type.String(),
            serviceId: Type.String(),
            recordType: RecordType,
            items: Type.Array(Type.Object({}, { additionalProperties: true })),
            sources: Type.Array(SourceStatus),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => services.records.listRecords(principalOf(request), request.params.cityId, request.params.serviceId, request.query),
  );
}
