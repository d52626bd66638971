import type { CompareOp } from './ast.js';
import type { Dialect, SqlParam } from '../db/database.js';
import { findField, isMultiple } from '../core/schema.js';
import { bodyIds, bodyItems } from './bind.js';
import type { BoundOperand } from './bind.js';
import { formatDatetime } from './macros.js';
import { columnClass } from './plan.js';
import type { BindContext, ColumnOperand, PlanCompare, PlanExpr, Step } from './plan.js';
import { RuleSyntaxError } from './rule-syntax-error.js';
import { evalValueCompare } from './value-compare.js';
import {
  cleanText, domainOf, boundLikePattern, hasDanglingEscape, neverResult, valueAsNumber, valueAsText,
} from './values.js';
import type { Side, Value } from './values.js';

/**
 * Renders a bound plan as a WHERE fragment for one dialect, with `?` placeholders. User text only
 * ever travels as a parameter; identifiers come from the collection model and are double-quoted.
 *
 * Identifiers that read other rows (relations, back-relations, `@collection`, `:each`) are joined
 * inside one correlated `EXISTS (SELECT 1 FROM ... WHERE <expr>)`, so the list query itself never
 * needs joins or DISTINCT, and identifiers sharing a path read the same joined row (PocketBase's
 * semantics). "Every item must match" is a nested `NOT EXISTS` over a fresh copy of the path.
 */

export interface SqlFragment {
  sql: string;
  params: SqlParam[];
}

export interface RenderSqlOptions {
  dialect: Dialect;
  /** The SQL name (unquoted) by which the outer query knows the filtered table. */
  alias: string;
  ctx: BindContext;
}

export function quoteIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

/** Typed SQL for one operand. */
type Rendered =
  | { kind: 'value'; v: Value }
  /** `bool`: on PostgreSQL, the boolean column that `sql` casts to a number. */
  | { kind: 'sql'; cls: 'text' | 'number'; sql: string; raw: string; bool?: string }
  | { kind: 'json'; col: string; path: string[]; raw: string };

// Parameters are written as markers and numbered at the end, so fragments can be assembled in
// any order (joins are rendered after the expression that needs them but come first in the text).
const MARK = '\u0001';

export function renderSql(expr: PlanExpr, options: RenderSqlOptions): SqlFragment {
  return new SqlRenderer(options).render(expr);
}

class SqlRenderer {
  readonly #d: Dialect;
  readonly #base: string;
  readonly #ctx: BindContext;
  readonly #values: SqlParam[] = [];
  readonly #scope = new Map<string, string>();
  readonly #joins: string[] = [];
  #aliasCount = 0;
  #usedScope = false;

  constructor(o: RenderSqlOptions) {
    this.#d = o.dialect;
    this.#base = quoteIdent(o.alias);
    this.#ctx = o.ctx;
  }

  render(expr: PlanExpr): SqlFragment {
    // Top-level conjuncts that read only the record stay outside the EXISTS, where the outer
    // query can use indexes on them; the rest share one EXISTS (and so one set of joined rows).
    const outer: string[] = [];
    const inner: string[] = [];
    for (const conj of conjuncts(expr)) {
      this.#usedScope = false;
      const sql = this.#expr(conj);
      (this.#usedScope ? inner : outer).push(sql);
    }
    if (inner.length > 0) {
      outer.push(`EXISTS (SELECT 1 FROM (SELECT 1 AS "x") AS "_rs" ${this.#joins.join(' ')} WHERE ${inner.join(' AND ')})`);
    }
    return this.#finish(outer.length === 1 ? (outer[0] as string) : `(${outer.join(' AND ')})`);
  }

  #finish(text: string): SqlFragment {
    const params: SqlParam[] = [];
    const sql = text.replace(/\u0001(\d+)\u0001/g, (_m, n: string) => {
      params.push(this.#values[Number(n)] ?? null);
      return '?';
    });
    return { sql, params };
  }

  #param(v: SqlParam, cast: 'text' | 'number' | 'jsonb' | 'boolean' | null): string {
    const m = MARK + String(this.#values.push(v) - 1) + MARK;
    if (this.#d !== 'postgres' || cast === null) return m;
    return `CAST(${m} AS ${cast === 'text' ? 'TEXT' : cast === 'number' ? 'DOUBLE PRECISION' : cast === 'jsonb' ? 'JSONB' : 'BOOLEAN'})`;
  }

  #expr(e: PlanExpr): string {
    if (e.kind !== 'cmp') return `(${this.#expr(e.left)} ${e.kind === 'and' ? 'AND' : 'OR'} ${this.#expr(e.right)})`;
    return this.#compareNode(e);
  }

  // --- joins -----------------------------------------------------------------------------------

  /** Alias of the row a step yields in the shared scope, joining it (and its parents) once. */
  #scopeAlias(step: Step | null): string {
    if (step === null) return this.#base;
    this.#usedScope = true;
    const known = this.#scope.get(step.key);
    if (known !== undefined) return known;
    const parent = this.#scopeAlias(step.parent);
    const alias = this.#newAlias();
    this.#joins.push(this.#join(step, alias, parent));
    this.#scope.set(step.key, alias);
    return alias;
  }

