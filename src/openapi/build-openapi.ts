/**
 * The OpenAPI 3.1 document of a Galley app, derived from its collections: the PocketBase-compatible
 * record routes of every collection (with request/response schemas from each field's type and
 * options), the auth routes of auth collections, and the fixed routes (health, settings,
 * collections, batch). A pure function of the collection model: the HTTP layer builds it once per
 * schema version and serves the cached JSON at `/api/openapi.json`.
 */
import type { Collection, Field } from '../core/schema.js';
import { fieldInputSchema, fieldModifierSchemas, fieldOutputSchema, DATETIME_PATTERN } from './field-schema.js';
import type { JsonSchema } from './field-schema.js';

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

const ref = (kind: 'schemas' | 'parameters' | 'responses', name: string): JsonSchema => ({ $ref: `#/components/${kind}/${name}` });

/** Optional auth: guests may call, a token changes what the rules allow. */
const OPTIONAL_AUTH = [{}, { authToken: [] }];
const SUPERUSER_AUTH = [{ authToken: [] }];

const errorResponse = (description: string): JsonSchema => ({
  description,
  content: { 'application/json': { schema: ref('schemas', 'Error') } },
});

function json(schema: JsonSchema, description: string): JsonSchema {
  return { description, content: { 'application/json': { schema } } };
}

/** PascalCase from a collection name, for schema names and operation ids. */
function pascal(name: string): string {
  const parts = name.split(/[^A-Za-z0-9]+/).filter((p) => p !== '');
  const joined = parts.map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('');
  return /^[0-9]/.test(joined) ? `C${joined}` : joined || 'Collection';
}

function ruleText(rule: string | null | undefined, what: string): string {
  if (rule === null || rule === undefined) return `${what}: superusers only.`;
  if (rule === '') return `${what}: anyone, including guests.`;
  return `${what}: \`${rule.replace(/`/g, "'")}\`.`;
}

