/**
 * Updates whose body does not depend on the record's current values (plain sets, `n+`/`n-`) are,
 * on PostgreSQL, one `UPDATE ... RETURNING` validated before its COMMIT (records/record-service.ts
 * `#updateInPlace`), or, where SQL can decide the record's validity (records/validity-sql.ts), one
 * that commits alone; anything in doubt takes the locking path. These scenarios hold the answers
 * to what those paths must get exactly right, and run on SQLite too, where every update locks:
 * both databases must answer the same and keep the same data.
 */
import assert from 'node:assert/strict';
import { eachAppDialect } from '../http/test-app.js';
import type { TestApp } from '../http/test-app.js';
import { countQueries } from '../graphql/query-counter.js';

async function setUp(t: TestApp): Promise<{ guest: (method: string, path: string, body?: unknown) => ReturnType<TestApp['call']>; userId: string; blockedId: string }> {
  const users = await t.call('GET', '/api/collections/users');
  const usersId = String(users.body.id);
  const created = await t.call('POST', '/api/collections', {
    body: {
      name: 'counters',
      fields: [
        { name: 'n', type: 'number', min: 0, max: 10 },
        { name: 'big', type: 'number' },
        { name: 'code', type: 'text' },
        { name: 'locked', type: 'bool' },
        { name: 'ref', type: 'relation', collectionId: usersId, maxSelect: 1 },
        { name: 'tags', type: 'select', values: ['a', 'b', 'c'], maxSelect: 3 },
        { name: 'updated', type: 'autodate', onCreate: true, onUpdate: true },
      ],
      indexes: ['CREATE UNIQUE INDEX idx_counters_code ON counters (code) WHERE code != \'\''],
      viewRule: '',
      // Evaluated against the stored record, through a relation: it must hold inside the UPDATE.
      updateRule: 'locked = false && ref.name != "blocked"',
    },
  });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const user = await t.call('POST', '/api/collections/users/records', { body: { email: 'u@example.com', password: 'pass12345', passwordConfirm: 'pass12345', name: 'fine' } });
  const blocked = await t.call('POST', '/api/collections/users/records', { body: { email: 'b@example.com', password: 'pass12345', passwordConfirm: 'pass12345', name: 'blocked' } });
  assert.equal(user.status, 200, JSON.stringify(user.body));
  const guest = (method: string, path: string, body?: unknown) => t.call(method, path, { body, token: null });
  return { guest, userId: String(user.body.id), blockedId: String(blocked.body.id) };
}

async function newCounter(t: TestApp, body: Record<string, unknown>): Promise<string> {
  const res = await t.call('POST', '/api/collections/counters/records', { body });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return String(res.body.id);
}

async function stored(t: TestApp, id: string): Promise<{ body: Record<string, unknown>; etag: string | null }> {
  const res = await t.call('GET', `/api/collections/counters/records/${id}`);
  assert.equal(res.status, 200);
  return { body: res.body, etag: res.headers.get('etag') };
}

