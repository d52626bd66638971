/** Small builders shared by the files that describe the document's paths and components. */
import type { JsonSchema } from './field-schema.js';

export type { JsonSchema };

/** One path of the document with its operations (`get`, `post`, ...). */
export type PathEntry = [string, Record<string, JsonSchema>];

export const ref = (kind: 'schemas' | 'parameters' | 'responses', name: string): JsonSchema => ({ $ref: `#/components/${kind}/${name}` });

/** Optional auth: guests may call, a token changes what the rules allow. */
export const OPTIONAL_AUTH = [{}, { authToken: [] }];
/** A token is required: a superuser's. */
export const SUPERUSER_AUTH = [{ authToken: [] }];
/** A token is required: any authenticated record's. */
export const RECORD_AUTH = [{ authToken: [] }];

export const errorResponse = (description: string): JsonSchema => ({
  description,
  content: { 'application/json': { schema: ref('schemas', 'Error') } },
});

export function json(schema: JsonSchema, description: string): JsonSchema {
  return { description, content: { 'application/json': { schema } } };
}

/** A required JSON request body. */
export const jsonBody = (schema: JsonSchema): JsonSchema => ({ required: true, content: { 'application/json': { schema } } });

export const obj = (properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema =>
  required.length > 0 ? { type: 'object', properties, required } : { type: 'object', properties };

export const STRING: JsonSchema = { type: 'string' };

export const pathParam = (name: string, description: string): JsonSchema => ({ name, in: 'path', required: true, schema: { type: 'string' }, description });
export const queryParam = (name: string, schema: JsonSchema, description: string): JsonSchema => ({ name, in: 'query', required: false, schema, description });

/** 401/403 of superuser-only routes. */
export const SUPERUSER_ERRORS = { 401: ref('responses', 'Unauthorized'), 403: ref('responses', 'Forbidden') };
export const NO_CONTENT = { 204: { description: 'Done (empty body).' } };

export function listSchema(items: JsonSchema): JsonSchema {
  return {
    type: 'object',
    properties: {
      page: { type: 'integer' },
      perPage: { type: 'integer' },
      totalItems: { type: 'integer', description: '-1 with skipTotal.' },
      totalPages: { type: 'integer', description: '-1 with skipTotal.' },
      items: { type: 'array', items },
    },
    required: ['page', 'perPage', 'totalItems', 'totalPages', 'items'],
  };
}

/** The list parameters of PocketBase-style list routes. */
export const LIST_PARAMS = ['page', 'perPage', 'sort', 'filter', 'fields', 'skipTotal'].map((p) => ref('parameters', p));
