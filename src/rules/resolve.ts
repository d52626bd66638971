import type { CallNode, CompareNode, ExprNode, OperandNode, ValueNode } from './ast.js';
import { findField, isMultiple } from '../core/schema.js';
import type { Collection, Field } from '../core/schema.js';
import { isMacro, macroValue } from './macros.js';
import type { BindContext, ColumnOperand, ItemOperand, Plan, PlanExpr, PlanOperand, Step, ValueGetter, ValueOperand } from './plan.js';
import { RuleSyntaxError } from './rule-syntax-error.js';
import type { SchemaLookup } from './schema-lookup.js';
import { asciiLowerString, toValue } from './values.js';
import type { Value } from './values.js';

export interface ResolveOptions {
  collection: Collection;
  schema: SchemaLookup;
  /** Rules (written by superusers) may read hidden fields; client filters may not. Default true. */
  allowHiddenFields?: boolean;
}

/** PocketBase's limit on relation hops in one identifier. */
export const MAX_RELATION_DEPTH = 6;

// `amr` is Galley's: the session's auth methods as flags (`@request.auth.amr.totp`), set by auth/rule-auth.ts.
const PLAIN_AUTH_FIELDS = new Set(['id', 'collectionId', 'collectionName', 'email', 'emailVisibility', 'verified', 'amr']);
const VIA = /^(\w+)_via_(\w+)$/;
const JSON_KEY = /^\w+$/;

/** Binds every identifier of `ast` to the collection model. Throws `RuleSyntaxError`. */
export function resolvePlan(ast: ExprNode, options: ResolveOptions): Plan {
  const r = new Resolver(options);
  const expr = r.expr(ast);
  return { expr, collection: options.collection, hasAuthPaths: r.hasAuthPaths };
}

/**
 * Resolves `@request.auth.<path>` once the auth collection is known. Kept apart so that the
 * plan itself stays independent of who is asking.
 */
export function resolveAuthPath(props: string[], offset: number, authCollection: Collection, options: ResolveOptions): ColumnOperand | ValueOperand | ItemOperand {
  const r = new Resolver({ ...options, allowHiddenFields: true });
  const step: Step = { key: `@auth`, parent: null, kind: 'auth', collection: authCollection, field: 'id', multiple: false };
  return r.path(props, authCollection, step, [step], false, true, offset);
}

class Resolver {
  readonly #o: Required<ResolveOptions>;
  hasAuthPaths = false;

  constructor(o: ResolveOptions) {
    this.#o = { allowHiddenFields: true, ...o };
  }

  expr(node: ExprNode): PlanExpr {
    if (node.kind === 'logical') {
      return { kind: node.op === '&&' ? 'and' : 'or', left: this.expr(node.left), right: this.expr(node.right) };
    }
    return this.#compare(node);
  }

