/** `GET /api/logs/{id}` (superusers). */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { foundOr404, superuserIdRoute } from './superuser-id-route.js';

export function logsViewRoute(app: App): RouteOptions {
  return superuserIdRoute('GET', '/api/logs/:id', 'viewLog', async (id) => foundOr404(await app.logs.find(id)));
}
