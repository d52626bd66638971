import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { SQLITE_BUSY, SqliteDatabase } from './sqlite-database.js';
import { deferred } from '../../testing/deferred.js';

async function tempFile(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'galley-sqlite-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return join(dir, 'nested', 'data.db');
}

test('opens in WAL mode with NORMAL sync and foreign keys, creating the folder', async (t) => {
  const db = new SqliteDatabase({ file: await tempFile(t) });
  t.after(() => db.close());
  assert.deepEqual(await db.get('PRAGMA journal_mode'), { journal_mode: 'wal' });
  assert.deepEqual(await db.get('PRAGMA foreign_keys'), { foreign_keys: 1 });
  // synchronous is per connection: ask the writer (inside a transaction).
  await db.transaction(async (tx) => {
    assert.deepEqual(await tx.get('PRAGMA synchronous'), { synchronous: 1 });
  });
});

test('synchronous FULL on request', async (t) => {
  const db = new SqliteDatabase({ file: await tempFile(t), synchronous: 'FULL' });
  t.after(() => db.close());
  await db.transaction(async (tx) => {
    assert.deepEqual(await tx.get('PRAGMA synchronous'), { synchronous: 2 });
  });
});

test('another connection holding the write lock: writes wait for it, then apply', async (t) => {
  const file = await tempFile(t);
  const a = new SqliteDatabase({ file });
  const b = new SqliteDatabase({ file, busyTimeoutMs: 10_000 });
  t.after(async () => {
    await a.close();
    await b.close();
  });
  await a.exec('CREATE TABLE "c" ("n" INTEGER NOT NULL); INSERT INTO "c" VALUES (0)');
  const inside = deferred();
  const finish = deferred();
  const holder = a.transaction(async (tx) => {
    await tx.run('UPDATE "c" SET "n" = "n" + 1');
    inside.resolve();
    await finish.promise;
  });
  await inside.promise;
  const order: string[] = [];
  const write = b.run('UPDATE "c" SET "n" = "n" + 10').then(() => order.push('b wrote'));
  const txWrite = b
    .transaction(async (tx) => {
      await tx.run('UPDATE "c" SET "n" = "n" + 100');
    })
    .then(() => order.push('b tx'));
  // Reads on b are not blocked by a's lock, and see the last committed state.
  assert.deepEqual(await b.get('SELECT "n" FROM "c"'), { n: 0 });
  await new Promise((r) => setTimeout(r, 50));
  order.push('a commits');
  finish.resolve();
  await Promise.all([holder, write, txWrite]);
  assert.deepEqual(order, ['a commits', 'b wrote', 'b tx']);
  assert.deepEqual(await a.get('SELECT "n" FROM "c"'), { n: 111 });
});

test('a write lock held past busyTimeoutMs fails with a clear SQLITE_BUSY error', async (t) => {
  const file = await tempFile(t);
  const a = new SqliteDatabase({ file });
  const b = new SqliteDatabase({ file, busyTimeoutMs: 100 });
  t.after(async () => {
    await a.close();
    await b.close();
  });
  await a.exec('CREATE TABLE "c" ("n" INTEGER NOT NULL); INSERT INTO "c" VALUES (0)');
  const inside = deferred();
  const finish = deferred();
  const holder = a.transaction(async () => {
    inside.resolve();
    await finish.promise;
  });
  await inside.promise;
  const isBusy = (err: unknown): boolean => {
    assert.ok(err instanceof Error);
    assert.equal((err as Error & { code?: string }).code, SQLITE_BUSY);
    assert.match(err.message, /locked by another process/);
    return true;
  };
  await assert.rejects(b.run('UPDATE "c" SET "n" = 1'), isBusy);
  await assert.rejects(b.transaction(async () => {}), isBusy);
  // b's own writer mutex was released: it works once a lets go.
  finish.resolve();
  await holder;
  await b.run('UPDATE "c" SET "n" = 2');
  assert.deepEqual(await a.get('SELECT "n" FROM "c"'), { n: 2 });
});

test(':memory: uses one connection for everything', async () => {
  const db = new SqliteDatabase({ file: ':memory:' });
  await db.exec('CREATE TABLE "t" ("id" TEXT)');
  await db.transaction(async (tx) => {
    await tx.run('INSERT INTO "t" VALUES (?)', ['a']);
  });
  assert.deepEqual(await db.all('SELECT * FROM "t"'), [{ id: 'a' }]);
  await db.close();
});

