import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { deferred } from '../testing/deferred.js';
import { pgUrl, requireService } from '../testing/services.js';
import { DatabaseConnectError } from './database-connect-error.js';
import { openDatabase } from './open-database.js';

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'galley-open-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function connectError(code: string, message: RegExp): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof DatabaseConnectError, String(err));
    assert.equal(err.code, code);
    assert.match(err.message, message);
    // An operator-facing message, never a driver stack or the password.
    assert.doesNotMatch(err.message, /\n\s+at /);
    assert.doesNotMatch(err.message, /secret/);
    return true;
  };
}

test('no URL opens SQLite data.db in the data dir, creating it', async (t) => {
  const dir = join(await tempDir(t), 'a', 'b');
  for (const url of [undefined, '', '  ']) {
    const db = await openDatabase({ url, dataDir: dir });
    assert.equal(db.dialect, 'sqlite');
    await db.close();
  }
  assert.ok(existsSync(join(dir, 'data.db')));
  const other = await openDatabase({ dataDir: dir, file: 'aux.db' });
  await other.close();
  assert.ok(existsSync(join(dir, 'aux.db')));
});

test('SQLite page cache: 16000 KiB per connection by default, sqlitePageCacheKib sets both connections', async (t) => {
  const dir = await tempDir(t);
  for (const [options, expected] of [[{}, -16000], [{ sqlitePageCacheKib: 512 }, -512]] as const) {
    const db = await openDatabase({ dataDir: dir, file: `cache${expected}.db`, ...options });
    t.after(() => db.close());
    // Outside a transaction reads go to the write connection; while one is open, to the reader.
    assert.deepEqual(await db.get('PRAGMA cache_size'), { cache_size: expected });
    const inside = deferred();
    const finish = deferred();
    const tx = db.transaction(async (inner) => {
      await inner.run('CREATE TABLE IF NOT EXISTS t (x)');
      inside.resolve();
      await finish.promise;
    });
    await inside.promise;
    assert.deepEqual(await db.get('PRAGMA cache_size'), { cache_size: expected });
    finish.resolve();
    await tx;
  }
});

test('an unusable SQLite location is a DatabaseConnectError', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'not-a-dir');
  await writeFile(file, 'x');
  await assert.rejects(openDatabase({ dataDir: file }), (err) => {
    assert.ok(err instanceof DatabaseConnectError);
    assert.match(err.message, /Cannot open the SQLite database/);
    return true;
  });
});

test('an unsupported URL scheme is a clear error', async (t) => {
  const dir = await tempDir(t);
  await assert.rejects(openDatabase({ url: 'mysql://u:secret@h/db', dataDir: dir }), connectError('EINVALIDURL', /scheme "mysql:".*postgres:\/\//));
  await assert.rejects(openDatabase({ url: 'data.db', dataDir: dir }), connectError('EINVALIDURL', /Unsupported database URL/));
});

test('postgresql:// opens PostgreSQL', async (t) => {
  if (!(await requireService(t, 'postgres'))) return;
  const url = pgUrl().replace(/^postgres:/, 'postgresql:');
  const db = await openDatabase({ url, dataDir: await tempDir(t) });
  try {
    assert.equal(db.dialect, 'postgres');
    assert.deepEqual(await db.get('SELECT 1 AS "one"'), { one: 1 });
  } finally {
    await db.close();
  }
});

test('an unreachable PostgreSQL server is a clear error', async (t) => {
  await assert.rejects(
    openDatabase({ url: 'postgres://u:secret@127.0.0.1:1/nowhere', dataDir: await tempDir(t) }),
    connectError('ECONNREFUSED', /Cannot connect to PostgreSQL at 127\.0\.0\.1:1: connection refused/),
  );
});

test('a missing PostgreSQL database is a clear error', async (t) => {
  if (!(await requireService(t, 'postgres'))) return;
  const u = new URL(pgUrl());
  u.pathname = '/galley_no_such_database_x';
  await assert.rejects(
    openDatabase({ url: u.toString(), dataDir: await tempDir(t) }),
    connectError('3D000', /database "galley_no_such_database_x" does not exist/),
  );
});
