/** Realtime: PocketBase's SSE stream and its subscription endpoint. WebSockets are not OpenAPI operations. */
import { jsonBody, NO_CONTENT, obj, OPTIONAL_AUTH, ref, STRING } from '../openapi-helpers.js';
import type { PathArea } from './path-area.js';

const tags = ['Realtime'];

export const realtimeArea: PathArea = {
  tag: { name: 'Realtime', description: 'Server-sent events (PocketBase). The WebSocket protocol at /api/realtime/ws is described in docs/realtime.md.' },
  paths: () => [
    [
      '/api/realtime',
      {
        get: {
          tags,
          operationId: 'realtimeConnect',
          summary: 'Open the SSE stream',
          description: 'The first event is `PB_CONNECT` with `{clientId}`; then one event per matching change, named by the subscription string, data `{action, record}`. The stream does not end.',
          security: [{}],
          responses: { 200: { description: 'An endless event stream.', content: { 'text/event-stream': { schema: STRING } } }, 429: ref('responses', 'TooManyRequests') },
        },
        post: {
          tags,
          operationId: 'realtimeSubscribe',
          summary: "Set a client's subscriptions",
          description: 'Replaces the set (`[]` clears it) and binds the request\'s auth to the client: guest -> auth is allowed, another identity change is 403.',
          security: OPTIONAL_AUTH,
          requestBody: jsonBody(
            obj(
              {
                clientId: STRING,
                subscriptions: { type: 'array', items: { type: 'string', description: '`collection/*` or `collection/id`, optionally `?options={"query":...,"headers":...}`; or a custom topic.' } },
              },
              ['clientId'],
            ),
          ),
          responses: { ...NO_CONTENT, 400: ref('responses', 'BadRequest'), 403: ref('responses', 'Forbidden'), 404: ref('responses', 'NotFound') },
        },
      },
    ],
  ],
};
