/**
 * One IdempotencyStore per App (the store is per process and holds no request state), and the
 * route hooks every record write and batch share, scoped by requester.
 */
import type { App } from '../../app/app.js';
import { fastifyIdempotency } from '../../idempotency/fastify-idempotency.js';
import type { IdempotencyRouteHooks } from '../../idempotency/fastify-idempotency.js';
import { IdempotencyStore } from '../../idempotency/idempotency-store.js';
import { idempotencyScope } from './records-context.js';

const hooksByApp = new WeakMap<App, IdempotencyRouteHooks>();

export function recordIdempotency(app: App): IdempotencyRouteHooks {
  let hooks = hooksByApp.get(app);
  if (!hooks) {
    const store = new IdempotencyStore(app.db);
    // Stop the purge timer before the database it purges is closed.
    app.onTerminate.bind({ id: 'records-idempotency-store', fn: async (e) => { store.close(); await e.next(); } });
    hooks = fastifyIdempotency(store, { scopeOf: idempotencyScope });
    hooksByApp.set(app, hooks);
  }
  return hooks;
}