  #newAlias(): string {
    return quoteIdent(`_r${++this.#aliasCount}`);
  }

  #join(step: Step, alias: string, parent: string): string {
    const pg = this.#d === 'postgres';
    const on1 = pg ? 'ON TRUE' : 'ON 1=1';
    const each = (src: string, as: string): string =>
      pg ? `LEFT JOIN LATERAL jsonb_array_elements_text(${src}) AS ${as}("value") ${on1}` : `LEFT JOIN json_each(${src}) AS ${as} ${on1}`;
    const table = step.collection === null ? '' : quoteIdent(step.collection.name);
    switch (step.kind) {
      case 'rel': {
        const col = `${parent}.${quoteIdent(step.field)}`;
        if (!step.multiple) return `LEFT JOIN ${table} AS ${alias} ON ${alias}."id" = ${col}`;
        const je = this.#newAlias();
        return `${each(col, je)} LEFT JOIN ${table} AS ${alias} ON ${alias}."id" = ${je}."value"`;
      }
      case 'via': {
        const backField = step.collection === null ? undefined : findField(step.collection, step.field);
        const col = `${alias}.${quoteIdent(step.field)}`;
        if (backField === undefined || !isMultiple(backField)) return `LEFT JOIN ${table} AS ${alias} ON ${col} = ${parent}."id"`;
        return pg
          ? `LEFT JOIN ${table} AS ${alias} ON ${col} @> jsonb_build_array(${parent}."id")`
          : `LEFT JOIN ${table} AS ${alias} ON ${parent}."id" IN (SELECT "value" FROM json_each(${col}))`;
      }
      case 'collection':
        return `LEFT JOIN ${table} AS ${alias} ${on1}`;
      case 'each':
        return each(`${parent}.${quoteIdent(step.field)}`, alias);
      case 'auth':
        return `LEFT JOIN ${table} AS ${alias} ON ${alias}."id" = ${this.#param(this.#ctx.request.auth?.id ?? '', 'text')}`;
      case 'bodyRel': {
        const ids = this.#param(JSON.stringify(bodyIds(this.#ctx, step.field).map(cleanText)), pg ? 'jsonb' : null);
        return pg
          ? `LEFT JOIN ${table} AS ${alias} ON ${alias}."id" IN (SELECT jsonb_array_elements_text(${ids}))`
          : `LEFT JOIN ${table} AS ${alias} ON ${alias}."id" IN (SELECT "value" FROM json_each(${ids}))`;
      }
      case 'bodyEach':
        return each(this.#param(JSON.stringify(bodyItems(this.#ctx, step.field).map(cleanText)), pg ? 'jsonb' : null), alias);
    }
  }

  // --- operands --------------------------------------------------------------------------------

  #operand(op: BoundOperand, aliasOf: (s: Step | null) => string): Rendered {
    const pg = this.#d === 'postgres';
    switch (op.kind) {
      case 'value':
        return { kind: 'value', v: op.get(this.#ctx) };
      case 'item': {
        const sql = `${aliasOf(op.step)}."value"`;
        return { kind: 'sql', cls: 'text', sql, raw: sql };
      }
      case 'column':
        return this.#column(op, aliasOf);
      case 'changed': {
        if (op.isset(this.#ctx) === 0) return { kind: 'value', v: 0 };
        const cmp = this.#compare('!=', { kind: 'value', v: op.body(this.#ctx) }, this.#column(op.column, aliasOf));
        const sql = `(CASE WHEN ${cmp} THEN 1 ELSE 0 END)`;
        return { kind: 'sql', cls: 'number', sql, raw: sql };
      }
      case 'call': {
        const args = op.args.map((a) => this.#operand(a as BoundOperand, aliasOf));
        if (op.name === 'geoDistance') {
          const [lonA, latA, lonB, latB] = args.map((a) => this.#asNumber(a)) as [string, string, string, string];
          const clamp = pg ? (x: string) => `LEAST(1, GREATEST(-1, ${x}))` : (x: string) => `MIN(1, MAX(-1, ${x}))`;
          const inner = `COS(RADIANS(${latA})) * COS(RADIANS(${latB})) * COS(RADIANS(${lonB}) - RADIANS(${lonA})) + SIN(RADIANS(${latA})) * SIN(RADIANS(${latB}))`;
          const sql = `(CASE WHEN ${lonA} IS NULL OR ${latA} IS NULL OR ${lonB} IS NULL OR ${latB} IS NULL THEN NULL ELSE 6371 * ACOS(${clamp(inner)}) END)`;
          return { kind: 'sql', cls: 'number', sql, raw: sql };
        }
        const sql = this.#strftime(args);
        return { kind: 'sql', cls: 'text', sql, raw: sql };
      }
    }
  }

  #column(op: ColumnOperand, aliasOf: (s: Step | null) => string): Rendered {
    const pg = this.#d === 'postgres';
    const col = `${aliasOf(op.step)}.${quoteIdent(op.field.name)}`;
    const cls = columnClass(op);
    if (op.modifier === 'length') {
      const sql = isMultiple(op.field)
        ? pg ? `jsonb_array_length(${col})` : `json_array_length(${col})`
        : `(CASE WHEN ${col} IS NULL THEN NULL WHEN ${col} = '' THEN 0 ELSE 1 END)`;
      return { kind: 'sql', cls: 'number', sql, raw: col };
    }
    if (cls === 'json') {
      const path = op.jsonPath ?? [];
      const raw = pg ? `(${col} #>> '{${path.join(',')}}')` : `json_extract(${col}, '${sqlitePath(path)}')`;
      const rendered: Rendered = { kind: 'json', col, path, raw };
      return op.modifier === 'lower' ? { kind: 'sql', cls: 'text', sql: this.#lower(this.#asText(rendered)), raw } : rendered;
    }
    let sql = col;
    if (op.field.type === 'bool' && pg) sql = `CAST(${col} AS INTEGER)`;
    if (isMultiple(op.field) && pg) {
      // jsonb prints `["a", "b"]`; SQLite keeps the stored `["a","b"]`. array_to_json prints compactly.
      sql = `(CASE WHEN ${col} IS NULL THEN NULL ELSE array_to_json(ARRAY(SELECT jsonb_array_elements(${col})))::text END)`;
    }
    if (op.modifier === 'lower') {
      return { kind: 'sql', cls: 'text', sql: this.#lower(cls === 'number' ? `CAST(${sql} AS TEXT)` : sql), raw: col };
    }
    const rendered: Rendered = { kind: 'sql', cls: cls === 'number' ? 'number' : 'text', sql, raw: col };
    if (op.field.type === 'bool' && pg) rendered.bool = col;
    return rendered;
  }

  #lower(sql: string): string {
    return this.#d === 'postgres' ? `LOWER((${sql}) COLLATE "C")` : `LOWER(${sql})`;
  }

  #strftime(args: Rendered[]): string {
    const [fmtR, timeR, ...mods] = args;
    const fmt = fmtR !== undefined && fmtR.kind === 'value' ? valueAsText(fmtR.v) ?? '' : '';
    const time = timeR === undefined ? this.#param(formatDatetime(this.#ctx.now), 'text') : this.#asText(timeR);
    if (this.#d === 'sqlite') {
      const modSql = mods.map((m) => `, ${this.#asText(m)}`).join('');
      return `COALESCE(strftime(${this.#param(fmt, null)}, ${time}${modSql}), '')`;
    }
    return pgStrftime(fmt, time, mods.length > 0, (v) => this.#param(v, 'text'));
  }

  #asText(r: Rendered): string {
    const pg = this.#d === 'postgres';
    switch (r.kind) {
      case 'value': {
        const t = valueAsText(r.v);
        return t === null ? 'NULL' : this.#param(t, 'text');
      }
      case 'sql':
        return r.cls === 'number' ? `CAST(${r.sql} AS TEXT)` : r.sql;
      case 'json':
        return pg
          ? `(CASE WHEN jsonb_typeof(${r.col} #> '{${r.path.join(',')}}') = 'string' THEN ${r.col} #>> '{${r.path.join(',')}}' END)`
          : `(CASE WHEN json_type(${r.col}, '${sqlitePath(r.path)}') = 'text' THEN json_extract(${r.col}, '${sqlitePath(r.path)}') END)`;
    }
  }

  #asNumber(r: Rendered): string {
    const pg = this.#d === 'postgres';
    switch (r.kind) {
      case 'value': {
        const n = valueAsNumber(r.v);
        return n === null ? 'NULL' : this.#param(n, 'number');
      }
      case 'sql':
        // Text never meets the number domain as a row value (domainOf routes it to text).
        return r.cls === 'number' ? r.sql : 'NULL';
      case 'json': {
        if (pg) {
          const p = `'{${r.path.join(',')}}'`;
          return `(CASE jsonb_typeof(${r.col} #> ${p}) WHEN 'number' THEN CAST(${r.col} #>> ${p} AS DOUBLE PRECISION) WHEN 'boolean' THEN (CASE WHEN ${r.col} #>> ${p} = 'true' THEN 1 ELSE 0 END) END)`;
        }
        const p = `'${sqlitePath(r.path)}'`;
        return `(CASE WHEN json_type(${r.col}, ${p}) IN ('integer', 'real', 'true', 'false') THEN json_extract(${r.col}, ${p}) END)`;
      }
    }
  }

  // --- comparisons -----------------------------------------------------------------------------

  #compareNode(e: PlanCompare): string {
    const left = e.left as BoundOperand;
    const right = e.right as BoundOperand;
    const scope = (s: Step | null): string => this.#scopeAlias(s);
    const l = this.#operand(left, scope);
    const r = this.#operand(right, scope);
    let sql = this.#compare(e.op, l, r);
    const lm = isMulti(left);
    const rm = isMulti(right);
    if (!e.anyOf && (lm || rm)) {
      const joins: string[] = [];
      // Each multi-valued side walks its own copy of the path; the other side stays in the scope.
      const lmm = lm ? this.#operandFresh(left, joins, scope) : l;
      const rmm = rm ? this.#operandFresh(right, joins, scope) : r;
      let violation = `NOT (${this.#compare(e.op, lmm, rmm, false)})`;
      if (e.op !== '=') {
        const nulls = [lm ? rawOf(lmm) : null, rm ? rawOf(rmm) : null].filter((x): x is string => x !== null);
        violation = `(${violation} OR ${nulls.map((n) => `${n} IS NULL`).join(' OR ')})`;
      }
      sql = `(${sql} AND NOT EXISTS (SELECT 1 FROM (SELECT 1 AS "x") AS "_rm" ${joins.join(' ')} WHERE ${violation}))`;
    }
    const guards = [left, right].filter((o): o is ColumnOperand => o.kind === 'column' && o.emailGuard);
    for (const g of guards) sql = `(${sql} AND ${scope(g.step)}."emailVisibility" = TRUE)`;
    return sql;
  }

  /** Renders `op` with its own path on fresh aliases (the "every item" subquery). */
  #operandFresh(op: BoundOperand, joins: string[], scope: (s: Step | null) => string): Rendered {
    const own = new Map<string, string>();
    const chain = (op as { chain: Step[] }).chain;
    const alias = (s: Step | null): string => {
      if (s === null || !chain.includes(s)) return scope(s);
      const known = own.get(s.key);
      if (known !== undefined) return known;
      const parent = alias(s.parent);
      const a = this.#newAlias();
      joins.push(this.#join(s, a, parent));
      own.set(s.key, a);
      return a;
    };
    return this.#operand(op, alias);
  }

  /**
   * One comparison in SQL; NULL where SQL would give NULL (ordering or LIKE with a NULL side).
   * `positive`: the result is only tested for truth (not negated), so `=` against a non-empty
   * value may drop the NULL-safe form and stay index-friendly (NULL and false are alike there).
   */
  #compare(op: CompareOp, a: Rendered, b: Rendered, positive = true): string {
    const pg = this.#d === 'postgres';
    if (a.kind === 'value' && b.kind === 'value') {
      const res = evalValueCompare(op, a.v, b.v);
      return res === true ? '1=1' : '1=0';
    }
    if (op === '~' || op === '!~') {
      const left = this.#asText(a);
      let pattern: string;
      if (b.kind === 'value') {
        const p = boundLikePattern(valueAsText(b.v) ?? '');
        // SQLite never matches a pattern ending in a lone escape; PostgreSQL would raise an error.
        if (hasDanglingEscape(p)) return op === '~' ? '1=0' : `(${left} IS NOT NULL)`;
        pattern = this.#param(p, 'text');
      } else {
        pattern = `('%' || ${this.#asText(b)} || '%')`;
      }
      const not = op === '!~' ? 'NOT ' : '';
      return pg ? `((${left}) COLLATE "C" ${not}ILIKE ${pattern} ESCAPE '\\')` : `(${left} ${not}LIKE ${pattern} ESCAPE '\\')`;
    }
    const side = (r: Rendered): Side => (r.kind === 'value' ? { value: r.v } : r.kind === 'json' ? { cls: 'json' } : { cls: r.cls });
    const domain = domainOf(op, side(a), side(b));
    switch (domain) {
      case 'never':
        return neverResult(op) ? '1=1' : '1=0';
      case 'jsonEmpty': {
        const j = a.kind === 'json' ? a : (b as Extract<Rendered, { kind: 'json' }>);
        return `(COALESCE(${j.raw}, '') ${op === '=' ? '=' : '<>'} '')`;
      }
      case 'number': {
        const flag = pg && (op === '=' || op === '!=') ? (boolFlag(a, b) ?? boolFlag(b, a)) : undefined;
        if (flag !== undefined) {
          // The column itself rather than its number: the same answer, and PostgreSQL's planner
          // estimates `published = TRUE` from the column's statistics (a cast is a blind guess).
          const v = this.#param(flag.value, 'boolean');
          if (op === '=' && positive) return `(${flag.column} = ${v})`;
          return `(${flag.column} IS ${op === '=' ? 'NOT ' : ''}DISTINCT FROM ${v})`;
        }
        const x = this.#asNumber(a);
        const y = this.#asNumber(b);
        if (op === '=' && positive && (isNonEmptyValue(a) || isNonEmptyValue(b))) return `(${x} = ${y})`;
        if (op === '=') return pg ? `(${x} IS NOT DISTINCT FROM ${y})` : `(${x} IS ${y})`;
        if (op === '!=') return pg ? `(${x} IS DISTINCT FROM ${y})` : `(${x} IS NOT ${y})`;
        return `(${x} ${op} ${y})`;
      }
      case 'text': {
        const direct = op === '=' && positive && (isNonEmptyValue(a) || isNonEmptyValue(b));
        const x = direct ? this.#asText(a) : this.#textOperand(a, op);
        const y = direct ? this.#asText(b) : this.#textOperand(b, op);
        const sqlOp = op === '!=' ? '<>' : op;
        return pg ? `(${x} ${sqlOp} (${y}) COLLATE "C")` : `(${x} ${sqlOp} ${y})`;
      }
    }
  }

  /** Text side of a comparison; `=`/`!=` read NULL as `''` (PocketBase's COALESCE). */
  #textOperand(r: Rendered, op: CompareOp): string {
    if (op === '=' || op === '!=') {
      if (r.kind === 'value') return this.#param(valueAsText(r.v) ?? '', 'text');
      return `COALESCE(${this.#asText(r)}, '')`;
    }
    return this.#asText(r);
  }
}

