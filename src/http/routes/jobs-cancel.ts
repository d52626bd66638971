/**
 * `POST /api/jobs/{id}/cancel` (superusers): a queued, retry-pending or running job is cancelled
 * (a running handler is aborted through its signal). Finished jobs are a 409.
 */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { requireSuperuser } from '../middleware/require-superuser.js';

export function jobsCancelRoute(app: App): RouteOptions {
  return {
    method: 'POST',
    url: '/api/jobs/:id/cancel',
    preHandler: requireSuperuser,
    handler: async function cancelJob(request) {
      const { id } = request.params as { id: string };
      return app.jobs.cancel(id);
    },
  };
}
