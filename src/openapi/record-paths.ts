/**
 * The record routes of one collection (list, view, create, update, delete) and the record, create
 * and update schemas derived from its fields.
 */
import type { Collection, Field } from '../core/schema.js';
import { fieldInputSchema, fieldModifierSchemas, fieldOutputSchema } from './field-schema.js';
import type { JsonSchema } from './field-schema.js';
import { json, OPTIONAL_AUTH, ref } from './openapi-helpers.js';
import type { PathEntry } from './openapi-helpers.js';

/** The rule of an operation, in words, for its description. */
export function ruleText(rule: string | null | undefined, what: string): string {
  if (rule === null || rule === undefined) return `${what}: superusers only.`;
  if (rule === '') return `${what}: anyone, including guests.`;
  return `${what}: \`${rule.replace(/`/g, "'")}\`.`;
}

export interface CollectionNames {
  record: string;
  create: string;
  update: string;
  list: string;
  auth: string;
  op: string;
}

export function recordSchema(c: Collection): JsonSchema {
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

export function bodySchema(c: Collection, mode: 'create' | 'update', multipart: boolean): JsonSchema {
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

export function recordPaths(c: Collection, n: CollectionNames): PathEntry[] {
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
