/** Create or edit one record, with an input for every field type. */
import type { JSX } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import type { Collection, Field, FileField } from '../../../src/core/schema.js';
import { pb } from '../pb.js';
import type { FieldErrors } from '../pb.js';
import { ImpersonateDialog } from './impersonate-dialog.js';
import { RelationPicker } from './relation-picker.js';
import { RichText } from './rich-text.js';
import { Alert, Dialog, useId, useSubmit, useToast } from './ui.js';

type Rec = Record<string, unknown> & { id: string; collectionId?: string; collectionName?: string };

/** Fields the form shows: not the server-managed ones. */
export function editableFields(c: Collection): Field[] {
  return c.fields.filter((f) => f.type !== 'autodate' && !(f.system && (f.name === 'tokenKey' || f.name === 'id')) && !(f.hidden && f.type !== 'password'));
}

const asList = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v ? [String(v)] : []);

/** `2024-05-01 10:00:00.000Z` <-> the `datetime-local` input's `2024-05-01T10:00` (shown in UTC). */
const toLocalInput = (v: unknown): string => (typeof v === 'string' && v.length >= 16 ? v.slice(0, 16).replace(' ', 'T') : '');
const fromLocalInput = (v: string): string => (v ? `${v.replace('T', ' ')}:00.000Z` : '');

export function RecordForm(props: { collection: Collection; record: Rec | null; onClose: (changed: boolean) => void }): JSX.Element {
  const c = props.collection;
  const toast = useToast();
  const fields = useMemo(() => editableFields(c), [c]);
  const [values, setValues] = useState<Record<string, unknown>>(() => {
    const v: Record<string, unknown> = {};
    for (const f of fields) v[f.name] = f.type === 'password' ? '' : (props.record?.[f.name] ?? (f.type === 'bool' ? false : f.type === 'json' ? '' : f.type === 'geoPoint' ? { lon: 0, lat: 0 } : ''));
    for (const f of fields) if (f.type === 'json') v[f.name] = props.record && props.record[f.name] !== null && props.record[f.name] !== undefined ? JSON.stringify(props.record[f.name], null, 2) : '';
    return v;
  });
  const [newFiles, setNewFiles] = useState<Record<string, File[]>>({});
  const [removed, setRemoved] = useState<Record<string, string[]>>({});
  const { busy, error, errors, setError, setErrors, run } = useSubmit();
  const set = (name: string, v: unknown): void => setValues((s) => ({ ...s, [name]: v }));
  const [impersonating, setImpersonating] = useState(false);

  const save = async (e: Event): Promise<void> => {
    e.preventDefault();
    const body: Record<string, unknown> = {};
    const local: FieldErrors = {};
    for (const f of fields) {
      const v = values[f.name];
      if (f.type === 'file') {
        if (newFiles[f.name]?.length) body[f.name] = f.maxSelect >= 2 ? newFiles[f.name] : newFiles[f.name]![0];
        if (removed[f.name]?.length) body[`${f.name}-`] = removed[f.name];
        continue;
      }
      if (f.type === 'password') {
        if (v) {
          body[f.name] = v;
          body[`${f.name}Confirm`] = values[`${f.name}Confirm`] ?? '';
        }
        continue;
      }
      if (f.type === 'json') {
        const text = String(v ?? '').trim();
        try {
          body[f.name] = text === '' ? null : JSON.parse(text);
        } catch {
          local[f.name] = 'Must be valid JSON.';
        }
        continue;
      }
      body[f.name] = v;
    }
    if (Object.keys(local).length) {
      setErrors(local);
      return;
    }
    await run(async () => {
      if (props.record) await pb.collection(c.id).update(props.record.id, body);
      else await pb.collection(c.id).create(body);
      toast(props.record ? 'Record saved.' : 'Record created.');
      props.onClose(true);
    });
  };

  const remove = async (): Promise<void> => {
    if (!props.record || !window.confirm('Delete this record?')) return;
    const id = props.record.id;
    await run(async () => {
      await pb.collection(c.id).delete(id);
      toast('Record deleted.');
      props.onClose(true);
    });
  };

  return (
    <>
      <Dialog
        title={props.record ? `Edit ${c.name} record` : `New ${c.name} record`}
        onClose={() => props.onClose(false)}
        footer={
          <>
            {props.record ? (
              <button type="button" class="danger" onClick={remove} style="margin-right:auto">
                Delete
              </button>
            ) : null}
            {props.record && c.type === 'auth' ? (
              <button type="button" onClick={() => setImpersonating(true)}>
                Impersonate
              </button>
            ) : null}
            <button type="button" onClick={() => props.onClose(false)}>
              Cancel
            </button>
            <button type="submit" form="record-form" class="primary" disabled={busy}>
              {busy ? 'Saving…' : props.record ? 'Save' : 'Create'}
            </button>
          </>
        }
      >
        <form id="record-form" class="stack" onSubmit={save}>
          {error ? <Alert kind="error">{error}</Alert> : null}
          {props.record ? <div class="muted small">id: <code>{props.record.id}</code></div> : null}
          {fields.map((f) => (
            <FieldInput
              key={f.name}
              field={f}
              record={props.record}
              value={values[f.name]}
              confirm={values[`${f.name}Confirm`]}
              error={errors[f.name]}
              files={newFiles[f.name] ?? []}
              removed={removed[f.name] ?? []}
              onChange={(v) => set(f.name, v)}
              onConfirm={(v) => set(`${f.name}Confirm`, v)}
              onFiles={(list) => setNewFiles((s) => ({ ...s, [f.name]: list }))}
              onRemoved={(list) => setRemoved((s) => ({ ...s, [f.name]: list }))}
            />
          ))}
        </form>
      </Dialog>
      {/* A sibling, not a child: the record form must not hold a second form. */}
      {impersonating && props.record ? <ImpersonateDialog collection={c} recordId={props.record.id} onClose={() => setImpersonating(false)} /> : null}
    </>
  );
}

