import type { Collection, Field } from '../core/schema.js';
import { defaultFieldId } from './collection-ids.js';
import { SqlTokenError, isWord, quoteIdent, quoteString, tokenizeSql, type SqlToken } from './sql-tokens.js';
import { idField } from './system-fields.js';

/**
 * The portable SQL subset accepted as a view collection's `viewQuery`, checked on a token stream:
 * - one `SELECT` (optionally `DISTINCT`), no `;`, no comments, no `WITH`/`INTO`/writes/DDL/PRAGMA;
 * - tables (`FROM`, `JOIN`, comma lists, sub-selects in parentheses) must be collection names;
 *   internal tables (`_collections`, `_params`, `sqlite_master`, `pg_catalog...`) and schema-qualified
 *   names are refused;
 * - functions limited to a list both engines share (aggregates, coalesce/nullif, lower/upper,
 *   length, abs, round, trim, substr, replace, cast);
 * - every result column is a plain column reference or has an alias; `*` is refused (the fields
 *   of a view are inferred from its columns), and an `id` column is required.
 * What the engines still disagree on (e.g. a GROUP BY that PostgreSQL rejects) is caught by
 * creating the view on the live database.
 */

export class ViewQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ViewQueryError';
  }
}

export interface ViewQueryAnalysis {
  /** The query with identifiers double-quoted, runnable on both engines. */
  sql: string;
  fields: Field[];
}

const FORBIDDEN = new Set([
  'INSERT', 'UPDATE', 'DELETE', 'DROP', 'ALTER', 'CREATE', 'ATTACH', 'DETACH', 'PRAGMA', 'VACUUM',
  'GRANT', 'REVOKE', 'TRUNCATE', 'COPY', 'WITH', 'INTO', 'RETURNING', 'EXECUTE', 'CALL', 'LOAD',
  'REINDEX', 'ANALYZE', 'LOCK', 'VALUES', 'RECURSIVE', 'WINDOW', 'OVER',
]);
const FUNCTIONS = new Set([
  'COUNT', 'SUM', 'AVG', 'MIN', 'MAX', 'COALESCE', 'NULLIF', 'LOWER', 'UPPER', 'LENGTH', 'ABS',
  'ROUND', 'TRIM', 'LTRIM', 'RTRIM', 'SUBSTR', 'REPLACE', 'CAST',
]);
const NUMBER_FUNCTIONS = new Set(['COUNT', 'SUM', 'AVG', 'LENGTH', 'ABS', 'ROUND']);
const TEXT_FUNCTIONS = new Set(['LOWER', 'UPPER', 'TRIM', 'LTRIM', 'RTRIM', 'SUBSTR', 'REPLACE']);
/** Words that may precede `(` without being a function call. */
const PAREN_KEYWORDS = new Set(['IN', 'EXISTS', 'AND', 'OR', 'NOT', 'ON', 'FROM', 'JOIN', 'AS', 'SELECT', 'WHERE', 'HAVING', 'THEN', 'ELSE', 'WHEN', 'CASE', 'BY', 'LIMIT', 'OFFSET', 'IS', 'LIKE', 'BETWEEN', 'UNION', 'ALL', 'DISTINCT']);
const CLAUSE_WORDS = new Set(['WHERE', 'GROUP', 'ORDER', 'LIMIT', 'OFFSET', 'HAVING', 'UNION', 'EXCEPT', 'INTERSECT', 'JOIN', 'LEFT', 'RIGHT', 'INNER', 'OUTER', 'CROSS', 'FULL', 'NATURAL', 'ON', 'USING']);

