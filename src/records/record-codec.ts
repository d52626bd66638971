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

/** One stored value as the API shows it. */
export function decodeValue(field: Field, value: unknown): unknown {
  switch (field.type) {
    case 'bool':
      return value === true || value === 1 || value === '1' || value === 't' || value === 'true';
    case 'number': {
      const n = typeof value === 'number' ? value : Number(value ?? 0);
      return Number.isFinite(n) ? n : 0;
    }
    case 'json':
      return parseJson(value);
    case 'geoPoint': {
      const v = parseJson(value);
      return typeof v === 'object' && v !== null ? v : { lon: 0, lat: 0 };
    }
    case 'select':
    case 'file':
    case 'relation': {
      if (!isMultiple(field)) return typeof value === 'string' ? value : value == null ? '' : String(value);
      const v = parseJson(value);
      return Array.isArray(v) ? v : [];
    }
    default:
      return typeof value === 'string' ? value : value == null ? '' : String(value);
  }
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
    const fields = collection.fields;
    const id = collection.id;
    const name = collection.name;
    d = (row) => {
      const out: RecordJson = { collectionId: id, collectionName: name };
      for (const f of fields) out[f.name] = decodeValue(f, row[f.name]);
      return out;
    };
    decoders.set(collection, d);
  }
  return d;
}

/** Decodes one raw row of `collection` (for auth code reading rows itself). */
export function decodeRow(collection: Collection, row: Row): RecordJson {
  return rowDecoder(collection)(row);
}
