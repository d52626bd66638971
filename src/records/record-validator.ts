/**
 * Per-field validation of a prepared (cast) value, with PocketBase's error codes. Pure: relation
 * existence, uniqueness and passwords need the database or the old record and are checked by the
 * service. Returns the first failure of a field, as PocketBase reports one error per key.
 */
import type { FieldError } from '../core/errors.js';
import { fieldError } from '../core/errors.js';
import type { Field } from '../core/schema.js';

const DEFAULT_EDITOR_MAX = 5 << 20;
const DEFAULT_JSON_MAX = 1 << 20;
const EMAIL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
const DATE = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:?\d{2})?)?$/;

const regexCache = new Map<string, RegExp | null>();
function compiledPattern(pattern: string): RegExp | null {
  let re = regexCache.get(pattern);
  if (re === undefined) {
    try {
      re = new RegExp(pattern, 'u');
    } catch {
      re = null;
    }
    if (regexCache.size > 500) regexCache.clear();
    regexCache.set(pattern, re);
  }
  return re;
}

/** PocketBase's datetime text (`2024-11-10 18:45:27.123Z`), or undefined when not a date. `''` stays `''`. */
export function normalizeDate(value: string): string | undefined {
  const v = value.trim();
  if (v === '') return '';
  const m = DATE.exec(v);
  if (!m) return undefined;
  const iso = `${m[1]}T${m[2] ?? '00:00:00'}${m[3] ?? 'Z'}`;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return undefined;
  return new Date(t).toISOString().replace('T', ' ');
}

export function nowDatetime(): string {
  return new Date().toISOString().replace('T', ' ');
}

function domainCheck(value: string, only: string[] | null, except: string[] | null): boolean {
  const at = value.lastIndexOf('@');
  let domain = at >= 0 ? value.slice(at + 1) : value;
  domain = domain.toLowerCase();
  if (only && only.length > 0) return only.some((d) => d.toLowerCase() === domain);
  if (except && except.length > 0) return !except.some((d) => d.toLowerCase() === domain);
  return true;
}

function urlHost(value: string): string | undefined {
  try {
    const u = new URL(value);
    if (u.host === '' && u.protocol !== 'mailto:') return undefined;
    return u.hostname;
  } catch {
    return undefined;
  }
}

const runes = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

function isEmpty(field: Field, value: unknown): boolean {
  switch (field.type) {
    case 'number':
      return value === 0;
    case 'bool':
      return value === false;
    case 'json':
      return value === null || value === '' || (Array.isArray(value) && value.length === 0) ||
        (typeof value === 'object' && value !== null && Object.keys(value).length === 0);
    case 'geoPoint': {
      const p = value as { lon: number; lat: number };
      return p.lon === 0 && p.lat === 0;
    }
    default:
      return value === '' || (Array.isArray(value) && value.length === 0);
  }
}

/** The error for `value` (already cast by `castValue`) on `field`, if any. */
export function validateValue(field: Field, value: unknown): FieldError | undefined {
  if (field.type === 'autodate' || field.type === 'password') return undefined;
  if (isEmpty(field, value)) {
    return 'required' in field && field.required ? fieldError('validation_required') : undefined;
  }
  switch (field.type) {
    case 'text': {
      const s = value as string;
      const n = runes(s);
      if (field.min > 0 && n < field.min) return fieldError('validation_min_text_constraint', { min: field.min });
      if (field.max > 0 && n > field.max) return fieldError('validation_max_text_constraint', { max: field.max });
      if (field.pattern !== '') {
        const re = compiledPattern(field.pattern);
        if (re === null || !re.test(s)) return fieldError('validation_invalid_format');
      }
      return undefined;
    }
    case 'number': {
      const n = value as number;
      // Input casts refuse non-finite numbers; a modifier's sum can still overflow to Infinity.
      if (!Number.isFinite(n)) return fieldError('validation_not_a_number');
      if (field.onlyInt && !Number.isInteger(n)) return fieldError('validation_only_int_constraint');
      if (field.min !== null && n < field.min) return fieldError('validation_min_number_constraint', { min: field.min });
      if (field.max !== null && n > field.max) return fieldError('validation_max_number_constraint', { max: field.max });
      return undefined;
    }
    case 'email': {
      const s = value as string;
      if (s.length > 254 || !EMAIL.test(s)) return fieldError('validation_is_email');
      if (!domainCheck(s, field.onlyDomains, field.exceptDomains)) return fieldError('validation_email_domain_not_allowed');
      return undefined;
    }
    case 'url': {
      const host = urlHost(value as string);
      if (host === undefined) return fieldError('validation_is_url');
      if (!domainCheck(host, field.onlyDomains, field.exceptDomains)) return fieldError('validation_url_domain_not_allowed');
      return undefined;
    }
    case 'editor': {
      const max = field.maxSize > 0 ? field.maxSize : DEFAULT_EDITOR_MAX;
      if (Buffer.byteLength(value as string) > max) return fieldError('validation_max_text_constraint', { max });
      return undefined;
    }
    case 'date': {
      const s = value as string;
      if (field.min !== '' && s < (normalizeDate(field.min) ?? field.min)) return fieldError('validation_min_date_constraint', { min: field.min });
      if (field.max !== '' && s > (normalizeDate(field.max) ?? field.max)) return fieldError('validation_max_date_constraint', { max: field.max });
      return undefined;
    }
    case 'select': {
      const list = Array.isArray(value) ? (value as string[]) : [value as string];
      for (const v of list) if (!field.values.includes(v)) return fieldError('validation_invalid_select_value', { value: v });
      const max = Math.max(1, field.maxSelect);
      if (list.length > max) return fieldError('validation_too_many_values', { maxSelect: max });
      return undefined;
    }
    case 'file': {
      const list = Array.isArray(value) ? (value as string[]) : [value as string];
      const max = Math.max(1, field.maxSelect);
      if (list.length > max) return fieldError('validation_too_many_files', { maxSelect: max });
      return undefined;
    }
    case 'relation': {
      const list = Array.isArray(value) ? (value as string[]) : [value as string];
      const max = Math.max(1, field.maxSelect);
      if (list.length > max) return fieldError('validation_too_many_values', { maxSelect: max });
      if (field.minSelect > 0 && list.length < field.minSelect) return fieldError('validation_not_enough_values', { minSelect: field.minSelect });
      return undefined;
    }
    case 'json': {
      const max = field.maxSize > 0 ? field.maxSize : DEFAULT_JSON_MAX;
      let text: string | undefined;
      try {
        text = JSON.stringify(value);
      } catch {
        return fieldError('validation_invalid_json');
      }
      if (text === undefined) return fieldError('validation_invalid_json');
      if (Buffer.byteLength(text) > max) return fieldError('validation_json_size_limit', { maxSize: max });
      return undefined;
    }
    case 'geoPoint': {
      const p = value as { lon: number; lat: number };
      if (p.lon < -180 || p.lon > 180) return fieldError('validation_invalid_value', undefined, 'Longitude must be between -180 and 180.');
      if (p.lat < -90 || p.lat > 90) return fieldError('validation_invalid_value', undefined, 'Latitude must be between -90 and 90.');
      return undefined;
    }
    default:
      return undefined;
  }
}
