import { apiError, fieldError, validationError } from '../core/errors.js';
import type { AuthOptions, Collection, CollectionType, Field } from '../core/schema.js';
import { AUTH_OPTION_KEYS, authOptionsSchema, defaultAuthOptions, TOKEN_TYPES } from './auth-options.js';
import { defaultCollectionId } from './collection-ids.js';
import { ErrorTree } from './error-tree.js';
import { checkFieldName, checkFieldSettings, parseField } from './field-normalizer.js';
import { formatIndex, indexFieldNames, IndexParseError, parseIndex, type IndexDefinition } from './index-definition.js';
import { checkRuleSyntax } from './rule-syntax.js';
import { autodateField, hasSingleColumnUniqueIndex, withSystemFields, withSystemIndexes } from './system-fields.js';
import { analyzeViewQuery, ViewQueryError } from './view-query.js';

/**
 * Turns client input (create, or PATCH over a stored collection) into a complete, valid
 * `Collection`: PocketBase's defaults, system fields and indexes, ids, secrets; every problem
 * reported at once as a 400 with PocketBase's nested field errors. No database access: what only
 * the database can tell (a view query that does not run, duplicates under a new unique index) is
 * checked when the change is applied.
 */

export interface NormalizeOptions {
  /** The stored collection when updating (PATCH semantics over it). */
  existing?: Collection;
  /** All collections except the one being saved. */
  others: readonly Collection[];
  /** Datetime string for created/updated. */
  now: string;
  /** Internal callers (system collections, imports of system collections) may set `system`. */
  allowSystem?: boolean;
}

export const COLLECTION_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const COLLECTION_ID = /^\w+$/;
const RULES = ['listRule', 'viewRule', 'createRule', 'updateRule', 'deleteRule'] as const;
const TYPES: readonly CollectionType[] = ['base', 'auth', 'view'];

type Input = Record<string, unknown>;

function isPlainObject(value: unknown): value is Input {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON merge of `patch` over `base`: objects merge key by key, everything else replaces. */
function merge(base: unknown, patch: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(patch)) return patch === undefined ? base : patch;
  const out: Input = { ...base };
  for (const [k, v] of Object.entries(patch)) out[k] = merge(base[k], v);
  return out;
}

