/**
 * The HTTP server: Fastify with Galley's request pipeline.
 *
 *   onRequest   one hook: security headers + X-Request-Id, CORS, authenticate (token -> request.auth),
 *               API key scopes, rate limits
 *   parsing     JSON (empty bodies allowed), urlencoded; body limit -> 413
 *   preHandler  route guards (requireSuperuser)
 *   handler     one file per action under routes/
 *   preSerial.  `?fields=` picking
 *   onResponse  request log (buffered, written off the hot path)
 *
 * Every error, whatever throws it, leaves through `toApiError` as PocketBase's `{status, message,
 * data}`; unexpected ones are logged with the request id and answered with a bare 500.
 */
import { LogController, fastify as createFastify } from 'fastify';
import type { FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { App } from '../app/app.js';
import { parseHttpAddress } from '../app/config.js';
import { apiError } from '../core/errors.js';
import { apiRoutes } from './api-routes.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { toApiError } from './error-response.js';
import { registerBodyParsers } from './json-body-parser.js';
import { lazySchemaController, treatCompilersAsFastifys } from './lazy-schema-compilers.js';
import { registerGraphqlWebSocket } from './routes/graphql-ws.js';
import { registerRealtime } from './routes/realtime-routes.js';
import { registerCustomRoutes } from '../routes/register-custom-routes.js';
import { authenticateHook } from './middleware/authenticate.js';
import { apiKeyScopesHook } from './middleware/api-key-scopes.js';
import { rateLimitHook } from './middleware/rate-limit.js';
import { pickResponseFields } from './middleware/fields-picker.js';
import { requestId } from './middleware/request-id.js';
import { requestLogHook } from './middleware/request-log.js';
import { securityHeaders } from './middleware/security-headers.js';
import { registerCors } from './middleware/cors.js';
import type { Cors } from './middleware/cors.js';
import './request-context.js';
import { lazyChildLogger } from './request-logger.js';
import { pinTickShape } from './pin-tick-shape.js';

export interface StartServerOptions {
  /** Listen on a socket (default true). Tests may use `fastify.inject` without one. */
  listen?: boolean;
  /** Overrides `config.http`, e.g. `127.0.0.1:0` for a free port in tests. */
  http?: string;
  /**
   * How long `close()` lets in-flight responses finish before their connections are cut (default
   * 10 s). Without it a client that stops reading a large download holds the shutdown until the
   * socket times out.
   */
  shutdownGraceMs?: number;
}

export interface GalleyServer {
  /** `http://host:port` when listening, else `http://localhost` (inject only). */
  url: string;
  fastify: FastifyInstance;
  close(): Promise<void>;
}

export async function buildServer(app: App): Promise<FastifyInstance> {
  pinTickShape();
  const fastify = createFastify({
    loggerInstance: app.logger.child({ module: 'http' }) as FastifyBaseLogger,
    // Galley writes its own request log (PocketBase's shape) into `_logs`.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    childLoggerFactory: lazyChildLogger,
    bodyLimit: app.config.bodyLimit,
    genReqId: requestId,
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000 },
    schemaController: lazySchemaController,
  });
  treatCompilersAsFastifys(fastify);

  fastify.decorateRequest('auth', null);
  fastify.decorateRequest('authToken', undefined);
  fastify.decorateRequest('apiError', undefined);

  fastify.addHook('onRequest', requestPipeline(app, registerCors(fastify, app.config.corsOrigins)));
  registerBodyParsers(fastify);
  // tus upload chunks (routes/uploads-tus.ts): left unparsed, @tus/server streams them itself.
  fastify.addContentTypeParser('application/offset+octet-stream', function tusChunk(_request, _payload, done) {
    done(null);
  });
  fastify.addHook('preSerialization', pickResponseFields);
  fastify.addHook('onResponse', requestLogHook({ settings: app.settings, logWriter: app.logWriter }));

  fastify.setErrorHandler(function galleyErrorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
    const { error, unexpected } = toApiError(err);
    if (unexpected) request.log.error({ err, requestId: request.id }, 'unhandled error while serving a request');
    request.apiError = error;
    if (Object.keys(error.headers).length > 0) reply.headers(error.headers);
    return reply.code(error.status).type('application/json; charset=utf-8').send(error.toJSON());
  });
  fastify.setNotFoundHandler(function galleyNotFound(request, reply) {
    const error = apiError('not_found');
    request.apiError = error;
    return reply.code(404).type('application/json; charset=utf-8').send(error.toJSON());
  });

  for (const route of apiRoutes) fastify.route(route(app));
  registerGraphqlWebSocket(app, fastify);
  registerRealtime(app, fastify);
  for (const route of dashboardRoutes(app)) fastify.route(route);
  registerCustomRoutes(app, fastify);
  return fastify;
}

/**
 * Galley's whole onRequest stage as one hook, in this order: security headers and X-Request-Id,
 * wait for a pending cache reload, CORS (answers preflights), authenticate, API key scopes, rate
 * limit. One hook instead of six: each hook is a step of Fastify's chain on every request, and the
 * common case (a guest, no key, limits off) runs synchronously to the end.
 */
function requestPipeline(app: App, cors: Cors) {
  const authenticate = authenticateHook({ db: app.db, collections: app.collections });
  const apiKeyScopes = apiKeyScopesHook(app);
  const rateLimit = rateLimitHook(app);
  type Step = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;
  // Fastify's own chain catches a step that throws and answers with the error; so does this one,
  // also when a step runs from an earlier step's promise (a throw there would be an unhandled rejection).
  const run = (step: Step, request: FastifyRequest, reply: FastifyReply, next: HookHandlerDoneFunction): void => {
    try {
      step(request, reply, next);
    } catch (err) {
      next(err as Error);
    }
  };
  const afterCaches = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    if (cors(request, reply)) return;
    run(authenticate, request, reply, (err) => {
      if (err) return done(err);
      run(apiKeyScopes, request, reply, (err2) => {
        if (err2) return done(err2);
        run(rateLimit, request, reply, done);
      });
    });
  };
  return function galleyOnRequest(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    securityHeaders(request, reply);
    const settled = app.cachesSettled();
    if (settled === undefined) afterCaches(request, reply, done);
    else
      settled.then(() => {
        try {
          afterCaches(request, reply, done);
        } catch (err) {
          done(err as Error);
        }
      }, done);
  };
}

/** Builds the server and (by default) listens on `config.http`; `close()` stops accepting and drains. */
export async function startServer(app: App, options: StartServerOptions = {}): Promise<GalleyServer> {
  const fastify = await buildServer(app);
  let url = 'http://localhost';
  if (options.listen ?? true) {
    const { host, port } = parseHttpAddress(options.http ?? app.config.http);
    await fastify.listen({ host, port });
    const address = fastify.server.address();
    const bound = typeof address === 'object' && address ? address.port : port;
    const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
    url = `http://${shownHost}:${bound}`;
    await app.onServe.trigger({ app, url });
  } else {
    await fastify.ready();
  }
  let closing: Promise<void> | undefined;
  return {
    url,
    fastify,
    close() {
      closing ??= closeWithin(fastify, options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS);
      return closing;
    },
  };
}

const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

async function closeWithin(fastify: FastifyInstance, graceMs: number): Promise<void> {
  const cut = setTimeout(() => fastify.server.closeAllConnections(), graceMs);
  cut.unref();
  try {
    await fastify.close();
  } finally {
    clearTimeout(cut);
  }
}
