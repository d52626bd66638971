/**
 * The OpenAPI 3.1 document of a Galley app, derived from its collections: the PocketBase-compatible
 * record routes of every collection (with request/response schemas from each field's type and
 * options), the auth routes of auth collections (record-paths.ts, auth-paths.ts), and every
 * built-in route that does not depend on the collections, one file per area under system-paths/
 * (a test checks every registered route under /api/ is described). A pure function of the collection model: the HTTP layer builds it once per
 * schema version and serves the cached JSON at `/api/openapi.json`.
 */
import type { Collection } from '../core/schema.js';
import { authPaths } from './auth-paths.js';
import { fixedComponents } from './components.js';
import type { JsonSchema } from './field-schema.js';
import { listSchema, ref } from './openapi-helpers.js';
import { bodySchema, recordPaths, recordSchema } from './record-paths.js';
import type { CollectionNames } from './record-paths.js';
import { systemAreas } from './system-paths/index.js';

export interface OpenApiOptions {
  /** `info.title`. Default "Galley API". */
  title?: string;
  /** `info.version`: the app's API version, e.g. the schema version. Default "0.0.0". */
  version?: string;
  /** `servers[0].url`; omitted when not given (clients then use the document's origin). */
  serverUrl?: string;
  /** `info.description`, markdown. */
  description?: string;
}

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description?: string };
  servers?: Array<{ url: string }>;
  tags: Array<{ name: string; description?: string }>;
  paths: Record<string, Record<string, JsonSchema>>;
  components: {
    schemas: Record<string, JsonSchema>;
    parameters: Record<string, JsonSchema>;
    responses: Record<string, JsonSchema>;
    securitySchemes: Record<string, JsonSchema>;
  };
}

/** PascalCase from a collection name, for schema names and operation ids. */
function pascal(name: string): string {
  const parts = name.split(/[^A-Za-z0-9]+/).filter((p) => p !== '');
  const joined = parts.map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('');
  return /^[0-9]/.test(joined) ? `C${joined}` : joined || 'Collection';
}

export function buildOpenApi(collections: readonly Collection[], options: OpenApiOptions = {}): OpenApiDocument {
  const components = fixedComponents();
  const paths: OpenApiDocument['paths'] = {};
  const tags: OpenApiDocument['tags'] = [];
  for (const area of systemAreas) {
    tags.push(area.tag);
    Object.assign(components.schemas, area.schemas);
    for (const [path, item] of area.paths()) paths[path] = item;
  }

  // Sorted by name so the document (and its cache key) does not depend on load order.
  const sorted = [...collections].sort((a, b) => a.name.localeCompare(b.name));
  const usedPrefixes = new Set<string>();
  for (const c of sorted) {
    let prefix = pascal(c.name);
    // Names differing only in punctuation (`a_b`, `aB`) would collide as schema names.
    for (let i = 2; usedPrefixes.has(prefix.toLowerCase()); i++) prefix = `${pascal(c.name)}${i}`;
    usedPrefixes.add(prefix.toLowerCase());
    const n: CollectionNames = {
      record: `${prefix}Record`,
      create: `${prefix}Create`,
      update: `${prefix}Update`,
      list: `${prefix}List`,
      auth: `${prefix}AuthResponse`,
      op: prefix,
    };
    tags.push({ name: c.name, description: `${c.type} collection \`${c.name}\` (id \`${c.id}\`).` });
    components.schemas[n.record] = recordSchema(c);
    components.schemas[n.list] = listSchema(ref('schemas', n.record));
    if (c.type !== 'view') {
      components.schemas[n.create] = bodySchema(c, 'create', false);
      components.schemas[n.update] = bodySchema(c, 'update', false);
    }
    for (const [path, item] of recordPaths(c, n)) paths[path] = item;
    if (c.type === 'auth') {
      components.schemas[n.auth] = {
        type: 'object',
        properties: { token: { type: 'string' }, record: ref('schemas', n.record), meta: { type: 'object', description: 'OAuth2 only.' } },
        required: ['token', 'record'],
      };
      for (const [path, item] of authPaths(c, n)) paths[path] = item;
    }
  }

  const info: OpenApiDocument['info'] = { title: options.title ?? 'Galley API', version: options.version ?? '0.0.0' };
  if (options.description) info.description = options.description;
  const doc: OpenApiDocument = { openapi: '3.1.0', info, tags, paths, components };
  if (options.serverUrl) doc.servers = [{ url: options.serverUrl }];
  return doc;
}
