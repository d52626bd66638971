/**
 * `GET /api/mail/outbox` (superusers): the dev outbox, newest first, as a PocketBase list. Messages
 * land there only on a `--dev` node with SMTP disabled; elsewhere the list is empty.
 */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { listResult, parseListQuery } from '../list-query.js';
import { requireSuperuser } from '../middleware/require-superuser.js';

export function mailOutboxRoute(app: App): RouteOptions {
  return {
    method: 'GET',
    url: '/api/mail/outbox',
    preHandler: requireSuperuser,
    handler: async function listOutbox(request) {
      const query = parseListQuery(request.query);
      const { items, total } = await app.mail.outbox.list(query.perPage, (query.page - 1) * query.perPage);
      return listResult(query, items, total);
    },
  };
}
