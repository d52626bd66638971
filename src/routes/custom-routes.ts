/**
 * Custom routes registered from an app file (docs/custom-routes.md):
 *
 *   app.routes.post('/api/shop/checkout', async (e) => { ... return { ok: true } },
 *     { auth: true, schema: { body: z.object({ product: z.string() }) }, idempotent: true })
 *
 * The registry only holds definitions; `register-custom-routes.ts` serves them through one Fastify
 * catch-all, so routes can be swapped while the server runs (app file reload in `--dev`).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { App } from '../app/app.js';
import type { AuthState } from '../auth/auth-record.js';
import type { ApiError, ErrorCode, ErrorData } from '../core/errors.js';

export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteSchema<B extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType> {
  /** Validates (and parses) the JSON body; failures answer 400 with per-field errors. */
  body?: B;
  /** Validates the query string (values are strings; use `z.coerce` for numbers). */
  query?: Q;
}

export interface CustomRouteOptions<B extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType> {
  /**
   * `true`: any authenticated record (401 otherwise); a collection name: records of that auth
   * collection only (403 for others); `'superuser'`: superusers only. Default: anyone.
   */
  auth?: boolean | string;
  /**
   * `true`: the session must have been signed in with two different methods (password + TOTP or
   * OTP, the rules' `@request.auth.amr.mfa = true`); 403 with `data.mfa.code = "mfa_required"`
   * otherwise, checked with `auth`, before the body and before an `Idempotency-Key` is claimed.
   */
  mfa?: boolean;
  schema?: RouteSchema<B, Q>;
  /** Honour `Idempotency-Key` (docs/idempotency.md); `'required'` answers 400 without one. */
  idempotent?: boolean | 'required';
  /** Keep the request body's exact bytes as `e.rawBody` (to verify a webhook's signature). */
  rawBody?: boolean;
  /** For the OpenAPI document. */
  summary?: string;
  description?: string;
  tags?: string[];
}

export interface RouteEvent<B = unknown, Q = unknown> {
  app: App;
  request: FastifyRequest;
  reply: FastifyReply;
  /** The authenticated record and its collection, or null for guests. */
  auth: AuthState | null;
  isSuperuser: boolean;
  /** The body, parsed by `schema.body` when given. */
  body: B;
  /** The body's bytes as received, for routes registered with `{ rawBody: true }`; else undefined. */
  rawBody: Buffer | undefined;
  query: Q;
  /** Path parameters (`/api/orders/:id` -> `params.id`). */
  params: Record<string, string>;
  /** Throws 401 unless authenticated (optionally: as a record of `collection`, else 403). */
  requireAuth(collection?: string): AuthState;
  requireSuperuser(): void;
  /**
   * True when record `id` of `collection` matches the API-rule expression `rule` for this
   * requester (`@request.auth.*` is the caller). `e.checkRule('orders', id, 'user = @request.auth.id')`.
   */
  checkRule(collection: string, id: string, rule: string): Promise<boolean>;
  /** An error from the registry (docs/errors.md), to `throw`: answered as `{status, message, data}`. */
  error(code: ErrorCode, message?: string, data?: ErrorData): ApiError;
}

export type RouteHandler<B = unknown, Q = unknown> = (e: RouteEvent<B, Q>) => unknown;

export interface CustomRoute {
  id: string;
  method: RouteMethod;
  path: string;
  handler: RouteHandler<any, any>;
  options: CustomRouteOptions;
  /** Matches a request path and returns its params. */
  match(path: string): Record<string, string> | undefined;
}

type Infer<S, D> = S extends z.ZodType ? z.infer<S> : D;

let seq = 0;

export class CustomRoutes {
  #routes: CustomRoute[] = [];
  #version = 0;

  /** Moves on every change (the OpenAPI document's cache key). */
  get version(): number {
    return this.#version;
  }

  get<Q extends z.ZodType = never>(path: string, handler: RouteHandler<unknown, Infer<Q, Record<string, string>>>, options?: CustomRouteOptions<z.ZodType, Q>): string {
    return this.add('GET', path, handler, options);
  }
  post<B extends z.ZodType = never, Q extends z.ZodType = never>(path: string, handler: RouteHandler<Infer<B, Record<string, unknown>>, Infer<Q, Record<string, string>>>, options?: CustomRouteOptions<B, Q>): string {
    return this.add('POST', path, handler, options);
  }
  put<B extends z.ZodType = never, Q extends z.ZodType = never>(path: string, handler: RouteHandler<Infer<B, Record<string, unknown>>, Infer<Q, Record<string, string>>>, options?: CustomRouteOptions<B, Q>): string {
    return this.add('PUT', path, handler, options);
  }
  patch<B extends z.ZodType = never, Q extends z.ZodType = never>(path: string, handler: RouteHandler<Infer<B, Record<string, unknown>>, Infer<Q, Record<string, string>>>, options?: CustomRouteOptions<B, Q>): string {
    return this.add('PATCH', path, handler, options);
  }
  delete<Q extends z.ZodType = never>(path: string, handler: RouteHandler<unknown, Infer<Q, Record<string, string>>>, options?: CustomRouteOptions<z.ZodType, Q>): string {
    return this.add('DELETE', path, handler, options);
  }

