/**
 * Turns a submitted body value into the field's API type, the way PocketBase's fields prepare
 * values (`PrepareValue`): numbers from numeric strings, booleans from "true"/"1", one id or a list
 * for select/file/relation (single fields keep the last item), JSON text parsed for json fields.
 * A value that cannot be read as the type yields `undefined`, which the caller reports as
 * `validation_invalid_value` on that field.
 */
import type { Field } from '../core/schema.js';
import { isMultiple } from '../core/schema.js';

function toText(value: unknown): string | undefined {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return undefined;
}

/** Select/file/relation values as a deduplicated list of non-empty strings. */
export function toList(value: unknown): string[] | undefined {
  const items = Array.isArray(value) ? value : value === null || value === undefined || value === '' ? [] : [value];
  const out: string[] = [];
  for (const item of items) {
    const s = toText(item);
    if (s === undefined) return undefined;
    if (s !== '' && !out.includes(s)) out.push(s);
  }
  return out;
}

export function castValue(field: Field, value: unknown): unknown {
  switch (field.type) {
    case 'number': {
      if (value === null || value === undefined || value === '') return 0;
      if (typeof value === 'boolean') return value ? 1 : 0;
      const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : NaN;
      return Number.isFinite(n) ? n : undefined;
    }
    case 'bool':
      if (value === null || value === undefined || value === '') return false;
      if (typeof value === 'boolean') return value;
      if (value === 1 || value === '1' || value === 'true' || value === 't' || value === 'TRUE' || value === 'True') return true;
      if (value === 0 || value === '0' || value === 'false' || value === 'f' || value === 'FALSE' || value === 'False') return false;
      return undefined;
    case 'select':
    case 'file':
    case 'relation': {
      const list = toList(value);
      if (list === undefined) return undefined;
      return isMultiple(field) ? list : (list[list.length - 1] ?? '');
    }
    case 'json':
      if (value === undefined) return null;
      if (typeof value === 'string') {
        // JSON text is stored parsed; any other string is a JSON string (PocketBase's JSONRaw).
        try {
          return JSON.parse(value) as unknown;
        } catch {
          return value;
        }
      }
      return value;
    case 'geoPoint': {
      let v = value;
      if (typeof v === 'string') {
        try {
          v = JSON.parse(v) as unknown;
        } catch {
          return undefined;
        }
      }
      if (v === null || v === undefined || v === '') return { lon: 0, lat: 0 };
      if (typeof v !== 'object' || Array.isArray(v)) return undefined;
      const o = v as Record<string, unknown>;
      const lon = o.lon === undefined ? 0 : Number(o.lon);
      const lat = o.lat === undefined ? 0 : Number(o.lat);
      if (!Number.isFinite(lon) || !Number.isFinite(lat) || typeof o.lon === 'boolean' || typeof o.lat === 'boolean') return undefined;
      return { lon, lat };
    }
    default: {
      const s = toText(value);
      return s;
    }
  }
}