function fixedComponents(): OpenApiDocument['components'] {
  const errorSchema: JsonSchema = {
    type: 'object',
    description: "PocketBase's error shape; `data` holds per-field errors, nested like the request body.",
    properties: {
      status: { type: 'integer' },
      message: { type: 'string' },
      data: {
        type: 'object',
        additionalProperties: {
          anyOf: [
            {
              type: 'object',
              properties: { code: { type: 'string' }, message: { type: 'string' }, params: { type: 'object' } },
              required: ['code', 'message'],
            },
            { type: 'object' },
          ],
        },
      },
    },
    required: ['status', 'message', 'data'],
  };
  const q = (name: string, schema: JsonSchema, description: string): JsonSchema => ({ name, in: 'query', required: false, schema, description });
  return {
    schemas: {
      Error: errorSchema,
      Health: {
        type: 'object',
        properties: { code: { type: 'integer' }, message: { type: 'string' }, data: { type: 'object' } },
        required: ['code', 'message', 'data'],
      },
      Collection: {
        type: 'object',
        description: 'A collection definition (PocketBase shape).',
        properties: {
          id: { type: 'string' },
          name: { type: 'string' },
          type: { type: 'string', enum: ['base', 'auth', 'view'] },
          system: { type: 'boolean' },
          fields: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' }, type: { type: 'string' } } } },
          indexes: { type: 'array', items: { type: 'string' } },
          listRule: { type: ['string', 'null'] },
          viewRule: { type: ['string', 'null'] },
          createRule: { type: ['string', 'null'] },
          updateRule: { type: ['string', 'null'] },
          deleteRule: { type: ['string', 'null'] },
          viewQuery: { type: 'string' },
          created: { type: 'string', pattern: DATETIME_PATTERN },
          updated: { type: 'string', pattern: DATETIME_PATTERN },
        },
        required: ['name'],
      },
      CollectionList: listSchema(ref('schemas', 'Collection')),
      Settings: { type: 'object', description: 'App settings (meta, batch, rateLimits, logs, trustedProxy, ...); secrets are never returned.' },
      BatchRequest: {
        type: 'object',
        properties: {
          requests: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                method: { type: 'string', enum: ['POST', 'PATCH', 'PUT', 'DELETE'] },
                url: { type: 'string' },
                headers: { type: 'object', additionalProperties: { type: 'string' } },
                body: { type: 'object' },
              },
              required: ['method', 'url'],
            },
          },
        },
        required: ['requests'],
      },
      BatchResponse: {
        type: 'array',
        items: { type: 'object', properties: { status: { type: 'integer' }, body: {} }, required: ['status', 'body'] },
      },
    },
    parameters: {
      page: q('page', { type: 'integer', minimum: 1, default: 1 }, 'Page number (<= 0 is read as 1).'),
      perPage: q('perPage', { type: 'integer', minimum: 1, maximum: 1000, default: 30 }, 'Items per page, clamped to 1..1000; the clamped value is echoed.'),
      sort: q('sort', { type: 'string' }, 'Comma list of fields, `-field` for descending; `@random`, `@rowid` and relation paths allowed.'),
      filter: q('filter', { type: 'string', maxLength: 3500 }, 'A filter expression, ANDed with the list rule.'),
      expand: q('expand', { type: 'string' }, 'Comma list of relation fields to expand (dot-nested, `other_via_field` back-relations, depth <= 6).'),
      fields: q('fields', { type: 'string' }, 'Comma list of keys to return (`*`, dot paths, `field:excerpt(max, ellipsis)`).'),
      skipTotal: q('skipTotal', { type: 'boolean' }, 'Skip counting: totalItems and totalPages are -1.'),
      recordId: { name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: 'The record id.' },
      collectionIdOrName: { name: 'collectionIdOrName', in: 'path', required: true, schema: { type: 'string' }, description: 'Collection id or name.' },
      idempotencyKey: {
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        schema: { type: 'string', maxLength: 257 },
        description:
          'Galley extension (IETF draft): retries with the same key and body within 24 h replay the first response (`Idempotent-Replayed: true`); another body answers 422; a retry while the first runs answers 409.',
      },
      ifMatch: { name: 'If-Match', in: 'header', required: false, schema: { type: 'string' }, description: 'Only write when the record still has this ETag (412 otherwise).' },
    },
    responses: {
      BadRequest: errorResponse('Invalid request (validation errors in `data`).'),
      Unauthorized: errorResponse('Missing or invalid authentication.'),
      Forbidden: errorResponse('Not allowed (rule or superuser-only route).'),
      NotFound: errorResponse('Not found, or hidden by the rule.'),
      Conflict: errorResponse('The same Idempotency-Key is still being processed.'),
      PreconditionFailed: errorResponse('The record changed since it was read (If-Match).'),
      Unprocessable: errorResponse('The Idempotency-Key was used for a different request.'),
      TooManyRequests: errorResponse('Rate limited.'),
    },
    securitySchemes: {
      authToken: {
        type: 'apiKey',
        in: 'header',
        name: 'Authorization',
        description: 'An auth token (JWT) from an auth-with-* route, sent raw (as the PocketBase SDK does) or as `Bearer <token>`. Invalid tokens are treated as guests.',
      },
    },
  };
}

function listSchema(items: JsonSchema): JsonSchema {
  return {
    type: 'object',
    properties: {
      page: { type: 'integer' },
      perPage: { type: 'integer' },
      totalItems: { type: 'integer', description: '-1 with skipTotal.' },
      totalPages: { type: 'integer', description: '-1 with skipTotal.' },
      items: { type: 'array', items },
    },
    required: ['page', 'perPage', 'totalItems', 'totalPages', 'items'],
  };
}

interface CollectionNames {
  record: string;
  create: string;
  update: string;
  list: string;
  auth: string;
  op: string;
}

