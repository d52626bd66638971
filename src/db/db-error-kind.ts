/**
 * Classifies driver errors into the few kinds domain code reacts to (a unique violation becomes
 * `validation_not_unique`, a busy database a 503 ...), so nothing above `db/` inspects SQLite or
 * PostgreSQL codes. Both backends leave the driver's code on `err.code`: SQLite's extended result
 * code (`SQLITE_CONSTRAINT_UNIQUE`), PostgreSQL's SQLSTATE (`23505`).
 */
export type DbErrorKind =
  | 'unique'
  | 'foreign_key'
  | 'not_null'
  | 'check'
  | 'busy'
  | 'serialization'
  | 'undefined_table'
  | 'undefined_column'
  | 'syntax'
  /** Text the engine cannot store, e.g. a NUL byte in a PostgreSQL text parameter: bad input. */
  | 'invalid_text'
  /** A number past the column type's range (PostgreSQL; SQLite's REAL becomes Infinity instead). */
  | 'out_of_range';

const byCode: Record<string, DbErrorKind> = {
  SQLITE_CONSTRAINT_UNIQUE: 'unique',
  SQLITE_CONSTRAINT_PRIMARYKEY: 'unique',
  SQLITE_CONSTRAINT_FOREIGNKEY: 'foreign_key',
  SQLITE_CONSTRAINT_NOTNULL: 'not_null',
  SQLITE_CONSTRAINT_CHECK: 'check',
  SQLITE_BUSY: 'busy',
  SQLITE_BUSY_SNAPSHOT: 'busy',
  SQLITE_BUSY_RECOVERY: 'busy',
  SQLITE_LOCKED: 'busy',
  '23505': 'unique',
  '23503': 'foreign_key',
  '23502': 'not_null',
  '23514': 'check',
  '40001': 'serialization',
  '40P01': 'serialization',
  '55P03': 'busy',
  '42P01': 'undefined_table',
  '42703': 'undefined_column',
  '42601': 'syntax',
  '22021': 'invalid_text',
  '22P05': 'invalid_text',
  '22003': 'out_of_range',
};

export function dbErrorKind(err: unknown): DbErrorKind | undefined {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  if (typeof code !== 'string') return undefined;
  const kind = byCode[code];
  if (kind !== undefined) return kind;
  // SQLite reports missing tables/columns and syntax errors as plain SQLITE_ERROR; the message tells which.
  if (code === 'SQLITE_ERROR' && err instanceof Error) {
    if (err.message.startsWith('no such table')) return 'undefined_table';
    if (err.message.startsWith('no such column')) return 'undefined_column';
    if (/syntax error|incomplete input/.test(err.message)) return 'syntax';
  }
  return undefined;
}
