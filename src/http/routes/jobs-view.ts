/** `GET /api/jobs/{id}` (superusers): one job with its payload, progress, last error and result. */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { apiError } from '../../core/errors.js';
import { requireSuperuser } from '../middleware/require-superuser.js';

export function jobsViewRoute(app: App): RouteOptions {
  return {
    method: 'GET',
    url: '/api/jobs/:id',
    preHandler: requireSuperuser,
    handler: async function viewJob(request) {
      const { id } = request.params as { id: string };
      const job = await app.jobs.get(id);
      if (!job) throw apiError('not_found', 'The job does not exist.');
      return job;
    },
  };
}
