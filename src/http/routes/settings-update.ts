/** `PATCH /api/settings` (superusers): merged over the stored settings, validated, answered like GET. */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { requireSuperuser } from '../middleware/require-superuser.js';

export function settingsUpdateRoute(app: App): RouteOptions {
  return {
    method: 'PATCH',
    url: '/api/settings',
    preHandler: requireSuperuser,
    handler: async function updateSettings(request) {
      await app.settings.update(request.body ?? {});
      return app.settings.toPublic();
    },
  };
}
