/** `GET /api/logs/stats` (superusers): `[{total, date}]` per hour, optionally filtered. */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { compileLogFilter } from '../../logs/log-collection.js';
import { requireSuperuser } from '../middleware/require-superuser.js';

export function logsStatsRoute(app: App): RouteOptions {
  return {
    method: 'GET',
    url: '/api/logs/stats',
    preHandler: requireSuperuser,
    handler: async function logsStats(request) {
      const { filter } = (request.query ?? {}) as { filter?: unknown };
      const where = compileLogFilter(typeof filter === 'string' ? filter : '', app.logsDb.dialect);
      return app.logs.stats(where);
    },
  };
}
