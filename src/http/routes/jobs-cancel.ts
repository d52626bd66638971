/**
 * `POST /api/jobs/{id}/cancel` (superusers): a queued, retry-pending or running job is cancelled
 * (a running handler is aborted through its signal). Finished jobs are a 409.
 */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { superuserIdRoute } from './superuser-id-route.js';

export function jobsCancelRoute(app: App): RouteOptions {
  return superuserIdRoute('POST', '/api/jobs/:id/cancel', 'cancelJob', (id) => app.jobs.cancel(id));
}
