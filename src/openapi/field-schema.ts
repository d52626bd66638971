/**
 * JSON Schema (2020-12, the dialect of OpenAPI 3.1) for one collection field, as it appears in
 * record output and in request bodies. Output follows PocketBase's zero values: an optional text-like
 * field is `""` when unset, so formats (email, uri) only apply when the field is required.
 */
import type { Field } from '../core/schema.js';
import { isMultiple } from '../core/schema.js';

export type JsonSchema = { [key: string]: unknown };

/** PocketBase's datetime text, `2024-11-10 18:45:27.123Z`. */
export const DATETIME_PATTERN = '^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$';
const OPTIONAL_DATETIME_PATTERN = '^(\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z)?$';

function withHelp(field: Field, schema: JsonSchema): JsonSchema {
  const notes: string[] = [];
  if (field.help) notes.push(field.help);
  if (field.hidden) notes.push('Hidden: only returned to superusers.');
  if (notes.length > 0) schema.description = notes.join(' ');
  return schema;
}

function textLike(field: { required: boolean }, format: string): JsonSchema {
  return field.required ? { type: 'string', format } : { type: 'string', description: `A ${format}, or "" when unset.` };
}

/** The schema of the field's value in record JSON. `undefined` for fields never output (passwords). */
export function fieldOutputSchema(field: Field): JsonSchema | undefined {
  switch (field.type) {
    case 'text': {
      const s: JsonSchema = { type: 'string' };
      if (field.max > 0) s.maxLength = field.max;
      return withHelp(field, s);
    }
    case 'editor':
      return withHelp(field, { type: 'string', description: 'HTML' });
    case 'email':
      return withHelp(field, textLike(field, 'email'));
    case 'url':
      return withHelp(field, textLike(field, 'uri'));
    case 'number': {
      const s: JsonSchema = { type: field.onlyInt ? 'integer' : 'number' };
      return withHelp(field, s);
    }
    case 'bool':
      return withHelp(field, { type: 'boolean' });
    case 'date':
      return withHelp(field, { type: 'string', pattern: OPTIONAL_DATETIME_PATTERN, examples: ['2024-11-10 18:45:27.123Z'] });
    case 'autodate':
      return withHelp(field, { type: 'string', pattern: OPTIONAL_DATETIME_PATTERN, readOnly: true, examples: ['2024-11-10 18:45:27.123Z'] });
    case 'select': {
      const one: JsonSchema = { type: 'string', enum: field.required && !isMultiple(field) ? [...field.values] : [...field.values, ''] };
      if (!isMultiple(field)) return withHelp(field, one);
      return withHelp(field, { type: 'array', items: { type: 'string', enum: [...field.values] }, maxItems: field.maxSelect, uniqueItems: true });
    }
    case 'file':
      return withHelp(
        field,
        isMultiple(field)
          ? { type: 'array', items: { type: 'string' }, maxItems: field.maxSelect, description: 'Stored file names; fetch with /api/files/{collection}/{recordId}/{name}.' }
          : { type: 'string', description: 'Stored file name ("" when unset); fetch with /api/files/{collection}/{recordId}/{name}.' },
      );
    case 'relation':
      return withHelp(
        field,
        isMultiple(field)
          ? { type: 'array', items: { type: 'string' }, maxItems: field.maxSelect, description: `Record ids of collection ${field.collectionId}.` }
          : { type: 'string', description: `A record id of collection ${field.collectionId} ("" when unset).` },
      );
    case 'json':
      return withHelp(field, { description: 'Any JSON value (null when unset).' });
    case 'geoPoint':
      return withHelp(field, geoPointSchema());
    case 'password':
      return undefined;
  }
}

function geoPointSchema(): JsonSchema {
  return {
    type: 'object',
    properties: { lon: { type: 'number', minimum: -180, maximum: 180 }, lat: { type: 'number', minimum: -90, maximum: 90 } },
    required: ['lon', 'lat'],
  };
}

