/**
 * `/api/graphql/ws`: the standard `graphql-ws` protocol (graphql-transport-ws) on a `ws` server
 * that shares the HTTP server's port. The client authenticates in `connection_init`
 * (`{authorization: "<token>"}`, the token PocketBase's SDK stores; `Bearer ` accepted); a bad
 * token is refused (4403), none means guest. Every operation goes through the same pipeline as
 * HTTP (persisted queries, validation, introspection policy, depth and cost limits), and
 * subscriptions are fed by the realtime broker with its rule checks.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { OperationTypeNode } from 'graphql';
import type { WebSocketServer } from 'ws';
import type { App } from '../../app/app.js';
import type { AuthState } from '../../auth/auth-record.js';
import { authenticateToken, isSuperuser, tokenFromHeader } from '../../auth/authenticate.js';
import { ruleAuth } from '../../auth/rule-auth.js';
import type { GraphQLRequester } from '../../graphql/graphql-service.js';
import { clientOf, graphqlEngine } from './graphql-engine.js';

export const GRAPHQL_WS_PATH = '/api/graphql/ws';
const ALL_OPERATIONS = new Set(['query', 'mutation', 'subscription'] as OperationTypeNode[]);

function requesterOf(app: App, auth: AuthState | null, token: string | undefined, request: IncomingMessage): GraphQLRequester {
  const rule = ruleAuth(auth);
  return {
    auth,
    token,
    client: clientOf(app, request),
    record: {
      auth: rule,
      isSuperuser: isSuperuser(auth),
      request: { auth: rule, method: 'GET', headers: request.headers as Record<string, unknown>, query: {}, context: 'realtime' },
    },
  };
}

/**
 * Attaches the GraphQL WebSocket endpoint to the Fastify server (closed with it). `graphql`,
 * `graphql-ws` and the engine load on the first upgrade to the path, not at start-up.
 */
export function registerGraphqlWebSocket(app: App, fastify: FastifyInstance): void {
  let endpoint: Promise<{ wss: WebSocketServer; dispose: () => unknown }> | undefined;
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== GRAPHQL_WS_PATH && path !== `${GRAPHQL_WS_PATH}/`) return; // another endpoint's upgrade
    endpoint ??= startEndpoint(app);
    endpoint.then(
      ({ wss }) => wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request)),
      () => socket.destroy(),
    );
  };
  fastify.server.on('upgrade', onUpgrade);
  fastify.addHook('onClose', async () => {
    fastify.server.off('upgrade', onUpgrade);
    const started = await endpoint?.catch(() => undefined);
    if (started === undefined) return;
    for (const client of started.wss.clients) client.close(1001, 'Server shutting down');
    await started.dispose();
    await new Promise<void>((resolve) => started.wss.close(() => resolve()));
  });
}

async function startEndpoint(app: App): Promise<{ wss: WebSocketServer; dispose: () => unknown }> {
  const [{ GraphQLError }, { useServer }, { WebSocketServer }, { isFailure }, engine] = await Promise.all([
    import('graphql'), import('graphql-ws/use/ws'), import('ws'), import('../../graphql/graphql-service.js'), graphqlEngine(app),
  ]);
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  const requesters = new WeakMap<object, GraphQLRequester>();
  const disposable = useServer<Record<string, unknown> | undefined>({
    onConnect: async (ctx) => {
      const params = ctx.connectionParams ?? {};
      const raw = params.authorization ?? params.Authorization ?? params.token;
      const token = tokenFromHeader(typeof raw === 'string' ? raw : undefined);
      let auth: AuthState | null = null;
      if (token !== undefined) {
        auth = (await authenticateToken({ db: app.db, collections: app.collections }, token)) ?? null;
        if (auth === null) return false;
      }
      requesters.set(ctx, requesterOf(app, auth, token, ctx.extra.request));
      return true;
    },
    onSubscribe: async (ctx, _id, payload) => {
      await app.cachesSettled();
      const requester = requesters.get(ctx) ?? requesterOf(app, null, undefined, ctx.extra.request);
      const prepared = engine.prepare(payload, requester, ALL_OPERATIONS);
      if (isFailure(prepared)) return prepared.errors.map((e) => new GraphQLError(e.message, { extensions: e.extensions ?? {} }));
      return {
        schema: prepared.schema,
        document: prepared.document,
        variableValues: prepared.variables,
        operationName: prepared.operationName,
        contextValue: engine.context(requester),
      };
    },
    onNext: (_ctx, _id, _payload, _args, result) => {
      if (!result.errors || result.errors.length === 0) return undefined;
      return { ...result, errors: result.errors.map((e) => engine.formatError(e)) };
    },
    onError: (_ctx, _id, _payload, errors) => errors.map((e) => engine.formatError(e)),
  }, wss);
  return { wss, dispose: () => disposable.dispose() };
}
