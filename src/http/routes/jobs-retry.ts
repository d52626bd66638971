/**
 * `POST /api/jobs/{id}/retry` (superusers): a failed, dead or cancelled job back to the queue, due
 * now, attempts reset. Any other state is a 409.
 */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { requireSuperuser } from '../middleware/require-superuser.js';

export function jobsRetryRoute(app: App): RouteOptions {
  return {
    method: 'POST',
    url: '/api/jobs/:id/retry',
    preHandler: requireSuperuser,
    handler: async function retryJob(request) {
      const { id } = request.params as { id: string };
      return app.jobs.retry(id);
    },
  };
}