eachAppDialect('an update answers with the record as written, rules and If-Match decided on the stored row', async (t) => {
  const { guest, userId, blockedId } = await setUp(t);
  const id = await newCounter(t, { n: 1, code: 'x1', ref: userId });
  const before = await stored(t, id);
  const counter = countQueries(t.app.db, (sql) => !sql.includes('"counters"'));
  const res = await guest('PATCH', `/api/collections/counters/records/${id}`, { 'n+': 2, code: 'x2' });
  counter.restore();
  assert.equal(res.status, 200, JSON.stringify(res.body));
  // PostgreSQL: no read before the write (the locking path reads FOR UPDATE first).
  if (t.dialect === 'postgres') assert.deepEqual(counter.statements.map((sql) => sql.trim().split(' ')[0]), ['UPDATE'], counter.statements.join('\n'));
  assert.equal(res.body.n, 3);
  assert.equal(res.body.code, 'x2');
  assert.notEqual(res.body.updated, before.body.updated);
  const after = await stored(t, id);
  assert.deepEqual(after.body, res.body);
  assert.equal(after.etag, '"2"');

  // The rule reads the stored row: a locked record and one whose relation is blocked are not found.
  const locked = await newCounter(t, { n: 1, locked: true });
  assert.equal((await guest('PATCH', `/api/collections/counters/records/${locked}`, { 'n+': 1 })).status, 404);
  const viaBlocked = await newCounter(t, { n: 1, ref: blockedId });
  assert.equal((await guest('PATCH', `/api/collections/counters/records/${viaBlocked}`, { 'n+': 1 })).status, 404);
  // The body cannot unlock what the stored row denies.
  assert.equal((await guest('PATCH', `/api/collections/counters/records/${locked}`, { locked: false })).status, 404);
  assert.equal((await stored(t, locked)).body.locked, true);
  assert.equal((await stored(t, viaBlocked)).body.n, 1);

  const stale = await guest('PATCH', `/api/collections/counters/records/${id}`, { 'n+': 1 });
  assert.equal(stale.status, 200);
  const wrongVersion = await t.call('PATCH', `/api/collections/counters/records/${id}`, { body: { 'n+': 1 }, headers: { 'if-match': '"2"' } });
  assert.equal(wrongVersion.status, 412);
  const rightVersion = await t.call('PATCH', `/api/collections/counters/records/${id}`, { body: { 'n+': 1 }, headers: { 'if-match': '"3"' } });
  assert.equal(rightVersion.status, 200);
  assert.equal(rightVersion.body.n, 5);
  assert.equal((await guest('PATCH', '/api/collections/counters/records/nope12345678901', { 'n+': 1 })).status, 404);
});

eachAppDialect('an update whose result is invalid is a 400 with the field code and writes nothing', async (t) => {
  const { guest, userId } = await setUp(t);
  const id = await newCounter(t, { n: 9, big: 1e308, code: 'taken-no' });
  await newCounter(t, { n: 0, code: 'taken' });
  const before = await stored(t, id);
  const cases: Array<[Record<string, unknown>, string, string]> = [
    [{ 'n+': 5 }, 'n', 'validation_max_number_constraint'],
    [{ 'n-': 10 }, 'n', 'validation_min_number_constraint'],
    // Two finite numbers whose sum overflows: PocketBase's code for a number that is not one.
    [{ 'big+': 1e308 }, 'big', 'validation_not_a_number'],
    [{ code: 'taken' }, 'code', 'validation_not_unique'],
    [{ ref: 'missing00000000' }, 'ref', 'validation_missing_rel_records'],
    [{ tags: ['z'] }, 'tags', 'validation_invalid_select_value'],
    [{ n: 'abc' }, 'n', 'validation_invalid_value'],
  ];
  for (const [body, field, code] of cases) {
    const res = await guest('PATCH', `/api/collections/counters/records/${id}`, body);
    assert.equal(res.status, 400, `${JSON.stringify(body)} -> ${JSON.stringify(res.body)}`);
    assert.equal(res.body.data?.[field]?.code, code, `${JSON.stringify(body)} -> ${JSON.stringify(res.body)}`);
    assert.deepEqual(await stored(t, id), before, `${JSON.stringify(body)} changed the record`);
  }
  // The same fields with valid values go through.
  const good = await guest('PATCH', `/api/collections/counters/records/${id}`, { 'n+': 1, ref: userId, tags: ['a'] });
  assert.equal(good.status, 200, JSON.stringify(good.body));
  assert.deepEqual([good.body.n, good.body.ref, good.body.tags], [10, userId, ['a']]);
});

eachAppDialect('concurrent list modifiers and number modifiers on one record all count', async (t) => {
  const { guest } = await setUp(t);
  const id = await newCounter(t, { n: 0, tags: [] });
  const requests = [
    ...Array.from({ length: 6 }, (_, i) => ({ 'tags+': ['a', 'b', 'c'][i % 3] })),
    ...Array.from({ length: 10 }, () => ({ 'n+': 1 })),
  ];
  const results = await Promise.all(requests.map((body) => guest('PATCH', `/api/collections/counters/records/${id}`, body)));
  for (const r of results) assert.equal(r.status, 200, JSON.stringify(r.body));
  const final = await stored(t, id);
  assert.equal(final.body.n, 10);
  assert.deepEqual([...(final.body.tags as string[])].sort(), ['a', 'b', 'c']);
  assert.equal(final.etag, `"${requests.length + 1}"`);
});

