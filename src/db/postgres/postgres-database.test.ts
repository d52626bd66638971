/**
 * What only the PostgreSQL backend does: named prepared statements and pipelined BEGIN/SAVEPOINT.
 * The behaviour both backends share is in the Database conformance suite.
 */
import assert from 'node:assert/strict';
import { Socket } from 'node:net';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { createTestPostgres, requireService } from '../../testing/services.js';
import { PostgresDatabase } from './postgres-database.js';

async function withDb(t: TestContext, fn: (db: PostgresDatabase, url: string) => Promise<void>, connectionLifetimeSec?: number): Promise<void> {
  if (!(await requireService(t, 'postgres'))) return;
  const pg = await createTestPostgres('pgdb');
  const db = await PostgresDatabase.open({ url: pg.url, maxConnections: 1, ...(connectionLifetimeSec === undefined ? {} : { connectionLifetimeSec }) });
  try {
    await fn(db, pg.url);
  } finally {
    await db.close();
    await pg.drop();
  }
}

const prepared = (db: PostgresDatabase) =>
  db.transaction(async (tx) => (await tx.all<{ statement: string }>('SELECT "statement" FROM pg_prepared_statements ORDER BY "statement"')).map((r) => r.statement));

test('a statement with parameters is prepared under a name from its second use, once', async (t) => {
  await withDb(t, async (db) => {
    await db.exec('CREATE TABLE "t" ("id" TEXT PRIMARY KEY NOT NULL, "n" INTEGER NOT NULL)');
    await db.run('INSERT INTO "t" ("id", "n") VALUES (?, ?)', ['a', 1]);
    const read = 'SELECT "n" FROM "t" WHERE "id" = ?';
    assert.deepEqual(await db.get(read, ['a']), { n: 1 });
    assert.deepEqual(await prepared(db), []);
    for (let i = 0; i < 3; i++) assert.deepEqual(await db.get(read, ['a']), { n: 1 });
    assert.deepEqual(await prepared(db), ['SELECT "n" FROM "t" WHERE "id" = $1']);
    // DDL through the database: the next uses prepare under a new name.
    await db.run('ALTER TABLE "t" ADD COLUMN "m" INTEGER NOT NULL DEFAULT 2');
    for (let i = 0; i < 2; i++) await db.get(read, ['a']);
    assert.equal((await prepared(db)).length, 2);
  });
});

test('a pooled connection is replaced after its lifetime, and with it the statements of older schema generations', async (t) => {
  await withDb(t, async (db) => {
    await db.exec('CREATE TABLE "t" ("id" TEXT PRIMARY KEY NOT NULL, "n" INTEGER NOT NULL)');
    await db.run('INSERT INTO "t" ("id", "n") VALUES (?, ?)', ['a', 1]);
    const read = 'SELECT "n" FROM "t" WHERE "id" = ?';
    const backend = async () => (await db.get<{ pid: number }>('SELECT pg_backend_pid() AS "pid"'))?.pid;
    for (let i = 0; i < 3; i++) await db.get(read, ['a']);
    await db.run('ALTER TABLE "t" ADD COLUMN "m" INTEGER NOT NULL DEFAULT 2');
    for (let i = 0; i < 2; i++) await db.get(read, ['a']);
    const first = await backend();
    assert.equal((await prepared(db)).length, 2);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    // The current generation's statement is prepared again on the new connection, under its name.
    assert.deepEqual(await db.get(read, ['a']), { n: 1 });
    assert.notEqual(await backend(), first);
    assert.deepEqual(await prepared(db), ['SELECT "n" FROM "t" WHERE "id" = $1']);
  }, 1);
});

test('pages and counts are never named: PostgreSQL plans them for their values on every call', async (t) => {
  await withDb(t, async (db) => {
    await db.exec('CREATE TABLE "t" ("id" TEXT PRIMARY KEY NOT NULL, "n" INTEGER NOT NULL)');
    await db.run('INSERT INTO "t" ("id", "n") VALUES (?, ?), (?, ?)', ['a', 1, 'b', 2]);
    for (let i = 0; i < 8; i++) {
      assert.deepEqual(await db.all('SELECT "id" FROM "t" WHERE "n" > ? ORDER BY "id" DESC LIMIT ? OFFSET ?', [0, 1, i % 2]), [{ id: i % 2 ? 'a' : 'b' }]);
      assert.deepEqual(await db.get('SELECT COUNT(*) AS "c" FROM "t" WHERE "n" > ?', [i % 3]), { c: i % 3 === 0 ? 2 : i % 3 === 1 ? 1 : 0 });
      await db.get('SELECT "id" FROM "t" WHERE "n" > ? LIMIT 1', [0]);
    }
    // The LIMIT 1 is written into the text, not bound: that statement is named like any other.
    assert.deepEqual(await prepared(db), ['SELECT "id" FROM "t" WHERE "n" > $1 LIMIT 1']);
  });
});

