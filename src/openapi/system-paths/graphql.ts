/** GraphQL over HTTP: queries and mutations, and the schema's SDL. Subscriptions (graphql-ws) are WebSocket only. */
import { queryParam, OPTIONAL_AUTH, ref, STRING, SUPERUSER_ERRORS as su } from '../openapi-helpers.js';
import type { JsonSchema } from '../openapi-helpers.js';
import type { PathArea } from './path-area.js';

const tags = ['GraphQL'];
const RESULT: JsonSchema = {
  type: 'object',
  description: "GraphQL's response: `data` and/or `errors` (each with Galley's `code` and `status` in `extensions`).",
  properties: {
    data: { type: ['object', 'null'] },
    errors: { type: 'array', items: { type: 'object', properties: { message: STRING, path: { type: 'array' }, extensions: { type: 'object' } }, required: ['message'] } },
  },
};
const media = (schema: JsonSchema) => ({ 'application/graphql-response+json': { schema }, 'application/json': { schema } });
const answers = (ok: string): JsonSchema => ({
  200: { description: ok, content: media(RESULT) },
  400: { description: 'Malformed or invalid request (GraphQL errors), or a body PocketBase-shaped error before GraphQL runs.', content: media(RESULT) },
  413: ref('responses', 'BadRequest'),
});

export const graphqlArea: PathArea = {
  tag: { name: 'GraphQL', description: 'The generated GraphQL API (docs/graphql.md); subscriptions use graphql-ws at /api/graphql/ws.' },
  paths: () => [
    [
      '/api/graphql',
      {
        post: {
          tags,
          operationId: 'graphql',
          summary: 'Run a GraphQL query or mutation',
          security: OPTIONAL_AUTH,
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { type: 'object', properties: { query: STRING, variables: { type: 'object' }, operationName: STRING, extensions: { type: 'object' } }, required: ['query'] } } },
          },
          responses: answers('Executed; per-field errors in `errors`.'),
        },
        get: {
          tags,
          operationId: 'graphqlGet',
          summary: 'Run a GraphQL query (no mutations)',
          security: OPTIONAL_AUTH,
          parameters: [
            { ...queryParam('query', STRING, 'The GraphQL document.'), required: true },
            queryParam('variables', STRING, 'JSON text.'),
            queryParam('operationName', STRING, 'The operation to run.'),
            queryParam('extensions', STRING, 'JSON text.'),
          ],
          responses: { ...answers('Executed.'), 405: { description: 'A mutation over GET.', content: media(RESULT) } },
        },
      },
    ],
    [
      '/api/graphql/schema.graphql',
      {
        get: {
          tags,
          operationId: 'graphqlSchema',
          summary: 'The schema in SDL',
          description: 'Superusers get the full schema; others only when introspection is on (`--dev` or settings `graphql.introspection`).',
          security: OPTIONAL_AUTH,
          responses: { 200: { description: 'SDL text.', content: { 'text/plain': { schema: STRING } } }, ...su },
        },
      },
    ],
  ],
};