/** A PostgreSQL boolean column compared with a value that is 0 or 1 as a number: the column and the boolean. */
function boolFlag(column: Rendered, value: Rendered): { column: string; value: boolean } | undefined {
  if (column.kind !== 'sql' || column.bool === undefined || value.kind !== 'value') return undefined;
  const n = valueAsNumber(value.v);
  return n === 1 || n === 0 ? { column: column.bool, value: n === 1 } : undefined;
}

/** A bound value that is neither null nor '' (then `a = v` needs no COALESCE: NULL can't match). */
function isNonEmptyValue(r: Rendered): boolean {
  return r.kind === 'value' && r.v !== null && r.v !== '';
}

function conjuncts(e: PlanExpr): PlanExpr[] {
  return e.kind === 'and' ? [...conjuncts(e.left), ...conjuncts(e.right)] : [e];
}

function isMulti(op: BoundOperand): boolean {
  return (op.kind === 'column' || op.kind === 'item') && op.multi;
}

function rawOf(r: Rendered): string | null {
  return r.kind === 'value' ? null : r.raw;
}

function sqlitePath(path: string[]): string {
  let out = '$';
  for (const p of path) out += /^\d+$/.test(p) ? `[${p}]` : `.${p}`;
  return out;
}

/**
 * SQLite's strftime for PostgreSQL: `%Y %m %d %H %M %S %f %j %w %s %%`, no modifiers (anything
 * else is a RuleSyntaxError rather than a silently different answer). Invalid or non-date values
 * give '' as in SQLite (SQLite normalises impossible days such as Feb 30; PostgreSQL gives '').
 */
