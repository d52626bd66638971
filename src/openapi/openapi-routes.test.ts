/**
 * The served `/api/openapi.json` describes every route the server registers under /api/ (and
 * nothing it does not serve): routes are read from the running Fastify instance, so a route added
 * anywhere (apiRoutes, realtime, ...) without its description fails here.
 */
import assert from 'node:assert/strict';
import { validate, compileErrors } from '@readme/openapi-parser';
import { eachAppDialect } from '../../test/http/test-app.js';
import { registeredRoutes } from './registered-routes.js';

/**
 * Registered routes deliberately not in the document. WebSocket endpoints (`/api/realtime/ws`,
 * `/api/graphql/ws`) are `upgrade` listeners, not Fastify routes, so they never show up here; they
 * are described in docs/realtime.md and docs/graphql.md.
 */
const NOT_DESCRIBED: ReadonlyArray<{ method: string; url: string; why: string }> = [
  // The tus protocol's own requests on an upload (offset query, chunk upload, termination): tus
  // clients speak them from the `Location` the documented creation POST returns.
  { method: 'HEAD', url: '/api/uploads/tus/:id', why: 'tus protocol' },
  { method: 'PATCH', url: '/api/uploads/tus/:id', why: 'tus protocol' },
  { method: 'DELETE', url: '/api/uploads/tus/:id', why: 'tus protocol' },
];

/** A Fastify `:param` matches any segment of the document; a document `{param}` only a `:param`. */
function sameRoute(fastifyUrl: string, docPath: string): boolean {
  const a = fastifyUrl.split('/');
  const b = docPath.split('/');
  if (a.length !== b.length) return false;
  return a.every((seg, i) => {
    const other = b[i]!;
    if (seg.startsWith(':')) return true;
    if (/^\{.+\}$/.test(other)) return false;
    return decodeURIComponent(other) === seg;
  });
}

eachAppDialect('/api/openapi.json describes every registered /api/ route, and only those', async (t) => {
  const res = await t.call('GET', '/api/openapi.json');
  assert.equal(res.status, 200);
  const doc = res.body as { paths: Record<string, Record<string, Record<string, unknown>>> };
  const result = await validate(structuredClone(doc) as never);
  assert.ok(result.valid, compileErrors(result));
  assert.ok(doc.paths['/api/collections/users/auth-with-password'], 'the default users collection is described');

  const routes = registeredRoutes(t.server.fastify).filter((r) => r.url.startsWith('/api/') && !r.implicitHead && r.method !== 'OPTIONS');
  assert.ok(routes.length > 50, `too few routes read from Fastify: ${routes.length}`);
  for (const n of NOT_DESCRIBED) assert.ok(routes.some((r) => r.method === n.method && r.url === n.url), `stale exclusion ${n.method} ${n.url}`);

  const missing = routes
    .filter((r) => !NOT_DESCRIBED.some((n) => n.method === r.method && n.url === r.url))
    .filter((r) => !Object.entries(doc.paths).some(([path, item]) => sameRoute(r.url, path) && item[r.method.toLowerCase()]))
    .map((r) => `${r.method} ${r.url}`);
  assert.deepEqual(missing, [], 'registered but not in /api/openapi.json');

  const methods = ['get', 'put', 'post', 'patch', 'delete', 'head'];
  const unserved: string[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!methods.includes(method)) continue;
      if (!routes.some((r) => r.method === method.toUpperCase() && sameRoute(r.url, path))) unserved.push(`${method.toUpperCase()} ${path}`);
      // The same facts for every operation: who may call, what comes back, a stable id.
      assert.ok(Array.isArray(op.security), `${method} ${path}: no security`);
      assert.ok(op.responses && typeof op.responses === 'object', `${method} ${path}: no responses`);
      assert.equal(typeof op.operationId, 'string', `${method} ${path}: no operationId`);
    }
  }
  assert.deepEqual(unserved, [], 'described but not served');
});
