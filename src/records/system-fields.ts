import type {
  AutodateField, BoolField, Collection, EmailField, Field, PasswordField, TextField,
} from '../core/schema.js';
import { defaultFieldId } from './collection-ids.js';
import { formatIndex, parseIndex, type IndexDefinition } from './index-definition.js';

/**
 * The fields and indexes PocketBase puts on every collection of a type
 * (`core/collection_model.go` initDefaultFields): `id` on base and auth, the five auth fields on
 * auth collections, and the unique indexes on `tokenKey` and non-empty `email`. Existing fields
 * with these names keep their id and options but get the system flags enforced.
 */

const base = (name: string, type: Field['type']) => ({
  id: defaultFieldId(type, name),
  name,
  system: true,
  hidden: false,
  presentable: false,
  help: '',
});

export function idField(): TextField {
  return {
    ...base('id', 'text'),
    type: 'text',
    min: 15,
    max: 15,
    pattern: '^[a-z0-9]+$',
    autogeneratePattern: '[a-z0-9]{15}',
    required: true,
    primaryKey: true,
  };
}

export function autodateField(name: 'created' | 'updated', system: boolean): AutodateField {
  return { ...base(name, 'autodate'), system, type: 'autodate', onCreate: true, onUpdate: name === 'updated' };
}

function passwordField(): PasswordField {
  return { ...base('password', 'password'), hidden: true, type: 'password', pattern: '', min: 8, max: 0, cost: 0, required: true };
}

function tokenKeyField(): TextField {
  return {
    ...base('tokenKey', 'text'),
    hidden: true,
    type: 'text',
    min: 30,
    max: 60,
    pattern: '',
    autogeneratePattern: '[a-zA-Z0-9]{50}',
    required: true,
    primaryKey: false,
  };
}

function emailField(): EmailField {
  return { ...base('email', 'email'), type: 'email', exceptDomains: null, onlyDomains: null, required: true };
}

function boolField(name: 'emailVisibility' | 'verified'): BoolField {
  return { ...base(name, 'bool'), type: 'bool', required: false };
}

/** Adds missing system fields (id first) and enforces the system flags on present ones. */
export function withSystemFields(type: Collection['type'], fields: Field[]): Field[] {
  if (type === 'view') return fields;
  const out = [...fields];
  const byName = (name: string) => out.find((f) => f.name === name);

  const id = byName('id');
  if (!id) out.unshift(idField());
  else if (id.type === 'text') {
    id.system = true;
    id.required = true;
    id.primaryKey = true;
    id.hidden = false;
    if (id.pattern === '') id.pattern = '^[a-z0-9]+$';
  }
  if (type !== 'auth') return out;

  // missing auth fields go right after `id`, in PocketBase's order
  let insertAt = out.findIndex((f) => f.name === 'id') + 1;
  const ensure = (name: string, make: () => Field, enforce: (f: Field) => void) => {
    const f = byName(name);
    if (!f) out.splice(insertAt++, 0, make());
    else enforce(f);
  };
  ensure('password', passwordField, (f) => {
    f.system = true;
    f.hidden = true;
    if (f.type === 'password') f.required = true;
  });
  ensure('tokenKey', tokenKeyField, (f) => {
    f.system = true;
    f.hidden = true;
    if (f.type === 'text') f.required = true;
  });
  ensure('email', emailField, (f) => {
    f.system = true;
    f.hidden = false; // visibility is the emailVisibility flag's job
  });
  ensure('emailVisibility', () => boolField('emailVisibility'), (f) => {
    f.system = true;
  });
  ensure('verified', () => boolField('verified'), (f) => {
    f.system = true;
  });
  return out;
}

/** PocketBase's name for the system unique indexes: `idx_<field>_<collectionId>`, at most 64 chars. */
export function systemIndexName(field: string, collectionId: string): string {
  return `idx_${field}_${collectionId}`.slice(0, 64);
}

/** True when some index is a UNIQUE index on exactly this one column (PocketBase's identity-field rule). */
export function hasSingleColumnUniqueIndex(indexes: readonly IndexDefinition[], column: string): boolean {
  return indexes.some((d) => d.unique && d.columns.length === 1 && d.columns[0]?.name.toLowerCase() === column.toLowerCase());
}

/** Appends the unique indexes every auth collection needs when the definitions lack them. */
export function withSystemIndexes(collection: Pick<Collection, 'id' | 'name' | 'type'>, indexes: string[]): string[] {
  if (collection.type !== 'auth') return indexes;
  const parsed: IndexDefinition[] = [];
  for (const sql of indexes) {
    try {
      parsed.push(parseIndex(sql));
    } catch {
      // invalid ones are reported by the index validation
    }
  }
  const out = [...indexes];
  if (!hasSingleColumnUniqueIndex(parsed, 'tokenKey')) {
    out.push(formatIndex({
      unique: true, name: systemIndexName('tokenKey', collection.id), table: collection.name,
      columns: [{ name: 'tokenKey', collate: '', sort: '' }], where: [],
    }));
  }
  if (!hasSingleColumnUniqueIndex(parsed, 'email')) {
    out.push(formatIndex({
      unique: true, name: systemIndexName('email', collection.id), table: collection.name,
      columns: [{ name: 'email', collate: '', sort: '' }],
      where: [{ kind: 'column', name: 'email' }, { kind: 'op', value: '!=' }, { kind: 'string', value: '' }],
    }));
  }
  return out;
}
