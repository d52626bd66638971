/**
 * Route handlers built by a factory are anonymous arrow functions; naming them keeps stack traces
 * and CPU profiles readable (`cancelJob`, not `handler`), as hand-written named handlers are.
 */
import type { RouteHandlerMethod } from 'fastify';

export function namedHandler<H extends RouteHandlerMethod>(name: string, handler: H): H {
  Object.defineProperty(handler, 'name', { value: name });
  return handler;
}
