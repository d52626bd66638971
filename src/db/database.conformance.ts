/**
 * The behaviour every `Database` implementation must show, registered as node:test tests for one
 * backend. `database.test.ts` runs it against SQLite and PostgreSQL; a new backend passes it
 * before anything else uses it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import type { Database, Dialect, Row, Transaction } from './database.js';
import { dbErrorKind } from './db-error-kind.js';
import { jsonArrayLength, jsonColumnType, jsonEach, jsonParam, quoteIdent } from './sql.js';
import { deferred } from '../testing/deferred.js';

export interface ConformanceDatabase {
  db: Database;
  /** A second, independent Database on the same data (another process would do the same). */
  openSecond(): Promise<Database>;
  cleanup(): Promise<void>;
}

export interface ConformanceTarget {
  dialect: Dialect;
  /** A fresh, empty database, or undefined after skipping `t` (service unavailable). */
  create(t: TestContext): Promise<ConformanceDatabase | undefined>;
}

type Body = (db: Database, env: { dialect: Dialect; target: ConformanceDatabase; t: TestContext }) => Promise<void>;

function codeOf(err: unknown): unknown {
  return (err as { code?: unknown } | null)?.code;
}

export function databaseConformance(target: ConformanceTarget): void {
  const { dialect } = target;
  const blob = dialect === 'sqlite' ? 'BLOB' : 'BYTEA';
  const bool = 'BOOLEAN';
  const jsonType = jsonColumnType(dialect);
  const forUpdate = dialect === 'postgres' ? ' FOR UPDATE' : '';

  function it(name: string, body: Body, timeout = 60_000): void {
    test(name, { timeout }, async (t) => {
      const target_ = await target.create(t);
      if (target_ === undefined) return;
      try {
        await body(target_.db, { dialect, target: target_, t });
      } finally {
        await target_.cleanup();
      }
    });
  }

  async function counterTable(db: Database): Promise<void> {
    await db.exec('CREATE TABLE "counter" ("id" TEXT PRIMARY KEY NOT NULL, "n" INTEGER NOT NULL)');
    await db.run('INSERT INTO "counter" ("id", "n") VALUES (?, ?)', ['c', 0]);
  }

  async function countRows(db: Database, table: string): Promise<number> {
    const row = await db.get<{ n: number }>(`SELECT COUNT(*) AS "n" FROM ${quoteIdent(table)}`);
    return Number(row?.n);
  }

  describe(`Database conformance [${dialect}]`, () => {
    it('reports its dialect', async (db) => {
      assert.equal(db.dialect, dialect);
      assert.equal(db.currentTransaction(), undefined);
    });

    it('CRUD: insert, select, update, delete with change counts', async (db) => {
      await db.exec('CREATE TABLE "posts" ("id" TEXT PRIMARY KEY NOT NULL, "title" TEXT NOT NULL DEFAULT \'\', "views" INTEGER NOT NULL DEFAULT 0)');
      assert.deepEqual(await db.run('INSERT INTO "posts" ("id", "title") VALUES (?, ?), (?, ?)', ['a', 'A', 'b', 'B']), { changes: 2 });
      assert.deepEqual(await db.all('SELECT "id", "title", "views" FROM "posts" ORDER BY "id"'), [
        { id: 'a', title: 'A', views: 0 },
        { id: 'b', title: 'B', views: 0 },
      ]);
      assert.deepEqual(await db.get('SELECT "title" FROM "posts" WHERE "id" = ?', ['b']), { title: 'B' });
      assert.equal(await db.get('SELECT "title" FROM "posts" WHERE "id" = ?', ['zzz']), undefined);
      assert.deepEqual(await db.all('SELECT "title" FROM "posts" WHERE "id" = ?', ['zzz']), []);
      assert.deepEqual(await db.run('UPDATE "posts" SET "views" = "views" + ? WHERE "id" <> ?', [5, 'nope']), { changes: 2 });
      assert.deepEqual(await db.run('UPDATE "posts" SET "views" = 1 WHERE "id" = ?', ['nope']), { changes: 0 });
      assert.deepEqual(await db.run('DELETE FROM "posts" WHERE "id" = ?', ['a']), { changes: 1 });
      assert.deepEqual(await db.all('SELECT "id", "views" FROM "posts"'), [{ id: 'b', views: 5 }]);
    });

    it('INSERT ... RETURNING through all/get, outside and inside a transaction', async (db) => {
      await db.exec('CREATE TABLE "r" ("id" TEXT PRIMARY KEY NOT NULL, "v" INTEGER NOT NULL)');
      assert.deepEqual(await db.all('INSERT INTO "r" ("id", "v") VALUES (?, ?) RETURNING "id", "v"', ['a', 1]), [{ id: 'a', v: 1 }]);
      await db.transaction(async (tx) => {
        assert.deepEqual(await tx.get('UPDATE "r" SET "v" = "v" + 1 WHERE "id" = ? RETURNING "v"', ['a']), { v: 2 });
      });
      assert.deepEqual(await db.get('SELECT "v" FROM "r"'), { v: 2 });
    });

    it('allValues/getValues: the values of each row in select order, outside, joining and inside a transaction', async (db) => {
      await db.exec('CREATE TABLE "r" ("id" TEXT PRIMARY KEY NOT NULL, "v" INTEGER NOT NULL, "s" TEXT)');
      await db.run('INSERT INTO "r" ("id", "v", "s") VALUES (?, ?, ?), (?, ?, ?)', ['a', 1, 'x', 'b', 2, null]);
      const read = 'SELECT "s", "id", "v" FROM "r" ORDER BY "id"';
      const one = 'SELECT "v", "id" FROM "r" WHERE "id" = ?';
      // Several uses of each text, so a cached or named prepared statement serves both shapes.
      for (let i = 0; i < 3; i++) {
        assert.deepEqual(await db.allValues(read), [['x', 'a', 1], [null, 'b', 2]]);
        assert.deepEqual(await db.all(read), [{ s: 'x', id: 'a', v: 1 }, { s: null, id: 'b', v: 2 }]);
        assert.deepEqual(await db.getValues(one, ['b']), [2, 'b']);
        assert.deepEqual(await db.get(one, ['b']), { v: 2, id: 'b' });
      }
      assert.equal(await db.getValues(one, ['zzz']), undefined);
      assert.deepEqual(await db.allValues('SELECT "id" FROM "r" WHERE "id" = ?', ['zzz']), []);
      await db.transaction(async (tx) => {
        assert.deepEqual(await tx.getValues('UPDATE "r" SET "v" = "v" + 1 WHERE "id" = ? RETURNING "id", "v"', ['a']), ['a', 2]);
        // app.db inside the transaction's async context joins it.
        assert.deepEqual(await db.getValues(one, ['a']), [2, 'a']);
        // A statement without RETURNING runs and answers no rows, as all/get do.
        assert.deepEqual(await tx.allValues('UPDATE "r" SET "v" = "v" + 1 WHERE "id" = ?', ['b']), []);
        assert.equal(await tx.getValues('UPDATE "r" SET "v" = "v" + 1 WHERE "id" = ?', ['b']), undefined);
      });
      assert.deepEqual(await db.allValues('SELECT "v" FROM "r" ORDER BY "id"'), [[2], [4]]);
      assert.deepEqual(await db.getValues('INSERT INTO "r" ("id", "v") VALUES (?, ?) RETURNING "v", "id"', ['c', 9]), [9, 'c']);
    });

    it('binds every parameter type', async (db) => {
      await db.exec(
        `CREATE TABLE "p" ("id" INTEGER PRIMARY KEY NOT NULL, "s" TEXT, "i" INTEGER, "f" DOUBLE PRECISION, "b" ${bool}, "big" BIGINT, "bin" ${blob})`,
      );
      const long = 'x'.repeat(1_000_000) + 'é';
      const unicode = 'héllo wörld — 日本語 🙂 \u{1F468}\u200D\u{1F469}\u200D\u{1F467} a\u0301 \u2028';
      const rows: Array<[number, string | null, number | null, number | null, boolean | null, bigint | null, Uint8Array | null]> = [
        [1, 'plain', 42, 1.5, true, 9007199254740991n, new Uint8Array([0, 1, 2, 255])],
        [2, unicode, -7, -0.25, false, -5n, new Uint8Array([])],
        [3, long, 0, 1e300, null, 0n, null],
        [4, null, null, null, null, null, null],
        [5, '', 2147483647, 0, true, 1n, Buffer.from('buf')],
        [6, "quote ' and \" and ? and \\ and $1", 1, 2.75, false, 123456789012n, null],
      ];
      for (const r of rows) {
        await db.run('INSERT INTO "p" ("id", "s", "i", "f", "b", "big", "bin") VALUES (?, ?, ?, ?, ?, ?, ?)', r);
      }
      const got = await db.all<Row>('SELECT * FROM "p" ORDER BY "id"');
      assert.equal(got.length, rows.length);
      for (let k = 0; k < rows.length; k++) {
        const [id, s, i, f, b, big, bin] = rows[k]!;
        const row = got[k]!;
        assert.equal(Number(row.id), id);
        assert.equal(row.s, s);
        assert.equal(row.i === null ? null : Number(row.i), i);
        assert.equal(row.f === null ? null : Number(row.f), f);
        // SQLite returns booleans as 0/1, PostgreSQL as true/false: truthiness is the contract.
        assert.equal(row.b === null ? null : Boolean(row.b), b);
        assert.equal(row.big === null ? null : BigInt(row.big as number | bigint), big);
        if (bin === null) assert.equal(row.bin, null);
        else assert.deepEqual(new Uint8Array(row.bin as Uint8Array), new Uint8Array(bin));
      }
      // `undefined` from untyped code binds as NULL on both.
      await db.run('INSERT INTO "p" ("id", "s") VALUES (?, ?)', [7, undefined as unknown as null]);
      assert.deepEqual(await db.get('SELECT "s" FROM "p" WHERE "id" = ?', [7]), { s: null });
      await db.run('DELETE FROM "p" WHERE "id" = ?', [7]);
      // Booleans work in WHERE clauses on both engines.
      assert.deepEqual(await db.all('SELECT "id" FROM "p" WHERE "b" = ? ORDER BY "id"', [true]), [{ id: 1 }, { id: 5 }]);
      assert.deepEqual(await db.all('SELECT "id" FROM "p" WHERE "b" = ? ORDER BY "id"', [false]), [{ id: 2 }, { id: 6 }]);
      // COUNT is a plain number on both (PostgreSQL's int8 is parsed when it is a safe integer).
      assert.deepEqual(await db.get('SELECT COUNT(*) AS "n" FROM "p"'), { n: rows.length });
      // Large integers round-trip exactly as text.
      const big = await db.get<{ t: string }>('SELECT CAST("big" AS TEXT) AS "t" FROM "p" WHERE "id" = ?', [1]);
      assert.equal(big?.t, '9007199254740991');
      // Strings compare byte-wise in both (no implicit collation surprises on parameters).
      assert.deepEqual(await db.get('SELECT "id" FROM "p" WHERE "s" = ?', [unicode]), { id: 2 });
    });

    it('rolls back when the transaction function throws, and rethrows the error', async (db) => {
      await counterTable(db);
      const boom = new Error('boom');
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.run('UPDATE "counter" SET "n" = 99');
          await tx.run('INSERT INTO "counter" ("id", "n") VALUES (?, ?)', ['x', 1]);
          throw boom;
        }),
        (err) => err === boom,
      );
      assert.deepEqual(await db.all('SELECT "id", "n" FROM "counter"'), [{ id: 'c', n: 0 }]);
      // The database is usable afterwards (writer released, connection clean).
      await db.transaction(async (tx) => {
        await tx.run('UPDATE "counter" SET "n" = 1');
      });
      assert.deepEqual(await db.get('SELECT "n" FROM "counter"'), { n: 1 });
    });

    it('rolls back when a statement fails and surfaces the driver code on err.code', async (db) => {
      await counterTable(db);
      let caught: unknown;
      try {
        await db.transaction(async (tx) => {
          await tx.run('UPDATE "counter" SET "n" = 5');
          await tx.run('INSERT INTO "counter" ("id", "n") VALUES (?, ?)', ['c', 1]);
        });
      } catch (err) {
        caught = err;
      }
      assert.ok(caught instanceof Error);
      assert.equal(typeof codeOf(caught), 'string');
      assert.equal(dbErrorKind(caught), 'unique');
      assert.deepEqual(await db.get('SELECT "n" FROM "counter"'), { n: 0 });
    });

    it('errors outside transactions are Errors with codes', async (db) => {
      await counterTable(db);
      const expectKind = async (p: Promise<unknown>, kind: string): Promise<void> => {
        await assert.rejects(p, (err: unknown) => {
          assert.ok(err instanceof Error);
          assert.equal(typeof codeOf(err), 'string', `code on ${String(err)}`);
          assert.equal(dbErrorKind(err), kind, `${String(codeOf(err))}: ${err.message}`);
          return true;
        });
      };
      await expectKind(db.run('INSERT INTO "counter" ("id", "n") VALUES (?, ?)', ['c', 1]), 'unique');
      await expectKind(db.run('INSERT INTO "counter" ("id", "n") VALUES (?, ?)', ['d', null]), 'not_null');
      await expectKind(db.all('SELECT * FROM "missing_table"'), 'undefined_table');
      await expectKind(db.all('SELECT "nope" FROM "counter"'), 'undefined_column');
      await expectKind(db.all('SELEC 1'), 'syntax');
      await expectKind(db.exec('SELEC 1'), 'syntax');
      await db.exec(
        'CREATE TABLE "parent" ("id" TEXT PRIMARY KEY NOT NULL); CREATE TABLE "child" ("id" TEXT PRIMARY KEY NOT NULL, "parent" TEXT REFERENCES "parent" ("id"))',
      );
      await expectKind(db.run('INSERT INTO "child" ("id", "parent") VALUES (?, ?)', ['k', 'nope']), 'foreign_key');
    });

    it('afterCommit runs once after COMMIT, outside the transaction, and never after a rollback', async (db) => {
      await counterTable(db);
      const events: string[] = [];
      let seenInCallback: unknown;
      let txInCallback: Transaction | undefined = undefined;
      const result = await db.transaction(async (tx) => {
        await tx.run('UPDATE "counter" SET "n" = 1');
        tx.afterCommit(async () => {
          events.push('first');
          txInCallback = db.currentTransaction();
          seenInCallback = await db.get('SELECT "n" FROM "counter"');
        });
        tx.afterCommit(() => {
          events.push('second');
        });
        assert.deepEqual(events, []);
        return 'result';
      });
      assert.equal(result, 'result');
      assert.deepEqual(events, ['first', 'second']);
      assert.equal(txInCallback, undefined);
      assert.deepEqual(seenInCallback, { n: 1 });

      events.length = 0;
      await assert.rejects(
        db.transaction(async (tx) => {
          tx.afterCommit(() => {
            events.push('rolled back');
          });
          throw new Error('abort');
        }),
        /abort/,
      );
      assert.deepEqual(events, []);
    });

    it('runLast: the write commits with the transaction; its failure rolls everything back with the mapped error', async (db) => {
      await counterTable(db);
      const events: string[] = [];
      await db.transaction(async (tx) => {
        await tx.run('UPDATE "counter" SET "n" = 1');
        tx.runLast('INSERT INTO "counter" ("id", "n") VALUES (?, ?)', ['d', 7]);
        tx.afterCommit(() => {
          events.push('committed');
        });
      });
      assert.deepEqual(events, ['committed']);
      assert.deepEqual(await db.all('SELECT "id", "n" FROM "counter" ORDER BY "id"'), [{ id: 'c', n: 1 }, { id: 'd', n: 7 }]);

      class Mapped extends Error {}
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.run('UPDATE "counter" SET "n" = 2');
          // A duplicate key: unique violation.
          tx.runLast('INSERT INTO "counter" ("id", "n") VALUES (?, ?)', ['c', 9], (err) => new Mapped(dbErrorKind(err)));
          tx.afterCommit(() => {
            events.push('must not run');
          });
        }),
        (err: unknown) => err instanceof Mapped && err.message === 'unique',
      );
      assert.deepEqual(events, ['committed']);
      assert.deepEqual(await db.all('SELECT "id", "n" FROM "counter" ORDER BY "id"'), [{ id: 'c', n: 1 }, { id: 'd', n: 7 }]);
      // The connection is usable afterwards (PostgreSQL: the failed transaction was ended).
      await db.transaction(async (tx) => {
        tx.runLast('UPDATE "counter" SET "n" = ? WHERE "id" = ?', [5, 'd']);
      });
      assert.deepEqual(await db.get('SELECT "n" FROM "counter" WHERE "id" = ?', ['d']), { n: 5 });
    });

    it('runLast: no statement may follow it; in a savepoint its failure undoes the savepoint alone', async (db) => {
      await counterTable(db);
      await assert.rejects(
        db.transaction(async (tx) => {
          tx.runLast('UPDATE "counter" SET "n" = 1');
          await tx.get('SELECT "n" FROM "counter"');
        }),
        /No statement may follow runLast/,
      );
      assert.deepEqual(await db.get('SELECT "n" FROM "counter"'), { n: 0 });

      await db.transaction(async (tx) => {
        await tx.run('UPDATE "counter" SET "n" = 1');
        await assert.rejects(
          tx.savepoint(async (sp) => {
            await sp.run('UPDATE "counter" SET "n" = 2');
            sp.runLast('INSERT INTO "counter" ("id", "n") VALUES (?, ?)', ['c', 3]);
          }),
          (err: unknown) => dbErrorKind(err) === 'unique',
        );
        await tx.savepoint(async (sp) => {
          sp.runLast('INSERT INTO "counter" ("id", "n") VALUES (?, ?)', ['e', 4]);
        });
        // The outer transaction goes on after its savepoints' runLast.
        await tx.run('UPDATE "counter" SET "n" = "n" + 10 WHERE "id" = ?', ['c']);
      });
      assert.deepEqual(await db.all('SELECT "id", "n" FROM "counter" ORDER BY "id"'), [{ id: 'c', n: 11 }, { id: 'e', n: 4 }]);
    });

    it('a failing afterCommit callback does not fail the committed transaction', async (db) => {
      await counterTable(db);
      const reported: unknown[] = [];
      const original = console.error;
      console.error = (...args: unknown[]) => {
        reported.push(args);
      };
      let ran = false;
      try {
        await db.transaction(async (tx) => {
          await tx.run('UPDATE "counter" SET "n" = 3');
          tx.afterCommit(() => {
            throw new Error('callback failed');
          });
          tx.afterCommit(() => {
            ran = true;
          });
        });
      } finally {
        console.error = original;
      }
      assert.equal(ran, true);
      assert.equal(reported.length, 1);
      assert.deepEqual(await db.get('SELECT "n" FROM "counter"'), { n: 3 });
    });

    it('savepoint: a failing savepoint rolls back alone; its afterCommit callbacks are dropped', async (db) => {
      await db.exec('CREATE TABLE "items" ("id" TEXT PRIMARY KEY NOT NULL)');
      const events: string[] = [];
      await db.transaction(async (tx) => {
        await tx.run('INSERT INTO "items" ("id") VALUES (?)', ['outer-1']);
        await assert.rejects(
          tx.savepoint(async (sp) => {
            await sp.run('INSERT INTO "items" ("id") VALUES (?)', ['inner-rolled-back']);
            sp.afterCommit(() => {
              events.push('dropped');
            });
            // A failing statement: on PostgreSQL this also aborts the transaction until ROLLBACK TO.
            await sp.run('INSERT INTO "items" ("id") VALUES (?)', ['outer-1']);
          }),
          (err: unknown) => dbErrorKind(err) === 'unique',
        );
        const kept = await tx.savepoint(async (sp) => {
          await sp.run('INSERT INTO "items" ("id") VALUES (?)', ['inner-kept']);
          sp.afterCommit(() => {
            events.push('kept');
          });
          // Nested savepoints.
          await assert.rejects(
            sp.savepoint(async (sp2) => {
              await sp2.run('INSERT INTO "items" ("id") VALUES (?)', ['deep-rolled-back']);
              throw new Error('deep');
            }),
            /deep/,
          );
          await sp.savepoint(async (sp2) => {
            await sp2.run('INSERT INTO "items" ("id") VALUES (?)', ['deep-kept']);
          });
          return 'kept';
        });
        assert.equal(kept, 'kept');
        await tx.run('INSERT INTO "items" ("id") VALUES (?)', ['outer-2']);
        assert.deepEqual(events, []);
      });
      assert.deepEqual(events, ['kept']);
      const ids = (await db.all<{ id: string }>('SELECT "id" FROM "items" ORDER BY "id"')).map((r) => r.id);
      assert.deepEqual(ids, ['deep-kept', 'inner-kept', 'outer-1', 'outer-2']);
    });

    it('calls to the Database inside a transaction join it (AsyncLocalStorage)', async (db) => {
      await db.exec('CREATE TABLE "items" ("id" TEXT PRIMARY KEY NOT NULL)');
      // A "hook" that only knows the Database, called deep in the transaction's async context.
      async function hook(id: string): Promise<number> {
        await new Promise((r) => setImmediate(r));
        await db.run('INSERT INTO "items" ("id") VALUES (?)', [id]);
        return countRows(db, 'items');
      }
      await db.transaction(async (tx) => {
        assert.equal(db.currentTransaction(), tx);
        await tx.run('INSERT INTO "items" ("id") VALUES (?)', ['a']);
        // Sees its own uncommitted write through the Database, not a stale snapshot; no deadlock.
        assert.equal(await hook('b'), 2);
        await new Promise<void>((resolve) => setTimeout(resolve, 1));
        assert.equal(await countRows(db, 'items'), 2);
        // A nested db.transaction becomes a savepoint of the current transaction.
        await assert.rejects(
          db.transaction(async (inner) => {
            assert.notEqual(inner, tx);
            assert.equal(db.currentTransaction(), inner);
            await hook('c');
            throw new Error('inner');
          }),
          /inner/,
        );
        assert.equal(db.currentTransaction(), tx);
        await db.transaction(async () => {
          await hook('d');
        });
        await db.exec('CREATE TABLE "made_in_tx" ("id" TEXT)');
      });
      assert.equal(db.currentTransaction(), undefined);
      const ids = (await db.all<{ id: string }>('SELECT "id" FROM "items" ORDER BY "id"')).map((r) => r.id);
      assert.deepEqual(ids, ['a', 'b', 'd']);
      assert.equal(await countRows(db, 'made_in_tx'), 0);
    });

    it('work rolled back with its transaction leaves nothing, even through joined calls', async (db) => {
      await db.exec('CREATE TABLE "items" ("id" TEXT PRIMARY KEY NOT NULL)');
      await assert.rejects(
        db.transaction(async () => {
          await db.run('INSERT INTO "items" ("id") VALUES (?)', ['x']);
          await db.exec('CREATE TABLE "ddl_in_tx" ("id" TEXT)');
          throw new Error('stop');
        }),
        /stop/,
      );
      assert.equal(await countRows(db, 'items'), 0);
      await assert.rejects(db.all('SELECT * FROM "ddl_in_tx"'), (err: unknown) => dbErrorKind(err) === 'undefined_table');
    });

    it('a transaction object used after it finished rejects instead of touching another transaction', async (db) => {
      await counterTable(db);
      let leaked: Transaction | undefined;
      await db.transaction(async (tx) => {
        leaked = tx;
      });
      assert.ok(leaked);
      await assert.rejects(leaked.run('UPDATE "counter" SET "n" = 7'), /already finished/);
      assert.throws(() => leaked!.afterCommit(() => {}), /already finished/);
      // Queries from code still running in the finished transaction's async context fall back to the Database.
      let late: Promise<unknown> | undefined;
      await db.transaction(async () => {
        late = new Promise((resolve) => setTimeout(resolve, 5)).then(() => db.get('SELECT "n" FROM "counter"'));
      });
      assert.deepEqual(await late, { n: 0 });
    });

    it('50 concurrent read-modify-write transactions (row lock) end at 50', async (db) => {
      await counterTable(db);
      await Promise.all(
        Array.from({ length: 50 }, () =>
          db.transaction(async (tx) => {
            const row = await tx.get<{ n: number }>(`SELECT "n" FROM "counter" WHERE "id" = ?${forUpdate}`, ['c']);
            await new Promise((r) => setImmediate(r));
            await tx.run('UPDATE "counter" SET "n" = ? WHERE "id" = ?', [Number(row?.n) + 1, 'c']);
          }),
        ),
      );
      assert.deepEqual(await db.get('SELECT "n" FROM "counter"'), { n: 50 });
    });

    it('50 concurrent read-modify-write transactions (serializable, retried) end at 50', async (db) => {
      await counterTable(db);
      let attempts = 0;
      await Promise.all(
        Array.from({ length: 50 }, () =>
          db.transaction(
            async (tx) => {
              attempts++;
              const row = await tx.get<{ n: number }>('SELECT "n" FROM "counter" WHERE "id" = ?', ['c']);
              await new Promise((r) => setImmediate(r));
              await tx.run('UPDATE "counter" SET "n" = ? WHERE "id" = ?', [Number(row?.n) + 1, 'c']);
            },
            // A single hot row makes almost every concurrent attempt conflict; allow enough retries.
            { isolation: 'serializable', maxAttempts: 200 },
          ),
        ),
      );
      assert.deepEqual(await db.get('SELECT "n" FROM "counter"'), { n: 50 });
      assert.ok(attempts >= 50);
    });

    it('serializable gives up after maxAttempts with the serialization error', async (db, { target }) => {
      if (dialect !== 'postgres') return; // SQLite transactions never conflict: there is one writer.
      await counterTable(db);
      const other = await target.openSecond();
      try {
        let attempts = 0;
        await assert.rejects(
          db.transaction(
            async (tx) => {
              attempts++;
              await tx.get('SELECT "n" FROM "counter" WHERE "id" = ?', ['c']);
              // Another connection commits a change to the row this snapshot read.
              await other.run('UPDATE "counter" SET "n" = "n" + 1 WHERE "id" = ?', ['c']);
              await tx.run('UPDATE "counter" SET "n" = 100 WHERE "id" = ?', ['c']);
            },
            { isolation: 'serializable', maxAttempts: 3 },
          ),
          (err: unknown) => dbErrorKind(err) === 'serialization',
        );
        assert.equal(attempts, 3);
        assert.deepEqual(await db.get('SELECT "n" FROM "counter"'), { n: 3 });
      } finally {
        await other.close();
      }
    });

    it('reads outside a transaction are not blocked by an open write transaction and see committed data', async (db) => {
      await counterTable(db);
      const inside = deferred();
      const finish = deferred();
      const tx = db.transaction(async (t) => {
        await t.run('UPDATE "counter" SET "n" = 1');
        inside.resolve();
        // Holds the writer across an await, as a hook doing slow work would.
        await finish.promise;
      });
      await inside.promise;
      // This test's own context is not inside the transaction: the read must not wait for it
      // (the test would time out) and must not see its uncommitted write.
      assert.deepEqual(await db.get('SELECT "n" FROM "counter"'), { n: 0 });
      assert.deepEqual(await db.all('SELECT "id" FROM "counter"'), [{ id: 'c' }]);
      assert.deepEqual(await db.getValues('SELECT "n" FROM "counter"'), [0]);
      finish.resolve();
      await tx;
      // Committed: seen at once, whichever connection serves the read now.
      assert.deepEqual(await db.get('SELECT "n" FROM "counter"'), { n: 1 });
      assert.deepEqual(await db.allValues('SELECT "n" FROM "counter"'), [[1]]);
    }, 20_000);

    it('writes outside a transaction wait for the open transaction, then apply', async (db) => {
      await counterTable(db);
      const inside = deferred();
      const finish = deferred();
      const order: string[] = [];
      const tx = db.transaction(async (t) => {
        await t.run('UPDATE "counter" SET "n" = "n" + 10');
        inside.resolve();
        await finish.promise;
        order.push('tx commits');
      });
      await inside.promise;
      const write = db.run('UPDATE "counter" SET "n" = "n" + 1').then(() => order.push('outside write done'));
      await new Promise((r) => setTimeout(r, 20));
      finish.resolve();
      await Promise.all([tx, write]);
      assert.deepEqual(order, ['tx commits', 'outside write done']);
      assert.deepEqual(await db.get('SELECT "n" FROM "counter"'), { n: 11 });
    }, 20_000);

    it('statements run concurrently inside one transaction all apply', async (db) => {
      await db.exec('CREATE TABLE "items" ("id" TEXT PRIMARY KEY NOT NULL)');
      await db.transaction(async (tx) => {
        await Promise.all(Array.from({ length: 20 }, (_, i) => tx.run('INSERT INTO "items" ("id") VALUES (?)', [`i${i}`])));
      });
      assert.equal(await countRows(db, 'items'), 20);
    });

    it('concurrent savepoints on one transaction queue instead of interleaving', async (db) => {
      await db.exec('CREATE TABLE "items" ("id" TEXT PRIMARY KEY NOT NULL)');
      await db.transaction(async (tx) => {
        const results = await Promise.allSettled(
          Array.from({ length: 6 }, (_, i) =>
            tx.savepoint(async (sp) => {
              await sp.run('INSERT INTO "items" ("id") VALUES (?)', [`s${i}`]);
              await new Promise((r) => setImmediate(r));
              if (i % 2 === 1) throw new Error(`odd ${i}`);
            }),
          ),
        );
        assert.deepEqual(
          results.map((r) => r.status),
          ['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled', 'rejected'],
        );
      });
      const ids = (await db.all<{ id: string }>('SELECT "id" FROM "items" ORDER BY "id"')).map((r) => r.id);
      assert.deepEqual(ids, ['s0', 's2', 's4']);
    });

    it('JSON text round-trips and can be iterated with jsonEach', async (db) => {
      await db.exec(`CREATE TABLE "docs" ("id" TEXT PRIMARY KEY NOT NULL, "data" ${jsonType} DEFAULT NULL, "tags" ${jsonType} NOT NULL DEFAULT '[]')`);
      const value = { a: 1, b: [true, null, 'x'], nested: { 'ü': '🙂', q: "it's \"quoted\"" } };
      await db.run(`INSERT INTO "docs" ("id", "data", "tags") VALUES (?, ${jsonParam(dialect)}, ${jsonParam(dialect)})`, [
        'd1',
        JSON.stringify(value),
        JSON.stringify(['red', 'green', 'blue']),
      ]);
      await db.run('INSERT INTO "docs" ("id") VALUES (?)', ['d2']);
      const row = await db.get<{ data: unknown; tags: unknown }>('SELECT "data", "tags" FROM "docs" WHERE "id" = ?', ['d1']);
      // JSON comes back as text on both backends (the record layer parses it once).
      assert.equal(typeof row?.data, 'string');
      assert.deepEqual(JSON.parse(row?.data as string), value);
      assert.deepEqual(JSON.parse(row?.tags as string), ['red', 'green', 'blue']);
      assert.deepEqual(await db.get('SELECT "data" FROM "docs" WHERE "id" = ?', ['d2']), { data: null });

      const items = await db.all<{ id: string; value: string }>(
        `SELECT "docs"."id", "je"."value" FROM "docs", ${jsonEach(dialect, '"docs"."tags"')} AS "je" WHERE "je"."value" = ? OR "je"."value" = ? ORDER BY "je"."value"`,
        ['red', 'blue'],
      );
      assert.deepEqual(items, [
        { id: 'd1', value: 'blue' },
        { id: 'd1', value: 'red' },
      ]);
      const counts = await db.all(`SELECT "id", ${jsonArrayLength(dialect, '"tags"')} AS "n" FROM "docs" ORDER BY "id"`);
      assert.deepEqual(counts, [
        { id: 'd1', n: 3 },
        { id: 'd2', n: 0 },
      ]);
    });

    it('exec runs several statements, outside and inside a transaction', async (db) => {
      await db.exec(`
        CREATE TABLE "a" ("id" TEXT PRIMARY KEY NOT NULL);
        CREATE TABLE "b" ("id" TEXT PRIMARY KEY NOT NULL);
        INSERT INTO "a" ("id") VALUES ('1');
        INSERT INTO "b" ("id") VALUES ('semi;colon'), ('q?');
      `);
      assert.equal(await countRows(db, 'a'), 1);
      assert.deepEqual(await db.all('SELECT "id" FROM "b" ORDER BY "id"'), [{ id: 'q?' }, { id: 'semi;colon' }]);
      await db.transaction(async (tx) => {
        await tx.exec(`INSERT INTO "a" ("id") VALUES ('2'); INSERT INTO "a" ("id") VALUES ('3');`);
      });
      assert.equal(await countRows(db, 'a'), 3);
      // A failing script leaves nothing behind (one implicit transaction on both backends).
      await assert.rejects(db.exec(`INSERT INTO "a" ("id") VALUES ('4'); CREATE TABLE "half" ("id" TEXT); SELEC 1;`));
      assert.equal(await countRows(db, 'a'), 3);
      await assert.rejects(db.all('SELECT * FROM "half"'), (err: unknown) => dbErrorKind(err) === 'undefined_table');
    });

    it('placeholders inside quoted strings and identifiers are not parameters', async (db) => {
      await db.exec('CREATE TABLE "odd?name" ("id" TEXT PRIMARY KEY NOT NULL, "col?" TEXT NOT NULL)');
      await db.run(`INSERT INTO "odd?name" ("id", "col?") VALUES (?, 'literal ? here')`, ['x']);
      assert.deepEqual(await db.get(`SELECT "col?" AS "c", ? AS "p" FROM "odd?name" WHERE "id" = ? -- trailing ? comment`, ['P', 'x']), {
        c: 'literal ? here',
        p: 'P',
      });
    });

    it('a second connection sees committed writes and not uncommitted ones', async (db, { target }) => {
      await counterTable(db);
      const other = await target.openSecond();
      try {
        const inside = deferred();
        const finish = deferred();
        const tx = db.transaction(async (t) => {
          await t.run('UPDATE "counter" SET "n" = 42');
          inside.resolve();
          await finish.promise;
        });
        await inside.promise;
        assert.deepEqual(await other.get('SELECT "n" FROM "counter"'), { n: 0 });
        finish.resolve();
        await tx;
        assert.deepEqual(await other.get('SELECT "n" FROM "counter"'), { n: 42 });
        // And the other direction, through a transaction on the second connection.
        await other.transaction(async (t) => {
          await t.run('UPDATE "counter" SET "n" = 43');
        });
        assert.deepEqual(await db.get('SELECT "n" FROM "counter"'), { n: 43 });
      } finally {
        await other.close();
      }
    }, 20_000);

    it('schema changes made on one connection are seen by cached statements', async (db) => {
      await db.exec('CREATE TABLE "t" ("id" TEXT PRIMARY KEY NOT NULL)');
      await db.run('INSERT INTO "t" ("id") VALUES (?)', ['a']);
      assert.deepEqual(await db.all('SELECT * FROM "t"'), [{ id: 'a' }]);
      await db.transaction(async (tx) => {
        await tx.exec(`ALTER TABLE "t" ADD COLUMN "extra" TEXT NOT NULL DEFAULT 'e'`);
      });
      assert.deepEqual(await db.all('SELECT * FROM "t"'), [{ id: 'a', extra: 'e' }]);
    });

    it('a statement run many times with parameters sees columns added by this and another connection', async (db, { target }) => {
      await db.exec('CREATE TABLE "t" ("id" TEXT PRIMARY KEY NOT NULL)');
      await db.run('INSERT INTO "t" ("id") VALUES (?)', ['a']);
      // Enough runs for a backend that prepares statements on reuse to have prepared this one.
      const read = async () => {
        for (let i = 0; i < 6; i++) await db.get('SELECT * FROM "t" WHERE "id" = ?', ['a']);
        return db.get('SELECT * FROM "t" WHERE "id" = ?', ['a']);
      };
      assert.deepEqual(await read(), { id: 'a' });
      await db.run(`ALTER TABLE "t" ADD COLUMN "mine" TEXT NOT NULL DEFAULT 'm'`);
      assert.deepEqual(await read(), { id: 'a', mine: 'm' });
      const other = await target.openSecond();
      try {
        await other.exec(`ALTER TABLE "t" ADD COLUMN "theirs" TEXT NOT NULL DEFAULT 'o'`);
      } finally {
        await other.close();
      }
      assert.deepEqual(await read(), { id: 'a', mine: 'm', theirs: 'o' });
      assert.deepEqual(await db.transaction(async (tx) => tx.get('SELECT * FROM "t" WHERE "id" = ?', ['a'])), { id: 'a', mine: 'm', theirs: 'o' });
    });

    it('close is idempotent, waits for the open transaction, and later calls reject', async (db) => {
      await counterTable(db);
      const inside = deferred();
      const finish = deferred();
      const tx = db.transaction(async (t) => {
        inside.resolve();
        await finish.promise;
        await t.run('UPDATE "counter" SET "n" = 9');
      });
      await inside.promise;
      const closing = Promise.all([db.close(), db.close()]);
      finish.resolve();
      await tx;
      await closing;
      await db.close();
      await assert.rejects(db.all('SELECT 1'));
      await assert.rejects(db.run('UPDATE "counter" SET "n" = 1'));
      await assert.rejects(db.transaction(async () => {}));
    }, 20_000);
  });
}