test('a small statement cache still runs every statement correctly', async (t) => {
  const db = new SqliteDatabase({ file: await tempFile(t), statementCacheSize: 2 });
  t.after(() => db.close());
  await db.exec('CREATE TABLE "t" ("id" INTEGER)');
  for (let i = 0; i < 20; i++) {
    await db.run(`INSERT INTO "t" VALUES (${i % 5})`);
    // Distinct SQL texts keep evicting each other; each must still be prepared and run afresh.
    const row = await db.get<{ n: number }>(`SELECT COUNT(*) AS "n" FROM "t" WHERE "id" = ${i % 5}`);
    assert.equal(row?.n, Math.floor(i / 5) + 1);
  }
  assert.deepEqual(await db.get('SELECT COUNT(*) AS "n" FROM "t"'), { n: 20 });
});

test('all/get on a writing statement outside a transaction go to the writer', async (t) => {
  const db = new SqliteDatabase({ file: await tempFile(t) });
  t.after(() => db.close());
  await db.exec('CREATE TABLE "t" ("id" INTEGER PRIMARY KEY, "v" TEXT)');
  assert.deepEqual(await db.all('INSERT INTO "t" ("v") VALUES (?) RETURNING "id"', ['x']), [{ id: 1 }]);
  assert.deepEqual(await db.all('UPDATE "t" SET "v" = ?', ['y']), []);
  assert.equal(await db.get('DELETE FROM "t" WHERE "v" = ?', ['nope']), undefined);
  assert.deepEqual(await db.get('SELECT "v" FROM "t"'), { v: 'y' });
});

/** Runs `body` (ESM, with `SqliteDatabase` and `file` in scope) in a separate Node process. */
function inChildProcess(
  file: string,
  body: string,
  onStdout?: (text: string) => void,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const moduleUrl = new URL('./sqlite-database.ts', import.meta.url).href;
  const source = `import { SqliteDatabase } from ${JSON.stringify(moduleUrl)};\nconst file = ${JSON.stringify(file)};\n${body}`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', source], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => onStdout?.(d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
}

test('another process writing while this one holds a transaction waits, then succeeds', async (t) => {
  const file = await tempFile(t);
  const db = new SqliteDatabase({ file });
  t.after(() => db.close());
  await db.exec('CREATE TABLE "c" ("n" INTEGER NOT NULL); INSERT INTO "c" VALUES (0)');
  const inside = deferred();
  const finish = deferred();
  const holder = db.transaction(async (tx) => {
    await tx.run('UPDATE "c" SET "n" = "n" + 1');
    inside.resolve();
    await finish.promise;
  });
  await inside.promise;
  const childReady = deferred();
  const child = inChildProcess(
    file,
    `const db = new SqliteDatabase({ file, busyTimeoutMs: 30000 });
     process.stdout.write('writing\\n');
     await db.run('UPDATE "c" SET "n" = "n" + 10');
     await db.close();`,
    (text) => {
      if (text.includes('writing')) childReady.resolve();
    },
  );
  await Promise.race([childReady.promise, child]);
  // The child is now waiting for the lock (the result does not depend on this delay, only the
  // likelihood that the wait path is exercised).
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(await db.get('SELECT "n" FROM "c"'), { n: 0 });
  finish.resolve();
  await holder;
  const result = await child;
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(await db.get('SELECT "n" FROM "c"'), { n: 11 });
});

test('a committed transaction survives the process being killed right after COMMIT', async (t) => {
  const file = await tempFile(t);
  const setup = new SqliteDatabase({ file });
  await setup.exec('CREATE TABLE "c" ("n" INTEGER NOT NULL); INSERT INTO "c" VALUES (0)');
  await setup.close();
  const result = await inChildProcess(
    file,
    `const db = new SqliteDatabase({ file });
     await db.transaction(async (tx) => { await tx.run('UPDATE "c" SET "n" = 42'); });
     process.kill(process.pid, 'SIGKILL');`,
  );
  assert.equal(result.signal, 'SIGKILL', result.stderr);
  const db = new SqliteDatabase({ file });
  t.after(() => db.close());
  assert.deepEqual(await db.get('SELECT "n" FROM "c"'), { n: 42 });
});

