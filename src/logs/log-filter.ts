/**
 * Filter and sort for `GET /api/logs`, compiled to parameterised SQL over `_logs`.
 *
 * This is a documented subset of the rule language (docs/logs.md), kept until the rule engine can
 * compile `_logs` as a pseudo-collection: comparisons `field op value` joined by `&&` / `||` with
 * parentheses; fields `id created updated level message` and `data.<key>` (one level, e.g.
 * `data.status`, `data.auth`); operators `= != > >= < <= ~ !~`; values quoted text, numbers,
 * `true`, `false`, `null`. `~` is PocketBase's contains (`%` added unless given, ASCII
 * case-insensitive); `""` and null are equal. No user text ever reaches the SQL string.
 */
import { apiError } from '../core/errors.js';
import type { Dialect, SqlParam } from '../db/database.js';

export interface SqlFragment {
  sql: string;
  params: SqlParam[];
}

const MAX_FILTER_LENGTH = 3500;
const MAX_DEPTH = 20;
const COLUMNS = new Set(['id', 'created', 'updated', 'level', 'message']);
const OPS = new Set(['=', '!=', '>', '>=', '<', '<=', '~', '!~']);
const TOKEN = /\s*(?:(&&|\|\||!=|>=|<=|!~|[=<>~()])|('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")|(-?\d+(?:\.\d+)?(?![\w.]))|([A-Za-z_][\w.]*))/y;

type Literal = string | number | boolean | null;

function invalid(detail: string): Error {
  return apiError('invalid_filter', `Invalid filter expression: ${detail}.`);
}

function tokenize(src: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < src.length) {
    if (src.slice(i).trim() === '') break;
    TOKEN.lastIndex = i;
    const m = TOKEN.exec(src);
    if (!m) throw invalid(`unexpected character at ${i + 1}`);
    out.push(m[0].trim());
    i = TOKEN.lastIndex;
  }
  return out;
}

export function compileLogFilter(filter: string, dialect: Dialect): SqlFragment | undefined {
  if (filter.trim() === '') return undefined;
  if (filter.length > MAX_FILTER_LENGTH) throw invalid('too long');
  const tokens = tokenize(filter);
  const params: SqlParam[] = [];
  let i = 0;

  const expr = (depth: number): string => {
    if (depth > MAX_DEPTH) throw invalid('too deeply nested');
    let sql = term(depth);
    while (tokens[i] === '||') {
      i++;
      sql = `(${sql} OR ${term(depth)})`;
    }
    return sql;
  };
  const term = (depth: number): string => {
    let sql = factor(depth);
    while (tokens[i] === '&&') {
      i++;
      sql = `(${sql} AND ${factor(depth)})`;
    }
    return sql;
  };
  const factor = (depth: number): string => {
    if (tokens[i] === '(') {
      i++;
      const sql = expr(depth + 1);
      if (tokens[i++] !== ')') throw invalid('missing )');
      return sql;
    }
    const field = tokens[i++];
    const op = tokens[i++];
    const raw = tokens[i++];
    if (field === undefined || op === undefined || raw === undefined) throw invalid('incomplete comparison');
    if (!OPS.has(op)) throw invalid(`unknown operator "${op}"`);
    return comparison(field, op, literal(raw), dialect, params);
  };

  const sql = expr(0);
  if (i !== tokens.length) throw invalid(`unexpected "${tokens[i]}"`);
  return { sql, params };
}

function literal(raw: string): Literal {
  if (raw.startsWith("'") || raw.startsWith('"')) return raw.slice(1, -1).replace(/\\(.)/g, '$1');
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  if (raw === 'null') return null;
  if (/^-?\d/.test(raw)) return Number(raw);
  throw invalid(`"${raw}" is not a value`);
}

/** The SQL for a field, as text and, when compared with a number, as a number. */
function column(field: string, numeric: boolean, dialect: Dialect): string {
  if (COLUMNS.has(field)) return `"${field}"`;
  const m = /^data\.([A-Za-z_]\w{0,63})$/.exec(field);
  if (!m) throw invalid(`unknown field "${field}"`);
  const key = m[1]!;
  if (dialect === 'sqlite') return `json_extract("data", '$.${key}')`;
  return numeric
    ? `(CASE WHEN jsonb_typeof("data"->'${key}') = 'number' THEN ("data"->>'${key}')::double precision END)`
    : `("data"->>'${key}')`;
}

function comparison(field: string, op: string, value: Literal, dialect: Dialect, params: SqlParam[]): string {
  const numeric = typeof value === 'number';
  const col = column(field, numeric, dialect);
  if (op === '~' || op === '!~') {
    let pattern = String(value ?? '');
    if (!pattern.includes('%')) pattern = `%${pattern.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    params.push(pattern);
    const text = dialect === 'postgres' && field === 'level' ? `CAST(${col} AS TEXT)` : col;
    const like = dialect === 'postgres' ? 'ILIKE' : 'LIKE';
    const sql = `${text} ${like} ? ESCAPE '\\'`;
    return op === '~' ? sql : `(${text} IS NULL OR NOT (${sql}))`;
  }
  if (value === null || value === '') {
    const empty = field === 'level' ? `${col} IS NULL` : `(${col} IS NULL OR ${col} = '')`;
    if (op === '=') return empty;
    if (op === '!=') return `NOT ${empty}`;
  }
  if (typeof value === 'boolean') {
    // JSON booleans: json_extract gives 1/0 on SQLite, ->> gives 'true'/'false' on PostgreSQL.
    params.push(dialect === 'sqlite' ? (value ? 1 : 0) : String(value));
  } else if (value === null) {
    params.push('');
  } else {
    if (field === 'level' && !numeric) throw invalid('level is a number');
    params.push(value);
  }
  // `!=` is null-safe, as in PocketBase: a missing key is "not equal".
  if (op === '!=') return `(${col} IS NULL OR ${col} != ?)`;
  return `${col} ${op} ?`;
}

const SORT_TERM = /^([+-]?)(@random|rowid|id|created|updated|level|message|data\.[A-Za-z_]\w{0,63})$/;

/** `-created,level` -> ORDER BY terms; unknown fields are a 400 (no user text reaches SQL). */
export function compileLogSort(sort: string, dialect: Dialect): string | undefined {
  if (sort.trim() === '') return undefined;
  const terms = sort.split(',').map((t) => t.trim()).filter((t) => t !== '');
  if (terms.length > 8) throw apiError('invalid_sort', 'Invalid sort expression: at most 8 terms.');
  const rowid = dialect === 'postgres' ? '"_rowid"' : '"rowid"';
  return terms
    .map((t) => {
      const m = SORT_TERM.exec(t);
      if (!m) throw apiError('invalid_sort', `Invalid sort expression: unknown field "${t.replace(/^[+-]/, '')}".`);
      const dir = m[1] === '-' ? 'DESC' : 'ASC';
      const name = m[2]!;
      if (name === '@random') return 'RANDOM()';
      if (name === 'rowid') return `${rowid} ${dir}`;
      return `${column(name, false, dialect)} ${dir}`;
    })
    .join(', ');
}
