/**
 * The App's GraphQL engine, created on first use and shared by the GraphQL routes (HTTP and
 * WebSocket). Its limits and introspection policy are read from the settings (`graphql`) on every
 * request, so a PATCH /api/settings applies at once on every node; `--dev` always allows
 * introspection.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyRequest } from 'fastify';
import type { App } from '../../app/app.js';
import type { GraphQLOptions, GraphQLRequester, GraphQLService } from '../../graphql/graphql-service.js';
import { RecordReader } from '../../records/record-reader.js';
import { toApiError } from '../error-response.js';
import { realIp } from '../middleware/client-ip.js';
import { recordContext } from './records-context.js';

const engines = new WeakMap<App, GraphQLService>();
/** `graphql` is a large package only these routes need: it loads on first use, not at start-up. */
let serviceModule: Promise<typeof import('../../graphql/graphql-service.js')> | undefined;

export function graphqlOptions(app: App): GraphQLOptions {
  const s = app.settings.get().graphql;
  return { maxDepth: s.maxDepth, maxCost: s.maxCost, introspection: app.config.dev || s.introspection };
}

export async function graphqlEngine(app: App): Promise<GraphQLService> {
  let engine = engines.get(app);
  if (engine !== undefined) return engine;
  const { GraphQLService } = await (serviceModule ??= import('../../graphql/graphql-service.js'));
  engine = engines.get(app);
  if (engine === undefined) {
    const logger = app.logger.child({ module: 'graphql' });
    engine = new GraphQLService({
      db: app.db,
      collections: app.collections,
      records: app.records,
      reader: new RecordReader(app.db, app.collections),
      auth: app.auth,
      options: () => graphqlOptions(app),
      mapError: toApiError,
      onUnexpected: (err) => logger.error({ err }, 'unexpected error in a GraphQL resolver'),
      broker: app.realtime,
    });
    engines.set(app, engine);
  }
  return engine;
}

export function clientOf(app: App, raw: IncomingMessage): { ip: string; userAgent: string } {
  const userAgent = raw.headers['user-agent'];
  return { ip: realIp(raw, app.settings.get().trustedProxy), userAgent: typeof userAgent === 'string' ? userAgent : '' };
}

export function graphqlRequester(app: App, request: FastifyRequest): GraphQLRequester {
  return { auth: request.auth ?? null, token: request.authToken, record: recordContext(request), client: clientOf(app, request.raw) };
}
