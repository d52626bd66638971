import { isMultiple, type Field } from '../../core/schema.js';
import type { Dialect } from '../../db/database.js';
import { indexSql } from '../index-definition.js';
import { quoteIdent as q } from '../sql-tokens.js';
import type { DdlDialect } from './ddl-dialect.js';

/**
 * The per-record version behind ETags and `If-Match` (starts at 1, +1 per update); never part of
 * record output. Tables from before it existed get it from `ensureVersionColumn`.
 */
export const VERSION_COLUMN = '"_version" INTEGER NOT NULL DEFAULT 1';

/** The column type of each storage class on one engine (`docs/internals/storage-layout.md`). */
export interface ColumnTypes {
  primaryKey: string;
  text: string;
  number: string;
  bool: string;
  json: string;
  geoPoint: string;
  multiple: string;
}

export function columnType(field: Field, types: ColumnTypes): string {
  if (field.type === 'text' && field.primaryKey) return types.primaryKey;
  switch (field.type) {
    case 'number':
      return types.number;
    case 'bool':
      return types.bool;
    case 'json':
      return types.json;
    case 'geoPoint':
      return types.geoPoint;
    case 'select':
    case 'file':
    case 'relation':
      return isMultiple(field) ? types.multiple : types.text;
    default:
      return types.text;
  }
}

/** The statements both engines spell the same way; each dialect adds what differs. */
export function commonDdl(dialect: Dialect, types: ColumnTypes, leadingColumns: readonly string[] = []): Omit<DdlDialect, 'convertMultiplicity' | 'isUniqueViolation'> {
  const columnDefinition = (field: Field) => `${q(field.name)} ${columnType(field, types)}`;
  return {
    dialect,
    columnDefinition,
    createTable(table, fields) {
      const isPk = (f: Field) => f.type === 'text' && f.primaryKey;
      const cols = [...leadingColumns, ...fields.filter(isPk).map(columnDefinition), ...fields.filter((f) => !isPk(f)).map(columnDefinition)];
      return [`CREATE TABLE ${q(table)} (${cols.join(', ')})`];
    },
    dropTable: (table) => [`DROP TABLE IF EXISTS ${q(table)}`],
    renameTable: (from, to) => [`ALTER TABLE ${q(from)} RENAME TO ${q(to)}`],
    addColumn: (table, field) => [`ALTER TABLE ${q(table)} ADD COLUMN ${columnDefinition(field)}`],
    dropColumn: (table, column) => [`ALTER TABLE ${q(table)} DROP COLUMN ${q(column)}`],
    renameColumn: (table, from, to) => [`ALTER TABLE ${q(table)} RENAME COLUMN ${q(from)} TO ${q(to)}`],
    createIndex: (def, table) => [indexSql(def, dialect, table)],
    dropIndex: (name) => [`DROP INDEX IF EXISTS ${q(name)}`],
    createView: (name, selectSql) => [`CREATE VIEW ${q(name)} AS ${selectSql}`],
    dropView: (name) => [`DROP VIEW IF EXISTS ${q(name)}`],
  };
}
