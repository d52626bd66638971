import type { Collection } from '../core/schema.js';
import type { Dialect } from '../db/database.js';
import { columnClass } from './plan.js';
import type { ColumnOperand, Step } from './plan.js';
import type { SchemaLookup } from './schema-lookup.js';
import { resolvePlan } from './resolve.js';
import { RuleSyntaxError } from './rule-syntax-error.js';
import { quoteIdent } from './sql-compiler.js';

export interface SortOptions {
  collection: Collection;
  schema: SchemaLookup;
  dialect: Dialect;
  /** How the outer query names the collection's table. Default: the collection name. */
  alias?: string;
  /** Default true; pass false for a client's `?sort=`. */
  allowHiddenFields?: boolean;
}

export interface SortTerm {
  /** The term as written, without its `-`/`+`. */
  name: string;
  desc: boolean;
}

export const MAX_SORT_TERMS = 8;

/**
 * `?sort=-created,title,@random,author.name` -> an ORDER BY list (without the keyword) for one
 * dialect. Relation paths must go through single relations (one value per record); they become
 * correlated scalar subqueries, so the list query needs no join. NULLs sort first ascending on
 * both engines (SQLite's order; PostgreSQL gets a NULLS clause only where a NULL can occur). Throws `RuleSyntaxError` with the column of the bad term.
 */
export function parseSort(sort: string, options: SortOptions): { sql: string; terms: SortTerm[] } {
  const alias = quoteIdent(options.alias ?? options.collection.name);
  const pg = options.dialect === 'postgres';
  const items: string[] = [];
  const terms: SortTerm[] = [];
  let offset = 0;
  for (const part of sort.split(',')) {
    const start = offset + (part.length - part.trimStart().length);
    offset += part.length + 1;
    let term = part.trim();
    if (term === '') continue;
    if (terms.length >= MAX_SORT_TERMS) throw new RuleSyntaxError(`more than ${MAX_SORT_TERMS} sort terms`, start);
    let desc = false;
    if (term.startsWith('-') || term.startsWith('+')) {
      desc = term.startsWith('-');
      term = term.slice(1);
    }
    if (!/^[A-Za-z_@][\w.]*$/.test(term)) throw new RuleSyntaxError(`invalid sort term "${term.slice(0, 40)}"`, start);
    terms.push({ name: term, desc });
    const dir = desc ? 'DESC' : 'ASC';
    if (term === '@random') {
      items.push(pg ? 'random()' : 'RANDOM()');
      continue;
    }
    if (term === '@rowid') {
      // Views have no rowid (SQLite) nor _rowid column (PostgreSQL): a 400, not a failed query.
      if (options.collection.type === 'view') throw new RuleSyntaxError('view collections cannot be sorted by @rowid', start);
      items.push(`${pg ? `${alias}."_rowid"` : `${alias}.rowid`} ${dir}`);
      continue;
    }
    if (term.startsWith('@')) throw new RuleSyntaxError(`cannot sort by "${term}"`, start);
    const op = resolveSortColumn(term, options, start);
    const expr = sortExpression(op, alias, options.dialect);
    // PostgreSQL puts NULLs last ascending; SQLite first. Say so only where a NULL can occur: the
    // clause stops PostgreSQL from walking a plain btree index for the order (a whole-table sort).
    const nulls = pg && sortCanBeNull(op, options.collection) ? (desc ? ' NULLS LAST' : ' NULLS FIRST') : '';
    items.push(`${expr} ${dir}${nulls}`);
  }
  return { sql: items.join(', '), terms };
}

function resolveSortColumn(term: string, options: SortOptions, offset: number): ColumnOperand {
  let plan;
  try {
    plan = resolvePlan(
      { kind: 'compare', op: '=', anyOf: false, left: { kind: 'identifier', name: term, start: 0, end: term.length }, right: { kind: 'text', value: '', start: 0, end: 0 }, start: 0, end: term.length },
      { collection: options.collection, schema: options.schema, allowHiddenFields: options.allowHiddenFields ?? true },
    );
  } catch (err) {
    if (err instanceof RuleSyntaxError) throw new RuleSyntaxError(err.reason, offset);
    throw err;
  }
  const left = plan.expr.kind === 'cmp' ? plan.expr.left : undefined;
  if (left === undefined || left.kind !== 'column') throw new RuleSyntaxError(`cannot sort by "${term}"`, offset);
  if (left.multi || left.chain.some((s) => s.kind !== 'rel')) {
    throw new RuleSyntaxError(`cannot sort by "${term}": it has several values per record`, offset);
  }
  return left;
}

/**
 * Record columns are NOT NULL (docs/internals/storage-layout.md) except json ones; view columns,
 * json paths and relation chains (a missing related record) can yield NULL.
 */
function sortCanBeNull(op: ColumnOperand, collection: Collection): boolean {
  return op.chain.length > 0 || collection.type === 'view' || op.collection.type === 'view' || columnClass(op) === 'json';
}

function sortExpression(op: ColumnOperand, alias: string, dialect: Dialect): string {
  const pg = dialect === 'postgres';
  const cls = columnClass(op);
  const leaf = (a: string): string => {
    const col = `${a}.${quoteIdent(op.field.name)}`;
    if (cls === 'json') {
      const path = op.jsonPath ?? [];
      if (pg) return `(${col} #>> '{${path.join(',')}}') COLLATE "C"`;
      return `json_extract(${col}, '$${path.map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`)).join('')}')`;
    }
    return pg && cls === 'text' ? `${col} COLLATE "C"` : col;
  };
  if (op.chain.length === 0) return leaf(alias);
  // author.team.name -> (SELECT s2.name FROM users s1 LEFT JOIN teams s2 ON s2.id = s1.team WHERE s1.id = posts.author)
  const aliases = op.chain.map((_, i) => quoteIdent(`_o${i + 1}`));
  const first = op.chain[0] as Step;
  let from = `${quoteIdent((first.collection as Collection).name)} AS ${aliases[0]}`;
  for (let i = 1; i < op.chain.length; i++) {
    const s = op.chain[i] as Step;
    from += ` LEFT JOIN ${quoteIdent((s.collection as Collection).name)} AS ${aliases[i]} ON ${aliases[i]}."id" = ${aliases[i - 1]}.${quoteIdent(s.field)}`;
  }
  return `(SELECT ${leaf(aliases[aliases.length - 1] as string)} FROM ${from} WHERE ${aliases[0]}."id" = ${alias}.${quoteIdent(first.field)})`;
}