export function analyzeViewQuery(query: string, collections: readonly Collection[]): ViewQueryAnalysis {
  let tokens: SqlToken[];
  try {
    tokens = tokenizeSql(query);
  } catch (err) {
    throw new ViewQueryError(err instanceof SqlTokenError ? err.message : 'Invalid query.');
  }
  if (!isWord(tokens[0], 'SELECT')) throw new ViewQueryError('The query must be a single SELECT.');

  const byName = new Map(collections.map((c) => [c.name.toLowerCase(), c]));
  const aliases = new Map<string, Collection>();
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as SqlToken;
    if (t.kind === 'punct' && t.value === ';') throw new ViewQueryError('Semicolons are not allowed.');
    if (t.kind === 'punct' && t.value === '(') depth++;
    if (t.kind === 'punct' && t.value === ')' && --depth < 0) throw new ViewQueryError('Unbalanced parentheses.');
    if (t.kind !== 'word') continue;
    const upper = t.value.toUpperCase();
    if (FORBIDDEN.has(upper)) throw new ViewQueryError(`${upper} is not allowed in a view query.`);
    const next = tokens[i + 1];
    if (next?.kind === 'punct' && next.value === '(' && !PAREN_KEYWORDS.has(upper) && !FUNCTIONS.has(upper)) {
      throw new ViewQueryError(`Function ${t.value}() is not in the portable subset.`);
    }
    if (upper === 'FROM' || upper === 'JOIN') {
      // a comma list of table references follows FROM; JOIN takes exactly one
      let j = i + 1;
      for (;;) {
        const ref = tokens[j];
        if (ref?.kind === 'punct' && ref.value === '(') break; // sub-select, checked as we go
        if (!ref || (ref.kind !== 'word' && ref.kind !== 'quoted')) throw new ViewQueryError(`Expected a collection name after ${upper}.`);
        if (tokens[j + 1]?.value === '.') throw new ViewQueryError('Schema-qualified names are not allowed.');
        const collection = byName.get(ref.value.toLowerCase());
        if (!collection) throw new ViewQueryError(`Unknown collection ${JSON.stringify(ref.value)}.`);
        aliases.set(ref.value.toLowerCase(), collection);
        j++;
        if (isWord(tokens[j], 'AS')) j++;
        const alias = tokens[j];
        if (alias && (alias.kind === 'quoted' || (alias.kind === 'word' && !CLAUSE_WORDS.has(alias.value.toUpperCase()) && !PAREN_KEYWORDS.has(alias.value.toUpperCase())))) {
          aliases.set(alias.value.toLowerCase(), collection);
          j++;
        }
        if (upper === 'FROM' && tokens[j]?.value === ',') {
          j++;
          continue;
        }
        break;
      }
    }
  }
  if (depth !== 0) throw new ViewQueryError('Unbalanced parentheses.');

  const items = selectItems(tokens);
  const fields: Field[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    const { name, expr } = splitAlias(item);
    if (seen.has(name.toLowerCase())) throw new ViewQueryError(`Duplicated column ${JSON.stringify(name)}.`);
    seen.add(name.toLowerCase());
    fields.push(inferField(name, expr, aliases));
  }
  if (!seen.has('id')) throw new ViewQueryError('The query must return an "id" column.');
  // the id column leads, as on base collections
  fields.sort((a, b) => Number(b.name === 'id') - Number(a.name === 'id'));
  // bare names are quoted so PostgreSQL does not fold mixed-case names to lower case
  const names = new Set<string>(seen.size ? fields.map((f) => f.name) : []);
  for (const c of aliases.values()) {
    names.add(c.name);
    for (const f of c.fields) names.add(f.name);
  }
  return { sql: render(tokens, names), fields };
}

function selectItems(tokens: readonly SqlToken[]): SqlToken[][] {
  let i = 1;
  if (isWord(tokens[i], 'DISTINCT') || isWord(tokens[i], 'ALL')) i++;
  const items: SqlToken[][] = [];
  let current: SqlToken[] = [];
  let depth = 0;
  for (; i < tokens.length; i++) {
    const t = tokens[i] as SqlToken;
    if (depth === 0 && isWord(t, 'FROM')) break;
    if (t.value === '(' && t.kind === 'punct') depth++;
    if (t.value === ')' && t.kind === 'punct') depth--;
    if (depth === 0 && t.kind === 'punct' && t.value === ',') {
      items.push(current);
      current = [];
      continue;
    }
    current.push(t);
  }
  items.push(current);
  for (const item of items) {
    if (item.length === 0) throw new ViewQueryError('Empty column in the select list.');
    const last = item[item.length - 1] as SqlToken;
    if (last.kind === 'op' && last.value === '*') throw new ViewQueryError('"*" is not allowed; list the columns (fields are inferred from them).');
  }
  return items;
}

function splitAlias(item: SqlToken[]): { name: string; expr: SqlToken[] } {
  const last = item[item.length - 1] as SqlToken;
  const before = item[item.length - 2];
  if (item.length >= 2 && (last.kind === 'word' || last.kind === 'quoted')) {
    if (isWord(before, 'AS')) return { name: checkName(last.value), expr: item.slice(0, -2) };
    const implicit = before && (before.kind === 'word' || before.kind === 'quoted' || (before.kind === 'punct' && before.value === ')') || before.kind === 'number' || before.kind === 'string');
    if (implicit && !(before?.kind === 'punct' && before.value === '.')) return { name: checkName(last.value), expr: item.slice(0, -1) };
  }
  if (item.length === 1 && (last.kind === 'word' || last.kind === 'quoted')) return { name: checkName(last.value), expr: item };
  if (item.length === 3 && item[1]?.value === '.' && (last.kind === 'word' || last.kind === 'quoted')) {
    return { name: checkName(last.value), expr: item };
  }
  throw new ViewQueryError('Every computed column needs an alias (expr AS name).');
}

function checkName(name: string): string {
  if (!/^\w+$/.test(name)) throw new ViewQueryError(`Invalid column name ${JSON.stringify(name)}.`);
  return name;
}