  /** Adds a route; the same method and path again replaces it. Returns its id (for `remove`). */
  add(method: RouteMethod, path: string, handler: RouteHandler<any, any>, options: CustomRouteOptions<any, any> = {}): string {
    if (!path.startsWith('/') || path.includes('?') || path.includes('*')) throw new TypeError(`routes: invalid path ${JSON.stringify(path)} (absolute, no query, no wildcards)`);
    if (path === '/_' || path.startsWith('/_/')) throw new TypeError('routes: /_/ is the dashboard');
    const id = `route${++seq}`;
    const match = compilePath(path);
    this.#routes = [...this.#routes.filter((r) => !(r.method === method && r.path === path)), { id, method, path, handler, options, match }];
    this.#version++;
    return id;
  }

  remove(...ids: string[]): void {
    this.#routes = this.#routes.filter((r) => !ids.includes(r.id));
    this.#version++;
  }

  /** Replaces every route at once (app file reload). */
  replaceAll(routes: readonly CustomRoute[]): void {
    this.#routes = [...routes];
    this.#version++;
  }

  list(): readonly CustomRoute[] {
    return this.#routes;
  }

  /** The route for a request, or undefined. Static segments win over parameters. */
  find(method: string, path: string): { route: CustomRoute; params: Record<string, string> } | undefined {
    let best: { route: CustomRoute; params: Record<string, string>; score: number } | undefined;
    for (const route of this.#routes) {
      if (route.method !== method && !(method === 'HEAD' && route.method === 'GET')) continue;
      const params = route.match(path);
      if (params === undefined) continue;
      const score = Object.keys(params).length;
      if (best === undefined || score < best.score) best = { route, params, score };
    }
    return best && { route: best.route, params: best.params };
  }
}

function compilePath(path: string): (path: string) => Record<string, string> | undefined {
  const names: string[] = [];
  const source = path.replace(/\/+$/, '').split('/').map((seg) => {
    if (seg.startsWith(':')) {
      names.push(seg.slice(1));
      return '([^/]+)';
    }
    return seg.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }).join('/');
  const re = new RegExp(`^${source}/?$`);
  return (p) => {
    const m = re.exec(p);
    if (!m) return undefined;
    const params: Record<string, string> = {};
    names.forEach((n, i) => {
      try {
        params[n] = decodeURIComponent(m[i + 1] ?? '');
      } catch {
        params[n] = m[i + 1] ?? '';
      }
    });
    return params;
  };
}

/** OpenAPI path items for the custom routes (JSON Schema from the zod schemas). */
export function customRoutePaths(routes: readonly CustomRoute[], toJsonSchema: (schema: z.ZodType) => unknown): Record<string, Record<string, unknown>> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const names: string[] = [];
    const oaPath = r.path.replace(/:([^/]+)/g, (_m, name: string) => {
      names.push(name);
      return `{${name}}`;
    });
    const o = r.options;
    const op: Record<string, unknown> = {
      tags: o.tags ?? ['Custom'],
      operationId: `custom${r.method[0]}${r.method.slice(1).toLowerCase()}${r.path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
      summary: o.summary ?? `${r.method} ${r.path}`,
      parameters: [
        ...names.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
        ...(o.idempotent ? [{ name: 'Idempotency-Key', in: 'header', required: o.idempotent === 'required', schema: { type: 'string', maxLength: 255 } }] : []),
      ],
      responses: { 200: { description: 'OK' }, 400: { description: 'Bad request (PocketBase error shape).' } },
    };
    if (o.description) op.description = o.description;
    if (o.auth || o.mfa) op.security = [{ authToken: [] }];
    if (o.mfa) (op.responses as Record<string, unknown>)[403] = { description: 'The session was not signed in with two factors (`data.mfa.code` = `mfa_required`).' };
    if (o.schema?.query) {
      const q = toJsonSchema(o.schema.query) as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, schema] of Object.entries(q.properties ?? {})) {
        (op.parameters as unknown[]).push({ name, in: 'query', required: q.required?.includes(name) ?? false, schema });
      }
    }
    if (o.schema?.body) op.requestBody = { required: true, content: { 'application/json': { schema: toJsonSchema(o.schema.body) } } };
    (paths[oaPath] ??= {})[r.method.toLowerCase()] = op;
  }
  return paths;
}
