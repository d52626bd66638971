import type { CompareOp } from './ast.js';
import { isMultiple } from '../core/schema.js';
import { bodyItems } from './bind.js';
import type { BoundOperand } from './bind.js';
import { formatDatetime } from './macros.js';
import { columnClass } from './plan.js';
import type { BindContext, ColumnOperand, PlanExpr, Step } from './plan.js';
import { asNumber, asText, evalCompare } from './value-compare.js';
import type { MatchValue } from './value-compare.js';
import { asciiLowerString, cleanText, toValue } from './values.js';

/**
 * The in-memory back-end: decides a bound plan for one record (in API shape) without the
 * database, or answers 'undecided' when the answer needs rows it was not given. It mirrors the
 * SQL back-end step by step (same joins-as-row-combinations, same every-item checks, same
 * comparison domains); the property test holds the two to the same answers.
 *
 * Decides: the record's own fields (all types, json paths, `:length`, `:lower`, `:each`),
 * `@request.*` values and modifiers, `@request.body.f:each`, macros, `geoDistance`, `strftime`
 * (simple formats), relation paths whose related records are present in `record.expand`.
 * Undecided: `@collection.*`, back-relations (`_via_`), `@request.body.rel.field`, relation paths
 * not (fully) expanded, fields missing from the record object (e.g. hidden ones), and more than
 * MAX_COMBINATIONS joined row combinations (MAX_MATCH_WORK in total).
 */

export const MAX_COMBINATIONS = 10_000;

/** Row combinations visited in total (scope and every-item checks), so no record costs more. */
export const MAX_MATCH_WORK = 100_000;

type Row = Record<string, unknown> | string | null;

class Undecided extends Error {}

export interface MatchContext {
  record: Record<string, unknown>;
  ctx: BindContext;
}

export function matchPlan(expr: PlanExpr, m: MatchContext): boolean | 'undecided' {
  try {
    return new Matcher(m).run(expr);
  } catch (err) {
    if (err instanceof Undecided) return 'undecided';
    throw err;
  }
}

class Matcher {
  readonly #record: Record<string, unknown>;
  readonly #ctx: BindContext;
  #work = 0;

  constructor(m: MatchContext) {
    this.#record = m.record;
    this.#ctx = m.ctx;
  }

