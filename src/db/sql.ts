/**
 * Small SQL helpers that differ per dialect, for code that builds SQL text (records, rules,
 * migrations). Values always travel as `?` parameters; only identifiers and fixed fragments are
 * spliced into the text, and identifiers only through `quoteIdent`.
 */
import type { Dialect } from './database.js';

/**
 * A double-quoted identifier, valid on both engines. An embedded `"` is doubled (SQL's escape), so
 * no name can break out of the quotes; empty names and NUL bytes are rejected (neither engine can
 * store them).
 */
export function quoteIdent(name: string): string {
  if (name.length === 0) throw new Error('SQL identifier must not be empty');
  if (name.includes('\0')) throw new Error('SQL identifier must not contain NUL');
  return name.includes('"') ? `"${name.replace(/"/g, '""')}"` : `"${name}"`;
}

/** `"table"."column"` */
export function quoteColumn(table: string, column: string): string {
  return `${quoteIdent(table)}.${quoteIdent(column)}`;
}

/**
 * A table-valued function over the items of a JSON array expression, usable as
 * `FROM ${jsonEach(d, expr)} AS "je"` with each item's text in `"je"."value"` (see
 * docs/internals/storage-layout.md). On PostgreSQL a non-array value (a JSON field holding an
 * object or scalar, or NULL) yields no rows instead of raising an error; SQLite's json_each yields
 * one row for a scalar, so callers that need "arrays only" must check the type themselves.
 */
export function jsonEach(dialect: Dialect, expr: string): string {
  return dialect === 'sqlite'
    ? `json_each(${expr})`
    : `jsonb_array_elements_text(CASE WHEN jsonb_typeof(${expr}) = 'array' THEN ${expr} ELSE '[]'::jsonb END)`;
}

/** Number of items of a JSON array expression (0 for a non-array on PostgreSQL). */
export function jsonArrayLength(dialect: Dialect, expr: string): string {
  return dialect === 'sqlite'
    ? `json_array_length(${expr})`
    : `(CASE WHEN jsonb_typeof(${expr}) = 'array' THEN jsonb_array_length(${expr}) ELSE 0 END)`;
}

/**
 * The current time as Galley's datetime text (`YYYY-MM-DD HH:MM:SS.sssZ`, UTC), for defaults and
 * SQL-side comparisons. Application code normally sets times from JavaScript instead.
 */
export function nowSql(dialect: Dialect): string {
  return dialect === 'sqlite'
    ? `strftime('%Y-%m-%d %H:%M:%fZ', 'now')`
    : `to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS"Z"')`;
}

/** The type of a JSON column on this dialect (JSON text on SQLite, JSONB on PostgreSQL). */
export function jsonColumnType(dialect: Dialect): string {
  return dialect === 'sqlite' ? 'JSON' : 'JSONB';
}

/** A JSON text parameter as the dialect's JSON value (`?` on SQLite, `?::jsonb` on PostgreSQL). */
export function jsonParam(dialect: Dialect): string {
  return dialect === 'sqlite' ? '?' : '?::jsonb';
}
