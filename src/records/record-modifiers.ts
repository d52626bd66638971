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

/**
 * What an update body does when none of it depends on the record's current values, so SQL can
 * apply it without reading the record first: `set` holds the new values (in the record's shape),
 * `add` the `n+`/`n-` total of each number field the body only modifies. Undefined when a list
 * modifier works on the current list, or when any key fails to cast (the caller's full path then
 * reports the error).
 */
export interface InPlaceChanges {
  set: Map<Field, unknown>;
  add: Map<Field, number>;
}

export function inPlaceChanges(collection: Collection, body: Record<string, unknown>): InPlaceChanges | undefined {
  // Applied to an empty record: a number's modifiers then sum to their delta (they count from 0),
  // and a plainly set field holds its value whatever the record held.
  const { record, touched, errors } = applyBody(collection, {}, body, false);
  if (!errors.empty) return undefined;
  const set = new Map<Field, unknown>();
  const add = new Map<Field, number>();
  for (const field of collection.fields) {
    const name = field.name;
    if (!touched.has(name)) continue;
    const modified = keysOf(field).modifiers.some(([key]) => has(body, key));
    if (!modified || has(body, name)) set.set(field, record[name]);
    else if (field.type === 'number') add.set(field, record[name] as number);
    else return undefined;
  }
  return { set, add };
}
