import { SqlTokenError, isWord, quoteIdent, quoteString, tokenizeSql, type SqlToken } from './sql-tokens.js';
import type { Dialect } from '../db/database.js';

/**
 * PocketBase index definitions (`CREATE UNIQUE INDEX \`idx\` ON \`posts\` (\`slug\` COLLATE NOCASE)`)
 * parsed into a structure, stored in one canonical spelling and re-emitted per dialect.
 *
 * Accepted: `CREATE [UNIQUE] INDEX [IF NOT EXISTS] name ON table (column [COLLATE NOCASE|BINARY]
 * [ASC|DESC], ...) [WHERE condition]`, names bare or quoted with `"`, backticks or `[]`. Columns are
 * plain field names (no expressions). The WHERE condition is a safe, portable subset: field names,
 * string and number literals, TRUE/FALSE/NULL, `= != <> < <= > >=`, `IS [NOT]`, `[NOT] IN (...)`,
 * `AND OR NOT` and parentheses. On PostgreSQL `COLLATE NOCASE` becomes a `lower(column)` expression,
 * which is what makes a case-insensitive unique index mean the same on both engines.
 */

export interface IndexColumn {
  name: string;
  collate: '' | 'NOCASE' | 'BINARY';
  sort: '' | 'ASC' | 'DESC';
}

export type WherePart =
  | { kind: 'column'; name: string }
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: string }
  | { kind: 'keyword'; value: string }
  | { kind: 'op'; value: string }
  | { kind: 'punct'; value: string };

export interface IndexDefinition {
  unique: boolean;
  name: string;
  table: string;
  columns: IndexColumn[];
  where: WherePart[];
}

const WHERE_KEYWORDS = new Set(['AND', 'OR', 'NOT', 'IS', 'NULL', 'TRUE', 'FALSE', 'IN']);
/** Bare words that would change the meaning of a WHERE if taken as column names. */
const SQL_WORDS = new Set(['SELECT', 'FROM', 'UNION', 'LIKE', 'GLOB', 'MATCH', 'REGEXP', 'CASE', 'WHEN', 'THEN', 'ELSE', 'END', 'EXISTS', 'CAST', 'COLLATE', 'ESCAPE', 'BETWEEN', 'WHERE', 'ORDER', 'GROUP', 'LIMIT']);
const WHERE_OPS = new Set(['=', '!=', '<>', '<', '<=', '>', '>=']);

export class IndexParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IndexParseError';
  }
}

