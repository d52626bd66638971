/** Background jobs (superusers): list, view, retry, cancel, purge dead, record exports. */
import { json, jsonBody, LIST_PARAMS, listSchema, obj, pathParam, queryParam, ref, STRING, SUPERUSER_AUTH, SUPERUSER_ERRORS as su } from '../openapi-helpers.js';
import type { JsonSchema } from '../openapi-helpers.js';
import type { PathArea } from './path-area.js';

const tags = ['Jobs'];
const STATES = ['queued', 'running', 'completed', 'failed', 'dead', 'cancelled'];
const nullable = (type: string): JsonSchema => ({ type: [type, 'null'] });
const jobId = pathParam('id', 'The job id.');
const conflict = { 409: ref('responses', 'Conflict') };

function jobAction(action: 'retry' | 'cancel', summary: string): Record<string, JsonSchema> {
  return {
    post: {
      tags,
      operationId: `${action}Job`,
      summary,
      security: SUPERUSER_AUTH,
      parameters: [jobId],
      responses: { 200: json(ref('schemas', 'Job'), 'The job.'), ...su, 404: ref('responses', 'NotFound'), ...conflict },
    },
  };
}

export const jobsArea: PathArea = {
  tag: { name: 'Jobs', description: 'The durable job queue (superusers only).' },
  schemas: {
    Job: obj(
      {
        id: STRING,
        kind: STRING,
        queue: STRING,
        payload: {},
        state: { type: 'string', enum: STATES },
        priority: { type: 'integer' },
        runAt: STRING,
        attempts: { type: 'integer' },
        maxAttempts: { type: 'integer' },
        timeoutMs: { type: 'integer' },
        leaseUntil: nullable('string'),
        leaseOwner: nullable('string'),
        dedupKey: nullable('string'),
        progress: { anyOf: [obj({ done: { type: 'number' }, total: nullable('number'), message: STRING }, ['done', 'total', 'message']), { type: 'null' }] },
        lastError: nullable('string'),
        result: {},
        created: STRING,
        updated: STRING,
        finished: nullable('string'),
      },
      ['id', 'kind', 'queue', 'state', 'runAt', 'attempts', 'maxAttempts', 'created', 'updated'],
    ),
  },
  paths: () => [
    [
      '/api/jobs',
      {
        get: {
          tags,
          operationId: 'listJobs',
          summary: 'List jobs, newest first',
          description: '`filter` and `sort` use the rule language over the job columns; `state`, `kind` and `queue` are exact-match shortcuts.',
          security: SUPERUSER_AUTH,
          parameters: [
            ...LIST_PARAMS,
            queryParam('state', { type: 'string', enum: STATES }, 'Only jobs in this state.'),
            queryParam('kind', STRING, 'Only jobs of this kind.'),
            queryParam('queue', STRING, 'Only jobs of this queue.'),
          ],
          responses: { 200: json(listSchema(ref('schemas', 'Job')), 'A page of jobs.'), 400: ref('responses', 'BadRequest'), ...su },
        },
      },
    ],
    [
      '/api/jobs/dead',
      {
        delete: {
          tags,
          operationId: 'purgeDeadJobs',
          summary: 'Delete every dead-lettered job',
          security: SUPERUSER_AUTH,
          responses: { 200: json(obj({ deleted: { type: 'integer' } }, ['deleted']), 'How many were deleted.'), ...su },
        },
      },
    ],
    [
      '/api/jobs/export',
      {
        post: {
          tags,
          operationId: 'exportRecords',
          summary: 'Queue a `records.export` job (CSV or JSON)',
          description: 'Runs with the requesting superuser\'s access; when it completes, `result.fileKey` is set and `GET /api/jobs/{id}/file` downloads the file.',
          security: SUPERUSER_AUTH,
          requestBody: jsonBody(obj({ collection: STRING, format: { type: 'string', enum: ['csv', 'json'] }, filter: STRING, sort: STRING, fields: STRING }, ['collection', 'format'])),
          responses: { 200: json(ref('schemas', 'Job'), 'The queued job.'), 400: ref('responses', 'BadRequest'), ...su },
        },
      },
    ],
    [
      '/api/jobs/{id}',
      {
        get: {
          tags,
          operationId: 'viewJob',
          summary: 'View a job (payload, progress, last error, result)',
          security: SUPERUSER_AUTH,
          parameters: [jobId],
          responses: { 200: json(ref('schemas', 'Job'), 'The job.'), ...su, 404: ref('responses', 'NotFound') },
        },
      },
    ],
    ['/api/jobs/{id}/retry', jobAction('retry', 'Put a failed, dead or cancelled job back in the queue (409 for other states)')],
    ['/api/jobs/{id}/cancel', jobAction('cancel', 'Cancel a queued, retry-pending or running job (409 when finished)')],
    [
      '/api/jobs/{id}/file',
      {
        get: {
          tags,
          operationId: 'downloadJobFile',
          summary: 'Download the file a completed export job wrote',
          security: SUPERUSER_AUTH,
          parameters: [jobId],
          responses: {
            200: { description: 'The file, as an attachment.', content: { 'text/csv': { schema: STRING }, 'application/json': { schema: {} } } },
            ...su,
            404: ref('responses', 'NotFound'),
          },
        },
      },
    ],
  ],
};