function pgStrftime(fmt: string, time: string, hasModifiers: boolean, param: (v: string) => string): string {
  if (hasModifiers) throw new RuleSyntaxError('strftime modifiers are not supported on PostgreSQL', 0);
  const ts = `CAST(REPLACE(${time}, 'Z', '') AS TIMESTAMP)`;
  const parts: string[] = [];
  let lit = '';
  const flush = (): void => {
    if (lit !== '') parts.push(param(lit));
    lit = '';
  };
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i];
    if (c !== '%') {
      lit += c;
      continue;
    }
    const s = fmt[++i];
    const piece: Record<string, string> = {
      Y: `to_char(${ts}, 'YYYY')`, m: `to_char(${ts}, 'MM')`, d: `to_char(${ts}, 'DD')`, H: `to_char(${ts}, 'HH24')`,
      M: `to_char(${ts}, 'MI')`, S: `to_char(${ts}, 'SS')`, j: `to_char(${ts}, 'DDD')`,
      w: `CAST(EXTRACT(DOW FROM ${ts}) AS INTEGER)::text`, f: `to_char(${ts}, 'SS.MS')`,
      s: `CAST(FLOOR(EXTRACT(EPOCH FROM ${ts})) AS BIGINT)::text`,
    };
    if (s === '%') lit += '%';
    else if (s !== undefined && piece[s] !== undefined) {
      flush();
      parts.push(piece[s] as string);
    } else throw new RuleSyntaxError(`strftime format "%${s ?? ''}" is not supported on PostgreSQL`, 0);
  }
  flush();
  const body = parts.length === 0 ? `''` : parts.join(' || ');
  // Only well-formed, real datetimes reach the cast (PostgreSQL would raise an error otherwise).
  const re = `'^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])( ([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\\.[0-9]{1,9})?)?)?Z?$'`;
  const dayOk = `CAST(SUBSTRING(${time} FROM 9 FOR 2) AS INTEGER) <= EXTRACT(DAY FROM (DATE_TRUNC('month', CAST(SUBSTRING(${time} FROM 1 FOR 7) || '-01' AS DATE)) + INTERVAL '1 month' - INTERVAL '1 day'))`;
  return `COALESCE(CASE WHEN ${time} ~ ${re} THEN CASE WHEN ${dayOk} THEN ${body} END END, '')`;
}

