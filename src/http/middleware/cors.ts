/**
 * CORS, answering exactly as `@fastify/cors` did with Galley's options (origin `*` or a list,
 * methods GET HEAD PUT PATCH POST DELETE, maxAge 86400, everything else at its default), but as a
 * step of Galley's one onRequest hook: the plugin cost its own hook step, a copy of its options
 * object and two `request.routeOptions` objects on every request. No Galley route sets
 * `config.cors`, so the plugin's per-route override is not kept. `cors.test.ts` compares the
 * answers with the plugin's.
 *
 * Simple requests get `Access-Control-Allow-Origin` (`*`, or the request's origin when it is in the
 * list, with `Vary: Origin`). Every OPTIONS request is answered here: 400 without `Origin` or
 * `Access-Control-Request-Method` (strict preflight), else 204 with the preflight headers.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema } from 'fastify';

const METHODS = 'GET, HEAD, PUT, PATCH, POST, DELETE';
const MAX_AGE = '86400';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set on a valid preflight (the name `@fastify/cors` used). */
    corsPreflightEnabled: boolean;
  }
}

export interface Cors {
  /** Adds the CORS headers; true when it answered the request (a preflight), so nothing else runs. */
  (request: FastifyRequest, reply: FastifyReply): boolean;
}

/** Registers what the preflight needs on `fastify` and returns the per-request step. */
export function registerCors(fastify: FastifyInstance, origins: readonly string[]): Cors {
  fastify.decorateRequest('corsPreflightEnabled', false);
  // Lets OPTIONS reach a route at all; the onRequest step has answered before it would run.
  // `hide` (kept from the plugin) keeps it out of generated API docs.
  fastify.options('*', { schema: { hide: true } as FastifySchema }, function corsPreflight(request, reply) {
    if (!request.corsPreflightEnabled) {
      reply.callNotFound();
      return;
    }
    reply.send();
  });
  const anyOrigin = origins.includes('*');
  const allowed = anyOrigin ? [] : [...origins];
  return function cors(request: FastifyRequest, reply: FastifyReply): boolean {
    const origin = request.headers.origin;
    if (anyOrigin) {
      reply.header('access-control-allow-origin', '*');
    } else {
      // The answer depends on the request's Origin, so caches must key on it.
      addVary(reply, 'Origin');
      if (origin !== undefined && allowed.includes(origin)) reply.header('access-control-allow-origin', origin);
    }
    if (request.raw.method !== 'OPTIONS') return false;
    if (!origin || !request.headers['access-control-request-method']) {
      reply.status(400).type('text/plain').send('Invalid Preflight Request');
      return true;
    }
    request.corsPreflightEnabled = true;
    reply.header('access-control-allow-methods', METHODS);
    addVary(reply, 'Access-Control-Request-Headers');
    const requested = request.headers['access-control-request-headers'];
    if (requested !== undefined) reply.header('access-control-allow-headers', requested);
    reply.header('access-control-max-age', MAX_AGE);
    // Safari waits for a body on a 204 without Content-Length: 0.
    reply.code(204).header('content-length', '0').send();
    return true;
  };
}

/** Adds `field` to `Vary` unless it (or `*`) is already there, as the `vary` package does. */
function addVary(reply: FastifyReply, field: string): void {
  const current = reply.getHeader('vary');
  if (!current) {
    reply.header('vary', field);
    return;
  }
  const text = Array.isArray(current) ? current.join(', ') : String(current);
  if (text === '*') return;
  const present = text
    .toLowerCase()
    .split(',')
    .map((part) => part.trim());
  if (present.includes('*')) {
    reply.header('vary', '*');
    return;
  }
  if (!present.includes(field.toLowerCase())) reply.header('vary', `${text}, ${field}`);
}
