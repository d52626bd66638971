/**
 * Applies a submitted body to a record: plain keys set a field (cast to its type), and
 * PocketBase's modifiers change it relative to its current value — `n+`/`n-` for numbers,
 * `f+` (append), `+f` (prepend), `f-` (remove) for select/relation/file, `f:autogenerate` for
 * text (the value is a prefix). Unknown keys, autodate fields and password fields are left to
 * others (passwords are the auth step's). Errors are collected per field, not thrown.
 */
import { fieldError } from '../core/errors.js';
import type { Collection, Field } from '../core/schema.js';
import { isMultiple } from '../core/schema.js';
import { AutogeneratePatternError, generateFromPattern } from './record-autogenerate.js';
import { castValue, toList } from './record-cast.js';
import type { RecordJson } from './record-codec.js';
import { normalizeDate } from './record-validator.js';
import { ErrorTree } from './error-tree.js';

export interface AppliedBody {
  record: RecordJson;
  /** Fields whose value the body set or modified. */
  touched: Set<string>;
  errors: ErrorTree;
}

const MODIFIABLE = new Set(['number', 'select', 'relation', 'file']);

/** The body keys that address a field, built once per field object instead of on every write. */
interface FieldKeys {
  autogenerate: string;
  /** `+f` prepend, `f+` append, `f-` remove; empty for fields without modifiers. */
  modifiers: ReadonlyArray<readonly [string, 'prepend' | 'append' | 'remove']>;
}

const keysByField = new WeakMap<Field, FieldKeys>();

function keysOf(field: Field): FieldKeys {
  let keys = keysByField.get(field);
  if (keys === undefined) {
    const name = field.name;
    keys = {
      autogenerate: `${name}:autogenerate`,
      modifiers: MODIFIABLE.has(field.type) ? [[`+${name}`, 'prepend'], [`${name}+`, 'append'], [`${name}-`, 'remove']] : [],
    };
    keysByField.set(field, keys);
  }
  return keys;
}

function has(body: Record<string, unknown>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(body, key);
}

function applyListModifier(field: Field, current: unknown, key: 'append' | 'prepend' | 'remove', raw: unknown): unknown {
  const items = toList(raw);
  if (items === undefined) return undefined;
  const list = Array.isArray(current) ? [...(current as string[])] : current === '' || current == null ? [] : [String(current)];
  let next: string[];
  if (key === 'remove') next = list.filter((v) => !items.includes(v));
  else {
    const fresh = items.filter((v) => !list.includes(v));
    next = key === 'append' ? [...list, ...fresh] : [...fresh, ...list];
  }
  return isMultiple(field) ? next : (next[next.length - 1] ?? '');
}

export function applyBody(collection: Collection, current: RecordJson, body: Record<string, unknown>, isNew: boolean): AppliedBody {
  const record: RecordJson = { ...current };
  const touched = new Set<string>();
  const errors = new ErrorTree();
  for (const field of collection.fields) {
    const name = field.name;
    if (field.type === 'autodate' || field.type === 'password') continue;
    if (name === 'id' && !isNew) continue;
    let value: unknown = record[name];
    let changed = false;
    const fail = (): void => errors.add([name], fieldError('validation_invalid_value'));
    const keys = keysOf(field);
    if (has(body, name)) {
      const v = castValue(field, body[name]);
      if (v === undefined) {
        fail();
        continue;
      }
      value = v;
      changed = true;
    }
    if (field.type === 'text' && has(body, keys.autogenerate)) {
      const prefix = castValue(field, body[keys.autogenerate]);
      try {
        value = (typeof prefix === 'string' ? prefix : '') + (field.autogeneratePattern === '' ? '' : generateFromPattern(field.autogeneratePattern));
        changed = true;
      } catch (err) {
        if (!(err instanceof AutogeneratePatternError)) throw err;
        fail();
        continue;
      }
    }
    for (const [key, op] of keys.modifiers) {
      if (!has(body, key)) continue;
      if (field.type === 'number') {
        const delta = castValue(field, body[key]);
        if (op === 'prepend' || typeof delta !== 'number') {
          if (op !== 'prepend') fail();
          continue;
        }
        value = (typeof value === 'number' ? value : 0) + (op === 'append' ? delta : -delta);
      } else {
        const next = applyListModifier(field, value, op, body[key]);
        if (next === undefined) {
          fail();
          continue;
        }
        value = next;
      }
      changed = true;
    }
    if (!changed) continue;
    if (field.type === 'date') {
      const d = normalizeDate(value as string);
      if (d === undefined) {
        errors.add([name], fieldError('validation_invalid_date'));
        continue;
      }
      value = d;
    }
    record[name] = value;
    touched.add(name);
  }
  return { record, touched, errors };
}
