import assert from 'node:assert/strict';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { apiError, isApiError } from '../core/errors.js';
import type { Database } from '../db/database.js';
import { eachDatabase } from '../testing/databases.js';
import { fastifyIdempotency } from './fastify-idempotency.js';
import { IdempotencyStore } from './idempotency-store.js';

interface Harness {
  app: FastifyInstance;
  calls: () => number;
  /** Makes the next handler call wait until the returned function is called. */
  hold: () => () => void;
  failNext: (status: 500 | 429) => void;
  store: IdempotencyStore;
}

async function harness(db: Database): Promise<Harness> {
  const store = new IdempotencyStore(db, { purgeEveryMs: 0 });
  const app = Fastify();
  // The same mapping the HTTP layer does: ApiError -> PocketBase's {status, message, data}.
  app.setErrorHandler((err, _request, reply) => {
    if (isApiError(err)) return reply.code(err.status).send(err.toJSON());
    return reply.code(500).send({ status: 500, message: 'Something went wrong while processing your request.', data: {} });
  });
  let calls = 0;
  let gate: Promise<void> | undefined;
  let failure: 500 | 429 | undefined;
  const hooks = fastifyIdempotency(store, { scopeOf: (request) => `user:${String(request.headers['x-user'] ?? 'guest')}` });
  app.post<{ Body: { title?: string } }>('/api/collections/posts/records', { ...hooks }, async (request, reply) => {
    calls++;
    const n = calls;
    if (gate) await gate;
    if (failure) {
      const status = failure;
      failure = undefined;
      throw status === 429 ? apiError('too_many_requests') : new Error('database down');
    }
    reply.header('etag', `"v${n}"`);
    return { id: `rec${n}`, title: request.body.title ?? '' };
  });
  await app.ready();
  return {
    app,
    store,
    calls: () => calls,
    hold: () => {
      let open!: () => void;
      gate = new Promise<void>((resolve) => (open = resolve));
      return () => {
        gate = undefined;
        open();
      };
    },
    failNext: (status) => void (failure = status),
  };
}

const post = (app: FastifyInstance, body: unknown, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: '/api/collections/posts/records', payload: body as object, headers: { 'content-type': 'application/json', ...headers } });

eachDatabase('fastifyIdempotency: a retry replays the first response without running the handler', async (db) => {
  const h = await harness(db);
  try {
    const first = await post(h.app, { title: 'a' }, { 'idempotency-key': '"k1"' });
    assert.equal(first.statusCode, 200);
    assert.equal(first.headers['idempotent-replayed'], undefined);
    const second = await post(h.app, { title: 'a' }, { 'idempotency-key': '"k1"' });
    assert.equal(second.statusCode, 200);
    assert.equal(second.body, first.body);
    assert.equal(second.headers['idempotent-replayed'], 'true');
    assert.equal(second.headers.etag, first.headers.etag);
    assert.match(String(second.headers['content-type']), /application\/json/);
    assert.equal(h.calls(), 1);
    // Key order in the JSON body does not make it another request.
    const reordered = await h.app.inject({
      method: 'POST',
      url: '/api/collections/posts/records',
      payload: '{"title":"a"}',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'k1' },
    });
    assert.equal(reordered.headers['idempotent-replayed'], 'true');
    // Without a key every request runs.
    await post(h.app, { title: 'a' });
    await post(h.app, { title: 'a' });
    assert.equal(h.calls(), 3);
  } finally {
    await h.app.close();
  }
});

eachDatabase('fastifyIdempotency: another body with the same key answers 422; another user has its own keys', async (db) => {
  const h = await harness(db);
  try {
    await post(h.app, { title: 'a' }, { 'idempotency-key': 'k' });
    const other = await post(h.app, { title: 'b' }, { 'idempotency-key': 'k' });
    assert.equal(other.statusCode, 422);
    assert.deepEqual(Object.keys(other.json()), ['status', 'message', 'data']);
    const otherUser = await post(h.app, { title: 'b' }, { 'idempotency-key': 'k', 'x-user': 'u2' });
    assert.equal(otherUser.statusCode, 200);
    assert.equal(h.calls(), 2);
  } finally {
    await h.app.close();
  }
});

eachDatabase('fastifyIdempotency: a duplicate while the first is running answers 409', async (db) => {
  const h = await harness(db);
  try {
    const open = h.hold();
    const first = post(h.app, { title: 'a' }, { 'idempotency-key': 'k' });
    // Wait until the first request is inside the handler (it holds the key there).
    while (h.calls() === 0) await new Promise((r) => setImmediate(r));
    const dup = await post(h.app, { title: 'a' }, { 'idempotency-key': 'k' });
    assert.equal(dup.statusCode, 409);
    assert.equal(dup.json().status, 409);
    open();
    assert.equal((await first).statusCode, 200);
    assert.equal((await post(h.app, { title: 'a' }, { 'idempotency-key': 'k' })).headers['idempotent-replayed'], 'true');
  } finally {
    await h.app.close();
  }
});

eachDatabase('fastifyIdempotency: 5xx and 429 answers are not stored; the retry runs again', async (db) => {
  const h = await harness(db);
  try {
    h.failNext(500);
    assert.equal((await post(h.app, { title: 'a' }, { 'idempotency-key': 'k' })).statusCode, 500);
    h.failNext(429);
    assert.equal((await post(h.app, { title: 'a' }, { 'idempotency-key': 'k' })).statusCode, 429);
    const ok = await post(h.app, { title: 'a' }, { 'idempotency-key': 'k' });
    assert.equal(ok.statusCode, 200);
    assert.equal(ok.headers['idempotent-replayed'], undefined);
    assert.equal(h.calls(), 3);
  } finally {
    await h.app.close();
  }
});

eachDatabase('fastifyIdempotency: a malformed key answers 400 before the handler runs', async (db) => {
  const h = await harness(db);
  try {
    const res = await post(h.app, { title: 'a' }, { 'idempotency-key': '"unterminated' });
    assert.equal(res.statusCode, 400);
    assert.equal(h.calls(), 0);
  } finally {
    await h.app.close();
  }
}, { only: ['sqlite'] });
