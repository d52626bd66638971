/** Request logs (superusers): list, hourly stats, one entry. */
import { json, LIST_PARAMS, listSchema, obj, pathParam, ref, STRING, SUPERUSER_AUTH, SUPERUSER_ERRORS as su } from '../openapi-helpers.js';
import type { PathArea } from './path-area.js';

const tags = ['Logs'];

export const logsArea: PathArea = {
  tag: { name: 'Logs', description: 'Request and app logs (superusers only).' },
  schemas: {
    LogEntry: obj({ id: STRING, created: STRING, updated: STRING, level: { type: 'integer' }, message: STRING, data: { type: 'object' } }, ['id', 'created', 'level', 'message', 'data']),
  },
  paths: () => [
    [
      '/api/logs',
      {
        get: {
          tags,
          operationId: 'listLogs',
          summary: 'List logs, newest first',
          security: SUPERUSER_AUTH,
          parameters: LIST_PARAMS,
          responses: { 200: json(listSchema(ref('schemas', 'LogEntry')), 'A page of logs.'), 400: ref('responses', 'BadRequest'), ...su },
        },
      },
    ],
    [
      '/api/logs/stats',
      {
        get: {
          tags,
          operationId: 'logStats',
          summary: 'Log counts per hour',
          security: SUPERUSER_AUTH,
          parameters: [ref('parameters', 'filter')],
          responses: { 200: json({ type: 'array', items: obj({ total: { type: 'integer' }, date: STRING }, ['total', 'date']) }, 'One row per hour.'), 400: ref('responses', 'BadRequest'), ...su },
        },
      },
    ],
    [
      '/api/logs/{id}',
      {
        get: {
          tags,
          operationId: 'viewLog',
          summary: 'View a log entry',
          security: SUPERUSER_AUTH,
          parameters: [pathParam('id', 'The log id.')],
          responses: { 200: json(ref('schemas', 'LogEntry'), 'The entry.'), ...su, 404: ref('responses', 'NotFound') },
        },
      },
    ],
  ],
};
