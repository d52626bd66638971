/** `GET /api/logs/{id}` (superusers). */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { apiError } from '../../core/errors.js';
import { requireSuperuser } from '../middleware/require-superuser.js';

export function logsViewRoute(app: App): RouteOptions {
  return {
    method: 'GET',
    url: '/api/logs/:id',
    preHandler: requireSuperuser,
    handler: async function viewLog(request) {
      const { id } = request.params as { id: string };
      const log = await app.logs.find(id);
      if (!log) throw apiError('not_found');
      return log;
    },
  };
}