export function normalizeCollection(input: unknown, opts: NormalizeOptions): Collection {
  if (!isPlainObject(input)) throw apiError('bad_request', 'The collection must be a JSON object.');
  const { existing, others } = opts;
  const errors = new ErrorTree();

  // --- type, name, id, system
  const rawType = input.type ?? existing?.type ?? 'base';
  const type: CollectionType = TYPES.includes(rawType as CollectionType) ? (rawType as CollectionType) : 'base';
  if (!TYPES.includes(rawType as CollectionType)) errors.add(['type'], fieldError('validation_invalid_value'));
  else if (existing && rawType !== existing.type) errors.add(['type'], fieldError('validation_invalid_collection_type'));

  const system = existing ? existing.system : opts.allowSystem === true && input.system === true;
  if (existing && input.system !== undefined && input.system !== existing.system && !opts.allowSystem) {
    errors.add(['system'], fieldError('validation_collection_system_flag_change'));
  }

  const name = input.name === undefined ? existing?.name ?? '' : input.name;
  if (typeof name !== 'string' || name === '') errors.add(['name'], fieldError('validation_required'));
  else if (name.length > 255 || !COLLECTION_NAME.test(name)) errors.add(['name'], fieldError('validation_invalid_name'));
  else if (name.toLowerCase().includes('_via_')) errors.add(['name'], fieldError('validation_found_via'));
  else if (name.startsWith('_') && !system) errors.add(['name'], fieldError('validation_invalid_name', undefined, 'Only system collections may start with "_".'));
  else if (existing?.system && name !== existing.name) errors.add(['name'], fieldError('validation_collection_system_name_change'));
  else if (others.some((c) => c.name.toLowerCase() === name.toLowerCase())) errors.add(['name'], fieldError('validation_collection_name_exists'));
  else if (others.some((c) => c.id === name)) errors.add(['name'], fieldError('validation_collection_name_id_duplicate'));
  const finalName = typeof name === 'string' ? name : '';

  let id: string;
  if (existing) id = existing.id;
  else if (input.id !== undefined && input.id !== '') {
    id = typeof input.id === 'string' ? input.id : '';
    if (!COLLECTION_ID.test(id) || id.length > 100) errors.add(['id'], fieldError('validation_invalid_value'));
    else if (others.some((c) => c.id === id)) errors.add(['id'], fieldError('validation_not_unique'));
  } else {
    const base = defaultCollectionId(type, finalName);
    id = base;
    for (let n = 2; others.some((c) => c.id === id) && n < 1000; n++) id = `${base}${n}`;
  }

  // --- rules
  const rules = {} as Record<(typeof RULES)[number], string | null>;
  for (const key of RULES) {
    const raw = key in input ? input[key] : existing ? existing[key] : null;
    if (raw !== null && typeof raw !== 'string') {
      errors.add([key], fieldError('validation_invalid_type'));
      rules[key] = null;
      continue;
    }
    rules[key] = raw;
    if (type === 'view' && (key === 'createRule' || key === 'updateRule' || key === 'deleteRule') && raw !== null) {
      errors.add([key], fieldError('validation_invalid_value', undefined, 'View collections are read-only; the rule must be null.'));
    }
    if (existing?.system && raw !== existing[key]) errors.add([key], fieldError('validation_collection_system_rule_change'));
  }

  // --- fields
  let fields: Field[] = [];
  let viewQuery: string | undefined;
  if (type === 'view') {
    const rawQuery = input.viewQuery ?? existing?.viewQuery ?? '';
    if (typeof rawQuery !== 'string' || rawQuery.trim() === '') errors.add(['viewQuery'], fieldError('validation_required'));
    else {
      viewQuery = rawQuery.trim();
      try {
        fields = analyzeViewQuery(viewQuery, others).fields;
      } catch (err) {
        if (!(err instanceof ViewQueryError)) throw err;
        errors.add(['viewQuery'], fieldError('validation_invalid_view_query', undefined, `Invalid view query: ${err.message}`));
      }
    }
  } else {
    const rawFields = input.fields ?? existing?.fields ?? [];
    if (!Array.isArray(rawFields)) errors.add(['fields'], fieldError('validation_invalid_type'));
    else {
      fields = rawFields.map((f, i) => parseField(f, i, errors)).filter((f): f is Field => f !== undefined);
      if (fields.length !== rawFields.length) fields = []; // positions would no longer match input indexes
      else {
        if (!system && !opts.allowSystem) {
          // clients cannot declare their own system fields; stored ones keep the flag
          for (const f of fields) f.system = existing?.fields.find((o) => o.id === f.id)?.system ?? false;
        }
        const inputPositions = new Map(fields.map((f, i) => [f, i]));
        fields = withSystemFields(type, fields);
        if (!existing) {
          for (const n of ['created', 'updated'] as const) {
            if (!fields.some((f) => f.name === n)) fields.push(autodateField(n, system));
          }
        }
        // errors point at the client's positions; inserted system fields at their final ones
        checkFields(fields, (f, i) => inputPositions.get(f) ?? i, type, id, existing, others, errors);
      }
    }
  }

  // --- indexes
  const rawIndexes = input.indexes ?? existing?.indexes ?? [];
  let indexes: string[] = [];
  if (!Array.isArray(rawIndexes) || rawIndexes.some((x) => typeof x !== 'string')) {
    errors.add(['indexes'], fieldError('validation_invalid_type'));
  } else if (type === 'view') {
    if (rawIndexes.length > 0) errors.add(['indexes'], fieldError('validation_indexes_not_supported'));
  } else {
    indexes = checkIndexes(withSystemIndexes({ id, name: finalName, type }, rawIndexes as string[]), finalName, fields, others, errors);
  }

  // --- assemble in PocketBase's key order
  const collection: Collection = {
    id, name: finalName, type, system, fields, indexes,
    listRule: rules.listRule, viewRule: rules.viewRule, createRule: rules.createRule,
    updateRule: rules.updateRule, deleteRule: rules.deleteRule,
    created: existing?.created ?? opts.now,
    updated: opts.now,
  };
  if (type === 'view') collection.viewQuery = viewQuery ?? '';
  if (type === 'auth') Object.assign(collection, authOptions(input, existing, collection, errors));

  // rules are checked last: they may name fields of the final collection
  for (const key of RULES) {
    const rule = collection[key];
    if (rule) {
      const problem = checkRuleSyntax(rule, collection, others);
      if (problem) errors.add([key], fieldError('validation_invalid_rule', undefined, `Invalid rule: ${problem}`));
    }
  }
  if (type === 'auth') {
    for (const key of ['authRule', 'manageRule'] as const) {
      const rule = collection[key];
      if (rule) {
        const problem = checkRuleSyntax(rule, collection, others);
        if (problem) errors.add([key], fieldError('validation_invalid_rule', undefined, `Invalid rule: ${problem}`));
      }
    }
    if (collection.mfa?.rule) {
      const problem = checkRuleSyntax(collection.mfa.rule, collection, others);
      if (problem) errors.add(['mfa', 'rule'], fieldError('validation_invalid_rule', undefined, `Invalid rule: ${problem}`));
    }
  }

  if (!errors.empty) throw validationError(errors.toData());
  return collection;
}