function recordSchema(c: Collection): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  const idField = c.fields.find((f) => f.name === 'id');
  properties.id = (idField && fieldOutputSchema(idField)) ?? { type: 'string' };
  required.push('id');
  properties.collectionId = { type: 'string', const: c.id };
  properties.collectionName = { type: 'string', const: c.name };
  required.push('collectionId', 'collectionName');
  for (const field of c.fields) {
    if (field.name === 'id') continue;
    // tokenKey is internal; auth records never output it (nor passwords).
    if (c.type === 'auth' && field.name === 'tokenKey') continue;
    const schema = fieldOutputSchema(field);
    if (!schema) continue;
    properties[field.name] = schema;
    // `email` is absent unless visible to the requester; hidden fields only for superusers.
    const conditional = field.hidden || (c.type === 'auth' && field.name === 'email');
    if (!conditional) required.push(field.name);
  }
  properties.expand = { type: 'object', description: 'Expanded relations (only with `expand`): a record or an array of records per key.' };
  return { type: 'object', properties, required };
}

function bodySchema(c: Collection, mode: 'create' | 'update', multipart: boolean): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const field of c.fields) {
    if (c.type === 'auth' && field.name === 'tokenKey') continue;
    const schema = fieldInputSchema(field, multipart);
    if (!schema) continue;
    properties[field.name] = schema;
    if (mode === 'create' && isRequiredOnCreate(field)) required.push(field.name);
    for (const [name, mod] of fieldModifierSchemas(field, multipart)) {
      if (mode === 'create' && !name.endsWith(':autogenerate')) continue;
      properties[name] = mod;
    }
  }
  if (c.type === 'auth') {
    properties.passwordConfirm = { type: 'string', writeOnly: true, description: 'Must equal `password`.' };
    if (mode === 'create') {
      required.push('password', 'passwordConfirm');
    } else {
      properties.oldPassword = { type: 'string', writeOnly: true, description: 'Required to change the password unless superuser or manager.' };
    }
  }
  if (multipart) {
    properties['@jsonPayload'] = { type: 'string', contentMediaType: 'application/json', description: 'A JSON object merged into the body.' };
  }
  const schema: JsonSchema = { type: 'object', properties };
  if (required.length > 0) schema.required = [...new Set(required)];
  return schema;
}

function isRequiredOnCreate(field: Field): boolean {
  if (field.name === 'id') return false;
  if (field.type === 'autodate' || field.type === 'bool' || field.type === 'password') return false;
  if (!('required' in field) || !field.required) return false;
  return !(field.type === 'text' && field.autogeneratePattern);
}

function recordPaths(c: Collection, n: CollectionNames): Array<[string, Record<string, JsonSchema>]> {
  const base = `/api/collections/${encodeURIComponent(c.name)}/records`;
  const tags = [c.name];
  const viewParams = [ref('parameters', 'expand'), ref('parameters', 'fields')];
  const common = { 400: ref('responses', 'BadRequest'), 403: ref('responses', 'Forbidden') };
  const collectionPaths: Record<string, JsonSchema> = {
    get: {
      tags,
      operationId: `list${n.op}Records`,
      summary: `List ${c.name} records`,
      description: ruleText(c.listRule, 'List rule') + ' Records the rule does not match are left out (200 with fewer items).',
      security: OPTIONAL_AUTH,
      parameters: [
        ref('parameters', 'page'),
        ref('parameters', 'perPage'),
        ref('parameters', 'sort'),
        ref('parameters', 'filter'),
        ...viewParams,
        ref('parameters', 'skipTotal'),
      ],
      responses: { 200: json(ref('schemas', n.list), 'A page of records.'), ...common },
    },
  };
  const itemPaths: Record<string, JsonSchema> = {
    get: {
      tags,
      operationId: `view${n.op}Record`,
      summary: `View a ${c.name} record`,
      description: ruleText(c.viewRule, 'View rule'),
      security: OPTIONAL_AUTH,
      parameters: [ref('parameters', 'recordId'), ...viewParams],
      responses: { 200: json(ref('schemas', n.record), 'The record.'), 403: ref('responses', 'Forbidden'), 404: ref('responses', 'NotFound') },
    },
  };
  if (c.type !== 'view') {
    const writeResponses = {
      200: json(ref('schemas', n.record), 'The written record.'),
      ...common,
      404: ref('responses', 'NotFound'),
      409: ref('responses', 'Conflict'),
      422: ref('responses', 'Unprocessable'),
    };
    const body = (mode: 'create' | 'update'): JsonSchema => ({
      required: mode === 'create',
      content: {
        'application/json': { schema: ref('schemas', mode === 'create' ? n.create : n.update) },
        'multipart/form-data': { schema: bodySchema(c, mode, true) },
      },
    });
    collectionPaths.post = {
      tags,
      operationId: `create${n.op}Record`,
      summary: `Create a ${c.name} record`,
      description: ruleText(c.createRule, 'Create rule') + ' A failing rule answers 400.',
      security: OPTIONAL_AUTH,
      parameters: [ref('parameters', 'idempotencyKey'), ...viewParams],
      requestBody: body('create'),
      responses: writeResponses,
    };
    itemPaths.patch = {
      tags,
      operationId: `update${n.op}Record`,
      summary: `Update a ${c.name} record`,
      description: ruleText(c.updateRule, 'Update rule'),
      security: OPTIONAL_AUTH,
      parameters: [ref('parameters', 'recordId'), ref('parameters', 'idempotencyKey'), ref('parameters', 'ifMatch'), ...viewParams],
      requestBody: body('update'),
      responses: { ...writeResponses, 412: ref('responses', 'PreconditionFailed') },
    };
    itemPaths.delete = {
      tags,
      operationId: `delete${n.op}Record`,
      summary: `Delete a ${c.name} record`,
      description: ruleText(c.deleteRule, 'Delete rule'),
      security: OPTIONAL_AUTH,
      parameters: [ref('parameters', 'recordId'), ref('parameters', 'idempotencyKey'), ref('parameters', 'ifMatch')],
      responses: {
        204: { description: 'Deleted (empty body).' },
        ...common,
        404: ref('responses', 'NotFound'),
        409: ref('responses', 'Conflict'),
        412: ref('responses', 'PreconditionFailed'),
        422: ref('responses', 'Unprocessable'),
      },
    };
  }
  return [
    [base, collectionPaths],
    [`${base}/{id}`, itemPaths],
  ];
}

