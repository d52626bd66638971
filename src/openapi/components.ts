/**
 * The components every document has: the error shape, shared parameters (paging, filter, expand,
 * headers), shared error responses and the security scheme. Area schemas (jobs, logs, ...) are
 * added by the area files under system-paths/.
 */
import type { OpenApiDocument } from './build-openapi.js';
import { DATETIME_PATTERN } from './field-schema.js';
import type { JsonSchema } from './field-schema.js';
import { errorResponse, listSchema, ref } from './openapi-helpers.js';

export function fixedComponents(): OpenApiDocument['components'] {
  const errorSchema: JsonSchema = {
    type: 'object',
    description: "PocketBase's error shape; `data` holds per-field errors, nested like the request body.",
    properties: {
      status: { type: 'integer' },
      message: { type: 'string' },
      data: {
        type: 'object',
        additionalProperties: {
          anyOf: [
            {
              type: 'object',
              properties: { code: { type: 'string' }, message: { type: 'string' }, params: { type: 'object' } },
              required: ['code', 'message'],
            },
            { type: 'object' },
          ],
        },
      },
    },
    required: ['status', 'message', 'data'],
  };
  const q = (name: string, schema: JsonSchema, description: string): JsonSchema => ({ name, in: 'query', required: false, schema, description });
  return {
    schemas: {
      Error: errorSchema,
      Health: {
        type: 'object',
        properties: { code: { type: 'integer' }, message: { type: 'string' }, data: { type: 'object' } },
        required: ['code', 'message', 'data'],
      },
      Collection: {
        type: 'object',
        description: 'A collection definition (PocketBase shape).',
        properties: {
          id: { type: 'string' },
          name: { type: 'string' },
          type: { type: 'string', enum: ['base', 'auth', 'view'] },
          system: { type: 'boolean' },
          fields: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' }, type: { type: 'string' } } } },
          indexes: { type: 'array', items: { type: 'string' } },
          listRule: { type: ['string', 'null'] },
          viewRule: { type: ['string', 'null'] },
          createRule: { type: ['string', 'null'] },
          updateRule: { type: ['string', 'null'] },
          deleteRule: { type: ['string', 'null'] },
          viewQuery: { type: 'string' },
          created: { type: 'string', pattern: DATETIME_PATTERN },
          updated: { type: 'string', pattern: DATETIME_PATTERN },
        },
        required: ['name'],
      },
      CollectionList: listSchema(ref('schemas', 'Collection')),
      MfaRequired: {
        description: 'MFA: the first factor passed and another is needed (`{mfaId}`), or an error.',
        anyOf: [{ type: 'object', properties: { mfaId: { type: 'string' } }, required: ['mfaId'] }, ref('schemas', 'Error')],
      },
      Settings: { type: 'object', description: 'App settings (meta, batch, rateLimits, logs, trustedProxy, ...); secrets are never returned.' },
      BatchRequest: {
        type: 'object',
        properties: {
          requests: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                method: { type: 'string', enum: ['POST', 'PATCH', 'PUT', 'DELETE'] },
                url: { type: 'string' },
                headers: { type: 'object', additionalProperties: { type: 'string' } },
                body: { type: 'object' },
              },
              required: ['method', 'url'],
            },
          },
        },
        required: ['requests'],
      },
      BatchResponse: {
        type: 'array',
        items: { type: 'object', properties: { status: { type: 'integer' }, body: {} }, required: ['status', 'body'] },
      },
    },
    parameters: {
      page: q('page', { type: 'integer', minimum: 1, default: 1 }, 'Page number (<= 0 is read as 1).'),
      perPage: q('perPage', { type: 'integer', minimum: 1, maximum: 1000, default: 30 }, 'Items per page, clamped to 1..1000; the clamped value is echoed.'),
      sort: q('sort', { type: 'string' }, 'Comma list of fields, `-field` for descending; `@random`, `@rowid` and relation paths allowed.'),
      filter: q('filter', { type: 'string', maxLength: 3500 }, 'A filter expression, ANDed with the list rule.'),
      expand: q('expand', { type: 'string' }, 'Comma list of relation fields to expand (dot-nested, `other_via_field` back-relations, depth <= 6).'),
      fields: q('fields', { type: 'string' }, 'Comma list of keys to return (`*`, dot paths, `field:excerpt(max, ellipsis)`).'),
      skipTotal: q('skipTotal', { type: 'boolean' }, 'Skip counting: totalItems and totalPages are -1.'),
      recordId: { name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: 'The record id.' },
      collectionIdOrName: { name: 'collectionIdOrName', in: 'path', required: true, schema: { type: 'string' }, description: 'Collection id or name.' },
      idempotencyKey: {
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        schema: { type: 'string', maxLength: 257 },
        description:
          'Galley extension (IETF draft): retries with the same key and body within 24 h replay the first response (`Idempotent-Replayed: true`); another body answers 422; a retry while the first runs answers 409.',
      },
      ifMatch: { name: 'If-Match', in: 'header', required: false, schema: { type: 'string' }, description: 'Only write when the record still has this ETag (412 otherwise).' },
    },
    responses: {
      BadRequest: errorResponse('Invalid request (validation errors in `data`).'),
      Unauthorized: errorResponse('Missing or invalid authentication.'),
      Forbidden: errorResponse('Not allowed (rule or superuser-only route).'),
      NotFound: errorResponse('Not found, or hidden by the rule.'),
      Conflict: errorResponse('The same Idempotency-Key is still being processed.'),
      PreconditionFailed: errorResponse('The record changed since it was read (If-Match).'),
      Unprocessable: errorResponse('The Idempotency-Key was used for a different request.'),
      TooManyRequests: errorResponse('Rate limited.'),
    },
    securitySchemes: {
      authToken: {
        type: 'apiKey',
        in: 'header',
        name: 'Authorization',
        description: 'An auth token (JWT) from an auth-with-* route, sent raw (as the PocketBase SDK does) or as `Bearer <token>`. Invalid tokens are treated as guests.',
      },
    },
  };
}
