/** The options of one field in the collection editor, for every field type of src/core/schema.ts. */
import type { JSX } from 'preact';
import type { Collection, Field, FieldType } from '../../../src/core/schema.js';
import { Check, NumberInput, Select, TextInput } from './ui.js';

export type DraftField = Partial<Field> & { type: FieldType; name: string; _key: string };

/** Options a new field of `type` starts with (the server fills in the rest of its defaults). */
export function newField(type: FieldType, key: string): DraftField {
  const base = { type, name: '', _key: key, hidden: false, presentable: false } as DraftField;
  switch (type) {
    case 'select':
      return { ...base, values: [], maxSelect: 1 } as DraftField;
    case 'relation':
      return { ...base, collectionId: '', maxSelect: 1, minSelect: 0, cascadeDelete: false } as DraftField;
    case 'file':
      return { ...base, maxSelect: 1, maxSize: 5 * 1024 * 1024, mimeTypes: [], thumbs: [], protected: false } as DraftField;
    case 'autodate':
      return { ...base, onCreate: true, onUpdate: false } as DraftField;
    default:
      return base;
  }
}

const list = (v: unknown): string => (Array.isArray(v) ? v.join(', ') : '');
const parseList = (s: string): string[] =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

export function FieldOptions(props: {
  field: DraftField;
  collections: readonly Collection[];
  errors: Record<string, string>;
  onChange: (f: DraftField) => void;
}): JSX.Element | null {
  const f = props.field as DraftField & Record<string, unknown>;
  const set = (patch: Record<string, unknown>): void => props.onChange({ ...f, ...patch } as DraftField);
  const num = (key: string, label: string, nullable = false): JSX.Element => (
    <NumberInput label={label} value={(f[key] as number | null | undefined) ?? (nullable ? null : 0)} nullable={nullable} onInput={(v) => set({ [key]: v })} error={props.errors[key]} />
  );
  const text = (key: string, label: string, mono = false, hint?: string): JSX.Element => (
    <TextInput label={label} value={String(f[key] ?? '')} onInput={(v) => set({ [key]: v })} mono={mono} hint={hint} error={props.errors[key]} />
  );
  const strList = (key: string, label: string, hint: string): JSX.Element => (
    <TextInput label={label} value={list(f[key])} onInput={(v) => set({ [key]: parseList(v) })} hint={hint} error={props.errors[key]} />
  );
  const check = (key: string, label: string, hint?: string): JSX.Element => (
    <Check label={label} checked={f[key] === true} onChange={(v) => set({ [key]: v })} hint={hint} />
  );

  const common = (
    <div class="row">
      {f.type !== 'autodate' ? check('required', 'Required') : null}
      {check('hidden', 'Hidden', 'Not in API output; only superusers can filter on it')}
      {check('presentable', 'Presentable', 'Shown for this record in relation pickers')}
    </div>
  );
  let specific: JSX.Element | null = null;
  switch (f.type) {
    case 'text':
      specific = (
        <div class="grid2">
          {num('min', 'Min length')}
          {num('max', 'Max length')}
          {text('pattern', 'Pattern (regex)', true)}
          {text('autogeneratePattern', 'Autogenerate pattern', true, 'e.g. [a-z0-9]{15}')}
        </div>
      );
      break;
    case 'number':
      specific = (
        <div class="grid2">
          {num('min', 'Min', true)}
          {num('max', 'Max', true)}
          <div class="row">{check('onlyInt', 'Integers only')}</div>
        </div>
      );
      break;
    case 'email':
    case 'url':
      specific = (
        <div class="grid2">
          {strList('onlyDomains', 'Only domains', 'Comma-separated')}
          {strList('exceptDomains', 'Except domains', 'Comma-separated')}
        </div>
      );
      break;
    case 'editor':
      specific = (
        <div class="grid2">
          {num('maxSize', 'Max size (bytes)')}
          <div class="row">{check('convertURLs', 'Convert URLs')}</div>
        </div>
      );
      break;
    case 'date':
      specific = (
        <div class="grid2">
          {text('min', 'Min date', true, 'YYYY-MM-DD HH:MM:SS.sssZ')}
          {text('max', 'Max date', true)}
        </div>
      );
      break;
    case 'autodate':
      specific = (
        <div class="row">
          {check('onCreate', 'Set on create')}
          {check('onUpdate', 'Set on update')}
        </div>
      );
      break;
    case 'select':
      specific = (
        <div class="grid2">
          {strList('values', 'Values', 'Comma-separated')}
          {num('maxSelect', 'Max select (2+ = multiple)')}
        </div>
      );
      break;
    case 'file':
      specific = (
        <div class="grid2">
          {num('maxSelect', 'Max files')}
          {num('maxSize', 'Max size per file (bytes)')}
          {strList('mimeTypes', 'MIME types', 'Comma-separated, empty = any')}
          {strList('thumbs', 'Thumb sizes', 'e.g. 100x100, 0x300')}
          <div class="row">{check('protected', 'Protected (file token required)')}</div>
        </div>
      );
      break;
    case 'relation':
      specific = (
        <div class="grid2">
          <Select
            label="Related collection"
            value={String(f.collectionId ?? '')}
            options={[{ value: '', label: '— choose —' }, ...props.collections.filter((c) => c.type !== 'view').map((c) => ({ value: c.id, label: c.name }))]}
            onChange={(v) => set({ collectionId: v })}
          />
          {num('minSelect', 'Min select')}
          {num('maxSelect', 'Max select (2+ = multiple)')}
          <div class="row">{check('cascadeDelete', 'Cascade delete')}</div>
        </div>
      );
      break;
    case 'json':
      specific = <div class="grid2">{num('maxSize', 'Max size (bytes)')}</div>;
      break;
    case 'password':
      specific = (
        <div class="grid2">
          {num('min', 'Min length')}
          {num('max', 'Max length')}
          {text('pattern', 'Pattern (regex)', true)}
          {num('cost', 'Cost')}
        </div>
      );
      break;
    default:
      specific = null;
  }
  return (
    <>
      {common}
      {specific}
      {text('help', 'Help text')}
    </>
  );
}
