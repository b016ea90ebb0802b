import { Type } from '@sinclair/typebox';
import { RecordType } from '../../model/catalog.ts';
import { LiteralUnion } from '../../model/common.ts';
import { ERROR_CODES } from '../../errors.ts';
import { bearerAuth, principalOf } from '../auth.ts';
import { errorResponses } from '../error-handler.ts';
import type { HubApp, HubServices } from '../types.ts';

const ErrorSummary = Type.Object({ code: LiteralUnion(Object.keys(ERROR_CODES)), message: Type.String() });

const SourceStatus = Type.Object({
  departmentId: Type.String(),
  identifierId: Type.Optional(Type.String()),
  identifier: Type.Optional(Type.String({ description: 'masked' })),
  status: LiteralUnion(['ok', 'stale', 'unavailable']),
  freshness: Type.Optional(LiteralUnion(['live', 'cached', 'stale'])),
  fetchedAt: Type.Optional(Type.String({ format: 'date-time' })),
  ageSeconds: Type.Optional(Type.Integer({ minimum: 0 })),
  error: Type.Optional(ErrorSummary),
});

const Items = Type.Array(Type.Object({}, { additionalProperties: true }), { description: 'records of the type at /schemas/{recordType}.json' });

const ServiceParams = Type.Object({ cityId: Type.String({ maxLength: 64 }), serviceId: Type.String({ maxLength: 64 }) });
const bearer = [{ bearerAuth: [] }];

export function recordsRoutes(app: HubApp, services: HubServices): void {
  const authenticate = bearerAuth(services.sessions);

  app.get(
    '/v1/cities/:cityId/services/:serviceId/records',
    {
      onRequest: authenticate,
      schema: {
        operationId: 'listRecords',
        tags: ['records'],
        summary: 'The calling citizen\'s records of one service, from every department that holds them',
        description:
          'Personal records are gathered for the citizen\'s linked identifiers only; open slots and road conditions are public. `sources` says, per department and identifier, whether it answered now, from cache, or stale because it failed.',
        security: bearer,
        params: ServiceParams,
        querystring: Type.Object({
          plate: Type.Optional(Type.String({ minLength: 1, maxLength: 16, description: 'one of your linked plates' })),
          identifierId: Type.Optional(Type.String({ format: 'uuid', description: 'one of your linked identifiers' })),
          date: Type.Optional(Type.String({ maxLength: 10, description: 'first day of slots, YYYY-MM-DD' })),
          from: Type.Optional(Type.String({ maxLength: 40, description: 'route start "lon,lat" (road conditions)' })),
          to: Type.Optional(Type.String({ maxLength: 40, description: 'route end "lon,lat" (road conditions)' })),
        }),
        response: {
          200: Type.Object({ cityId: Type.String(), serviceId: Type.String(), recordType: RecordType, items: Items, sources: Type.Array(SourceStatus) }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      // The route's own serializer renders the answer; the bytes are sent as they are (a string is not serialized again).
      const body = await services.records.renderRecords(principalOf(request), request.params.cityId, request.params.serviceId, request.query, (list) => String(reply.serialize(list)));
      return reply.type('application/json; charset=utf-8').send(body as never);
    },
  );

  app.post(
    '/v1/cities/:cityId/services/:serviceId/actions/:action',
    {
      onRequest: authenticate,
      schema: {
        operationId: 'performServiceAction',
        tags: ['records'],
        summary: 'Act on one of your records at the department (e.g. renewLoan for a library loan)',
        security: bearer,
        params: Type.Object({ cityId: Type.String({ maxLength: 64 }), serviceId: Type.String({ maxLength: 64 }), action: Type.String({ pattern: '^[a-z][a-zA-Z0-9]{0,63}$' }) }),
        body: Type.Object(
          { identifierId: Type.String({ format: 'uuid' }), recordId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ cityId: Type.String(), serviceId: Type.String(), action: Type.String(), result: Type.Unknown() }),
          ...errorResponses,
        },
      },
    },
    async (request) =>
      services.records.performAction(principalOf(request), request.params.cityId, request.params.serviceId, request.params.action, request.body),
  );

  app.get(
    '/v1/cities/:cityId/dashboard',
    {
      onRequest: authenticate,
      schema: {
        operationId: 'getDashboard',
        tags: ['records'],
        summary: '"My City": every personal service of the city, gathered in parallel under one deadline',
        description:
          'Each section is `ok`, `stale` (served past its TTL because the department failed), `partial` (some departments gave nothing) or `unavailable`, with the age of its data. One failed or hung department never fails the whole answer.',
        security: bearer,
        params: Type.Object({ cityId: Type.String({ maxLength: 64 }) }),
        response: {
          200: Type.Object({
            cityId: Type.String(),
            generatedAt: Type.String({ format: 'date-time' }),
            deadlineMs: Type.Integer(),
            sections: Type.Array(
              Type.Object({
                serviceId: Type.String(),
                name: Type.Object({ zh: Type.String(), en: Type.String() }),
                recordType: RecordType,
                status: LiteralUnion(['ok', 'stale', 'partial', 'unavailable']),
                ageSeconds: Type.Optional(Type.Integer({ minimum: 0 })),
                items: Items,
                sources: Type.Array(SourceStatus),
                error: Type.Optional(ErrorSummary),
              }),
            ),
            suggestions: Type.Array(Type.Object({ serviceId: Type.String(), identifierKind: Type.String(), consentScope: Type.Optional(Type.String({ description: 'consent this entrance needs first' })) })),
          }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => services.dashboard.getDashboard(principalOf(request), request.params.cityId, reply.elapsedTime),
  );

  app.get(
    '/v1/operations/departments',
    {
      schema: {
        operationId: 'listDepartmentHealth',
        tags: ['operations'],
        summary: 'Breaker state and call counts of every department this process has called',
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                department: Type.String(),
                breaker: LiteralUnion(['closed', 'open', 'half-open', 'isolated']),
                inFlight: Type.Integer(),
                calls: Type.Integer(),
                failures: Type.Integer(),
                rejected: Type.Integer(),
                lastFailure: Type.Optional(Type.Object({ code: Type.String(), at: Type.String() })),
              }),
            ),
          }),
        },
      },
    },
    async () => ({ items: services.shield.health() }),
  );
}
