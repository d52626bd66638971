/**
 * `POST /api/uploads/{id}/finalize`: attaches a presigned upload to its record once the bytes are
 * in the bucket; answers the created or updated record like the records routes. JSON body: the
 * record's other fields (used when the upload creates the record), optional.
 */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { requestBody } from '../body/request-body.js';
import { recordContext } from './records-context.js';
import { formatEtag } from './records-etag.js';
import { checkFieldsParam, expandOption } from './records-params.js';
import { presignedUploads } from './uploads-service.js';

export function uploadsFinalizeRoute(app: App): RouteOptions {
  const uploads = presignedUploads(app);
  return {
    method: 'POST',
    url: '/api/uploads/:id/finalize',
    handler: async function finalizeUpload(request, reply) {
      checkFieldsParam(request);
      const { id } = request.params as { id: string };
      const { record, version } = await uploads.finalize(id, requestBody(request.body), expandOption(request), recordContext(request));
      reply.header('etag', formatEtag(version));
      return record;
    },
  };
}
