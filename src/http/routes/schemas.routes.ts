import { Type } from '@sinclair/typebox';
import { hutongError } from '../../errors.ts';
import { MODEL_SCHEMAS, MODEL_VERSION } from '../../model/index.ts';
import { CityConfig } from '../../catalog/catalog.schema.ts';
import { errorResponses } from '../error-handler.ts';
import type { HubApp } from '../types.ts';

/** Published schemas: the standard data model, and the city YAML format. */
const PUBLISHED = { ...MODEL_SCHEMAS, 'city-config': CityConfig } as const;

export function publishedSchema(name: string, baseUrl = ''): Record<string, unknown> {
  const schema = (PUBLISHED as Record<string, object>)[name];
  if (!schema) throw hutongError('HUTONG_ERR_SCHEMA_NOT_FOUND', `No schema named "${name}"; see /schemas`);
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `${baseUrl}/schemas/${name}.json`,
    title: name,
    'x-hutong-model-version': MODEL_VERSION,
    ...JSON.parse(JSON.stringify(schema)),
  };
}

export function schemaRoutes(app: HubApp): void {
  app.get(
    '/schemas',
    {
      schema: {
        operationId: 'listSchemas',
        tags: ['schemas'],
        summary: 'Names of the published JSON Schemas of the standard data model',
        response: { 200: Type.Object({ version: Type.String(), items: Type.Array(Type.Object({ name: Type.String(), url: Type.String() })) }) },
      },
    },
    async () => ({ version: MODEL_VERSION, items: Object.keys(PUBLISHED).map((name) => ({ name, url: `/schemas/${name}.json` })) }),
  );

  app.get(
    '/schemas/:file',
    {
      schema: {
        operationId: 'getSchema',
        tags: ['schemas'],
        summary: 'One JSON Schema, e.g. /schemas/TrafficViolation.json',
        params: Type.Object({ file: Type.String({ pattern: '^[A-Za-z-]+\\.json$' }) }),
        response: { 200: Type.Object({}, { additionalProperties: true }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const name = request.params.file.replace(/\.json$/, '');
      reply.type('application/schema+json');
      return publishedSchema(name, `${request.protocol}://${request.host}`);
    },
  );
}
