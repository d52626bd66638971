/** The dev mail outbox (superusers). */
import { json, LIST_PARAMS, listSchema, ref, SUPERUSER_AUTH, SUPERUSER_ERRORS as su } from '../openapi-helpers.js';
import type { PathArea } from './path-area.js';

export const mailArea: PathArea = {
  tag: { name: 'Mail', description: 'Outgoing mail (superusers only); test sends are under System.' },
  paths: () => [
    [
      '/api/mail/outbox',
      {
        get: {
          tags: ['Mail'],
          operationId: 'mailOutbox',
          summary: 'The dev outbox, newest first',
          description: 'Messages land there only on a `--dev` node with SMTP disabled; elsewhere the list is empty.',
          security: SUPERUSER_AUTH,
          parameters: LIST_PARAMS,
          responses: { 200: json(listSchema({ type: 'object', description: 'A captured message (to, subject, html, text, ...).' }), 'A page of messages.'), 400: ref('responses', 'BadRequest'), ...su },
        },
      },
    ],
  ],
};
