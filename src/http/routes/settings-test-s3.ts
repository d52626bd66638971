/**
 * `POST /api/settings/test/s3` (superusers), PocketBase's S3 connection test: one listing request
 * to the bucket of the stored `s3` settings; 204 when it works, 400 with the service's error text
 * when it does not. Body `{filesystem}`: only `storage` exists in Galley (no backups filesystem).
 */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { apiError, fieldError, validationError } from '../../core/errors.js';
import { s3StoreOptions } from '../../files/create-file-store.js';
import { S3FileStore } from '../../files/s3/s3-file-store.js';
import { requestBody } from '../body/request-body.js';
import { requireSuperuser } from '../middleware/require-superuser.js';

export function settingsTestS3Route(app: App): RouteOptions {
  return {
    method: 'POST',
    url: '/api/settings/test/s3',
    preHandler: requireSuperuser,
    handler: async function testS3(request, reply) {
      const filesystem = requestBody(request.body).filesystem ?? 'storage';
      if (filesystem !== 'storage') {
        throw validationError({ filesystem: fieldError('validation_invalid_value', undefined, 'Only the "storage" filesystem exists.') });
      }
      const s3 = app.settings.get().s3;
      if (!s3.enabled) throw apiError('bad_request', 'S3 storage is not enabled.');
      const store = new S3FileStore(s3StoreOptions(s3));
      try {
        await store.checkConnection();
      } catch (err) {
        const detail = err instanceof Error ? err.message : String(err);
        throw apiError('bad_request', `Failed to initialize the S3 storage. Raw error: ${detail}`, undefined, err);
      } finally {
        await store.close();
      }
      return reply.code(204).send();
    },
  };
}
