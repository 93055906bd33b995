import { z } from 'zod';
import type { Route } from './router';

type JsonSchema = Record<string, unknown>;

const ErrorSchema = z.object({
  error: z.object({
    code: z.string().describe('validation_failed, not_found, forbidden, unauthorized, conflict, ...'),
    message: z.string(),
    details: z.array(z.object({ path: z.string(), message: z.string() })),
  }),
});

/**
 * The OpenAPI 3.1 document, generated from the same zod schemas that validate
 * requests. Named schemas (`.meta({ id })`) become components: request bodies
 * as `<Name>Input` (defaults optional), answers as `<Name>`.
 */
export function openApiDocument(routes: readonly Route[], info: { title: string; version: string }) {
  const components: Record<string, JsonSchema> = {};

  const toSchema = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
    const suffix = io === 'input' ? 'Input' : '';
    const raw = JSON.stringify(
      z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }),
    );
    // Local $defs refs become component refs, so one definition serves every operation.
    const converted = JSON.parse(
      raw.replace(/"#\/\$defs\/([^"]+)"/g, (_m, id: string) => `"#/components/schemas/${id}${suffix}"`),
    ) as JsonSchema & { $defs?: Record<string, JsonSchema> };
    const { $defs, $schema: _ignored, ...rest } = converted;
    for (const [id, def] of Object.entries($defs ?? {})) components[`${id}${suffix}`] = def;
    return rest;
  };

  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const params = [...r.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    const queryParams = r.query
      ? Object.entries((toSchema(r.query, 'input').properties ?? {}) as Record<string, JsonSchema>).map(
          ([name, schema]) => ({
            name,
            in: 'query',
            required: false,
            schema,
          }),
        )
      : [];
    const responses: Record<string, unknown> = {};
    for (const [status, spec] of Object.entries(r.responses)) {
      responses[status] = {
        description: spec.description,
        ...(spec.schema
          ? { content: { 'application/json': { schema: toSchema(spec.schema, 'output') } } }
          : spec.contentType
            ? { content: { [spec.contentType]: { schema: { type: 'string' } } } }
            : {}),
      };
    }
    responses.default = {
      description: 'An error: 4xx for bad input, keys and missing resources, 5xx for ours',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
    const operations = paths[r.path] ?? {};
    paths[r.path] = operations;
    operations[r.method.toLowerCase()] = {
      summary: r.summary,
      tags: [r.tag],
      operationId: `${r.method.toLowerCase()}${r.path.replace(/\{(\w+)\}/g, 'By-$1').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      security: r.auth === 'public' ? [] : [{ apiKey: [] }],
      ...(r.auth === 'public' ? {} : { description: `Key: ${r.auth.join(' or ')}.` }),
      parameters: [...params, ...queryParams],
      ...(r.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: toSchema(r.body, 'input') } },
            },
          }
        : {}),
      responses,
    };
  }
  components.Error = toSchema(ErrorSchema, 'output');

  return {
    openapi: '3.1.0',
    info,
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <apiKey>' },
      },
    },
  };
}