  #compare(node: CompareNode): PlanExpr {
    const left = this.operand(node.left);
    const right = this.operand(node.right);
    // A computed distance has no portable text form (SQLite prints 15 digits, PostgreSQL the
    // shortest exact form), so it may only meet numbers.
    for (const [a, b, at] of [[left, right, node.left], [right, left, node.right]] as const) {
      if (a.kind === 'call' && a.name === 'geoDistance' && (node.op === '~' || node.op === '!~' || isTextOperand(b))) {
        throw new RuleSyntaxError('geoDistance() can only be compared with numbers', at.start);
      }
    }
    return { kind: 'cmp', op: node.op, anyOf: node.anyOf, left, right };
  }

  operand(node: OperandNode): PlanOperand {
    switch (node.kind) {
      case 'text':
        return constant(node.value);
      case 'number':
        return constant(node.value);
      case 'param': {
        const { name, start } = node;
        return {
          kind: 'value',
          constant: false,
          get: (ctx) => {
            if (!Object.hasOwn(ctx.params, name)) throw new RuleSyntaxError(`no value given for {:${name}}`, start);
            return toValue(ctx.params[name]);
          },
        };
      }
      case 'call':
        return this.#call(node);
      case 'identifier':
        return this.#identifier(node.name, node.start);
    }
  }

  #call(node: CallNode): PlanOperand {
    const args = node.args.map((a: ValueNode) => this.operand(a));
    if (node.name === 'strftime') {
      const fmt = args[0];
      if (fmt === undefined || fmt.kind !== 'value' || !fmt.constant) {
        throw new RuleSyntaxError('the strftime format must be a text literal', node.args[0]?.start ?? node.start);
      }
      args.slice(2).forEach((a, i) => {
        if (a.kind !== 'value') throw new RuleSyntaxError('strftime modifiers must be literals', node.args[i + 2]?.start ?? node.start);
      });
    }
    for (const [i, a] of args.entries()) {
      if (a.kind === 'column' && a.multi) throw new RuleSyntaxError('function arguments cannot be multi-valued', node.args[i]?.start ?? node.start);
      if (a.kind === 'item') throw new RuleSyntaxError('function arguments cannot be multi-valued', node.args[i]?.start ?? node.start);
    }
    return { kind: 'call', name: node.name, args };
  }

  #identifier(name: string, offset: number): PlanOperand {
    if (isMacro(name)) {
      const macro = name;
      return { kind: 'value', constant: false, get: (ctx) => macroValue(macro, ctx.now) };
    }
    const props = name.split('.');
    for (const [i, p] of props.entries()) {
      if (p === '') throw new RuleSyntaxError(`invalid identifier "${name}"`, offset);
      if (i < props.length - 1 && p.includes(':') && props[0] !== '@collection') {
        throw new RuleSyntaxError(`modifiers are only allowed on the last part of "${name}"`, offset);
      }
    }
    const head = props[0] as string;
    if (head === '@request') return this.#request(props, name, offset);
    if (head === '@collection') return this.#collection(props, name, offset);
    if (head.startsWith('@') || head.startsWith('#')) throw new RuleSyntaxError(`unknown identifier "${name}"`, offset);
    if (props.length === 1) {
      const lower = name.toLowerCase();
      if ((lower === 'null' || lower === 'true' || lower === 'false') && findField(this.#o.collection, name) === undefined) {
        return constant(lower === 'null' ? null : lower === 'true' ? 1 : 0);
      }
    }
    return this.path(props, this.#o.collection, null, [], false, false, offset);
  }

  #collection(props: string[], name: string, offset: number): PlanOperand {
    if (props.length < 3) throw new RuleSyntaxError(`invalid @collection identifier "${name}"`, offset);
    const [collName, alias] = (props[1] as string).split(':', 2) as [string, string | undefined];
    const coll = this.#o.schema.find(collName);
    if (coll === undefined) throw new RuleSyntaxError(`unknown collection "${collName}"`, offset);
    const key = alias ? `@collection:${alias}` : `@collection.${coll.id}`;
    const step: Step = { key, parent: null, kind: 'collection', collection: coll, field: '', multiple: true };
    // Rules on other collections are a superuser's choice; hidden fields are readable there.
    return this.path(props.slice(2), coll, step, [step], true, false, offset, true);
  }

  #request(props: string[], name: string, offset: number): PlanOperand {
    const [, section] = props;
    if (section === undefined) throw new RuleSyntaxError(`invalid identifier "${name}"`, offset);
    const rest = props.slice(2);
    const last = props[props.length - 1] as string;
    const colon = last.indexOf(':');
    const modifier = colon === -1 ? '' : last.slice(colon + 1);
    if (colon !== -1) props[props.length - 1] = last.slice(0, colon);
    if (modifier !== '' && !['isset', 'changed', 'length', 'each', 'lower'].includes(modifier)) {
      throw new RuleSyntaxError(`unknown modifier ":${modifier}"`, offset + name.length - modifier.length - 1);
    }
    const cleanRest = props.slice(2);
    switch (section.split(':')[0]) {
      case 'context':
      case 'method': {
        if (rest.length > 0) throw new RuleSyntaxError(`invalid identifier "${name}"`, offset);
        const key = section.split(':')[0] as 'context' | 'method';
        return staticValue((ctx) => (key === 'method' ? (ctx.request.method ?? 'GET').toUpperCase() : ctx.request.context ?? 'default'), [], modifier, name, offset);
      }
      case 'headers':
      case 'query': {
        if (cleanRest.length === 0) throw new RuleSyntaxError(`invalid identifier "${name}"`, offset);
        const isHeaders = section === 'headers';
        return staticValue((ctx) => (isHeaders ? normalizeHeaders(ctx.request.headers) : ctx.request.query), cleanRest, modifier, name, offset);
      }
      case 'body':
        return this.#body(cleanRest, modifier, name, offset);
      case 'auth':
        return this.#auth(cleanRest, modifier, name, offset);
      default:
        throw new RuleSyntaxError(`unknown identifier "${name}"`, offset);
    }
  }

  #body(rest: string[], modifier: string, name: string, offset: number): PlanOperand {
    if (rest.length === 0) throw new RuleSyntaxError(`invalid identifier "${name}"`, offset);
    const fieldName = rest[0] as string;
    const field = findField(this.#o.collection, fieldName);
    const bodyOf = (ctx: BindContext): unknown => ctx.request.body;
    if (field !== undefined && rest.length === 1) {
      if (modifier === 'each') {
        if (!isMultiValuer(field)) throw new RuleSyntaxError(`":each" needs a select, file or relation field, "${fieldName}" is ${field.type}`, offset);
        const step: Step = { key: `@body.each.${fieldName}`, parent: null, kind: 'bodyEach', collection: null, field: fieldName, multiple: isMultiple(field) };
        return { kind: 'item', step, chain: [step], multi: step.multiple };
      }
      if (modifier === 'length' && !isMultiValuer(field)) {
        throw new RuleSyntaxError(`":length" needs a select, file or relation field, "${fieldName}" is ${field.type}`, offset);
      }
      if (modifier === 'changed') {
        const column = this.path([fieldName], this.#o.collection, null, [], false, false, offset);
        if (column.kind !== 'column') throw new RuleSyntaxError(`invalid identifier "${name}"`, offset);
        return {
          kind: 'changed',
          column,
          isset: (ctx) => (ctx.request.body !== undefined && Object.hasOwn(ctx.request.body, fieldName) ? 1 : 0),
          body: (ctx) => toValue(ctx.request.body?.[fieldName]),
        };
      }
    }
    if (field !== undefined && field.type === 'relation' && rest.length > 1) {
      const target = this.#o.schema.find(field.collectionId);
      if (target === undefined) throw new RuleSyntaxError(`unknown collection of relation "${fieldName}"`, offset);
      const step: Step = { key: `@body.rel.${fieldName}`, parent: null, kind: 'bodyRel', collection: target, field: fieldName, multiple: isMultiple(field) };
      return this.path(rest.slice(1), target, step, [step], step.multiple, true, offset, true);
    }
    if (modifier === 'changed') throw new RuleSyntaxError(`":changed" needs a field of the collection, "${fieldName}" is not one`, offset);
    if (modifier === 'each') throw new RuleSyntaxError(`":each" needs a select, file or relation field`, offset);
    return staticValue(bodyOf, rest, modifier, name, offset);
  }

  #auth(rest: string[], modifier: string, name: string, offset: number): PlanOperand {
    if (rest.length === 0) throw new RuleSyntaxError(`invalid identifier "${name}"`, offset);
    const getAuth = (ctx: BindContext): unknown => ctx.request.auth ?? undefined;
    if (rest.length === 1 || PLAIN_AUTH_FIELDS.has(rest[0] as string)) {
      if (modifier === 'each' || modifier === 'changed') throw new RuleSyntaxError(`":${modifier}" is not supported on @request.auth`, offset);
      return { ...staticValue(getAuth, rest, modifier, name, offset), authField: rest[0] as string };
    }
    if (modifier !== '' && modifier !== 'lower' && modifier !== 'length' && modifier !== 'each') {
      throw new RuleSyntaxError(`":${modifier}" is not supported here`, offset);
    }
    this.hasAuthPaths = true;
    const props = [...rest];
    if (modifier !== '') props[props.length - 1] += ':' + modifier;
    return { kind: 'authPath', props, offset };
  }

  /**
   * Walks `props` from `collection` (rows of `step`, or the record when null): relation hops,
   * back-relations, json paths, then the last field with its modifier.
   */
  path(props: string[], collection: Collection, step: Step | null, chain: Step[], multi: boolean, nullifyMissing: boolean, offset: number, allowHidden = false): ColumnOperand | ValueOperand | ItemOperand {
    const hiddenOk = allowHidden || this.#o.allowHiddenFields;
    let coll = collection;
    let cur = step;
    let curChain = chain;
    let isMulti = multi;
    for (let i = 0; i < props.length; i++) {
      const prop = props[i] as string;
      const isLast = i === props.length - 1;
      const colon = prop.indexOf(':');
      const fname = isLast && colon !== -1 ? prop.slice(0, colon) : prop;
      const modifier = isLast && colon !== -1 ? prop.slice(colon + 1) : '';
      const field = findField(coll, fname);
      if (field !== undefined && field.hidden && !hiddenOk) throw new RuleSyntaxError(`field "${fname}" is not filterable`, offset);
      if (isLast) {
        if (field === undefined) {
          if (nullifyMissing) return constant(null);
          throw new RuleSyntaxError(`unknown field "${fname}"`, offset);
        }
        return this.#last(field, modifier, coll, cur, curChain, isMulti, offset, hiddenOk);
      }
      if (field !== undefined && (field.type === 'json' || field.type === 'geoPoint')) {
        const jsonPath = props.slice(i + 1);
        for (const p of jsonPath) if (!JSON_KEY.test(p)) throw new RuleSyntaxError(`invalid json path "${jsonPath.join('.')}"`, offset);
        return { kind: 'column', step: cur, collection: coll, field, jsonPath, modifier: null, chain: curChain, multi: isMulti, emailGuard: false };
      }
      if (curChain.filter((s) => s.kind === 'rel' || s.kind === 'via').length >= MAX_RELATION_DEPTH) {
        throw new RuleSyntaxError(`more than ${MAX_RELATION_DEPTH} nested relations`, offset);
      }
      const parentKey = cur === null ? '' : cur.key;
      if (field === undefined) {
        const m = VIA.exec(prop);
        if (m === null) {
          if (nullifyMissing) return constant(null);
          throw new RuleSyntaxError(`unknown field "${prop}"`, offset);
        }
        const back = this.#o.schema.find(m[1] as string);
        const backField = back === undefined ? undefined : findField(back, m[2] as string);
        if (back === undefined || backField === undefined || backField.type !== 'relation' || backField.collectionId !== coll.id) {
          if (nullifyMissing) return constant(null);
          throw new RuleSyntaxError(`invalid back-relation "${prop}"`, offset);
        }
        if (backField.hidden && !hiddenOk) throw new RuleSyntaxError(`field "${backField.name}" is not filterable`, offset);
        const multiple = isMultiple(backField) || !hasUniqueIndex(back, backField.name);
        const next: Step = { key: `${parentKey}/via:${back.id}.${backField.name}`, parent: cur, kind: 'via', collection: back, field: backField.name, multiple };
        cur = next;
        curChain = [...curChain, next];
        isMulti ||= multiple;
        coll = back;
        continue;
      }
      if (field.type !== 'relation') throw new RuleSyntaxError(`field "${fname}" is not a relation`, offset);
      const target = this.#o.schema.find(field.collectionId);
      if (target === undefined) throw new RuleSyntaxError(`unknown collection of relation "${fname}"`, offset);
      // `rel.id` of a single relation is the relation column itself: no join needed.
      if (!isMultiple(field) && i === props.length - 2 && props[i + 1] === 'id') {
        return this.#last(field, '', coll, cur, curChain, isMulti, offset, hiddenOk);
      }
      const multiple = isMultiple(field);
      const next: Step = { key: `${parentKey}/rel:${field.name}`, parent: cur, kind: 'rel', collection: target, field: field.name, multiple };
      cur = next;
      curChain = [...curChain, next];
      isMulti ||= multiple;
      coll = target;
    }
    throw new RuleSyntaxError('invalid identifier', offset);
  }

  #last(field: Field, modifier: string, coll: Collection, step: Step | null, chain: Step[], multi: boolean, offset: number, hiddenOk: boolean): ColumnOperand | ValueOperand | ItemOperand {
    const base = { kind: 'column' as const, step, collection: coll, field, jsonPath: field.type === 'json' ? [] : null, chain, multi };
    const emailGuard = field.name === 'email' && coll.type === 'auth' && !hiddenOk;
    switch (modifier) {
      case '':
        return { ...base, modifier: null, emailGuard };
      case 'lower':
        return { ...base, modifier: 'lower', emailGuard };
      case 'length':
        if (!isMultiValuer(field)) throw new RuleSyntaxError(`":length" needs a select, file or relation field, "${field.name}" is ${field.type}`, offset);
        return { ...base, modifier: 'length', emailGuard: false };
      case 'each': {
        if (!isMultiValuer(field)) throw new RuleSyntaxError(`":each" needs a select, file or relation field, "${field.name}" is ${field.type}`, offset);
        if (!isMultiple(field)) return { ...base, modifier: null, emailGuard: false };
        const parentKey = step === null ? '' : step.key;
        const each: Step = { key: `${parentKey}/each:${field.name}`, parent: step, kind: 'each', collection: null, field: field.name, multiple: true };
        return { kind: 'item', step: each, chain: [...chain, each], multi: true };
      }
      case 'isset':
      case 'changed':
        throw new RuleSyntaxError(`":${modifier}" is only allowed on @request fields`, offset);
      default:
        throw new RuleSyntaxError(`unknown modifier ":${modifier}"`, offset);
    }
  }
}

