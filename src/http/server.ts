/**
 * The HTTP server: Fastify with Galley's request pipeline.
 *
 *   onRequest   security headers + X-Request-Id, CORS, authenticate (token -> request.auth)
 *   parsing     JSON (empty bodies allowed), urlencoded; body limit -> 413
 *   preHandler  route guards (requireSuperuser)
 *   handler     one file per action under routes/
 *   preSerial.  `?fields=` picking
 *   onResponse  request log (buffered, written off the hot path)
 *
 * Every error, whatever throws it, leaves through `toApiError` as PocketBase's `{status, message,
 * data}`; unexpected ones are logged with the request id and answered with a bare 500.
 */
import cors from '@fastify/cors';
import { LogController, fastify as createFastify } from 'fastify';
import type { FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../app/app.js';
import { parseHttpAddress } from '../app/config.js';
import { apiError } from '../core/errors.js';
import { apiRoutes } from './api-routes.js';
import { toApiError } from './error-response.js';
import { registerBodyParsers } from './json-body-parser.js';
import { authenticateHook } from './middleware/authenticate.js';
import { pickResponseFields } from './middleware/fields-picker.js';
import { requestId } from './middleware/request-id.js';
import { requestLogHook } from './middleware/request-log.js';
import { securityHeaders } from './middleware/security-headers.js';
import './request-context.js';

export interface StartServerOptions {
  /** Listen on a socket (default true). Tests may use `fastify.inject` without one. */
  listen?: boolean;
  /** Overrides `config.http`, e.g. `127.0.0.1:0` for a free port in tests. */
  http?: string;
}

export interface GalleyServer {
  /** `http://host:port` when listening, else `http://localhost` (inject only). */
  url: string;
  fastify: FastifyInstance;
  close(): Promise<void>;
}

export async function buildServer(app: App): Promise<FastifyInstance> {
  const fastify = createFastify({
    loggerInstance: app.logger.child({ module: 'http' }) as FastifyBaseLogger,
    // Galley writes its own request log (PocketBase's shape) into `_logs`.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    bodyLimit: app.config.bodyLimit,
    genReqId: requestId,
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000 },
  });

  fastify.decorateRequest('auth', null);
  fastify.decorateRequest('authToken', undefined);
  fastify.decorateRequest('apiError', undefined);

  fastify.addHook('onRequest', securityHeaders);
  fastify.addHook('onRequest', function waitForCacheReload(_request, _reply, done) {
    const settled = app.cachesSettled();
    if (settled === undefined) done();
    else settled.then(() => done(), done);
  });
  const origins = app.config.corsOrigins;
  await fastify.register(cors, {
    origin: origins.includes('*') ? '*' : [...origins],
    methods: ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE'],
    maxAge: 86400,
  });
  fastify.addHook('onRequest', authenticateHook({ db: app.db, collections: app.collections }));
  registerBodyParsers(fastify);
  fastify.addHook('preSerialization', pickResponseFields);
  fastify.addHook('onResponse', requestLogHook({ settings: app.settings, logWriter: app.logWriter }));

  fastify.setErrorHandler(function galleyErrorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
    const { error, unexpected } = toApiError(err);
    if (unexpected) request.log.error({ err, requestId: request.id }, 'unhandled error while serving a request');
    request.apiError = error;
    return reply.code(error.status).type('application/json; charset=utf-8').send(error.toJSON());
  });
  fastify.setNotFoundHandler(function galleyNotFound(request, reply) {
    const error = apiError('not_found');
    request.apiError = error;
    return reply.code(404).type('application/json; charset=utf-8').send(error.toJSON());
  });

  for (const route of apiRoutes) fastify.route(route(app));
  return fastify;
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
      closing ??= fastify.close();
      return closing;
    },
  };
}
