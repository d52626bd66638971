import { quoteIdent as q } from '../sql-tokens.js';
import { commonDdl, VERSION_COLUMN } from './common-ddl.js';
import type { DdlDialect } from './ddl-dialect.js';

/**
 * PostgreSQL record tables. Text is `COLLATE "C"` so it compares byte-wise like SQLite; every
 * table gets `_rowid` (an identity column) for the stable default order. All DDL is
 * transactional, so a failed change (e.g. a unique index over duplicates) leaves nothing behind.
 */
export const postgresDdl: DdlDialect = {
  ...commonDdl('postgres', {
    primaryKey: 'TEXT COLLATE "C" PRIMARY KEY NOT NULL',
    text: `TEXT COLLATE "C" NOT NULL DEFAULT ''`,
    number: 'DOUBLE PRECISION NOT NULL DEFAULT 0',
    bool: 'BOOLEAN NOT NULL DEFAULT FALSE',
    json: 'JSONB DEFAULT NULL',
    geoPoint: `JSONB NOT NULL DEFAULT '{"lon":0,"lat":0}'`,
    multiple: `JSONB NOT NULL DEFAULT '[]'`,
  }, ['"_rowid" BIGINT GENERATED ALWAYS AS IDENTITY', VERSION_COLUMN]),
  convertMultiplicity(table, field, toMultiple) {
    const col = q(field.name);
    const using = toMultiple
      ? `CASE WHEN ${col} IS NULL OR ${col} = '' THEN '[]'::jsonb ELSE jsonb_build_array(${col}) END`
      : `CASE WHEN jsonb_typeof(${col}) = 'array' THEN COALESCE(${col}->>0, '') ELSE COALESCE(${col} #>> '{}', '') END`;
    const alter = `ALTER TABLE ${q(table)} ALTER COLUMN ${col}`;
    return [
      `${alter} DROP DEFAULT`,
      `${alter} TYPE ${toMultiple ? 'JSONB' : 'TEXT COLLATE "C"'} USING (${using})`,
      `${alter} SET DEFAULT ${toMultiple ? `'[]'` : `''`}`,
    ];
  },
  isUniqueViolation(err) {
    return (err as { code?: unknown } | null)?.code === '23505';
  },
};
