/**
 * `onRealtimeConnectRequest` around the SSE route (`GET /api/realtime`). The route's handler
 * hijacks the reply and starts the stream synchronously; with no handler bound it is called as it
 * is (no promise per connection). With handlers, they run first: throwing answers a normal JSON
 * error before any stream exists, and `next()` opens the stream.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppHooks } from './app-hooks.js';

type ConnectHandler = (this: unknown, request: FastifyRequest, reply: FastifyReply) => void;

export function withConnectHook(app: { readonly hooks: AppHooks }, connect: ConnectHandler): (request: FastifyRequest, reply: FastifyReply) => unknown {
  return function connectWithHooks(this: unknown, request, reply) {
    const hook = app.hooks.onRealtimeConnectRequest;
    if (hook.length === 0) return connect.call(this, request, reply);
    let connected = false;
    return hook.trigger({ request, transport: 'sse' }, () => {
      connect.call(this, request, reply);
      connected = true;
    }).then(() => (connected ? reply : reply.code(204).send()));
  };
}