export function parseIndex(sql: string): IndexDefinition {
  let tokens: SqlToken[];
  try {
    tokens = tokenizeSql(sql);
  } catch (err) {
    throw new IndexParseError(err instanceof SqlTokenError ? err.message : 'Invalid index.');
  }
  let i = 0;
  const peek = () => tokens[i];
  const expectWord = (word: string) => {
    if (!isWord(tokens[i], word)) throw new IndexParseError(`Expected ${word}.`);
    i++;
  };
  const name = (what: string): string => {
    const t = tokens[i];
    if (!t || (t.kind !== 'word' && t.kind !== 'quoted')) throw new IndexParseError(`Expected the ${what} name.`);
    i++;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(t.value)) throw new IndexParseError(`Invalid ${what} name.`);
    return t.value;
  };

  expectWord('CREATE');
  let unique = false;
  if (isWord(peek(), 'UNIQUE')) {
    unique = true;
    i++;
  }
  expectWord('INDEX');
  if (isWord(peek(), 'IF')) {
    i++;
    expectWord('NOT');
    expectWord('EXISTS');
  }
  const indexName = name('index');
  expectWord('ON');
  const table = name('table');
  if (peek()?.value !== '(') throw new IndexParseError('Expected a column list.');
  i++;
  const columns: IndexColumn[] = [];
  for (;;) {
    const column: IndexColumn = { name: name('column'), collate: '', sort: '' };
    if (isWord(peek(), 'COLLATE')) {
      i++;
      const c = tokens[i];
      const collate = c && (c.kind === 'word' || c.kind === 'quoted') ? c.value.toUpperCase() : '';
      if (collate !== 'NOCASE' && collate !== 'BINARY') throw new IndexParseError('Only COLLATE NOCASE or BINARY are supported.');
      column.collate = collate;
      i++;
    }
    if (isWord(peek(), 'ASC') || isWord(peek(), 'DESC')) {
      column.sort = (peek() as SqlToken).value.toUpperCase() as 'ASC' | 'DESC';
      i++;
    }
    columns.push(column);
    const sep = peek();
    i++;
    if (sep?.value === ',') continue;
    if (sep?.value === ')') break;
    throw new IndexParseError('Expected , or ) in the column list.');
  }
  const where: WherePart[] = [];
  if (isWord(peek(), 'WHERE')) {
    i++;
    let depth = 0;
    for (; i < tokens.length; i++) {
      const t = tokens[i] as SqlToken;
      if (t.kind === 'quoted') where.push({ kind: 'column', name: t.value });
      else if (t.kind === 'word') {
        const upper = t.value.toUpperCase();
        if (WHERE_KEYWORDS.has(upper)) where.push({ kind: 'keyword', value: upper });
        else if (SQL_WORDS.has(upper) || tokens[i + 1]?.value === '(') throw new IndexParseError(`Unsupported ${JSON.stringify(t.value)} in WHERE.`);
        else where.push({ kind: 'column', name: t.value });
      } else if (t.kind === 'string') where.push({ kind: 'string', value: t.value });
      else if (t.kind === 'number') where.push({ kind: 'number', value: t.value });
      else if (t.kind === 'op' && WHERE_OPS.has(t.value)) where.push({ kind: 'op', value: t.value === '<>' ? '!=' : t.value });
      else if (t.kind === 'punct' && (t.value === '(' || t.value === ')' || t.value === ',')) {
        depth += t.value === '(' ? 1 : t.value === ')' ? -1 : 0;
        if (depth < 0) throw new IndexParseError('Unbalanced parentheses in WHERE.');
        where.push({ kind: 'punct', value: t.value });
      } else throw new IndexParseError(`Unsupported ${JSON.stringify(t.value)} in WHERE.`);
    }
    if (depth !== 0) throw new IndexParseError('Unbalanced parentheses in WHERE.');
    if (where.length === 0) throw new IndexParseError('Empty WHERE.');
  }
  if (i < tokens.length) throw new IndexParseError(`Unexpected ${JSON.stringify(tokens[i]?.value)}.`);
  return { unique, name: indexName, table, columns, where };
}

/** Every field name the index touches (columns and WHERE), for validation and change detection. */
export function indexFieldNames(def: IndexDefinition): string[] {
  const names = def.columns.map((c) => c.name);
  for (const p of def.where) if (p.kind === 'column') names.push(p.name);
  return names;
}

function whereSql(parts: readonly WherePart[], ident: (n: string) => string): string {
  let out = '';
  for (const p of parts) {
    const text =
      p.kind === 'column' ? ident(p.name)
      : p.kind === 'string' ? quoteString(p.value)
      : p.value;
    if (out === '' || text === ')' || text === ',' || out.endsWith('(')) out += text;
    else out += ` ${text}`;
  }
  return out;
}

/** The canonical PocketBase spelling stored in `_collections.indexes` (backtick identifiers). */
export function formatIndex(def: IndexDefinition): string {
  const tick = (n: string) => `\`${n}\``;
  const cols = def.columns
    .map((c) => [tick(c.name), c.collate ? `COLLATE ${c.collate}` : '', c.sort].filter(Boolean).join(' '))
    .join(', ');
  const where = def.where.length ? ` WHERE ${whereSql(def.where, tick)}` : '';
  return `CREATE ${def.unique ? 'UNIQUE ' : ''}INDEX ${tick(def.name)} ON ${tick(def.table)} (${cols})${where}`;
}

/** The statement that creates the index on one engine, on the given table. */
export function indexSql(def: IndexDefinition, dialect: Dialect, table: string): string {
  const cols = def.columns
    .map((c) => {
      let col: string;
      if (c.collate === 'NOCASE') col = dialect === 'postgres' ? `lower(${quoteIdent(c.name)})` : `${quoteIdent(c.name)} COLLATE NOCASE`;
      else col = quoteIdent(c.name);
      return c.sort ? `${col} ${c.sort}` : col;
    })
    .join(', ');
  const where = def.where.length ? ` WHERE ${whereSql(def.where, quoteIdent)}` : '';
  return `CREATE ${def.unique ? 'UNIQUE ' : ''}INDEX ${quoteIdent(def.name)} ON ${quoteIdent(table)} (${cols})${where}`;
}