function FieldInput(props: {
  field: Field;
  record: Rec | null;
  value: unknown;
  confirm: unknown;
  error: string | undefined;
  files: File[];
  removed: string[];
  onChange: (v: unknown) => void;
  onConfirm: (v: string) => void;
  onFiles: (f: File[]) => void;
  onRemoved: (names: string[]) => void;
}): JSX.Element {
  const f = props.field;
  const id = useId('in');
  const label = `${f.name}${'required' in f && f.required ? ' *' : ''}`;
  const describe = props.error ? `${id}-err` : undefined;
  const common = { id, 'aria-invalid': props.error ? ('true' as const) : undefined, 'aria-describedby': describe };
  let input: JSX.Element;
  switch (f.type) {
    case 'bool':
      input = (
        <label class="check">
          <input {...common} type="checkbox" checked={props.value === true} onChange={(e) => props.onChange(e.currentTarget.checked)} /> {f.name}
        </label>
      );
      break;
    case 'number':
      input = <input {...common} type="number" step={f.onlyInt ? 1 : 'any'} value={String(props.value ?? '')} onInput={(e) => props.onChange(e.currentTarget.value === '' ? 0 : Number(e.currentTarget.value))} />;
      break;
    case 'email':
    case 'url':
    case 'text':
      input = <input {...common} type={f.type === 'text' ? 'text' : f.type} value={String(props.value ?? '')} onInput={(e) => props.onChange(e.currentTarget.value)} />;
      break;
    case 'password':
      input = (
        <div class="grid2">
          <input {...common} type="password" autoComplete="new-password" placeholder={props.record ? 'Leave empty to keep' : ''} value={String(props.value ?? '')} onInput={(e) => props.onChange(e.currentTarget.value)} />
          <input type="password" aria-label={`${f.name} confirm`} autoComplete="new-password" placeholder="Confirm" value={String(props.confirm ?? '')} onInput={(e) => props.onConfirm(e.currentTarget.value)} />
        </div>
      );
      break;
    case 'editor':
      input = <RichText id={id} label={f.name} value={String(props.value ?? '')} onInput={props.onChange} />;
      break;
    case 'date':
      input = (
        <div class="row">
          <input {...common} type="datetime-local" style="max-width:260px" value={toLocalInput(props.value)} onInput={(e) => props.onChange(fromLocalInput(e.currentTarget.value))} />
          <span class="muted small">UTC</span>
          {props.value ? <button type="button" class="link" onClick={() => props.onChange('')}>Clear</button> : null}
        </div>
      );
      break;
    case 'select': {
      const selected = asList(props.value);
      input =
        f.maxSelect >= 2 ? (
          <div class="row" role="group" aria-labelledby={`${id}-label`}>
            {f.values.map((v) => (
              <label class="check" key={v}>
                <input type="checkbox" checked={selected.includes(v)} onChange={(e) => props.onChange(e.currentTarget.checked ? [...selected, v] : selected.filter((x) => x !== v))} /> {v}
              </label>
            ))}
          </div>
        ) : (
          <select {...common} value={selected[0] ?? ''} onChange={(e) => props.onChange(e.currentTarget.value)}>
            <option value="">—</option>
            {f.values.map((v) => (
              <option key={v} value={v}>{v}</option>
            ))}
          </select>
        );
      break;
    }
    case 'relation':
      input = <RelationPicker id={id} field={f} value={asList(props.value)} onChange={(ids) => props.onChange(f.maxSelect >= 2 ? ids : (ids[0] ?? ''))} />;
      break;
    case 'json':
      input = <textarea {...common} class="mono" rows={5} value={String(props.value ?? '')} placeholder="JSON, e.g. {&quot;a&quot;: 1}" onInput={(e) => props.onChange(e.currentTarget.value)} />;
      break;
    case 'geoPoint': {
      const p = (props.value ?? { lon: 0, lat: 0 }) as { lon: number; lat: number };
      input = (
        <div class="grid2">
          <input {...common} type="number" step="any" aria-label={`${f.name} longitude`} value={p.lon} onInput={(e) => props.onChange({ ...p, lon: Number(e.currentTarget.value) })} />
          <input type="number" step="any" aria-label={`${f.name} latitude`} value={p.lat} onInput={(e) => props.onChange({ ...p, lat: Number(e.currentTarget.value) })} />
        </div>
      );
      break;
    }
    case 'file':
      input = <FileInput id={id} field={f} record={props.record} files={props.files} removed={props.removed} onFiles={props.onFiles} onRemoved={props.onRemoved} />;
      break;
    default:
      input = <input {...common} value={String(props.value ?? '')} onInput={(e) => props.onChange(e.currentTarget.value)} />;
  }
  return (
    <div class="stack" style="gap:4px">
      {f.type === 'bool' ? null : (
        <label class="field" id={`${id}-label`} for={id}>
          {label} <span class="muted small">{f.type}</span>
        </label>
      )}
      {input}
      {props.error ? <span class="error-text" id={`${id}-err`} role="alert">{props.error}</span> : null}
      {f.help ? <span class="muted small">{f.help}</span> : null}
    </div>
  );
}

