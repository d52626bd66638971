/**
 * A record's validity as a PostgreSQL condition, for the in-place update (record-service.ts): with
 * the condition in the UPDATE's WHERE, a row is written only when the record it becomes passes
 * `validateValue` on every field, so the statement can commit on its own instead of waiting for
 * the record to be validated before a COMMIT (one round trip instead of two).
 *
 * The condition must never accept a record the validator refuses; it may refuse one the validator
 * accepts (the update then takes the locking path, which validates in JavaScript and answers
 * exactly). Field kinds whose checks SQL cannot mirror exactly (patterns, e-mail and URL formats,
 * JSON sizes, lists) make the collection ineligible: undefined, and updates keep the two round
 * trips. The values an update knows before it runs (the id it names, the fields it sets) are
 * checked in JavaScript by `knownValuesValid` instead.
 */
import type { Collection, Field } from '../core/schema.js';
import { isMultiple } from '../core/schema.js';
import type { SqlParam } from '../db/database.js';
import type { InPlaceChanges } from './record-modifiers.js';
import { validateValue } from './record-validator.js';
import { quoteIdent } from './sql-tokens.js';

/** A float8 literal of a schema bound: String() of a double reads back as the same double. */
const float8 = (n: number): string => `'${String(n)}'::float8`;

/**
 * The condition on one stored or computed value `e` (SQL), or undefined when SQL cannot decide it
 * soundly. `null`: nothing to check (the validator never refuses such a value).
 */
function fieldCondition(field: Field, e: string): string | null | undefined {
  switch (field.type) {
    case 'autodate':
    case 'password':
      return null;
    case 'bool':
      // BOOLEAN NOT NULL: false is the empty value.
      return field.required ? `${e} = TRUE` : null;
    case 'number': {
      // DOUBLE PRECISION NOT NULL. 0 is empty and skips the other checks. A non-finite value (which
      // the codec reads as 0) and NaN are refused here: `< 'Infinity'` is false for both, as PostgreSQL
      // orders NaN above every number.
      const checks = [`${e} < 'Infinity'::float8`, `${e} > '-Infinity'::float8`];
      if (field.onlyInt) checks.push(`${e} = trunc(${e})`);
      if (field.min !== null) checks.push(`${e} >= ${float8(field.min)}`);
      if (field.max !== null) checks.push(`${e} <= ${float8(field.max)}`);
      const valid = checks.join(' AND ');
      return field.required ? `(${e} <> 0 AND ${valid})` : `(${e} = 0 OR (${valid}))`;
    }
    case 'text': {
      // TEXT NOT NULL. A pattern is a JavaScript regular expression; a minimum counts code points,
      // which octet_length only bounds from above.
      if (field.pattern !== '' || field.min > 0) return undefined;
      // A code point takes at least one byte in any server encoding: within max bytes is within max code points.
      const max = field.max > 0 ? `octet_length(${e}) <= ${Math.floor(field.max)}` : '';
      if (field.required) return max === '' ? `${e} <> ''` : `(${e} <> '' AND ${max})`;
      return max === '' ? null : `(${e} = '' OR ${max})`;
    }
    case 'date':
      // Stored normalised; only bounds would need comparing, and those are compared as JavaScript strings.
      if (field.min !== '' || field.max !== '') return undefined;
      return field.required ? `${e} <> ''` : null;
    case 'relation':
      // One id (a list of one): within any maxSelect, and within a minSelect of at most 1.
      if (isMultiple(field) || field.minSelect > 1) return undefined;
      return field.required ? `${e} <> ''` : null;
    default:
      return undefined;
  }
}

export interface ValidityCondition {
  sql: string;
  params: SqlParam[];
}

/** A condition's text, and the added field each of its `?` stands for, in order. */
interface ConditionText {
  sql: string;
  slots: Field[];
}

const cache = new WeakMap<Collection, Map<string, ConditionText | null>>();

/**
 * The condition that the record `changes` make of a row is valid, in the terms of the UPDATE's
 * WHERE (the row's values before the update); undefined when the collection is not eligible.
 * The id and the fields `changes` sets are left out: see `knownValuesValid`.
 */
export function validityCondition(c: Collection, changes: InPlaceChanges): ValidityCondition | undefined {
  const added = [...changes.add.keys()];
  const key = [...changes.set.keys(), '|', ...added].map((f) => (typeof f === 'string' ? f : f.name)).join(',');
  let byShape = cache.get(c);
  if (byShape === undefined) {
    byShape = new Map();
    cache.set(c, byShape);
  }
  let text = byShape.get(key);
  if (text === undefined) {
    text = conditionText(c, changes);
    // Bodies of other shapes make other texts: bounded.
    if (byShape.size >= 64) byShape.clear();
    byShape.set(key, text);
  }
  if (text === null) return undefined;
  return { sql: text.sql, params: text.slots.map((f) => changes.add.get(f) as number) };
}

function conditionText(c: Collection, changes: InPlaceChanges): ConditionText | null {
  const table = quoteIdent(c.name);
  const terms: string[] = [];
  const slots: Field[] = [];
  for (const field of c.fields) {
    if (field.name === 'id' || changes.set.has(field)) continue;
    const column = `${table}.${quoteIdent(field.name)}`;
    // The added number is the same `column + ?` the SET computes: the condition sees the new value.
    const e = changes.add.has(field) ? `(${column} + ?::float8)` : column;
    const term = fieldCondition(field, e);
    if (term === undefined) return null;
    if (term === null) continue;
    terms.push(term);
    // A check may name the value several times, each a placeholder of its own. Nothing else in a
    // term is a `?`: bounds are numbers, and names are quoted identifiers of `\w` characters.
    if (changes.add.has(field)) for (let i = term.split('?').length - 1; i > 0; i--) slots.push(field);
  }
  return { sql: terms.length === 0 ? 'TRUE' : terms.join(' AND '), slots };
}

/** The values an in-place update knows before it runs, the record id and the set fields, pass the validator. */
export function knownValuesValid(c: Collection, id: string, changes: InPlaceChanges): boolean {
  for (const field of c.fields) {
    if (field.name === 'id') {
      if (validateValue(field, id) !== undefined) return false;
    } else if (changes.set.has(field) && validateValue(field, changes.set.get(field)) !== undefined) {
      return false;
    }
  }
  return true;
}
