/** `GET /api/jobs/{id}` (superusers): one job with its payload, progress, last error and result. */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { foundOr404, superuserIdRoute } from './superuser-id-route.js';

export function jobsViewRoute(app: App): RouteOptions {
  return superuserIdRoute('GET', '/api/jobs/:id', 'viewJob', async (id) => foundOr404(await app.jobs.get(id), 'The job does not exist.'));
}
