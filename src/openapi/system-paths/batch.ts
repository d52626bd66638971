/** `POST /api/batch`: transactional batches of record writes. */
import { json, OPTIONAL_AUTH, ref } from '../openapi-helpers.js';
import type { PathArea } from './path-area.js';

const tags = (t: string) => [t];

export const batchArea: PathArea = {
  tag: { name: 'Batch', description: 'Transactional batches of record writes.' },
  paths: () => [
    [
      '/api/batch',
      {
        post: {
          tags: tags('Batch'),
          operationId: 'batch',
          summary: 'Run several record writes in one transaction',
          description: 'All or nothing. Allowed: create, update, upsert (PUT) and delete of records.',
          security: OPTIONAL_AUTH,
          parameters: [ref('parameters', 'idempotencyKey')],
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: ref('schemas', 'BatchRequest') },
              'multipart/form-data': { schema: { type: 'object', properties: { '@jsonPayload': { type: 'string', contentMediaType: 'application/json' } } } },
            },
          },
          responses: { 200: json(ref('schemas', 'BatchResponse'), 'One result per request, in order.'), 400: ref('responses', 'BadRequest'), 403: ref('responses', 'Forbidden') },
        },
      },
    ],
  ],
};
