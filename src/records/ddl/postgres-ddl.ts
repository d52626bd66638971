import { isMultiple, type Field } from '../../core/schema.js';
import { indexSql, type IndexDefinition } from '../index-definition.js';
import { quoteIdent as q } from '../sql-tokens.js';
import type { DdlDialect } from './ddl-dialect.js';

/**
 * PostgreSQL record tables. Text is `COLLATE "C"` so it compares byte-wise like SQLite; every
 * table gets `_rowid` (an identity column) for the stable default order. All DDL is
 * transactional, so a failed change (e.g. a unique index over duplicates) leaves nothing behind.
 */

function columnType(field: Field): string {
  if (field.type === 'text' && field.primaryKey) return 'TEXT COLLATE "C" PRIMARY KEY NOT NULL';
  switch (field.type) {
    case 'number':
      return 'DOUBLE PRECISION NOT NULL DEFAULT 0';
    case 'bool':
      return 'BOOLEAN NOT NULL DEFAULT FALSE';
    case 'json':
      return 'JSONB DEFAULT NULL';
    case 'geoPoint':
      return `JSONB NOT NULL DEFAULT '{"lon":0,"lat":0}'`;
    case 'select':
    case 'file':
    case 'relation':
      return isMultiple(field) ? `JSONB NOT NULL DEFAULT '[]'` : `TEXT COLLATE "C" NOT NULL DEFAULT ''`;
    default:
      return `TEXT COLLATE "C" NOT NULL DEFAULT ''`;
  }
}

export const postgresDdl: DdlDialect = {
  dialect: 'postgres',
  columnDefinition: (field) => `${q(field.name)} ${columnType(field)}`,
  createTable(table, fields) {
    const pk = fields.filter((f) => f.type === 'text' && f.primaryKey);
    const rest = fields.filter((f) => !(f.type === 'text' && f.primaryKey));
    const cols = [`"_rowid" BIGINT GENERATED ALWAYS AS IDENTITY`, ...[...pk, ...rest].map((f) => this.columnDefinition(f))];
    return [`CREATE TABLE ${q(table)} (${cols.join(', ')})`];
  },
  dropTable: (table) => [`DROP TABLE IF EXISTS ${q(table)}`],
  renameTable: (from, to) => [`ALTER TABLE ${q(from)} RENAME TO ${q(to)}`],
  addColumn(table, field) {
    return [`ALTER TABLE ${q(table)} ADD COLUMN ${this.columnDefinition(field)}`];
  },
  dropColumn: (table, column) => [`ALTER TABLE ${q(table)} DROP COLUMN ${q(column)}`],
  renameColumn: (table, from, to) => [`ALTER TABLE ${q(table)} RENAME COLUMN ${q(from)} TO ${q(to)}`],
  convertMultiplicity(table, field, toMultiple) {
    const col = q(field.name);
    const using = toMultiple
      ? `CASE WHEN ${col} IS NULL OR ${col} = '' THEN '[]'::jsonb ELSE jsonb_build_array(${col}) END`
      : `CASE WHEN jsonb_typeof(${col}) = 'array' THEN COALESCE(${col}->>0, '') ELSE COALESCE(${col} #>> '{}', '') END`;
    const type = toMultiple ? 'JSONB' : 'TEXT COLLATE "C"';
    const def = toMultiple ? `'[]'` : `''`;
    return [
      `ALTER TABLE ${q(table)} ALTER COLUMN ${col} DROP DEFAULT`,
      `ALTER TABLE ${q(table)} ALTER COLUMN ${col} TYPE ${type} USING (${using})`,
      `ALTER TABLE ${q(table)} ALTER COLUMN ${col} SET DEFAULT ${def}`,
    ];
  },
  createIndex: (def: IndexDefinition, table: string) => [indexSql(def, 'postgres', table)],
  dropIndex: (name) => [`DROP INDEX IF EXISTS ${q(name)}`],
  createView: (name, selectSql) => [`CREATE VIEW ${q(name)} AS ${selectSql}`],
  dropView: (name) => [`DROP VIEW IF EXISTS ${q(name)}`],
  isUniqueViolation(err) {
    return (err as { code?: unknown } | null)?.code === '23505';
  },
};
