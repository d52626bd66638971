import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { createTestDatabase, eachDatabase } from './databases.js';
import { dropTestSchemas, requireService, serviceAvailable, uniqueTestName, withSearchPath } from './services.js';

eachDatabase('gives a fresh, empty, writable database', async (db, ctx) => {
  assert.equal(db.dialect, ctx.dialect);
  assert.ok(existsSync(ctx.dir));
  await db.exec('CREATE TABLE "probe" ("id" TEXT PRIMARY KEY NOT NULL)');
  await db.run('INSERT INTO "probe" ("id") VALUES (?)', ['a']);
  assert.deepEqual(await db.all('SELECT "id" FROM "probe"'), [{ id: 'a' }]);
  if (ctx.dialect === 'postgres') assert.match(ctx.url ?? '', /search_path/);
});

test('cleanup drops the PostgreSQL schema', async (t) => {
  if (!(await requireService(t, 'postgres'))) return;
  const tdb = await createTestDatabase('postgres');
  const schema = new URL(tdb.url ?? '').searchParams.get('options')?.split('=')[1];
  await tdb.cleanup();
  await tdb.cleanup();
  const check = await createTestDatabase('postgres');
  try {
    const row = await check.db.get('SELECT count(*) AS n FROM pg_namespace WHERE nspname = ?', [schema ?? '']);
    assert.deepEqual(row, { n: 0 });
  } finally {
    await check.cleanup();
  }
});

test('cleanup removes the SQLite dir', async () => {
  const tdb = await createTestDatabase('sqlite');
  assert.ok(existsSync(tdb.dir));
  await tdb.cleanup();
  assert.equal(existsSync(tdb.dir), false);
});

test('withSearchPath replaces options and keeps the rest', () => {
  const url = withSearchPath('postgres://u:p@h:1/db?sslmode=disable&options=-c%20x%3D1', 's1');
  const u = new URL(url);
  assert.equal(u.searchParams.get('options'), '-c search_path=s1');
  assert.equal(u.searchParams.get('sslmode'), 'disable');
  assert.equal(u.pathname, '/db');
});

test('service probes answer booleans', async () => {
  assert.equal(typeof (await serviceAvailable('postgres')), 'boolean');
  assert.equal(typeof (await serviceAvailable('redis')), 'boolean');
});

test('dropTestSchemas drops only schemas under the prefix', async (t) => {
  if (!(await requireService(t, 'postgres'))) return;
  const prefix = uniqueTestName('drop');
  const mine = await createTestDatabase('postgres');
  try {
    await mine.db.exec(`CREATE SCHEMA "${prefix}_a"; CREATE SCHEMA "${prefix}_b"; CREATE SCHEMA "${prefix}x"`);
    const dropped = await dropTestSchemas(prefix);
    assert.deepEqual(dropped.sort(), [`${prefix}_a`, `${prefix}_b`]);
    const left = await mine.db.all('SELECT nspname FROM pg_namespace WHERE nspname LIKE ?', [`${prefix}%`]);
    assert.deepEqual(left, [{ nspname: `${prefix}x` }]);
    await mine.db.exec(`DROP SCHEMA "${prefix}x"`);
  } finally {
    await mine.cleanup();
  }
});