const IMAGE = /\.(png|jpe?g|gif|webp|avif|svg)$/i;

function FileInput(props: {
  id: string;
  field: FileField;
  record: Rec | null;
  files: File[];
  removed: string[];
  onFiles: (f: File[]) => void;
  onRemoved: (names: string[]) => void;
}): JSX.Element {
  const f = props.field;
  const existing = props.record ? asList(props.record[f.name]) : [];
  const previews = useMemo(() => props.files.map((file) => (file.type.startsWith('image/') ? URL.createObjectURL(file) : '')), [props.files]);
  return (
    <div class="stack" style="gap:6px">
      <div class="thumbs">
        {existing.map((name) => {
          const gone = props.removed.includes(name);
          const url = props.record ? pb.files.getURL(props.record, name, IMAGE.test(name) ? { thumb: '100x100' } : {}) : '';
          return (
            <div class="thumb" key={name} style={gone ? 'opacity:.4' : undefined}>
              {IMAGE.test(name) ? <img src={url} alt={name} /> : null}
              <a href={pb.files.getURL(props.record!, name)} target="_blank" rel="noreferrer">{name}</a>
              <button type="button" class="link" onClick={() => props.onRemoved(gone ? props.removed.filter((x) => x !== name) : [...props.removed, name])}>
                {gone ? 'Keep' : 'Remove'}
              </button>
            </div>
          );
        })}
        {props.files.map((file, i) => (
          <div class="thumb" key={`${file.name}-${i}`}>
            {previews[i] ? <img src={previews[i]} alt={`Preview of ${file.name}`} /> : null}
            <span>{file.name}</span>
            <span class="badge ok">new</span>
          </div>
        ))}
      </div>
      <input
        id={props.id}
        type="file"
        multiple={f.maxSelect >= 2}
        accept={f.mimeTypes?.length ? f.mimeTypes.join(',') : undefined}
        onChange={(e) => props.onFiles(Array.from(e.currentTarget.files ?? []))}
      />
    </div>
  );
}
