import { z } from 'zod';
import type { Field, FieldType } from '../core/schema.js';

/**
 * One zod schema per PocketBase field type: the accepted keys, their JSON types and PocketBase's
 * defaults (Go zero values: `0`, `false`, `''`, `null` for nil slices). Unknown keys are dropped,
 * as PocketBase's JSON decoding does. Cross-field checks (names, ids, relation targets) live in
 * `field-rules.ts`; this file is only about shapes.
 */

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const count = z.number().int().min(0).max(MAX_SAFE);
const domains = z.array(z.string()).nullable().default(null);

const common = {
  id: z.string().max(100).default(''),
  name: z.string().default(''),
  system: z.boolean().default(false),
  hidden: z.boolean().default(false),
  presentable: z.boolean().default(false),
  help: z.string().default(''),
};

export const fieldSchemas = {
  text: z.object({
    ...common,
    type: z.literal('text'),
    min: count.default(0),
    max: count.default(0),
    pattern: z.string().default(''),
    autogeneratePattern: z.string().default(''),
    required: z.boolean().default(false),
    primaryKey: z.boolean().default(false),
  }),
  number: z.object({
    ...common,
    type: z.literal('number'),
    min: z.number().nullable().default(null),
    max: z.number().nullable().default(null),
    onlyInt: z.boolean().default(false),
    required: z.boolean().default(false),
  }),
  bool: z.object({ ...common, type: z.literal('bool'), required: z.boolean().default(false) }),
  email: z.object({
    ...common,
    type: z.literal('email'),
    exceptDomains: domains,
    onlyDomains: domains,
    required: z.boolean().default(false),
  }),
  url: z.object({
    ...common,
    type: z.literal('url'),
    exceptDomains: domains,
    onlyDomains: domains,
    required: z.boolean().default(false),
  }),
  editor: z.object({
    ...common,
    type: z.literal('editor'),
    maxSize: count.default(0),
    convertURLs: z.boolean().default(false),
    required: z.boolean().default(false),
  }),
  date: z.object({
    ...common,
    type: z.literal('date'),
    min: z.string().default(''),
    max: z.string().default(''),
    required: z.boolean().default(false),
  }),
  autodate: z.object({
    ...common,
    type: z.literal('autodate'),
    onCreate: z.boolean().default(false),
    onUpdate: z.boolean().default(false),
  }),
  select: z.object({
    ...common,
    type: z.literal('select'),
    values: z.array(z.string()).nullable().default(null).transform((v) => v ?? []),
    maxSelect: count.default(0),
    required: z.boolean().default(false),
  }),
  file: z.object({
    ...common,
    type: z.literal('file'),
    maxSize: count.default(0),
    maxSelect: count.default(0),
    mimeTypes: z.array(z.string()).nullable().default(null),
    thumbs: z.array(z.string()).nullable().default(null),
    protected: z.boolean().default(false),
    required: z.boolean().default(false),
  }),
  relation: z.object({
    ...common,
    type: z.literal('relation'),
    collectionId: z.string().default(''),
    cascadeDelete: z.boolean().default(false),
    minSelect: count.default(0),
    maxSelect: count.default(0),
    required: z.boolean().default(false),
  }),
  json: z.object({
    ...common,
    type: z.literal('json'),
    maxSize: count.default(0),
    required: z.boolean().default(false),
  }),
  password: z.object({
    ...common,
    type: z.literal('password'),
    pattern: z.string().default(''),
    min: count.default(0),
    max: count.default(0),
    cost: z.number().int().min(0).max(31).default(0),
    required: z.boolean().default(false),
  }),
  geoPoint: z.object({ ...common, type: z.literal('geoPoint'), required: z.boolean().default(false) }),
} as const satisfies Record<FieldType, z.ZodType>;

// Compile-time proof that every schema's output is the matching `Field` variant of core/schema.ts.
type SchemaOutputs = { [K in FieldType]: z.output<(typeof fieldSchemas)[K]> };
type Matches<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const shapesMatch: { [K in FieldType]: Matches<SchemaOutputs[K], Omit<Extract<Field, { type: K }>, 'help'> & { help: string }> } = {
  text: true, number: true, bool: true, email: true, url: true, editor: true, date: true, autodate: true,
  select: true, file: true, relation: true, json: true, password: true, geoPoint: true,
};
void shapesMatch;

export function isFieldType(type: unknown): type is FieldType {
  return typeof type === 'string' && Object.hasOwn(fieldSchemas, type);
}
