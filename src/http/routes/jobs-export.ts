/**
 * `POST /api/jobs/export` (superusers): enqueues a `records.export` job, `{collection, format:
 * "csv"|"json", filter?, sort?, fields?}`, run with the requesting superuser's access. Answers the
 * job; its `result.fileKey` appears when it completes, and `GET /api/jobs/{id}/file` downloads it.
 */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { apiError } from '../../core/errors.js';
import { RECORDS_EXPORT_KIND, validateExportPayload } from '../../jobs/kinds/records-export.js';
import type { RecordsExportPayload } from '../../jobs/kinds/records-export.js';
import { requireSuperuser } from '../middleware/require-superuser.js';

export function jobsExportRoute(app: App): RouteOptions {
  return {
    method: 'POST',
    url: '/api/jobs/export',
    preHandler: requireSuperuser,
    handler: async function enqueueExport(request) {
      const auth = request.auth!;
      const payload: RecordsExportPayload = {
        ...validateExportPayload(request.body, app.collections),
        auth: { collectionId: auth.collection.id, id: auth.record.id },
      };
      const { id } = await app.jobs.enqueue(RECORDS_EXPORT_KIND, payload);
      const job = await app.jobs.get(id);
      if (!job) throw apiError('internal');
      return job;
    },
  };
}
