/** `GET /api/logs` (superusers): paginated, filterable, newest first by default. */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { compileLogFilter, compileLogSort } from '../../logs/log-collection.js';
import { listResult, parseListQuery } from '../list-query.js';
import { requireSuperuser } from '../middleware/require-superuser.js';

export function logsListRoute(app: App): RouteOptions {
  return {
    method: 'GET',
    url: '/api/logs',
    preHandler: requireSuperuser,
    handler: async function listLogs(request) {
      const query = parseListQuery(request.query);
      const dialect = app.logsDb.dialect;
      const where = compileLogFilter(query.filter, dialect);
      const orderBy = compileLogSort(query.sort, dialect);
      const { items, total } = await app.logs.list({
        ...(where ? { where } : {}),
        ...(orderBy ? { orderBy } : {}),
        limit: query.perPage,
        offset: (query.page - 1) * query.perPage,
        skipTotal: query.skipTotal,
      });
      return listResult(query, items, total);
    },
  };
}
