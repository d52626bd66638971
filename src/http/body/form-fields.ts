/**
 * Collects form fields into one plain object the way PocketBase (and its SDK) read a form:
 * `@jsonPayload` parts are JSON objects merged over the body (the SDK sends one per object, array or
 * null value), every other part is value-inferred, and a repeated key becomes an array.
 */
import { apiError } from '../../core/errors.js';
import { inferFormValue } from '../../lib/form-value.js';

export const JSON_PAYLOAD_FIELD = '@jsonPayload';

/** Keys that must never become own properties of a parsed body (prototype pollution). */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export class FormFields {
  readonly #out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;

  add(name: string, raw: string): void {
    if (name === JSON_PAYLOAD_FIELD) {
      this.#merge(parseJsonPayload(raw));
      return;
    }
    if (FORBIDDEN_KEYS.has(name)) return;
    const value = inferFormValue(raw);
    const prev = this.#out[name];
    if (prev === undefined) this.#out[name] = value;
    else this.#out[name] = Array.isArray(prev) ? [...prev, value] : [prev, value];
  }

  #merge(payload: Record<string, unknown>): void {
    for (const [key, value] of Object.entries(payload)) {
      if (!FORBIDDEN_KEYS.has(key)) this.#out[key] = value;
    }
  }

  /** The collected fields as an ordinary object. */
  toObject(): Record<string, unknown> {
    return { ...this.#out };
  }
}

function parseJsonPayload(raw: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw apiError('invalid_json', 'The @jsonPayload part is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw apiError('bad_request', 'The @jsonPayload part must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}
