import { quoteIdent as q } from '../sql-tokens.js';
import { commonDdl, VERSION_COLUMN } from './common-ddl.js';
import type { DdlDialect } from './ddl-dialect.js';

/**
 * SQLite record tables. ALTER TABLE covers add, drop and rename; a change of column type (single
 * <-> multi) goes through a new column filled from the old one, then swapped in by name, which
 * keeps the table's rowid order. Views are dropped and recreated around every change by the
 * migrator, because SQLite refuses DROP/RENAME COLUMN on columns a view uses.
 */
export const sqliteDdl: DdlDialect = {
  ...commonDdl('sqlite', {
    primaryKey: 'TEXT PRIMARY KEY NOT NULL',
    text: `TEXT NOT NULL DEFAULT ''`,
    number: 'NUMERIC NOT NULL DEFAULT 0',
    bool: 'BOOLEAN NOT NULL DEFAULT FALSE',
    json: 'JSON DEFAULT NULL',
    geoPoint: `JSON NOT NULL DEFAULT '{"lon":0,"lat":0}'`,
    multiple: `JSON NOT NULL DEFAULT '[]'`,
  }, [VERSION_COLUMN]),
  convertMultiplicity(table, field, toMultiple) {
    const tmp = q(`_galley_tmp_${field.id}`);
    const col = q(field.name);
    const isArray = `json_valid(${col}) AND json_type(${col}) = 'array'`;
    const fill = toMultiple
      ? `CASE WHEN ${col} IS NULL OR ${col} = '' THEN '[]' WHEN ${isArray} THEN ${col} ELSE json_array(${col}) END`
      : `CASE WHEN ${isArray} THEN COALESCE(json_extract(${col}, '$[0]'), '') ELSE COALESCE(${col}, '') END`;
    const type = toMultiple ? `JSON NOT NULL DEFAULT '[]'` : `TEXT NOT NULL DEFAULT ''`;
    return [
      `ALTER TABLE ${q(table)} ADD COLUMN ${tmp} ${type}`,
      `UPDATE ${q(table)} SET ${tmp} = ${fill}`,
      `ALTER TABLE ${q(table)} DROP COLUMN ${col}`,
      `ALTER TABLE ${q(table)} RENAME COLUMN ${tmp} TO ${col}`,
    ];
  },
  isUniqueViolation(err) {
    const e = err as { code?: unknown; message?: unknown } | null;
    return (typeof e?.code === 'string' && e.code.startsWith('SQLITE_CONSTRAINT')) ||
      (typeof e?.message === 'string' && e.message.includes('UNIQUE constraint failed'));
  },
};