  run(expr: PlanExpr): boolean {
    const steps: Step[] = [];
    collectSteps(expr, steps);
    let count = 0;
    let found = false;
    const assign = new Map<string, Row>();
    const visit = (i: number): void => {
      if (found) return;
      if (i === steps.length) {
        if (++count > MAX_COMBINATIONS || ++this.#work > MAX_MATCH_WORK) throw new Undecided();
        if (this.#expr(expr, assign)) found = true;
        return;
      }
      const step = steps[i] as Step;
      for (const row of this.#rows(step, assign)) {
        assign.set(step.key, row);
        visit(i + 1);
        if (found) return;
      }
      assign.delete(step.key);
    };
    visit(0);
    return found;
  }

  #parentRow(step: Step, assign: Map<string, Row>): Row {
    if (step.parent === null) return this.#record;
    const row = assign.get(step.parent.key);
    if (row === undefined) throw new Error(`rules: step ${step.parent.key} not assigned`);
    return row;
  }

  /** The rows a LEFT JOIN of `step` yields for the current parent row (at least one: null). */
  #rows(step: Step, assign: Map<string, Row>): Row[] {
    switch (step.kind) {
      case 'rel': {
        const parent = this.#parentRow(step, assign);
        if (parent === null || typeof parent === 'string') return [null];
        const ids = readField(parent, step.field);
        const expand = (parent.expand as Record<string, unknown> | undefined)?.[step.field];
        const list = Array.isArray(ids) ? ids : ids === '' || ids === null ? [] : [ids];
        if (list.length === 0) return [null];
        const expanded = Array.isArray(expand) ? expand : expand === undefined || expand === null ? [] : [expand];
        return list.map((id) => {
          const hit = expanded.find((e) => e !== null && typeof e === 'object' && (e as Record<string, unknown>).id === id);
          if (hit === undefined) throw new Undecided();
          return hit as Record<string, unknown>;
        });
      }
      case 'each': {
        const parent = this.#parentRow(step, assign);
        if (parent === null || typeof parent === 'string') return [null];
        const v = readField(parent, step.field);
        const items = Array.isArray(v) ? v.map((x) => cleanText(String(x))) : [];
        return items.length === 0 ? [null] : items;
      }
      case 'bodyEach': {
        const items = bodyItems(this.#ctx, step.field).map(cleanText);
        return items.length === 0 ? [null] : items;
      }
      case 'auth': {
        const auth = this.#ctx.request.auth;
        return [auth === null ? null : auth];
      }
      default:
        throw new Undecided();
    }
  }

  #expr(e: PlanExpr, assign: Map<string, Row>): boolean {
    switch (e.kind) {
      case 'and':
        return this.#expr(e.left, assign) && this.#expr(e.right, assign);
      case 'or':
        return this.#expr(e.left, assign) || this.#expr(e.right, assign);
      case 'cmp': {
        const left = e.left as BoundOperand;
        const right = e.right as BoundOperand;
        const rowOf = (s: Step | null): Row => (s === null ? this.#record : (assign.get(s.key) ?? null));
        const res = evalCompare(e.op, this.#operand(left, rowOf), this.#operand(right, rowOf));
        if (res !== true) return false;
        for (const o of [left, right]) {
          if (o.kind === 'column' && o.emailGuard) {
            const row = rowOf(o.step);
            if (row === null || typeof row === 'string' || readField(row, 'emailVisibility') !== true) return false;
          }
        }
        const lm = isMulti(left);
        const rm = isMulti(right);
        if (e.anyOf || (!lm && !rm)) return true;
        return this.#everyItem(e.op, left, right, lm, rm, rowOf);
      }
    }
  }

  /** PocketBase's NOT EXISTS check: no item combination of the multi-valued sides may violate. */
  #everyItem(op: CompareOp, left: BoundOperand, right: BoundOperand, lm: boolean, rm: boolean, scopeRow: (s: Step | null) => Row): boolean {
    const sides = [lm ? left : null, rm ? right : null];
    const own = new Map<string, Row>();
    const chains = sides.flatMap((o) => (o === null ? [] : [(o as { chain: Step[] }).chain.map((s) => ({ s, side: o }))]));
    const flat = chains.flat();
    let violated = false;
    let count = 0;
    const keyOf = (s: Step, side: BoundOperand): string => `${side === left ? 'L' : 'R'}:${s.key}`;
    const rowFor = (side: BoundOperand) => (s: Step | null): Row => {
      if (s === null) return this.#record;
      const chain = (side as { chain: Step[] }).chain;
      if (!chain.includes(s)) return scopeRow(s);
      return own.get(keyOf(s, side)) ?? null;
    };
    const visit = (i: number): void => {
      if (violated) return;
      if (i === flat.length) {
        if (++count > MAX_COMBINATIONS || ++this.#work > MAX_MATCH_WORK) throw new Undecided();
        const lv = this.#operand(left, lm ? rowFor(left) : scopeRow);
        const rv = this.#operand(right, rm ? rowFor(right) : scopeRow);
        const res = evalCompare(op, lv, rv);
        const nullItem = (lm && isNullValue(lv)) || (rm && isNullValue(rv));
        if (res === false || (op !== '=' && nullItem)) violated = true;
        return;
      }
      const { s, side } = flat[i] as { s: Step; side: BoundOperand };
      // Rows of a step depend on its parent's row in the same copy of the path.
      const parentAssign = new Map<string, Row>();
      if (s.parent !== null) parentAssign.set(s.parent.key, rowFor(side)(s.parent));
      for (const row of this.#rows(s, parentAssign)) {
        own.set(keyOf(s, side), row);
        visit(i + 1);
        if (violated) return;
      }
      own.delete(keyOf(s, side));
    };
    visit(0);
    return !violated;
  }

  #operand(op: BoundOperand, rowOf: (s: Step | null) => Row): MatchValue {
    switch (op.kind) {
      case 'value':
        return { kind: 'value', v: op.get(this.#ctx) };
      case 'item': {
        const row = rowOf(op.step);
        return { kind: 'text', v: typeof row === 'string' ? row : null };
      }
      case 'column':
        return this.#column(op, rowOf(op.step));
      case 'changed': {
        if (op.isset(this.#ctx) === 0) return { kind: 'value', v: 0 };
        const res = evalCompare('!=', { kind: 'value', v: op.body(this.#ctx) }, this.#column(op.column, rowOf(op.column.step)));
        return { kind: 'number', v: res === true ? 1 : 0 };
      }
      case 'call': {
        const args = op.args.map((a) => this.#operand(a as BoundOperand, rowOf));
        if (op.name === 'geoDistance') return { kind: 'number', v: geoDistance(args.map(asNumber)) };
        return { kind: 'text', v: strftime(args, this.#ctx.now) };
      }
    }
  }

  #column(op: ColumnOperand, row: Row): MatchValue {
    const cls = columnClass(op);
    const obj = row === null || typeof row === 'string' ? null : row;
    const raw = obj === null ? null : readField(obj, op.field.name);
    if (op.modifier === 'length') {
      if (obj === null) return { kind: 'number', v: null };
      if (isMultiple(op.field)) return { kind: 'number', v: Array.isArray(raw) ? raw.length : 0 };
      return { kind: 'number', v: raw === '' || raw === null ? 0 : 1 };
    }
    if (cls === 'json') {
      let v: unknown = obj === null ? undefined : raw;
      for (const p of op.jsonPath ?? []) {
        if (v === null || typeof v !== 'object') {
          v = undefined;
          break;
        }
        v = Array.isArray(v) ? (/^\d+$/.test(p) ? v[Number(p)] : undefined) : Object.hasOwn(v, p) ? (v as Record<string, unknown>)[p] : undefined;
      }
      if (typeof v === 'string') v = cleanText(v);
      if (op.modifier === 'lower') {
        const t = asText({ kind: 'json', v });
        return { kind: 'text', v: t === null ? null : asciiLowerString(t) };
      }
      return { kind: 'json', v };
    }
    let mv: MatchValue;
    if (obj === null) mv = cls === 'number' ? { kind: 'number', v: null } : { kind: 'text', v: null };
    else if (op.field.type === 'bool') mv = { kind: 'number', v: raw === true || raw === 1 ? 1 : 0 };
    else if (cls === 'number') mv = { kind: 'number', v: typeof raw === 'number' ? raw : Number(raw ?? 0) };
    else if (isMultiple(op.field)) mv = { kind: 'text', v: cleanText(JSON.stringify(Array.isArray(raw) ? raw : [])) };
    else mv = { kind: 'text', v: raw === null || raw === undefined ? '' : cleanText(String(toValue(raw) ?? '')) };
    if (op.modifier === 'lower') {
      const t = asText(mv);
      return { kind: 'text', v: t === null ? null : asciiLowerString(t) };
    }
    return mv;
  }
}

function readField(row: Record<string, unknown>, name: string): unknown {
  // A key the record object does not carry (hidden field, `fields` picked) cannot be judged.
  if (!Object.hasOwn(row, name)) throw new Undecided();
  return row[name];
}

function isNullValue(m: MatchValue): boolean {
  if (m.kind === 'json') return m.v === undefined || m.v === null;
  return m.v === null;
}

function isMulti(op: BoundOperand): boolean {
  return (op.kind === 'column' || op.kind === 'item') && op.multi;
}

function collectSteps(e: PlanExpr, out: Step[]): void {
  if (e.kind !== 'cmp') {
    collectSteps(e.left, out);
    collectSteps(e.right, out);
    return;
  }
  const add = (o: BoundOperand): void => {
    if (o.kind === 'column' || o.kind === 'item') {
      for (const s of o.chain) if (!out.some((x) => x.key === s.key)) out.push(s);
    } else if (o.kind === 'call') for (const a of o.args) add(a as BoundOperand);
    else if (o.kind === 'changed') add(o.column);
  };
  add(e.left as BoundOperand);
  add(e.right as BoundOperand);
}

function geoDistance(args: Array<number | null>): number | null {
  const [lonA, latA, lonB, latB] = args;
  if (lonA == null || latA == null || lonB == null || latB == null) return null;
  const rad = (d: number): number => (d * Math.PI) / 180;
  const x = Math.cos(rad(latA)) * Math.cos(rad(latB)) * Math.cos(rad(lonB) - rad(lonA)) + Math.sin(rad(latA)) * Math.sin(rad(latB));
  return 6371 * Math.acos(Math.min(1, Math.max(-1, x)));
}

const DATETIME = /^(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?Z?$/;

/** SQLite's strftime for the formats both engines share; anything else is undecided. */
function strftime(args: MatchValue[], now: Date): string {
  const [fmtV, timeV, ...mods] = args;
  if (mods.length > 0 || fmtV === undefined) throw new Undecided();
  const fmt = asText(fmtV) ?? '';
  const time = timeV === undefined ? formatDatetime(now) : asText(timeV);
  if (time === null) return '';
  const m = DATETIME.exec(time);
  if (m === null) {
    // SQLite also reads julian day numbers and other forms; only plain non-dates are known ''.
    if (/^\s*$/.test(time) || !/\d/.test(time)) return '';
    throw new Undecided();
  }
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = ''] = m;
  const ms = Number((frac + '000').slice(0, 3));
  const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms));
  if (date.getUTCMonth() !== Number(mo) - 1 || date.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) {
    throw new Undecided();
  }
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  let out = '';
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i];
    if (c !== '%') {
      out += c;
      continue;
    }
    const k = fmt[++i];
    switch (k) {
      case 'Y': out += pad(date.getUTCFullYear(), 4); break;
      case 'm': out += pad(date.getUTCMonth() + 1); break;
      case 'd': out += pad(date.getUTCDate()); break;
      case 'H': out += pad(date.getUTCHours()); break;
      case 'M': out += pad(date.getUTCMinutes()); break;
      case 'S': out += pad(date.getUTCSeconds()); break;
      case 'f': out += `${pad(date.getUTCSeconds())}.${pad(date.getUTCMilliseconds(), 3)}`; break;
      case 'j': out += pad(Math.floor((date.getTime() - Date.UTC(date.getUTCFullYear(), 0, 1)) / 86_400_000) + 1, 3); break;
      case 'w': out += String(date.getUTCDay()); break;
      case 's': out += String(Math.floor(date.getTime() / 1000)); break;
      case '%': out += '%'; break;
      default: throw new Undecided();
    }
  }
  return out;
}
