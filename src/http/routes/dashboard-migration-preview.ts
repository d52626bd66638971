/**
 * `POST /api/collections/meta/migration-preview` (superusers): the migration file automigrate
 * (`galley serve --dev`) would write if this collection were saved now. The body is what the
 * dashboard is about to send to create (no `id`, or an unknown one) or update (the `id` of an
 * existing collection) it. The collection is normalised exactly as a save would (same 400 field
 * errors), nothing is written. Ids that a save generates (new fields) differ between the preview
 * and the real file.
 */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { apiError } from '../../core/errors.js';
import { collectionMigrationSource } from '../../migrations/collection-migration-source.js';
import { slugifyMigrationName } from '../../migrations/migration-file.js';
import { normalizeCollection } from '../../records/collection-normalizer.js';
import { requireSuperuser } from '../middleware/require-superuser.js';

export function dashboardMigrationPreviewRoute(app: App): RouteOptions {
  return {
    method: 'POST',
    url: '/api/collections/meta/migration-preview',
    preHandler: requireSuperuser,
    handler: async function migrationPreview(request) {
      const body = request.body;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw apiError('bad_request', 'The collection must be a JSON object.');
      }
      const id = (body as Record<string, unknown>).id;
      const existing = typeof id === 'string' && id !== '' ? app.collections.find(id) : undefined;
      const now = new Date();
      const stamp = now.toISOString().replace('T', ' ');
      const others = app.collections.all().filter((c) => c.id !== existing?.id);
      const after = normalizeCollection(body, { existing, others, now: stamp });
      const change = existing
        ? collectionMigrationSource('update', existing, after, now)
        : collectionMigrationSource('create', undefined, after, now);
      return {
        action: existing ? 'update' : 'create',
        file: `${Math.floor(now.getTime() / 1000)}_${slugifyMigrationName(change.name)}.ts`,
        source: change.source,
      };
    },
  };
}