eachAppDialect('a collection whose validity SQL decides: one statement without a transaction, and a record a schema change made invalid is refused exactly', async (t) => {
  const created = await t.call('POST', '/api/collections', {
    body: {
      name: 'scores',
      fields: [
        { name: 'title', type: 'text', required: true, max: 20 },
        { name: 'points', type: 'number', min: 0, max: 100, onlyInt: true },
        { name: 'open', type: 'bool' },
        { name: 'updated', type: 'autodate', onCreate: true, onUpdate: true },
      ],
      viewRule: '',
      updateRule: 'open = true',
    },
  });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const create = async (body: Record<string, unknown>): Promise<string> => {
    const res = await t.call('POST', '/api/collections/scores/records', { body });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return String(res.body.id);
  };
  const patch = (id: string, body: unknown) => t.call('PATCH', `/api/collections/scores/records/${id}`, { body, token: null });
  const read = async (id: string) => (await t.call('GET', `/api/collections/scores/records/${id}`)).body;
  const id = await create({ title: 'a long enough title', points: 10, open: true });

  const db = t.app.db as unknown as { transaction: (...args: unknown[]) => Promise<unknown> };
  const transaction = db.transaction;
  let transactions = 0;
  db.transaction = (...args: unknown[]) => {
    transactions++;
    return transaction.apply(t.app.db, args);
  };
  try {
    const res = await patch(id, { 'points+': 5 });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.points, 15);
    // PostgreSQL: the UPDATE commits alone; SQLite takes its locking path, a transaction.
    assert.equal(transactions, t.dialect === 'postgres' ? 0 : 1);
  } finally {
    db.transaction = transaction;
  }

  // Results the checks refuse: the exact code, nothing written.
  for (const [body, code] of [
    [{ 'points+': 86 }, 'validation_max_number_constraint'],
    [{ 'points-': 16 }, 'validation_min_number_constraint'],
    [{ 'points+': 0.5 }, 'validation_only_int_constraint'],
  ] as const) {
    const res = await patch(id, body);
    assert.equal(res.status, 400, `${JSON.stringify(body)} -> ${JSON.stringify(res.body)}`);
    assert.equal(res.body.data?.points?.code, code, JSON.stringify(res.body));
    assert.equal((await read(id)).points, 15);
  }

  // Stricter fields after the record was written: a field the update does not touch is now
  // invalid, and the update is refused with that field's error, as the validator decides it.
  const collection = await t.call('GET', '/api/collections/scores');
  const fields = (collection.body.fields as Array<Record<string, unknown>>).map((f) => (f.name === 'title' ? { ...f, max: 5 } : f));
  assert.equal((await t.call('PATCH', '/api/collections/scores', { body: { fields } })).status, 200);
  const refused = await patch(id, { 'points+': 1 });
  assert.equal(refused.status, 400, JSON.stringify(refused.body));
  assert.equal(refused.body.data?.title?.code, 'validation_max_text_constraint', JSON.stringify(refused.body));
  assert.equal((await read(id)).points, 15);
  // Setting the field in the same update makes the record valid again.
  const fixed = await patch(id, { 'points+': 1, title: 'short' });
  assert.equal(fixed.status, 200, JSON.stringify(fixed.body));
  assert.deepEqual([fixed.body.title, fixed.body.points], ['short', 16]);

  // Missing and denied rows still answer 404; concurrent modifiers all count.
  assert.equal((await patch('nope12345678901', { 'points+': 1 })).status, 404);
  const closed = await create({ title: 'x', points: 1, open: false });
  assert.equal((await patch(closed, { 'points+': 1 })).status, 404);
  const results = await Promise.all(Array.from({ length: 20 }, () => patch(id, { 'points+': 1 })));
  for (const r of results) assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal((await read(id)).points, 36);
});