test('a SELECT * prepared before another process added a column is answered outside and after a transaction', async (t) => {
  await withDb(t, async (db, url) => {
    await db.exec('CREATE TABLE "t" ("id" TEXT PRIMARY KEY NOT NULL)');
    await db.run('INSERT INTO "t" ("id") VALUES (?)', ['a']);
    const read = 'SELECT * FROM "t" WHERE "id" = ?';
    for (let i = 0; i < 3; i++) await db.get(read, ['a']);
    const other = await PostgresDatabase.open({ url });
    try {
      await other.exec(`ALTER TABLE "t" ADD COLUMN "x" TEXT NOT NULL DEFAULT 'x'`);
      // Inside a transaction the refused statement fails that transaction, once.
      await assert.rejects(db.transaction(async (tx) => tx.get(read, ['a'])), (err: unknown) => (err as { code?: unknown }).code === '0A000');
      assert.deepEqual(await db.transaction(async (tx) => tx.get(read, ['a'])), { id: 'a', x: 'x' });
      await other.exec(`ALTER TABLE "t" ADD COLUMN "y" TEXT NOT NULL DEFAULT 'y'`);
      assert.deepEqual(await db.get(read, ['a']), { id: 'a', x: 'x', y: 'y' });
    } finally {
      await other.close();
    }
  });
});

test('pipelined SAVEPOINT: its own error is reported in an aborted transaction, and a failed savepoint leaves the transaction usable', async (t) => {
  await withDb(t, async (db) => {
    await db.exec('CREATE TABLE "t" ("id" TEXT PRIMARY KEY NOT NULL)');
    await db.transaction(async (tx) => {
      await tx.savepoint(async () => undefined);
      await tx.run('INSERT INTO "t" ("id") VALUES (?)', ['a']);
      await assert.rejects(
        tx.savepoint(async (sp) => sp.run('INSERT INTO "t" ("id") VALUES (?)', ['a'])),
        (err: unknown) => (err as { code?: unknown }).code === '23505',
      );
      const both = await Promise.all([tx.get('SELECT ?::int AS "i"', [1]), tx.get('SELECT ?::int AS "i"', [2])]);
      assert.deepEqual(both, [{ i: 1 }, { i: 2 }]);
      await tx.run('INSERT INTO "t" ("id") VALUES (?)', ['b']);
    });
    assert.deepEqual(await db.all('SELECT "id" FROM "t" ORDER BY "id"'), [{ id: 'a' }, { id: 'b' }]);
    const seen = await db
      .transaction(async (tx) => {
        await tx.run('INSERT INTO "t" ("id") VALUES (?)', ['a']).catch(() => {});
        return tx.savepoint(async (sp) => sp.get('SELECT 1 AS "x"')).then(
          () => 'opened',
          (err: unknown) => `${(err as { code?: unknown }).code} ${(err as Error).message}`,
        );
      })
      .catch((err: unknown) => `transaction: ${(err as Error).message}`);
    assert.match(seen, /^25P02 current transaction is aborted/);
  });
});

/** Socket writes to PostgreSQL while `fn` runs (each `_write`/`_writev` is one system call's worth). */
async function socketWrites(port: number, fn: () => Promise<void>): Promise<number> {
  const proto = Socket.prototype as unknown as Record<'_write' | '_writev', (this: Socket, ...args: unknown[]) => unknown>;
  const originals = { _write: proto._write, _writev: proto._writev };
  let writes = 0;
  for (const key of ['_write', '_writev'] as const) {
    const original = originals[key];
    proto[key] = function (this: Socket, ...args: unknown[]) {
      if (this.remotePort === port) writes++;
      return original.apply(this, args);
    };
  }
  try {
    await fn();
  } finally {
    proto._write = originals._write;
    proto._writev = originals._writev;
  }
  return writes;
}

test('BEGIN goes out with the first statement, and a runLast write with the COMMIT: one socket write each', async (t) => {
  await withDb(t, async (db, url) => {
    const port = Number(new URL(url).port || 5432);
    await db.exec('CREATE TABLE "t" ("id" TEXT PRIMARY KEY NOT NULL, "n" INTEGER NOT NULL)');
    await db.run('INSERT INTO "t" ("id", "n") VALUES (?, ?)', ['a', 1]);
    const bump = () =>
      db.transaction(async (tx) => {
        tx.runLast('UPDATE "t" SET "n" = "n" + 1 WHERE "id" = ?', ['a']);
      });
    const readThenWrite = () =>
      db.transaction(async (tx) => {
        const row = await tx.get<{ n: number }>('SELECT "n" FROM "t" WHERE "id" = ? FOR UPDATE', ['a']);
        tx.runLast('UPDATE "t" SET "n" = ? WHERE "id" = ?', [(row?.n ?? 0) + 10, 'a']);
      });
    // The first uses prepare named statements; measure after them.
    for (let i = 0; i < 3; i++) {
      await bump();
      await readThenWrite();
    }
    assert.equal(await socketWrites(port, bump), 1);
    assert.equal(await socketWrites(port, readThenWrite), 2);
    assert.deepEqual(await db.get('SELECT "n" FROM "t"'), { n: 1 + 4 + 40 });
  });
});
