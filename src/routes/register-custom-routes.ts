/**
 * Serves `app.routes` through one catch-all Fastify route: the built-in routes (static and
 * parameterised) always win, so a custom route can never shadow them, and paths nothing handles
 * still answer PocketBase's 404. The pipeline per request: match -> auth guard -> schema
 * validation -> idempotency claim (when asked) -> handler.
 */
import { Transform } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { App } from '../app/app.js';
import { isSuperuser } from '../auth/authenticate.js';
import { isMfaSession, ruleAuth } from '../auth/rule-auth.js';
import { apiError, fieldError, validationError } from '../core/errors.js';
import { fastifyIdempotency } from '../idempotency/fastify-idempotency.js';
import type { IdempotencyRouteHooks } from '../idempotency/fastify-idempotency.js';
import { IdempotencyStore } from '../idempotency/idempotency-store.js';
import { idempotencyScope } from '../http/routes/records-context.js';
import { ErrorTree } from '../records/error-tree.js';
import type { CustomRoute, RouteEvent } from './custom-routes.js';

interface Matched {
  route: CustomRoute;
  params: Record<string, string>;
  body: unknown;
  query: unknown;
  rawBody: Buffer | undefined;
}

const ID_RE = /^[A-Za-z0-9_-]+$/;

export function registerCustomRoutes(app: App, fastify: FastifyInstance): void {
  const matched = new WeakMap<FastifyRequest, Matched>();
  const rawChunks = new WeakMap<FastifyRequest, Buffer[]>();
  const store = new IdempotencyStore(app.db);
  app.onTerminate.bind({ id: 'custom-routes-idempotency-store', fn: async (e) => { store.close(); await e.next(); } });
  const scopeOf = (request: FastifyRequest): string => `${idempotencyScope(request)} ${matched.get(request)?.route.path ?? ''}`;
  const optional = fastifyIdempotency(store, { scopeOf });
  const required = fastifyIdempotency(store, { scopeOf, required: true });
  const idempotencyOf = (request: FastifyRequest): IdempotencyRouteHooks | undefined => {
    const mode = matched.get(request)?.route.options.idempotent;
    return mode === 'required' ? required : mode ? optional : undefined;
  };

  fastify.route({
    method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    url: '/*',
    // `{ rawBody: true }`: keep the bytes as they arrive, beside the normal parsing (and its body
    // limit), because a signature (e.g. Stripe's webhooks) is computed over the exact bytes.
    preParsing: async function customRouteRawBody(request: FastifyRequest, _reply: FastifyReply, payload) {
      const found = app.routes.find(request.method, request.url.split('?')[0] ?? '/');
      if (!found?.route.options.rawBody) return payload;
      const chunks: Buffer[] = [];
      rawChunks.set(request, chunks);
      return payload.pipe(
        new Transform({
          transform(chunk: Buffer | string, _encoding, done) {
            chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
            done(null, chunk);
          },
        }),
      );
    },
    preHandler: async function customRouteGuards(request: FastifyRequest, reply: FastifyReply) {
      const path = request.url.split('?')[0] ?? '/';
      const found = app.routes.find(request.method, path);
      if (found === undefined) throw apiError('not_found');
      const { route, params } = found;
      guardAuth(request, route.options.auth, route.options.mfa === true);
      const schema = route.options.schema;
      const body = schema?.body ? parse(schema.body, request.body ?? {}, 'body') : (request.body ?? {});
      const query = schema?.query ? parse(schema.query, request.query ?? {}, 'query') : (request.query ?? {});
      const chunks = route.options.rawBody ? rawChunks.get(request) : undefined;
      const rawBody = route.options.rawBody ? (chunks ? Buffer.concat(chunks) : Buffer.alloc(0)) : undefined;
      matched.set(request, { route, params, body, query, rawBody });
      const idem = idempotencyOf(request);
      if (idem) return idem.claim(request, reply);
      return undefined;
    },
    onSend: async function customRouteOnSend(request, reply, payload) {
      const idem = idempotencyOf(request);
      return idem ? idem.store(request, reply, payload) : payload;
    },
    onResponse: async function customRouteOnResponse(request, reply) {
      await idempotencyOf(request)?.release(request, reply);
    },
    handler: async function customRoute(request, reply) {
      const m = matched.get(request);
      if (m === undefined) throw apiError('not_found');
      const result = await m.route.handler(routeEvent(app, request, reply, m));
      if (reply.sent) return reply;
      if (result === undefined) return reply.code(204).send();
      return result;
    },
  });
}

function guardAuth(request: FastifyRequest, auth: boolean | string | undefined, mfa = false): void {
  if ((auth === undefined || auth === false) && !mfa) return;
  if (!request.auth) throw apiError('unauthorized', 'The request requires valid record authorization token.');
  if (auth === 'superuser') {
    if (!isSuperuser(request.auth)) throw apiError('forbidden', 'The authorized record is not allowed to perform this action.');
  } else if (typeof auth === 'string') {
    const c = request.auth.collection;
    if (c.name !== auth && c.id !== auth && !isSuperuser(request.auth)) throw apiError('forbidden', 'The authorized record is not allowed to perform this action.');
  }
  if (mfa && !isMfaSession(request.auth.amr ?? [])) {
    throw apiError('forbidden', 'This action needs a session signed in with two factors.', {
      mfa: { code: 'mfa_required', message: 'Sign in again with a second factor.' },
    });
  }
}

function parse(schema: z.ZodType, value: unknown, what: string): unknown {
  const res = schema.safeParse(value);
  if (res.success) return res.data;
  const errors = new ErrorTree();
  for (const issue of res.error.issues) {
    const path = issue.path.length === 0 ? [what] : issue.path.map((p) => (typeof p === 'symbol' ? String(p.description) : p));
    errors.add(path, fieldError(issue.code === 'invalid_type' && issue.input === undefined ? 'validation_required' : 'validation_invalid_value', undefined, issue.message));
  }
  throw validationError(errors.toData());
}

function routeEvent(app: App, request: FastifyRequest, reply: FastifyReply, m: Matched): RouteEvent<any, any> {
  return {
    app,
    request,
    reply,
    auth: request.auth ?? null,
    isSuperuser: isSuperuser(request.auth),
    body: m.body,
    rawBody: m.rawBody,
    query: m.query,
    params: m.params,
    requireAuth(collection) {
      guardAuth(request, collection ?? true);
      return request.auth!;
    },
    requireSuperuser() {
      guardAuth(request, 'superuser');
    },
    async checkRule(collection, id, rule) {
      if (!ID_RE.test(id)) return false;
      const auth = ruleAuth(request.auth);
      // Evaluated as a filter with the caller as @request.auth; the collection's own rules are not applied.
      const res = await app.records.list(collection, { filter: `id = "${id}" && (${rule})`, perPage: 1, skipTotal: true }, {
        auth,
        isSuperuser: true,
        request: { auth, method: request.method, headers: request.headers as Record<string, unknown>, query: (request.query ?? {}) as Record<string, unknown>, context: 'default' },
      });
      return res.items.length > 0;
    },
    error: (code, message, data) => apiError(code, message, data),
  };
}
