/**
 * `GET /api/jobs/{id}/file` (superusers): downloads the file a completed `records.export` job wrote
 * (`Content-Disposition: attachment`). 404 while the job has no file (other kinds, not finished,
 * or the file was deleted from storage).
 */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { apiError } from '../../core/errors.js';
import { RECORDS_EXPORT_KIND } from '../../jobs/kinds/records-export.js';
import type { RecordsExportResult } from '../../jobs/kinds/records-export.js';
import { requireSuperuser } from '../middleware/require-superuser.js';

export function jobsExportFileRoute(app: App): RouteOptions {
  return {
    method: 'GET',
    url: '/api/jobs/:id/file',
    preHandler: requireSuperuser,
    handler: async function downloadExport(request, reply) {
      const { id } = request.params as { id: string };
      const job = await app.jobs.get(id);
      const result = job?.result as Partial<RecordsExportResult> | null | undefined;
      if (!job || job.kind !== RECORDS_EXPORT_KIND || job.state !== 'completed' || typeof result?.fileKey !== 'string') {
        throw apiError('not_found', 'The job has no file to download.');
      }
      const stat = await app.files.stat(result.fileKey);
      if (!stat) throw apiError('not_found', 'The export file no longer exists.');
      const name = (result.fileName ?? 'export').replace(/[^\w.-]/g, '_');
      reply
        .type(result.contentType ?? 'application/octet-stream')
        .header('content-length', String(stat.size))
        .header('content-disposition', `attachment; filename="${name}"`);
      return reply.send(await app.files.get(result.fileKey));
    },
  };
}