function checkFields(
  fields: Field[], position: (field: Field, index: number) => number, type: CollectionType, id: string,
  existing: Collection | undefined, others: readonly Collection[], errors: ErrorTree,
): void {
  const ids = new Set<string>();
  const names = new Set<string>();
  fields.forEach((field, i) => {
    const at = position(field, i);
    checkFieldName(field, at, type, errors);
    if (ids.has(field.id)) errors.add(['fields', at, 'id'], fieldError('validation_duplicated_field_id'));
    ids.add(field.id);
    if (names.has(field.name.toLowerCase())) errors.add(['fields', at, 'name'], fieldError('validation_field_name_duplicate'));
    names.add(field.name.toLowerCase());
    const previous = existing?.fields.find((f) => f.id === field.id);
    if (previous && previous.type !== field.type) errors.add(['fields', at, 'type'], fieldError('validation_field_type_change'));
    checkFieldSettings(field, at, { collection: { id, fields }, previous, collections: others }, errors);
  });
  if (!fields.some((f) => f.name === 'id' && f.type === 'text' && f.primaryKey)) {
    errors.add(['fields'], fieldError('validation_missing_primary_key'));
  }
  if (existing) {
    for (const old of existing.fields) {
      if (!old.system) continue;
      const now = fields.find((f) => f.id === old.id);
      if (!now || now.name !== old.name) {
        errors.add(['fields'], fieldError('validation_system_field_change'));
        break;
      }
    }
  }
}

function checkIndexes(
  raw: readonly string[], table: string, fields: readonly Field[], others: readonly Collection[], errors: ErrorTree,
): string[] {
  const out: string[] = [];
  const names = new Set<string>();
  const fieldNames = new Set(fields.map((f) => f.name));
  const taken = new Set<string>();
  for (const c of others) {
    for (const sql of c.indexes) {
      try {
        taken.add(parseIndex(sql).name.toLowerCase());
      } catch {
        // stored definitions were valid when saved
      }
    }
  }
  raw.forEach((sql, i) => {
    let def: IndexDefinition;
    try {
      def = parseIndex(sql);
    } catch (err) {
      if (!(err instanceof IndexParseError)) throw err;
      errors.add(['indexes', i], fieldError('validation_invalid_index', undefined, `Invalid index: ${err.message}`));
      return;
    }
    def.table = table; // the table is always the collection's own, also after a rename
    const key = def.name.toLowerCase();
    if (names.has(key) || taken.has(key)) errors.add(['indexes', i], fieldError('validation_duplicated_index_name'));
    names.add(key);
    const unknown = indexFieldNames(def).find((n) => !fieldNames.has(n));
    if (unknown !== undefined && fields.length > 0) {
      errors.add(['indexes', i], fieldError('validation_invalid_index', undefined, `Invalid index: unknown field ${JSON.stringify(unknown)}.`));
    }
    out.push(formatIndex(def));
  });
  return out;
}

