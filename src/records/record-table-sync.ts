import { fieldError, validationError } from '../core/errors.js';
import { isMultiple, type Collection, type Field } from '../core/schema.js';
import type { Queryable, Transaction } from '../db/database.js';
import { VERSION_COLUMN } from './ddl/common-ddl.js';
import type { DdlDialect } from './ddl/ddl-dialect.js';
import { postgresDdl } from './ddl/postgres-ddl.js';
import { sqliteDdl } from './ddl/sqlite-ddl.js';
import { indexFieldNames, indexSql, parseIndex, type IndexDefinition } from './index-definition.js';
import { quoteIdent } from './sql-tokens.js';
import { analyzeViewQuery } from './view-query.js';

/**
 * Applies a collection change to its record table inside the caller's transaction, keeping data:
 * rename table, drop removed fields, rename fields (matched by id), convert single <-> multi
 * values, add new fields (existing rows get the zero value), then rebuild the indexes that
 * changed. View SQL is dropped before and recreated after, since both engines refuse to alter
 * columns a view reads; a view that no longer builds fails the change with a field error.
 */

export function ddlFor(tx: { dialect: 'sqlite' | 'postgres' }): DdlDialect {
  return tx.dialect === 'postgres' ? postgresDdl : sqliteDdl;
}

async function runAll(tx: Transaction, statements: readonly string[]): Promise<void> {
  for (const sql of statements) await tx.run(sql);
}

function parsed(c: Collection): IndexDefinition[] {
  return c.indexes.map((sql) => parseIndex(sql));
}

/** Creates the indexes of `c` at the given positions, turning duplicates into `indexes.N` errors. */
async function createIndexes(tx: Transaction, ddl: DdlDialect, c: Collection, which: ReadonlySet<number>): Promise<void> {
  const defs = parsed(c);
  for (const [i, def] of defs.entries()) {
    if (!which.has(i)) continue;
    try {
      // a savepoint keeps a PostgreSQL transaction usable after the failure, for a clean error
      await tx.savepoint(async (sp) => runAll(sp, ddl.createIndex(def, c.name)));
    } catch (err) {
      if (ddl.isUniqueViolation(err)) throw validationError({ indexes: { [i]: fieldError('validation_index_unique_violation') } });
      throw err;
    }
  }
}

export async function createRecordTable(tx: Transaction, c: Collection): Promise<void> {
  const ddl = ddlFor(tx);
  await runAll(tx, ddl.createTable(c.name, c.fields));
  await createIndexes(tx, ddl, c, new Set(c.indexes.map((_, i) => i)));
}

export async function syncRecordTable(tx: Transaction, before: Collection, after: Collection): Promise<void> {
  const ddl = ddlFor(tx);
  const table = after.name;
  if (before.name !== after.name) await runAll(tx, ddl.renameTable(before.name, after.name));
  await ensureVersionColumn(tx, table);

  const oldById = new Map(before.fields.map((f) => [f.id, f]));
  const newById = new Map(after.fields.map((f) => [f.id, f]));
  const dropped = before.fields.filter((f) => !newById.has(f.id));
  const renamed: Array<[Field, Field]> = [];
  const converted: Array<[Field, Field]> = [];
  const added: Field[] = [];
  for (const f of after.fields) {
    const old = oldById.get(f.id);
    if (!old) added.push(f);
    else {
      if (old.name !== f.name) renamed.push([old, f]);
      if (isMultiple(old) !== isMultiple(f)) converted.push([old, f]);
    }
  }

  // indexes: keep those whose statement is unchanged and whose columns are untouched
  const touched = new Set<string>([
    ...dropped.map((f) => f.name),
    ...renamed.map(([o]) => o.name),
    ...converted.map(([o]) => o.name),
  ]);
  const oldDefs = parsed(before);
  const newDefs = parsed(after);
  const newSql = newDefs.map((d) => indexSql(d, ddl.dialect, table));
  const kept = new Set<number>();
  for (const def of oldDefs) {
    const same = newSql.indexOf(indexSql(def, ddl.dialect, table));
    if (same >= 0 && before.name === after.name && !indexFieldNames(def).some((n) => touched.has(n))) kept.add(same);
    else await runAll(tx, ddl.dropIndex(def.name));
  }

  for (const f of dropped) await runAll(tx, ddl.dropColumn(table, f.name));
  // two steps so swapped names (a <-> b) never collide
  for (const [old, f] of renamed) await runAll(tx, ddl.renameColumn(table, old.name, `_galley_rename_${f.id}`));
  for (const [, f] of renamed) await runAll(tx, ddl.renameColumn(table, `_galley_rename_${f.id}`, f.name));
  for (const [, f] of converted) await runAll(tx, ddl.convertMultiplicity(table, f, isMultiple(f)));
  for (const f of added) await runAll(tx, ddl.addColumn(table, f));

  await createIndexes(tx, ddl, after, new Set(newDefs.map((_, i) => i).filter((i) => !kept.has(i))));
}

/**
 * Adds `_version` to a record table created before records carried versions (both engines; a
 * no-op when present). Checked first, so the common case takes no table lock.
 */
export async function ensureVersionColumn(tx: Queryable, table: string): Promise<void> {
  const present = tx.dialect === 'postgres'
    ? await tx.get(`SELECT 1 AS "x" FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? AND column_name = '_version'`, [table])
    : await tx.get(`SELECT 1 AS "x" FROM pragma_table_info(?) WHERE "name" = '_version'`, [table]);
  if (present === undefined) await tx.run(`ALTER TABLE ${quoteIdent(table)} ADD COLUMN ${VERSION_COLUMN}`);
}

export async function dropRecordTable(tx: Transaction, c: Collection): Promise<void> {
  const ddl = ddlFor(tx);
  await runAll(tx, c.type === 'view' ? ddl.dropView(c.name) : ddl.dropTable(c.name));
}

/** Drops every view collection's SQL view (newest first, so dependants go before what they read). */
export async function dropViews(tx: Transaction, views: readonly Collection[]): Promise<void> {
  const ddl = ddlFor(tx);
  for (const v of [...views].reverse()) await runAll(tx, ddl.dropView(v.name));
}

/**
 * Recreates view collections in order against the given collection list. A view that fails is
 * reported on `errorKey` of the change being made (for the view being saved: `viewQuery`).
 */
export async function createViews(
  tx: Transaction, views: readonly Collection[], all: readonly Collection[],
  errorFor: (view: Collection, message: string) => Error,
): Promise<void> {
  const ddl = ddlFor(tx);
  for (const v of views) {
    try {
      const { sql } = analyzeViewQuery(v.viewQuery ?? '', all.filter((c) => c.id !== v.id));
      await tx.savepoint(async (sp) => {
        await runAll(sp, ddl.createView(v.name, sql));
        // SQLite resolves a view's columns only when it is read: prepare it now, on both engines
        await sp.all(`SELECT * FROM ${quoteIdent(v.name)} LIMIT 0`);
      });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw errorFor(v, message);
    }
  }
}
