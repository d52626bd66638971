/**
 * The routes a built Fastify instance really serves, read from `fastify.printRoutes` (Fastify has no
 * other public listing). Used by the OpenAPI completeness test and the malformed-input corpus, so
 * routes registered outside `apiRoutes` (realtime, dashboard, custom routes) are seen too.
 * WebSocket endpoints are `upgrade` listeners on the Node server, not Fastify routes: never listed.
 */
import type { FastifyInstance } from 'fastify';

export interface RegisteredRoute {
  method: string;
  /** Fastify's syntax: `:param` segments, `*` wildcards. */
  url: string;
  /** HEAD that Fastify adds by itself beside a GET (`exposeHeadRoutes`). */
  implicitHead: boolean;
}

const LINE = /^((?:│ {3}| {4})*)(?:├── |└── )(.*?) \(([A-Z, ]+)\)$/;

export function registeredRoutes(fastify: FastifyInstance): RegisteredRoute[] {
  const tree = fastify.printRoutes({ commonPrefix: false });
  const stack: string[] = [];
  const out: RegisteredRoute[] = [];
  for (const line of tree.split('\n')) {
    // Nodes without a route of their own ("├── /api/x" with no methods) still carry a prefix.
    const withMethods = LINE.exec(line);
    const bare = withMethods ? undefined : /^((?:│ {3}| {4})*)(?:├── |└── )(.*)$/.exec(line);
    const match = withMethods ?? bare;
    if (!match) continue;
    const depth = (match[1] ?? '').length / 4;
    stack.length = depth;
    const segment = match[2] ?? '';
    stack.push(segment);
    if (!withMethods) continue;
    const url = stack.join('');
    const methods = (withMethods[3] ?? '').split(',').map((m) => m.trim());
    for (const method of methods) out.push({ method, url, implicitHead: method === 'HEAD' && methods.includes('GET') });
  }
  return out;
}
