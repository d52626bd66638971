import { isMultiple, type Field } from '../../core/schema.js';
import { indexSql, type IndexDefinition } from '../index-definition.js';
import { quoteIdent as q } from '../sql-tokens.js';
import type { DdlDialect } from './ddl-dialect.js';

/**
 * SQLite record tables. ALTER TABLE covers add, drop and rename; a change of column type (single
 * <-> multi) goes through a new column filled from the old one, then swapped in by name, which
 * keeps the table's rowid order. Views are dropped and recreated around every change by the
 * migrator, because SQLite refuses DROP/RENAME COLUMN on columns a view uses.
 */

function columnType(field: Field): string {
  if (field.type === 'text' && field.primaryKey) return 'TEXT PRIMARY KEY NOT NULL';
  switch (field.type) {
    case 'number':
      return 'NUMERIC NOT NULL DEFAULT 0';
    case 'bool':
      return 'BOOLEAN NOT NULL DEFAULT FALSE';
    case 'json':
      return 'JSON DEFAULT NULL';
    case 'geoPoint':
      return `JSON NOT NULL DEFAULT '{"lon":0,"lat":0}'`;
    case 'select':
    case 'file':
    case 'relation':
      return isMultiple(field) ? `JSON NOT NULL DEFAULT '[]'` : `TEXT NOT NULL DEFAULT ''`;
    default:
      return `TEXT NOT NULL DEFAULT ''`;
  }
}

export const sqliteDdl: DdlDialect = {
  dialect: 'sqlite',
  columnDefinition: (field) => `${q(field.name)} ${columnType(field)}`,
  createTable(table, fields) {
    const pk = fields.filter((f) => f.type === 'text' && f.primaryKey);
    const rest = fields.filter((f) => !(f.type === 'text' && f.primaryKey));
    return [`CREATE TABLE ${q(table)} (${[...pk, ...rest].map((f) => this.columnDefinition(f)).join(', ')})`];
  },
  dropTable: (table) => [`DROP TABLE IF EXISTS ${q(table)}`],
  renameTable: (from, to) => [`ALTER TABLE ${q(from)} RENAME TO ${q(to)}`],
  addColumn(table, field) {
    return [`ALTER TABLE ${q(table)} ADD COLUMN ${this.columnDefinition(field)}`];
  },
  dropColumn: (table, column) => [`ALTER TABLE ${q(table)} DROP COLUMN ${q(column)}`],
  renameColumn: (table, from, to) => [`ALTER TABLE ${q(table)} RENAME COLUMN ${q(from)} TO ${q(to)}`],
  convertMultiplicity(table, field, toMultiple) {
    const tmp = `_galley_tmp_${field.id}`;
    const col = q(field.name);
    const fill = toMultiple
      ? `CASE WHEN ${col} IS NULL OR ${col} = '' THEN '[]' WHEN json_valid(${col}) AND json_type(${col}) = 'array' THEN ${col} ELSE json_array(${col}) END`
      : `CASE WHEN json_valid(${col}) AND json_type(${col}) = 'array' THEN COALESCE(json_extract(${col}, '$[0]'), '') ELSE COALESCE(${col}, '') END`;
    const type = toMultiple ? `JSON NOT NULL DEFAULT '[]'` : `TEXT NOT NULL DEFAULT ''`;
    return [
      `ALTER TABLE ${q(table)} ADD COLUMN ${q(tmp)} ${type}`,
      `UPDATE ${q(table)} SET ${q(tmp)} = ${fill}`,
      `ALTER TABLE ${q(table)} DROP COLUMN ${col}`,
      `ALTER TABLE ${q(table)} RENAME COLUMN ${q(tmp)} TO ${col}`,
    ];
  },
  createIndex: (def: IndexDefinition, table: string) => [indexSql(def, 'sqlite', table)],
  dropIndex: (name) => [`DROP INDEX IF EXISTS ${q(name)}`],
  createView: (name, selectSql) => [`CREATE VIEW ${q(name)} AS ${selectSql}`],
  dropView: (name) => [`DROP VIEW IF EXISTS ${q(name)}`],
  isUniqueViolation(err) {
    const e = err as { code?: unknown; message?: unknown } | null;
    return typeof e?.code === 'string' && e.code.startsWith('SQLITE_CONSTRAINT') ||
      (typeof e?.message === 'string' && e.message.includes('UNIQUE constraint failed'));
  },
};
