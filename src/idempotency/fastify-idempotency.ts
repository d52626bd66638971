/**
 * Route-level hooks that make a Fastify route honour `Idempotency-Key`. Spread them into the route
 * options of any write route (record create/update/delete, batch, custom routes):
 *
 *   app.post('/api/x', { ...fastifyIdempotency(store, { scopeOf }) }, handler)
 *
 * The claim happens in `preHandler` (after body parsing, so the fingerprint covers the parsed
 * body), the response is stored in `onSend` before it leaves (so a client that got an answer and
 * retries always finds it), and `onResponse` releases a claim that never reached `onSend`.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { apiError } from '../core/errors.js';
import { parseIdempotencyKey } from './idempotency-key-header.js';
import type { IdempotencyStore, IdempotencyToken } from './idempotency-store.js';
import { requestFingerprint } from './request-fingerprint.js';

export interface FastifyIdempotencyOptions {
  /**
   * Who is asking: the auth record (`auth:<collectionId>:<id>`) or, for guests, the client IP.
   * The HTTP layer knows where it keeps the auth record; the default is the client IP for all.
   */
  scopeOf?: (request: FastifyRequest) => string;
  /** Answer 400 when the header is missing. Default false: requests without a key run normally. */
  required?: boolean;
  /** Response headers stored and replayed with the body. Default content-type, etag, location. */
  storedHeaders?: readonly string[];
}

/**
 * Route hooks in Fastify's callback style: a request without an Idempotency-Key (nearly every
 * write) passes all three without a promise. `claim`/`store`/`release` are the same steps as
 * promises, for a route that runs them from its own async hooks.
 */
export interface IdempotencyRouteHooks {
  preHandler: (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => void;
  onSend: (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: Error | null, payload?: unknown) => void) => void;
  onResponse: (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => void;
  claim: (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;
  store: (request: FastifyRequest, reply: FastifyReply, payload: unknown) => Promise<unknown>;
  release: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
}

export const IDEMPOTENT_REPLAYED_HEADER = 'idempotent-replayed';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function fastifyIdempotency(store: IdempotencyStore, options: FastifyIdempotencyOptions = {}): IdempotencyRouteHooks {
  const scopeOf = options.scopeOf ?? ((request: FastifyRequest) => `ip:${request.ip}`);
  const storedHeaders = (options.storedHeaders ?? ['content-type', 'etag', 'location']).map((h) => h.toLowerCase());
  const required = options.required ?? false;
  // Per-request claim, kept off the request object so no decorator is needed.
  const claims = new WeakMap<FastifyRequest, IdempotencyToken>();

  const claim: IdempotencyRouteHooks['claim'] = async function idempotencyClaim(request, reply) {
    // Safe methods are idempotent by definition; the header means nothing there.
    if (SAFE_METHODS.has(request.method)) return undefined;
    const key = parseIdempotencyKey(request.headers['idempotency-key']);
    if (key === undefined) {
      if (required) throw apiError('bad_request', 'Missing Idempotency-Key header.');
      return undefined;
    }
    const route = `${request.method} ${request.routeOptions.url ?? request.url}`;
    const scope = `${scopeOf(request)} ${route}`;
    const fingerprint = requestFingerprint(request.method, request.url, request.body);
    const result = await store.begin(scope, key, fingerprint);
    switch (result.kind) {
      case 'proceed':
        claims.set(request, result.token);
        return undefined;
      case 'replay': {
        reply.code(result.response.status);
        for (const [name, value] of Object.entries(result.response.headers)) reply.header(name, value);
        reply.header(IDEMPOTENT_REPLAYED_HEADER, 'true');
        return reply.send(result.response.body);
      }
      case 'conflict':
        throw apiError('conflict', 'A request with this Idempotency-Key is still being processed. Retry later.');
      case 'mismatch':
        throw apiError('unprocessable', 'This Idempotency-Key was already used for a different request.');
    }
  };

  const storeResponse: IdempotencyRouteHooks['store'] = async function idempotencyStore(request, reply, payload) {
    const token = claims.get(request);
    if (!token) return payload;
    claims.delete(request);
    const body = payloadText(payload);
    if (body === undefined) {
      // A stream cannot be stored without buffering it; release so a retry runs again.
      await store.release(token);
      return payload;
    }
    const headers: Record<string, string> = {};
    for (const name of storedHeaders) {
      const value = reply.getHeader(name);
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
    }
    await store.complete(token, { status: reply.statusCode, headers, body });
    return payload;
  };

  const release: IdempotencyRouteHooks['release'] = async function idempotencyRelease(request) {
    const token = claims.get(request);
    if (!token) return;
    claims.delete(request);
    await store.release(token);
  };

  return {
    claim,
    store: storeResponse,
    release,
    preHandler: function idempotencyClaimHook(request, reply, done) {
      if (!required && request.headers['idempotency-key'] === undefined) {
        done();
        return;
      }
      // A replay has been sent by `claim`: the chain stops there (done is not called).
      claim(request, reply).then((replied) => {
        if (replied === undefined) done();
      }, done);
    },
    onSend: function idempotencyStoreHook(request, reply, payload, done) {
      if (!claims.has(request)) {
        done(null, payload);
        return;
      }
      storeResponse(request, reply, payload).then((p) => done(null, p), done);
    },
    onResponse: function idempotencyReleaseHook(request, reply, done) {
      if (!claims.has(request)) {
        done();
        return;
      }
      release(request, reply).then(() => done(), done);
    },
  };
}

function payloadText(payload: unknown): string | undefined {
  if (payload === null || payload === undefined) return '';
  if (typeof payload === 'string') return payload;
  if (Buffer.isBuffer(payload)) return payload.toString('utf8');
  return undefined;
}