function sourceField(expr: readonly SqlToken[], aliases: ReadonlyMap<string, Collection>): Field | undefined {
  const ident = (t: SqlToken | undefined) => t !== undefined && (t.kind === 'word' || t.kind === 'quoted');
  if (expr.length === 1 && ident(expr[0])) {
    const col = (expr[0] as SqlToken).value;
    for (const c of aliases.values()) {
      const f = c.fields.find((x) => x.name === col);
      if (f) return f;
    }
  }
  if (expr.length === 3 && ident(expr[0]) && expr[1]?.value === '.' && ident(expr[2])) {
    const c = aliases.get((expr[0] as SqlToken).value.toLowerCase());
    return c?.fields.find((x) => x.name === (expr[2] as SqlToken).value);
  }
  return undefined;
}

function inferField(name: string, expr: readonly SqlToken[], aliases: ReadonlyMap<string, Collection>): Field {
  if (name === 'id') return idField();
  const common = { name, system: false, hidden: false, presentable: false, help: '' };
  const source = sourceField(expr, aliases);
  if (source) {
    return { ...structuredClone(source), ...common, id: defaultFieldId(source.type, name) } as Field;
  }
  const first = expr[0];
  const upper = first?.kind === 'word' ? first.value.toUpperCase() : '';
  const isCall = expr[1]?.value === '(';
  let type: 'number' | 'text' | 'bool' | 'json' = 'json';
  if (expr.length === 1 && first?.kind === 'number') type = 'number';
  else if (expr.length === 1 && first?.kind === 'string') type = 'text';
  else if (expr.length === 1 && (upper === 'TRUE' || upper === 'FALSE')) type = 'bool';
  else if (isCall && NUMBER_FUNCTIONS.has(upper)) type = 'number';
  else if (isCall && TEXT_FUNCTIONS.has(upper)) type = 'text';
  else if (isCall && upper === 'CAST') {
    const asAt = expr.findLastIndex((t) => isWord(t, 'AS'));
    const target = (expr[asAt + 1]?.value ?? '').toUpperCase();
    if (/INT|REAL|NUMERIC|DOUBLE|FLOAT|DECIMAL/.test(target)) type = 'number';
    else if (/TEXT|CHAR/.test(target)) type = 'text';
    else if (/BOOL/.test(target)) type = 'bool';
  } else if (isCall && (upper === 'MIN' || upper === 'MAX' || upper === 'COALESCE')) {
    // the type of the first argument when it is a plain column
    const close = expr.findIndex((t, i) => i > 2 && (t.value === ',' || t.value === ')'));
    const inner = sourceField(expr.slice(2, close), aliases);
    if (inner) return { ...structuredClone(inner), ...common, id: defaultFieldId(inner.type, name) } as Field;
  }
  switch (type) {
    case 'number':
      return { ...common, id: defaultFieldId('number', name), type: 'number', min: null, max: null, onlyInt: false, required: false };
    case 'text':
      return { ...common, id: defaultFieldId('text', name), type: 'text', min: 0, max: 0, pattern: '', autogeneratePattern: '', required: false, primaryKey: false };
    case 'bool':
      return { ...common, id: defaultFieldId('bool', name), type: 'bool', required: false };
    default:
      return { ...common, id: defaultFieldId('json', name), type: 'json', maxSize: 0, required: false };
  }
}

function render(tokens: readonly SqlToken[], names: ReadonlySet<string>): string {
  let out = '';
  let prev: SqlToken | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as SqlToken;
    const next = tokens[i + 1];
    const isName = t.kind === 'quoted' || (t.kind === 'word' && names.has(t.value) && next?.value !== '(');
    const text = isName ? quoteIdent(t.value) : t.kind === 'string' ? quoteString(t.value) : t.value;
    const tight = prev === undefined || t.value === ')' || t.value === ',' || t.value === '.' || prev.value === '(' || prev.value === '.' ||
      (t.value === '(' && prev.kind === 'word' && FUNCTIONS.has(prev.value.toUpperCase()));
    out += tight ? text : ` ${text}`;
    prev = t;
  }
  return out;
}

/**
 * The query with references to a renamed collection rewritten: table names after FROM/JOIN (and
 * in FROM comma lists) and `name.column` qualifiers. Other text is kept byte for byte.
 */
export function renameCollectionInViewQuery(query: string, from: string, to: string): string {
  const tokens = tokenizeSql(query);
  const hits: SqlToken[] = [];
  let inFrom = false;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as SqlToken;
    const prev = tokens[i - 1];
    if (t.kind === 'word' && (isWord(t, 'FROM') || isWord(t, 'JOIN'))) inFrom = isWord(t, 'FROM');
    else if (t.kind === 'word' && (isWord(t, 'SELECT') || CLAUSE_WORDS.has(t.value.toUpperCase()))) inFrom = false;
    if ((t.kind !== 'word' && t.kind !== 'quoted') || t.value.toLowerCase() !== from.toLowerCase()) continue;
    const tableRef = isWord(prev, 'FROM') || isWord(prev, 'JOIN') || (inFrom && prev?.value === ',');
    const qualifier = tokens[i + 1]?.value === '.' && prev?.value !== '.';
    if (tableRef || qualifier) hits.push(t);
  }
  let out = query;
  for (const t of hits.reverse()) out = out.slice(0, t.pos) + quoteIdent(to) + out.slice(t.end);
  return out;
}
