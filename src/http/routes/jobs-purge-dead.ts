/** `DELETE /api/jobs/dead` (superusers): deletes every dead-lettered job; answers `{deleted: n}`. */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { requireSuperuser } from '../middleware/require-superuser.js';

export function jobsPurgeDeadRoute(app: App): RouteOptions {
  return {
    method: 'DELETE',
    url: '/api/jobs/dead',
    preHandler: requireSuperuser,
    handler: async function purgeDeadJobs() {
      return app.jobs.purgeDead();
    },
  };
}