function authPaths(c: Collection, n: CollectionNames): Array<[string, Record<string, JsonSchema>]> {
  const base = `/api/collections/${encodeURIComponent(c.name)}`;
  const tags = [c.name];
  const authOk = json(ref('schemas', n.auth), 'Authenticated: a token and the auth record.');
  const post = (op: string, summary: string, schema: JsonSchema | undefined, responses: JsonSchema, description?: string): Record<string, JsonSchema> => ({
    post: {
      tags,
      operationId: `${op}${n.op}`,
      summary,
      ...(description ? { description } : {}),
      security: OPTIONAL_AUTH,
      parameters: [ref('parameters', 'expand'), ref('parameters', 'fields')],
      ...(schema ? { requestBody: { required: true, content: { 'application/json': { schema } } } } : {}),
      responses,
    },
  });
  const obj = (props: Record<string, JsonSchema>, required: string[]): JsonSchema => ({ type: 'object', properties: props, required });
  const s = { type: 'string' };
  const noContent = { 204: { description: 'Done (empty body).' }, 400: ref('responses', 'BadRequest') };
  const paths: Array<[string, Record<string, JsonSchema>]> = [
    [
      `${base}/auth-methods`,
      {
        get: {
          tags,
          operationId: `authMethods${n.op}`,
          summary: `Auth methods of ${c.name}`,
          security: OPTIONAL_AUTH,
          parameters: [ref('parameters', 'fields')],
          responses: {
            200: json(
              {
                type: 'object',
                properties: { password: { type: 'object' }, oauth2: { type: 'object' }, mfa: { type: 'object' }, otp: { type: 'object' } },
                required: ['password', 'oauth2', 'mfa', 'otp'],
              },
              'The enabled auth methods.',
            ),
          },
        },
      },
    ],
    [
      `${base}/auth-with-password`,
      post(
        'authWithPassword',
        `Sign in to ${c.name} with a password`,
        obj({ identity: s, password: { type: 'string', writeOnly: true }, identityField: s }, ['identity', 'password']),
        { 200: authOk, 400: ref('responses', 'BadRequest'), 403: ref('responses', 'Forbidden') },
        ruleText(c.authRule, 'Auth rule'),
      ),
    ],
    [
      `${base}/auth-refresh`,
      post('authRefresh', `Refresh a ${c.name} token`, undefined, {
        200: authOk,
        401: ref('responses', 'Unauthorized'),
        403: ref('responses', 'Forbidden'),
      }),
    ],
    [`${base}/request-otp`, post('requestOtp', 'Email a one-time password', obj({ email: s }, ['email']), { 200: json(obj({ otpId: s }, ['otpId']), 'The OTP id.'), 400: ref('responses', 'BadRequest') })],
    [`${base}/auth-with-otp`, post('authWithOtp', 'Sign in with a one-time password', obj({ otpId: s, password: s }, ['otpId', 'password']), { 200: authOk, 400: ref('responses', 'BadRequest') })],
    [
      `${base}/auth-with-oauth2`,
      post(
        'authWithOauth2',
        'Sign in with an OAuth2 code',
        obj({ provider: s, code: s, codeVerifier: s, redirectURL: s, createData: { type: 'object' } }, ['provider', 'code', 'redirectURL']),
        { 200: authOk, 400: ref('responses', 'BadRequest') },
      ),
    ],
    [`${base}/request-verification`, post('requestVerification', 'Email a verification link', obj({ email: s }, ['email']), noContent)],
    [`${base}/confirm-verification`, post('confirmVerification', 'Confirm a verification token', obj({ token: s }, ['token']), noContent)],
    [`${base}/request-password-reset`, post('requestPasswordReset', 'Email a password reset link', obj({ email: s }, ['email']), noContent)],
    [
      `${base}/confirm-password-reset`,
      post('confirmPasswordReset', 'Set a new password with a reset token', obj({ token: s, password: s, passwordConfirm: s }, ['token', 'password', 'passwordConfirm']), noContent),
    ],
    [`${base}/request-email-change`, post('requestEmailChange', 'Email a confirmation for a new address', obj({ newEmail: s }, ['newEmail']), noContent)],
    [`${base}/confirm-email-change`, post('confirmEmailChange', 'Confirm an email change', obj({ token: s, password: s }, ['token', 'password']), noContent)],
  ];
  return paths;
}

