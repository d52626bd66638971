/**
 * The collection model shared by the rule language, the record engine and the HTTP layer.
 * Plain data in PocketBase's JSON shapes (`GET /api/collections/{c}`), so a collection read from
 * the database, sent by a client or written in a migration is the same object.
 *
 * Validation and normalisation of these shapes live in `records/`; this file holds only the types
 * and the few facts every layer needs (is a field multi-valued, what is its zero value).
 */

export type FieldType =
  | 'text'
  | 'number'
  | 'bool'
  | 'email'
  | 'url'
  | 'editor'
  | 'date'
  | 'autodate'
  | 'select'
  | 'file'
  | 'relation'
  | 'json'
  | 'password'
  | 'geoPoint';

export const FIELD_TYPES: readonly FieldType[] = [
  'text', 'number', 'bool', 'email', 'url', 'editor', 'date', 'autodate',
  'select', 'file', 'relation', 'json', 'password', 'geoPoint',
];

interface FieldCommon {
  /** Stable id, survives renames (e.g. `text3208210256`). */
  id: string;
  name: string;
  system: boolean;
  hidden: boolean;
  presentable: boolean;
  help?: string;
}

export interface TextField extends FieldCommon {
  type: 'text';
  min: number;
  max: number;
  pattern: string;
  autogeneratePattern: string;
  required: boolean;
  primaryKey: boolean;
}
export interface NumberField extends FieldCommon {
  type: 'number';
  min: number | null;
  max: number | null;
  onlyInt: boolean;
  required: boolean;
}
export interface BoolField extends FieldCommon { type: 'bool'; required: boolean }
export interface EmailField extends FieldCommon {
  type: 'email';
  exceptDomains: string[] | null;
  onlyDomains: string[] | null;
  required: boolean;
}
export interface UrlField extends FieldCommon {
  type: 'url';
  exceptDomains: string[] | null;
  onlyDomains: string[] | null;
  required: boolean;
}
export interface EditorField extends FieldCommon {
  type: 'editor';
  maxSize: number;
  convertURLs: boolean;
  required: boolean;
}
export interface DateField extends FieldCommon { type: 'date'; min: string; max: string; required: boolean }
export interface AutodateField extends FieldCommon { type: 'autodate'; onCreate: boolean; onUpdate: boolean }
export interface SelectField extends FieldCommon {
  type: 'select';
  values: string[];
  maxSelect: number;
  required: boolean;
}
export interface FileField extends FieldCommon {
  type: 'file';
  maxSize: number;
  maxSelect: number;
  mimeTypes: string[] | null;
  thumbs: string[] | null;
  protected: boolean;
  required: boolean;
}
export interface RelationField extends FieldCommon {
  type: 'relation';
  collectionId: string;
  cascadeDelete: boolean;
  minSelect: number;
  maxSelect: number;
  required: boolean;
}
export interface JsonField extends FieldCommon { type: 'json'; maxSize: number; required: boolean }
export interface PasswordField extends FieldCommon {
  type: 'password';
  pattern: string;
  min: number;
  max: number;
  cost: number;
  required: boolean;
}
export interface GeoPointField extends FieldCommon { type: 'geoPoint'; required: boolean }

export type Field =
  | TextField | NumberField | BoolField | EmailField | UrlField | EditorField | DateField
  | AutodateField | SelectField | FileField | RelationField | JsonField | PasswordField | GeoPointField;

export type CollectionType = 'base' | 'auth' | 'view';

export interface EmailTemplate { subject: string; body: string }
export interface TokenConfig { duration: number; secret?: string }

/** Auth-only options, PocketBase's names. Secrets are never part of API output. */
export interface AuthOptions {
  authRule: string | null;
  manageRule: string | null;
  authAlert: { enabled: boolean; emailTemplate: EmailTemplate };
  oauth2: {
    enabled: boolean;
    mappedFields: { id: string; name: string; username: string; avatarURL: string };
    providers: Array<Record<string, unknown>>;
  };
  passwordAuth: { enabled: boolean; identityFields: string[] };
  mfa: { enabled: boolean; duration: number; rule: string };
  otp: { enabled: boolean; duration: number; length: number; emailTemplate: EmailTemplate };
  authToken: TokenConfig;
  passwordResetToken: TokenConfig;
  emailChangeToken: TokenConfig;
  verificationToken: TokenConfig;
  fileToken: TokenConfig;
  verificationTemplate: EmailTemplate;
  resetPasswordTemplate: EmailTemplate;
  confirmEmailChangeTemplate: EmailTemplate;
}

export interface Collection extends Partial<AuthOptions> {
  id: string;
  name: string;
  type: CollectionType;
  system: boolean;
  fields: Field[];
  indexes: string[];
  listRule: string | null;
  viewRule: string | null;
  createRule: string | null;
  updateRule: string | null;
  deleteRule: string | null;
  /** Only for `view` collections: the SELECT behind it (a documented portable subset). */
  viewQuery?: string;
  created: string;
  updated: string;
}

/** Multi-valued fields store a JSON array; single ones a scalar. PocketBase: maxSelect >= 2. */
export function isMultiple(field: Field): boolean {
  switch (field.type) {
    case 'select':
    case 'file':
    case 'relation':
      return field.maxSelect >= 2;
    default:
      return false;
  }
}

/** The value a field holds when unset, as PocketBase outputs it. */
export function zeroValue(field: Field): unknown {
  switch (field.type) {
    case 'number':
      return 0;
    case 'bool':
      return false;
    case 'json':
      return null;
    case 'geoPoint':
      return { lon: 0, lat: 0 };
    case 'select':
    case 'file':
    case 'relation':
      return isMultiple(field) ? [] : '';
    default:
      return '';
  }
}

export function findField(collection: Collection, name: string): Field | undefined {
  return collection.fields.find((f) => f.name === name);
}