test('exec outside a transaction is all or nothing, as on PostgreSQL', async (t) => {
  const db = new SqliteDatabase({ file: await tempFile(t) });
  t.after(() => db.close());
  await assert.rejects(db.exec('CREATE TABLE "a" ("id" TEXT); INSERT INTO "a" VALUES (\'x\'); SELEC broken'), /syntax error/);
  await assert.rejects(db.all('SELECT * FROM "a"'), /no such table/);
  await db.exec('CREATE TABLE "a" ("id" TEXT); INSERT INTO "a" VALUES (\'x\')');
  assert.deepEqual(await db.all('SELECT * FROM "a"'), [{ id: 'x' }]);
});

test('periodic PRAGMA optimize runs beside transactions without breaking them', async (t) => {
  const db = new SqliteDatabase({ file: await tempFile(t), optimizeIntervalMs: 1 });
  t.after(() => db.close());
  await db.exec('CREATE TABLE "t" ("id" INTEGER)');
  for (let i = 0; i < 20; i++) {
    await db.transaction(async (tx) => {
      await tx.run('INSERT INTO "t" VALUES (?)', [i]);
      await new Promise((r) => setTimeout(r, 2));
    });
    await new Promise((r) => setTimeout(r, 2));
  }
  assert.deepEqual(await db.get('SELECT COUNT(*) AS "n" FROM "t"'), { n: 20 });
});

test('statistics refreshed by the periodic PRAGMA optimize reach the read connection', async (t) => {
  const db = new SqliteDatabase({ file: await tempFile(t), optimizeIntervalMs: 5 });
  t.after(() => db.close());
  await db.exec('CREATE TABLE "p" ("id" INTEGER PRIMARY KEY, "v" INTEGER NOT NULL, "c" INTEGER NOT NULL); CREATE INDEX "p_c" ON "p" ("c"); CREATE INDEX "p_v" ON "p" ("v")');
  const plan = async (): Promise<string> => (await db.all<{ detail: string }>('EXPLAIN QUERY PLAN SELECT "id" FROM "p" WHERE "v" > 990 ORDER BY "c" DESC LIMIT 20')).map((r) => r.detail).join(' | ');
  // Without statistics SQLite walks the sort index.
  assert.match(await plan(), /USING INDEX p_c/);
  await db.transaction(async (tx) => {
    for (let i = 0; i < 3000; i++) await tx.run('INSERT INTO "p" VALUES (?, ?, ?)', [i, (i * 7919) % 1000, i]);
  });
  await db.get('SELECT COUNT(*) FROM "p" WHERE "v" > 990');
  const deadline = Date.now() + 10_000;
  while (!/USING INDEX p_v/.test(await plan())) {
    assert.ok(Date.now() < deadline, `reader kept its plan: ${await plan()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.deepEqual(await db.get('SELECT COUNT(*) AS "n" FROM "p" WHERE "v" > 990'), { n: 27 });
});

test('closing keeps the sqlite_stat4 samples of a table that grew (the default optimize dropped them)', async (t) => {
  const file = await tempFile(t);
  const db = new SqliteDatabase({ file, optimizeIntervalMs: 0 });
  await db.exec('CREATE TABLE "g" ("id" INTEGER PRIMARY KEY, "v" INTEGER NOT NULL); CREATE INDEX "g_v" ON "g" ("v")');
  const fill = (from: number, to: number) =>
    db.transaction(async (tx) => {
      for (let i = from; i < to; i++) await tx.run('INSERT INTO "g" VALUES (?, ?)', [i, i % 997]);
    });
  await fill(0, 1000);
  await db.exec('ANALYZE');
  await fill(1000, 30_000);
  // A query planned on the write connection marks the table for its shutdown optimize.
  await db.transaction((tx) => tx.get('SELECT COUNT(*) FROM "g" WHERE "v" = 5'));
  await db.close();
  const reopened = new SqliteDatabase({ file, optimizeIntervalMs: 0 });
  t.after(() => reopened.close());
  const row = await reopened.get<{ n: number }>(`SELECT COUNT(*) AS "n" FROM "sqlite_stat4" WHERE "tbl" = 'g'`);
  assert.ok((row?.n ?? 0) > 0, 'stat4 samples survive the shutdown optimize');
});