function fixedPaths(): Array<[string, Record<string, JsonSchema>]> {
  const tags = (t: string) => [t];
  const su = { 401: ref('responses', 'Unauthorized'), 403: ref('responses', 'Forbidden') };
  const collectionBody = { required: true, content: { 'application/json': { schema: ref('schemas', 'Collection') } } };
  return [
    ['/api/health', { get: { tags: tags('System'), operationId: 'health', summary: 'Health check', security: OPTIONAL_AUTH, responses: { 200: json(ref('schemas', 'Health'), 'Healthy.') } } }],
    [
      '/api/settings',
      {
        get: { tags: tags('System'), operationId: 'getSettings', summary: 'Read settings', security: SUPERUSER_AUTH, responses: { 200: json(ref('schemas', 'Settings'), 'The settings.'), ...su } },
        patch: {
          tags: tags('System'),
          operationId: 'updateSettings',
          summary: 'Change settings',
          security: SUPERUSER_AUTH,
          requestBody: { required: true, content: { 'application/json': { schema: ref('schemas', 'Settings') } } },
          responses: { 200: json(ref('schemas', 'Settings'), 'The new settings.'), 400: ref('responses', 'BadRequest'), ...su },
        },
      },
    ],
    [
      '/api/collections',
      {
        get: {
          tags: tags('Collections'),
          operationId: 'listCollections',
          summary: 'List collections',
          security: SUPERUSER_AUTH,
          parameters: [ref('parameters', 'page'), ref('parameters', 'perPage'), ref('parameters', 'sort'), ref('parameters', 'filter'), ref('parameters', 'fields'), ref('parameters', 'skipTotal')],
          responses: { 200: json(ref('schemas', 'CollectionList'), 'A page of collections.'), ...su },
        },
        post: {
          tags: tags('Collections'),
          operationId: 'createCollection',
          summary: 'Create a collection',
          security: SUPERUSER_AUTH,
          requestBody: collectionBody,
          responses: { 200: json(ref('schemas', 'Collection'), 'The created collection.'), 400: ref('responses', 'BadRequest'), ...su },
        },
      },
    ],
    [
      '/api/collections/{collectionIdOrName}',
      {
        get: {
          tags: tags('Collections'),
          operationId: 'viewCollection',
          summary: 'View a collection',
          security: SUPERUSER_AUTH,
          parameters: [ref('parameters', 'collectionIdOrName')],
          responses: { 200: json(ref('schemas', 'Collection'), 'The collection.'), ...su, 404: ref('responses', 'NotFound') },
        },
        patch: {
          tags: tags('Collections'),
          operationId: 'updateCollection',
          summary: 'Update a collection',
          security: SUPERUSER_AUTH,
          parameters: [ref('parameters', 'collectionIdOrName')],
          requestBody: collectionBody,
          responses: { 200: json(ref('schemas', 'Collection'), 'The updated collection.'), 400: ref('responses', 'BadRequest'), ...su, 404: ref('responses', 'NotFound') },
        },
        delete: {
          tags: tags('Collections'),
          operationId: 'deleteCollection',
          summary: 'Delete a collection',
          security: SUPERUSER_AUTH,
          parameters: [ref('parameters', 'collectionIdOrName')],
          responses: { 204: { description: 'Deleted.' }, 400: ref('responses', 'BadRequest'), ...su, 404: ref('responses', 'NotFound') },
        },
      },
    ],
    [
      '/api/collections/{collectionIdOrName}/truncate',
      {
        delete: {
          tags: tags('Collections'),
          operationId: 'truncateCollection',
          summary: 'Delete all records of a collection',
          security: SUPERUSER_AUTH,
          parameters: [ref('parameters', 'collectionIdOrName')],
          responses: { 204: { description: 'Truncated.' }, 400: ref('responses', 'BadRequest'), ...su, 404: ref('responses', 'NotFound') },
        },
      },
    ],
    [
      '/api/collections/import',
      {
        put: {
          tags: tags('Collections'),
          operationId: 'importCollections',
          summary: 'Import collections',
          security: SUPERUSER_AUTH,
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: { type: 'object', properties: { collections: { type: 'array', items: ref('schemas', 'Collection') }, deleteMissing: { type: 'boolean' } }, required: ['collections'] },
              },
            },
          },
          responses: { 204: { description: 'Imported.' }, 400: ref('responses', 'BadRequest'), ...su },
        },
      },
    ],
    [
      '/api/collections/meta/scaffolds',
      {
        get: {
          tags: tags('Collections'),
          operationId: 'collectionScaffolds',
          summary: 'Default collection shapes per type',
          security: SUPERUSER_AUTH,
          responses: { 200: json({ type: 'object', additionalProperties: ref('schemas', 'Collection') }, 'One scaffold per type.'), ...su },
        },
      },
    ],
    [
      '/api/batch',
      {
        post: {
          tags: tags('Batch'),
          operationId: 'batch',
          summary: 'Run several record writes in one transaction',
          description: 'All or nothing. Allowed: create, update, upsert (PUT) and delete of records.',
          security: OPTIONAL_AUTH,
          parameters: [ref('parameters', 'idempotencyKey')],
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: ref('schemas', 'BatchRequest') },
              'multipart/form-data': { schema: { type: 'object', properties: { '@jsonPayload': { type: 'string', contentMediaType: 'application/json' } } } },
            },
          },
          responses: { 200: json(ref('schemas', 'BatchResponse'), 'One result per request, in order.'), 400: ref('responses', 'BadRequest'), 403: ref('responses', 'Forbidden') },
        },
      },
    ],
  ];
}

export function buildOpenApi(collections: readonly Collection[], options: OpenApiOptions = {}): OpenApiDocument {
  const components = fixedComponents();
  const paths: OpenApiDocument['paths'] = {};
  const tags: OpenApiDocument['tags'] = [
    { name: 'System', description: 'Health and settings.' },
    { name: 'Collections', description: 'Collection definitions (superusers only).' },
    { name: 'Batch', description: 'Transactional batches of record writes.' },
  ];
  for (const [path, item] of fixedPaths()) paths[path] = item;

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
