/** `GET /api/settings` (superusers): every section, secrets blanked. */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { requireSuperuser } from '../middleware/require-superuser.js';

export function settingsViewRoute(app: App): RouteOptions {
  return {
    method: 'GET',
    url: '/api/settings',
    preHandler: requireSuperuser,
    handler: async function viewSettings() {
      return app.settings.toPublic();
    },
  };
}