function isTextOperand(op: PlanOperand): boolean {
  switch (op.kind) {
    case 'item':
      return true;
    case 'call':
      return op.name === 'strftime';
    case 'column':
      return op.modifier !== 'length' && !['number', 'bool', 'json', 'geoPoint'].includes(op.field.type);
    default:
      return false;
  }
}

function constant(v: Value): ValueOperand {
  return { kind: 'value', constant: true, get: () => v };
}

function isMultiValuer(field: Field): boolean {
  return field.type === 'select' || field.type === 'file' || field.type === 'relation';
}

/** Whether `indexes` has a UNIQUE index on exactly `column` (then a back-relation is single). */
export function hasUniqueIndex(collection: Collection, column: string): boolean {
  for (const idx of collection.indexes) {
    const m = /^\s*create\s+unique\s+index\b[^(]*\(([^)]*)\)\s*(where\b.*)?$/is.exec(idx);
    if (m === null || m[2] !== undefined) continue;
    const cols = (m[1] as string).split(',').map((c) => c.trim().replace(/^[`"[]|[`"\]]$/g, '').replace(/\s+(asc|desc)$/i, '').replace(/^[`"[]|[`"\]]$/g, ''));
    if (cols.length === 1 && cols[0] === column) return true;
  }
  return false;
}

function normalizeHeaders(headers: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (headers === undefined) return out;
  for (const [k, v] of Object.entries(headers)) out[k.toLowerCase().replace(/-/g, '_')] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/** A value read from the request by path, with its modifier applied. */
function staticValue(root: (ctx: BindContext) => unknown, path: string[], modifier: string, name: string, offset: number): ValueOperand {
  const read = (ctx: BindContext): { found: boolean; value: unknown } => {
    let cur: unknown = root(ctx);
    if (path.length === 0) return { found: cur !== undefined, value: cur };
    for (const p of path) {
      if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || !Object.hasOwn(cur, p)) return { found: false, value: undefined };
      cur = (cur as Record<string, unknown>)[p];
    }
    return { found: true, value: cur };
  };
  let get: ValueGetter;
  switch (modifier) {
    case '':
      get = (ctx) => toValue(read(ctx).value);
      break;
    case 'isset':
      get = (ctx) => (read(ctx).found ? 1 : 0);
      break;
    case 'length':
      get = (ctx) => {
        const v = read(ctx).value;
        return v === null || v === undefined ? 0 : Array.isArray(v) ? v.length : 1;
      };
      break;
    case 'lower':
      get = (ctx) => {
        const v = toValue(read(ctx).value);
        return v === null ? null : asciiLowerString(String(v));
      };
      break;
    default:
      throw new RuleSyntaxError(`":${modifier}" is not supported on "${name.slice(0, name.length - modifier.length - 1)}"`, offset);
  }
  return { kind: 'value', constant: false, get };
}

