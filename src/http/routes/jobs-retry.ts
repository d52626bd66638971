/**
 * `POST /api/jobs/{id}/retry` (superusers): a failed, dead or cancelled job back to the queue, due
 * now, attempts reset. Any other state is a 409.
 */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { superuserIdRoute } from './superuser-id-route.js';

export function jobsRetryRoute(app: App): RouteOptions {
  return superuserIdRoute('POST', '/api/jobs/:id/retry', 'retryJob', (id) => app.jobs.retry(id));
}
