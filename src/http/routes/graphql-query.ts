/**
 * `POST /api/graphql` (queries and mutations) and `GET /api/graphql?query=...` (queries only), as
 * the GraphQL-over-HTTP spec describes them: JSON `{query, variables, operationName, extensions}`
 * in, `{data, errors}` out. Requests that fail before execution (malformed, unparsable, invalid,
 * over a limit) answer their error's status; executed operations answer 200 with per-field errors.
 */
import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { OperationTypeNode } from 'graphql';
import type { App } from '../../app/app.js';
import type { GraphQLParams } from '../../graphql/graphql-service.js';
import { graphqlEngine, graphqlRequester } from './graphql-engine.js';

// The enum's values, spelled out: importing `graphql` here would load it at start-up.
const POST_OPERATIONS = new Set(['query', 'mutation'] as OperationTypeNode[]);
const GET_OPERATIONS = new Set(['query'] as OperationTypeNode[]);

/**
 * The spec's media type when the client accepts it (graphql-request, urql... ask for it first),
 * else `application/json` for older clients. The status codes are the same either way.
 */
function send(request: FastifyRequest, reply: FastifyReply, status: number, body: unknown): FastifyReply {
  const accept = request.headers.accept ?? '';
  const type = accept.includes('application/graphql-response+json') ? 'application/graphql-response+json' : 'application/json';
  return reply.code(status).type(`${type}; charset=utf-8`).send(JSON.stringify(body));
}

function invalid(message: string): { status: number; body: unknown } {
  return { status: 400, body: { errors: [{ message, extensions: { code: 'graphql_invalid_request', status: 400, data: {} } }] } };
}

/** GET carries `variables` and `extensions` as JSON text. */
function paramsFromQueryString(query: Record<string, unknown>): GraphQLParams | string {
  const json = (name: string): unknown => {
    const v = query[name];
    if (typeof v !== 'string' || v === '') return undefined;
    try {
      return JSON.parse(v);
    } catch {
      throw new SyntaxError(`"${name}" is not valid JSON.`);
    }
  };
  try {
    return { query: query.query, operationName: query.operationName === '' ? undefined : query.operationName, variables: json('variables'), extensions: json('extensions') };
  } catch (err) {
    return (err as Error).message;
  }
}

export function graphqlPostRoute(app: App): RouteOptions {
  return {
    method: 'POST',
    url: '/api/graphql',
    handler: async function graphqlPost(request: FastifyRequest, reply: FastifyReply) {
      const body = request.body;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        const r = invalid('The body must be a JSON object {query, variables?, operationName?, extensions?}.');
        return send(request, reply, r.status, r.body);
      }
      const result = await (await graphqlEngine(app)).executeHttp(body as GraphQLParams, graphqlRequester(app, request), POST_OPERATIONS);
      return send(request, reply, result.status, result.body);
    },
  };
}

export function graphqlGetRoute(app: App): RouteOptions {
  return {
    method: 'GET',
    url: '/api/graphql',
    handler: async function graphqlGet(request: FastifyRequest, reply: FastifyReply) {
      const params = paramsFromQueryString((request.query ?? {}) as Record<string, unknown>);
      if (typeof params === 'string') {
        const r = invalid(params);
        return send(request, reply, r.status, r.body);
      }
      const result = await (await graphqlEngine(app)).executeHttp(params, graphqlRequester(app, request), GET_OPERATIONS);
      if (result.status === 405) reply.header('allow', 'POST');
      return send(request, reply, result.status, result.body);
    },
  };
}
