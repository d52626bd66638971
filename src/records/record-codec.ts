/**
 * Row <-> API values per field type and dialect (`docs/internals/storage-layout.md`). Drivers hand
 * back engine types (SQLite: booleans 0/1, JSON as text; PostgreSQL: JSONB parsed, booleans true);
 * the API shape is the same on both. The decoder for a collection is built once per collection
 * object (a schema change makes a new object), so reading a row is one loop over prepared steps.
 */
import type { Collection, Field } from '../core/schema.js';
import { isMultiple } from '../core/schema.js';
import type { Row, SqlParam } from '../db/database.js';

/** A record in API shape: `collectionId`, `collectionName`, then the fields in collection order. */
export type RecordJson = Record<string, unknown>;

export type RowDecoder = (row: Row) => RecordJson;

function parseJson(value: unknown): unknown {
  if (typeof value !== 'string') return value ?? null;
  try {
    return JSON.parse(value);
  } catch {
    return null;
  }
}

const decodeBool = (value: unknown): boolean => value === true || value === 1 || value === '1' || value === 't' || value === 'true';

function decodeNumber(value: unknown): number {
  const n = typeof value === 'number' ? value : Number(value ?? 0);
  return Number.isFinite(n) ? n : 0;
}

function decodeGeoPoint(value: unknown): unknown {
  const v = parseJson(value);
  return typeof v === 'object' && v !== null ? v : { lon: 0, lat: 0 };
}

function decodeList(value: unknown): unknown[] {
  const v = parseJson(value);
  return Array.isArray(v) ? v : [];
}

const decodeText = (value: unknown): string => (typeof value === 'string' ? value : value == null ? '' : String(value));

/** The decoding of one field's stored values, chosen once per field. */
function valueDecoder(field: Field): (value: unknown) => unknown {
  switch (field.type) {
    case 'bool':
      return decodeBool;
    case 'number':
      return decodeNumber;
    case 'json':
      return parseJson;
    case 'geoPoint':
      return decodeGeoPoint;
    case 'select':
    case 'file':
    case 'relation':
      return isMultiple(field) ? decodeList : decodeText;
    default:
      return decodeText;
  }
}

/** One stored value as the API shows it. */
export function decodeValue(field: Field, value: unknown): unknown {
  return valueDecoder(field)(value);
}

/** One API value (already validated and normalised) as a statement parameter. */
export function encodeValue(field: Field, value: unknown): SqlParam {
  switch (field.type) {
    case 'bool':
      return value === true;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? value : 0;
    case 'json':
      return value === null || value === undefined ? null : JSON.stringify(value);
    case 'geoPoint':
      return JSON.stringify(value ?? { lon: 0, lat: 0 });
    case 'select':
    case 'file':
    case 'relation':
      if (isMultiple(field)) return JSON.stringify(Array.isArray(value) ? value : []);
      return typeof value === 'string' ? value : '';
    default:
      return typeof value === 'string' ? value : value == null ? '' : String(value);
  }
}

/** Fields no API answer ever shows, superusers included: passwords, and an auth record's `tokenKey`. */
export function isSecretField(collection: Collection, field: Field): boolean {
  return field.type === 'password' || (collection.type === 'auth' && field.name === 'tokenKey');
}

const decoders = new WeakMap<Collection, RowDecoder>();

/** The decoder of `collection`'s rows (cached per collection object). */
export function rowDecoder(collection: Collection): RowDecoder {
  let d = decoders.get(collection);
  if (d === undefined) {
    d = recordDecoder<Row>(collection, (f) => f.name);
    decoders.set(collection, d);
  }
  return d;
}

/** Decodes a row read as its values (`Queryable.allValues`), the columns in a known order. */
export type ValuesDecoder = (row: readonly unknown[]) => RecordJson;

const valuesDecoders = new WeakMap<Collection, Map<string, ValuesDecoder>>();

/**
 * The decoder of `collection`'s rows read as values, `selected` naming the field of each column
 * (columns after them, such as `_version`, are left for the caller). A field not selected decodes
 * as the object decoder decodes a missing column (its zero value).
 */
export function valuesDecoder(collection: Collection, selected: readonly string[]): ValuesDecoder {
  let byColumns = valuesDecoders.get(collection);
  if (byColumns === undefined) {
    byColumns = new Map();
    valuesDecoders.set(collection, byColumns);
  }
  const key = selected.join(',');
  let d = byColumns.get(key);
  if (d === undefined) {
    d = recordDecoder<readonly unknown[]>(collection, (f) => {
      const at = selected.indexOf(f.name);
      return at < 0 ? undefined : at;
    });
    byColumns.set(key, d);
  }
  return d;
}

/** Where a field's value is in a row: its column name, its position, or nowhere (undefined). */
type Slot = string | number | undefined;

/** A record decoder reading each field's value from `slotOf(field)` of the row: generated, or the loop. */
function recordDecoder<R>(collection: Collection, slotOf: (field: Field) => Slot): (row: R) => RecordJson {
  const slots = collection.fields.map(slotOf);
  return compiledDecoder<R>(collection, slots) ?? genericDecoder<R>(collection, slots);
}

function genericDecoder<R>(collection: Collection, slots: readonly Slot[]): (row: R) => RecordJson {
  const steps = collection.fields.map((f, i) => [f.name, slots[i], valueDecoder(f)] as const);
  const id = collection.id;
  const name = collection.name;
  return (row) => {
    const out: RecordJson = { collectionId: id, collectionName: name };
    for (const [field, slot, decode] of steps) out[field] = decode(slot === undefined ? undefined : (row as Record<string | number, unknown>)[slot]);
    return out;
  };
}

/**
 * The decoder as one object literal with the collection's field names and slots written in
 * (`{ collectionId, collectionName, "title": d1(row["title"]), … }`, or `row[1]` for a row read as
 * values): every read of the row and every key of the record is fixed, where the loop's
 * `out[name] = …` went through V8's generic keyed access for each field (the literal also gives
 * every record of a collection one shape). Names enter the source only through JSON.stringify,
 * and are `\w+` anyway (field-normalizer.ts). Undefined where code cannot be generated
 * (`--disallow-code-generation-from-strings`) or where a literal key would mean something else
 * (`__proto__`, reserved as a field name since, but kept out here too).
 */
function compiledDecoder<R>(collection: Collection, slots: readonly Slot[]): ((row: R) => RecordJson) | undefined {
  const fields = collection.fields;
  if (fields.some((f) => f.name === '__proto__')) return undefined;
  const entries = fields.map((f, i) => {
    const slot = slots[i];
    return `, ${JSON.stringify(f.name)}: d${i}(${slot === undefined ? 'undefined' : `row[${JSON.stringify(slot)}]`})`;
  });
  const body = `return function decodeRecord(row) { return { collectionId: id, collectionName: name${entries.join('')} }; };`;
  try {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    const make = new Function('id', 'name', ...fields.map((_, i) => `d${i}`), body) as (...args: unknown[]) => (row: R) => RecordJson;
    return make(collection.id, collection.name, ...fields.map(valueDecoder));
  } catch {
    return undefined;
  }
}

/** Decodes one raw row of `collection` (for auth code reading rows itself). */
export function decodeRow(collection: Collection, row: Row): RecordJson {
  return rowDecoder(collection)(row);
}