/**
 * The schema of a value a client sends for the field (JSON or multipart). Constraints the server
 * validates are stated here too, so generated clients can check early. `undefined`: not writable.
 */
export function fieldInputSchema(field: Field, multipart: boolean): JsonSchema | undefined {
  switch (field.type) {
    case 'autodate':
      return undefined;
    case 'text': {
      const s: JsonSchema = { type: 'string' };
      if (field.min > 0) s.minLength = field.min;
      if (field.max > 0) s.maxLength = field.max;
      if (field.pattern) s.description = `Must match the pattern ${field.pattern}.`;
      return s;
    }
    case 'password': {
      const s: JsonSchema = { type: 'string', writeOnly: true };
      if (field.min > 0) s.minLength = field.min;
      if (field.max > 0) s.maxLength = field.max;
      return s;
    }
    case 'number': {
      const s: JsonSchema = { type: field.onlyInt ? 'integer' : 'number' };
      if (field.min !== null) s.minimum = field.min;
      if (field.max !== null) s.maximum = field.max;
      return s;
    }
    case 'file': {
      const one: JsonSchema = multipart
        ? { type: 'string', contentMediaType: 'application/octet-stream' }
        : { type: 'string', description: 'An existing file name to keep; upload new files with multipart/form-data.' };
      if (field.mimeTypes && field.mimeTypes.length > 0 && multipart) one.description = `Allowed types: ${field.mimeTypes.join(', ')}.`;
      return isMultiple(field) ? { type: 'array', items: one, maxItems: field.maxSelect } : one;
    }
    case 'date':
      return { type: 'string', description: 'A datetime (`2024-11-10 18:45:27.123Z` or RFC 3339), or "".' };
    case 'relation':
      return isMultiple(field)
        ? { type: 'array', items: { type: 'string' }, maxItems: field.maxSelect, minItems: field.minSelect }
        : { type: 'string' };
    case 'select':
      return isMultiple(field)
        ? { type: 'array', items: { type: 'string', enum: [...field.values] }, maxItems: field.maxSelect }
        : { type: 'string', enum: [...field.values, ''] };
    case 'json': {
      const s: JsonSchema = {};
      if (field.maxSize > 0) s.description = `At most ${field.maxSize} bytes of JSON.`;
      return s;
    }
    default: {
      const out = fieldOutputSchema(field);
      return out ? { ...out } : undefined;
    }
  }
}

/**
 * PocketBase's body modifiers for the field (`n+`, `rel+`, `+rel`, `rel-`, `f:autogenerate`),
 * as extra properties with their own schemas.
 */
export function fieldModifierSchemas(field: Field, multipart: boolean): Array<[string, JsonSchema]> {
  switch (field.type) {
    case 'number':
      return [
        [`${field.name}+`, { type: 'number', description: `Adds to the current ${field.name}.` }],
        [`${field.name}-`, { type: 'number', description: `Subtracts from the current ${field.name}.` }],
      ];
    case 'select':
    case 'relation':
    case 'file': {
      // PocketBase applies the list modifiers to multi-valued fields only.
      if (!isMultiple(field)) return [];
      const item: JsonSchema =
        field.type === 'file' && multipart ? { type: 'string', contentMediaType: 'application/octet-stream' } : { type: 'string' };
      const oneOrMany: JsonSchema = { anyOf: [item, { type: 'array', items: item }] };
      const mods: Array<[string, JsonSchema]> = [
        [`${field.name}+`, { ...oneOrMany, description: 'Appends value(s).' }],
        [`+${field.name}`, { ...oneOrMany, description: 'Prepends value(s).' }],
      ];
      mods.push([`${field.name}-`, { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }], description: 'Removes value(s).' }]);
      return mods;
    }
    case 'text':
      return field.autogeneratePattern
        ? [[`${field.name}:autogenerate`, { type: 'string', description: `Prefix; the rest is generated from ${field.autogeneratePattern}.` }]]
        : [];
    default:
      return [];
  }
}
