import type { z } from 'zod';
import { fieldError } from '../core/errors.js';
import type { Collection, Field } from '../core/schema.js';
import { defaultFieldId } from './collection-ids.js';
import type { ErrorTree } from './error-tree.js';
import { fieldSchemas, isFieldType } from './field-schemas.js';

/**
 * Per-field parsing and PocketBase's per-type settings checks (`Field.ValidateSettings`). Errors
 * are added to the tree under `fields.N.<key>`; the returned field is usable even when errors
 * were added (the caller throws once everything was checked, so a client sees all problems).
 */

/** Names that would clash with record output keys, filter literals or Galley's own columns. */
// `__proto__`: as a key it sets an object's prototype instead of a property (records, bodies, hooks).
export const RESERVED_FIELD_NAMES = new Set(['null', 'true', 'false', '_rowid_', '_rowid', '_version', 'collectionId', 'collectionName', 'expand', '__proto__']);
export const RESERVED_AUTH_FIELD_NAMES = new Set(['passwordConfirm', 'oldPassword']);
const FIELD_NAME = /^\w+$/;
const THUMB = /^\d+x\d+[tbf]?$/;

export function parseField(raw: unknown, index: number, errors: ErrorTree): Field | undefined {
  const path = ['fields', index];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    errors.add(path, fieldError('validation_invalid_value'));
    return undefined;
  }
  const type = (raw as { type?: unknown }).type;
  if (!isFieldType(type)) {
    errors.add([...path, 'type'], fieldError('validation_unknown_field_type'));
    return undefined;
  }
  const schema: z.ZodType = fieldSchemas[type];
  const result = schema.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = issue.path.length ? issue.path : ['type'];
      const code = issue.code === 'invalid_type' ? 'validation_invalid_type' : 'validation_invalid_value';
      errors.add([...path, ...key.map((k) => (typeof k === 'symbol' ? String(k) : k))], fieldError(code));
    }
    return undefined;
  }
  const field = result.data as Field;
  if (field.id === '' && field.name !== '') field.id = defaultFieldId(field.type, field.name);
  return field;
}

export function checkFieldName(field: Field, index: number, collectionType: Collection['type'], errors: ErrorTree): void {
  const path = ['fields', index, 'name'];
  const name = field.name;
  if (name === '') errors.add(path, fieldError('validation_required'));
  else if (name.length > 100 || !FIELD_NAME.test(name)) errors.add(path, fieldError('validation_invalid_name'));
  else if (name.toLowerCase().includes('_via_')) errors.add(path, fieldError('validation_found_via'));
  else if (RESERVED_FIELD_NAMES.has(name)) errors.add(path, fieldError('validation_reserved_field_name'));
  else if (collectionType === 'auth' && RESERVED_AUTH_FIELD_NAMES.has(name)) errors.add(path, fieldError('validation_reserved_field_name'));
  if (field.id === '') errors.add(['fields', index, 'id'], fieldError('validation_required'));
}

function isRegex(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

const DATETIME = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?Z?$/;

export interface FieldSettingsContext {
  /** The collection being saved (its id is final). */
  collection: Pick<Collection, 'id' | 'fields'>;
  /** The stored version of the same field (matched by id) when updating. */
  previous?: Field;
  /** Every other collection, to resolve relation targets. */
  collections: readonly Collection[];
}

export function checkFieldSettings(field: Field, index: number, ctx: FieldSettingsContext, errors: ErrorTree): void {
  const at = (key: string) => ['fields', index, key];
  switch (field.type) {
    case 'text':
      if (field.max > 0 && field.max < field.min) errors.add(at('max'), fieldError('validation_min_number_constraint', { min: field.min }));
      if (field.pattern && !isRegex(field.pattern)) errors.add(at('pattern'), fieldError('validation_invalid_regex'));
      if (field.autogeneratePattern && !isRegex(field.autogeneratePattern)) errors.add(at('autogeneratePattern'), fieldError('validation_invalid_regex'));
      if (field.primaryKey) {
        if (field.name !== 'id') errors.add(at('name'), fieldError('validation_invalid_name', undefined, 'The primary key must be named "id".'));
        if (ctx.collection.fields.filter((f) => f.type === 'text' && f.primaryKey).length > 1) {
          errors.add(at('primaryKey'), fieldError('validation_invalid_value', undefined, 'Composite primary keys are not supported.'));
        }
      }
      break;
    case 'number':
      if (field.min !== null && field.max !== null && field.max < field.min) errors.add(at('max'), fieldError('validation_min_number_constraint', { min: field.min }));
      if (field.onlyInt && field.min !== null && !Number.isInteger(field.min)) errors.add(at('min'), fieldError('validation_only_int_constraint'));
      if (field.onlyInt && field.max !== null && !Number.isInteger(field.max)) errors.add(at('max'), fieldError('validation_only_int_constraint'));
      break;
    case 'email':
    case 'url':
      if ((field.onlyDomains?.length ?? 0) > 0 && (field.exceptDomains?.length ?? 0) > 0) {
        errors.add(at('exceptDomains'), fieldError('validation_invalid_value', undefined, 'Cannot be set together with onlyDomains.'));
      }
      break;
    case 'date':
      if (field.min && !DATETIME.test(field.min)) errors.add(at('min'), fieldError('validation_invalid_date'));
      if (field.max && !DATETIME.test(field.max)) errors.add(at('max'), fieldError('validation_invalid_date'));
      if (field.min && field.max && field.max < field.min) errors.add(at('max'), fieldError('validation_min_date_constraint', { min: field.min }));
      break;
    case 'select':
      if (field.values.length === 0) errors.add(at('values'), fieldError('validation_required'));
      else if (new Set(field.values).size !== field.values.length) errors.add(at('values'), fieldError('validation_invalid_value', undefined, 'Values must be unique.'));
      if (field.maxSelect > Math.max(field.values.length, 1)) errors.add(at('maxSelect'), fieldError('validation_max_number_constraint', { max: field.values.length }));
      break;
    case 'file':
      for (const [i, thumb] of (field.thumbs ?? []).entries()) {
        if (!THUMB.test(thumb)) errors.add([...at('thumbs'), i], fieldError('validation_invalid_format'));
      }
      break;
    case 'relation': {
      const target = field.collectionId;
      if (target === '') errors.add(at('collectionId'), fieldError('validation_required'));
      else if (target !== ctx.collection.id && !ctx.collections.some((c) => c.id === target)) {
        errors.add(at('collectionId'), fieldError('validation_invalid_relation_collection'));
      }
      if (ctx.previous?.type === 'relation' && ctx.previous.collectionId !== target) {
        errors.add(at('collectionId'), fieldError('validation_relation_collection_change'));
      }
      if (field.minSelect > 0 && field.maxSelect < field.minSelect) errors.add(at('maxSelect'), fieldError('validation_min_number_constraint', { min: field.minSelect }));
      break;
    }
    case 'password':
      if (field.max > 0 && field.max < field.min) errors.add(at('max'), fieldError('validation_min_number_constraint', { min: field.min }));
      if (field.pattern && !isRegex(field.pattern)) errors.add(at('pattern'), fieldError('validation_invalid_regex'));
      if (field.cost !== 0 && field.cost < 4) errors.add(at('cost'), fieldError('validation_min_number_constraint', { min: 4 }));
      break;
    default:
      break;
  }
}