function authOptions(input: Input, existing: Collection | undefined, collection: Collection, errors: ErrorTree): AuthOptions {
  const base: Input = {};
  const defaults = defaultAuthOptions();
  for (const key of AUTH_OPTION_KEYS) base[key] = existing?.[key] ?? defaults[key];
  const patch: Input = {};
  for (const key of AUTH_OPTION_KEYS) if (key in input) patch[key] = input[key];
  // a secret sent empty means "unchanged" (API output never carries them)
  for (const t of TOKEN_TYPES) {
    const p = patch[t];
    if (isPlainObject(p) && (p.secret === '' || p.secret === undefined)) {
      const { secret: _drop, ...rest } = p;
      patch[t] = rest;
    }
  }
  const merged = merge(base, patch) as Input;
  // providers come back from clients without clientSecret: keep the stored one by provider name
  const oldProviders = (existing?.oauth2?.providers ?? []) as Array<Record<string, unknown>>;
  const oauth2 = merged.oauth2;
  if (isPlainObject(oauth2) && Array.isArray(oauth2.providers)) {
    oauth2.providers = oauth2.providers.map((p: unknown) => {
      if (!isPlainObject(p) || (typeof p.clientSecret === 'string' && p.clientSecret !== '')) return p;
      const old = oldProviders.find((o) => o.name === p.name);
      return old?.clientSecret ? { ...p, clientSecret: old.clientSecret } : p;
    });
  }
  const parsed = authOptionsSchema.safeParse(merged);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      errors.add(issue.path.map((k) => (typeof k === 'symbol' ? String(k) : k)), fieldError(issue.code === 'invalid_type' ? 'validation_invalid_type' : 'validation_invalid_value'));
    }
    return defaults;
  }
  const options = parsed.data as AuthOptions;
  if (options.manageRule === '') errors.add(['manageRule'], fieldError('validation_invalid_value', undefined, 'Must be null or a non-empty rule.'));
  options.passwordAuth.identityFields = [...new Set(options.passwordAuth.identityFields)];
  if (options.passwordAuth.enabled) {
    if (options.passwordAuth.identityFields.length === 0) errors.add(['passwordAuth', 'identityFields'], fieldError('validation_required'));
    const defs: IndexDefinition[] = [];
    for (const sql of collection.indexes) {
      try {
        defs.push(parseIndex(sql));
      } catch {
        // reported on indexes
      }
    }
    for (const name of options.passwordAuth.identityFields) {
      if (!collection.fields.some((f) => f.name === name) || !hasSingleColumnUniqueIndex(defs, name)) {
        errors.add(['passwordAuth', 'identityFields'], fieldError('validation_missing_required_unique_index', { fieldName: name }));
        break;
      }
    }
  }
  if (options.mfa.enabled) {
    const methods = [options.passwordAuth.enabled, options.oauth2.enabled, options.otp.enabled].filter(Boolean).length;
    if (methods < 2) errors.add(['mfa', 'enabled'], fieldError('validation_invalid_value', undefined, 'MFA requires at least 2 auth methods to be enabled.'));
  }
  // mapped OAuth2 fields that no longer exist are cleared, as PocketBase does
  const mapped = options.oauth2.mappedFields;
  for (const k of ['id', 'name', 'username', 'avatarURL'] as const) {
    if (mapped[k] && !collection.fields.some((f) => f.name === mapped[k])) mapped[k] = '';
  }
  return options;
}
