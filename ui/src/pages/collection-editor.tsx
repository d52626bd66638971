/**
 * Create or edit a collection: fields (every type and option), indexes, API rules checked as you
 * type by the server's own rule engine (bundled), auth options, the view query, and a preview of
 * the migration file automigrate writes for this change.
 */
import type { JSX } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { AuthOptions, Collection, CollectionType, Field, FieldType } from '../../../src/core/schema.js';
import { FIELD_TYPES } from '../../../src/core/schema.js';
import { EmailTemplatesEditor } from '../components/email-templates.js';
import { FieldOptions, newField } from '../components/field-options.js';
import { OAuth2Editor } from '../components/oauth2-providers.js';
import type { DraftField } from '../components/field-options.js';
import { RuleInput } from '../components/rule-input.js';
import { Alert, Check, NumberInput, Select, TextInput, useSubmit, useToast } from '../components/ui.js';
import { errorMessage, fieldErrors, pb } from '../pb.js';
import type { FieldErrors } from '../pb.js';
import { ruleProblem } from '../rules.js';
import { href, navigate } from '../router.js';
import { findCollection, useCollections } from '../state.js';

const RULES = [
  ['listRule', 'List/Search rule'],
  ['viewRule', 'View rule'],
  ['createRule', 'Create rule'],
  ['updateRule', 'Update rule'],
  ['deleteRule', 'Delete rule'],
] as const;
const AUTH_RULES = [
  ['authRule', 'Auth rule (who may log in)'],
  ['manageRule', 'Manage rule (may edit others’ auth fields)'],
] as const;

type Draft = Omit<Collection, 'fields'> & { fields: DraftField[] };
type Tab = 'fields' | 'rules' | 'indexes' | 'auth' | 'migration';

let keySeq = 0;
const withKeys = (c: Collection): Draft => ({ ...c, fields: c.fields.map((f) => ({ ...f, _key: `k${++keySeq}` }) as DraftField) });

/** The JSON sent to the API: draft fields without the UI's keys. */
function payload(d: Draft, isNew: boolean): Record<string, unknown> {
  const { created: _c, updated: _u, ...rest } = d;
  const out: Record<string, unknown> = { ...rest, fields: d.fields.map(({ _key, ...f }) => f) };
  if (isNew && !d.id) delete out.id;
  return out;
}

export function CollectionEditorPage(props: { name?: string }): JSX.Element {
  const { collections, reload } = useCollections();
  const toast = useToast();
  const existing = props.name ? findCollection(collections, props.name) : undefined;
  const [draft, setDraft] = useState<Draft | null>(null);
  const [tab, setTab] = useState<Tab>('fields');
  const { busy, error, errors, setError, setErrors, run } = useSubmit();
  const [preview, setPreview] = useState<{ file: string; source: string } | { error: string } | null>(null);

  // Another client may have changed the schema since the sidebar loaded (relation targets).
  useEffect(() => {
    reload().catch(() => {});
  }, [reload]);

  // The starting point: the stored collection, or the server's scaffold for a new one.
  useEffect(() => {
    if (draft) return;
    if (props.name) {
      if (existing) setDraft(withKeys(existing));
      return;
    }
    pb.collections.getScaffolds().then(
      (s) => setDraft(withKeys({ ...(s.base as unknown as Collection), name: '' })),
      (err: unknown) => setError(errorMessage(err)),
    );
  }, [existing, props.name, draft]);

  const isNew = !existing;
  const asCollection = useMemo<Collection | null>(
    () => (draft ? ({ ...draft, id: draft.id || '__draft__', fields: draft.fields as unknown as Field[] } as Collection) : null),
    [draft],
  );

  if (props.name && collections.length > 0 && !existing) return <Alert kind="error">No collection named “{props.name}”.</Alert>;
  if (!draft || !asCollection) return error ? <Alert kind="error">{error}</Alert> : <p class="muted">Loading…</p>;

  const update = (patch: Partial<Draft>): void => setDraft({ ...draft, ...patch });
  const setField = (i: number, f: DraftField): void => update({ fields: draft.fields.map((x, j) => (j === i ? f : x)) });
  const fieldErr = (i: number): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(errors)) if (k.startsWith(`fields.${i}.`)) out[k.slice(`fields.${i}.`.length)] = v;
    return out;
  };

  const changeType = async (type: CollectionType): Promise<void> => {
    const s = (await pb.collections.getScaffolds()) as unknown as Record<CollectionType, Collection>;
    setDraft(withKeys({ ...s[type], name: draft.name }));
  };

  const loadPreview = async (): Promise<void> => {
    try {
      const res = await pb.send<{ file: string; source: string }>('/api/collections/meta/migration-preview', { method: 'POST', body: payload(draft, isNew) });
      setPreview(res);
    } catch (err) {
      setPreview({ error: errorMessage(err) });
      setErrors(fieldErrors(err));
    }
  };

  const save = async (e?: Event): Promise<void> => {
    e?.preventDefault();
    await run(async () => {
      const body = payload(draft, isNew);
      const saved = (isNew ? await pb.collections.create(body) : await pb.collections.update(existing.id, body)) as unknown as Collection;
      await reload();
      toast(`Saved collection “${saved.name}”.`);
      navigate(href('collections', saved.name));
    });
  };

  const remove = async (): Promise<void> => {
    if (!existing || !window.confirm(`Delete the collection “${existing.name}” and all its records?`)) return;
    await run(async () => {
      await pb.collections.delete(existing.id);
      await reload();
      toast(`Deleted “${existing.name}”.`);
      navigate(href('collections'));
    });
  };

  const ruleErrors = [...RULES, ...(draft.type === 'auth' ? AUTH_RULES : [])].filter(([k]) =>
    ruleProblem((draft as unknown as Record<string, string | null>)[k] ?? null, asCollection, collections),
  ).length;
  const tabs: Array<[Tab, string]> = [
    ['fields', draft.type === 'view' ? 'Query' : 'Fields'],
    ['rules', `API rules${ruleErrors ? ` (${ruleErrors} ✕)` : ''}`],
    ...(draft.type !== 'view' ? ([['indexes', 'Indexes']] as Array<[Tab, string]>) : []),
    ...(draft.type === 'auth' ? ([['auth', 'Auth options']] as Array<[Tab, string]>) : []),
    ['migration', 'Migration preview'],
  ];

  return (
    <form onSubmit={save}>
      <div class="page-head">
        <h1>{isNew ? 'New collection' : `Edit ${existing.name}`}</h1>
        <span class="spacer" />
        {!isNew && !existing.system ? (
          <button type="button" class="danger" onClick={remove}>
            Delete collection
          </button>
        ) : null}
        <a class="button" href={isNew ? href('collections') : href('collections', existing.name)}>
          Cancel
        </a>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Saving…' : isNew ? 'Create' : 'Save changes'}
        </button>
      </div>
      {error ? <Alert kind="error">{error}</Alert> : null}
      <div class="panel grid2">
        <TextInput label="Name" value={draft.name} onInput={(v) => update({ name: v })} error={errors.name} autoFocus={isNew} required />
        {isNew ? (
          <Select label="Type" value={draft.type} options={['base', 'auth', 'view'] as CollectionType[]} onChange={(t) => void changeType(t)} />
        ) : (
          <div class="muted">Type: {draft.type}</div>
        )}
      </div>
      <div class="tabs" role="tablist">
        {tabs.map(([k, label]) => (
          <button
            key={k}
            type="button"
            role="tab"
            aria-selected={tab === k}
            onClick={() => {
              setTab(k);
              if (k === 'migration') void loadPreview();
            }}
          >
            {label}
          </button>
        ))}
      </div>
      <div role="tabpanel">
        {tab === 'fields' && draft.type === 'view' ? (
          <div class="panel">
            <label class="field" for="view-query">
              View query (SELECT)
            </label>
            <textarea id="view-query" class="mono" rows={8} value={draft.viewQuery ?? ''} onInput={(e) => update({ viewQuery: e.currentTarget.value })} />
            {errors.viewQuery ? <span class="error-text">{errors.viewQuery}</span> : null}
          </div>
        ) : null}
        {tab === 'fields' && draft.type !== 'view' ? (
          <FieldsEditor draft={draft} collections={collections} errors={errors} fieldErr={fieldErr} setField={setField} update={update} />
        ) : null}
        {tab === 'rules' ? (
          <div class="panel stack">
            <p class="muted small">
              Checked as you type by Galley’s rule engine against this draft (the same check runs on save). Locked = superusers only; empty = everyone.
            </p>
            {[...RULES, ...(draft.type === 'auth' ? AUTH_RULES : [])].map(([key, label]) => (
              <RuleInput
                key={key}
                label={label}
                value={(draft as unknown as Record<string, string | null>)[key] ?? null}
                draft={asCollection}
                collections={collections}
                serverError={errors[key]}
                onChange={(v) => update({ [key]: v } as Partial<Draft>)}
              />
            ))}
          </div>
        ) : null}
        {tab === 'indexes' ? <IndexesEditor draft={draft} errors={errors} update={update} /> : null}
        {tab === 'auth' ? <AuthOptionsEditor draft={draft} errors={errors} update={update} /> : null}
        {tab === 'migration' ? (
          <div class="panel stack">
            <p class="muted small">What <code>galley serve --dev</code> (automigrate) writes to the migrations folder when you save. Ids of new fields are generated on save.</p>
            {preview === null ? <p class="muted">Loading…</p> : 'error' in preview ? <Alert kind="error">{preview.error}</Alert> : (
              <>
                <code>{preview.file}</code>
                <pre aria-label="Migration source">{preview.source}</pre>
              </>
            )}
          </div>
        ) : null}
      </div>
    </form>
  );
}

/** New fields go before the trailing created/updated autodate fields, as in PocketBase's dashboard. */
function insertField(fields: DraftField[], field: DraftField): DraftField[] {
  let at = fields.length;
  while (at > 0 && fields[at - 1]!.type === 'autodate') at -= 1;
  return [...fields.slice(0, at), field, ...fields.slice(at)];
}

function FieldsEditor(props: {
  draft: Draft;
  collections: readonly Collection[];
  errors: FieldErrors;
  fieldErr: (i: number) => Record<string, string>;
  setField: (i: number, f: DraftField) => void;
  update: (p: Partial<Draft>) => void;
}): JSX.Element {
  const { draft } = props;
  const [adding, setAdding] = useState<FieldType>('text');
  const focusKey = useRef('');
  const move = (i: number, by: number): void => {
    const next = [...draft.fields];
    const [f] = next.splice(i, 1);
    next.splice(i + by, 0, f!);
    props.update({ fields: next });
  };
  return (
    <div class="stack">
      {draft.fields.map((f, i) => {
        const errs = props.fieldErr(i);
        return (
          <fieldset key={f._key} class="field-card" aria-label={`Field ${f.name || i + 1}`}>
            <div class="head">
              <span class="badge" title="type">{f.type}</span>
              <input
                aria-label="Field name"
                ref={(el) => {
                  // Focus the name of the field just added (autofocus only works on page load).
                  if (el && f._key === focusKey.current) {
                    focusKey.current = '';
                    el.focus();
                  }
                }}
                value={f.name}
                disabled={f.system}
                placeholder="field name"
                aria-invalid={errs.name ? 'true' : undefined}
                onInput={(e) => props.setField(i, { ...f, name: e.currentTarget.value })}
              />
              <button type="button" class="link" aria-label={`Move ${f.name} up`} disabled={i === 0} onClick={() => move(i, -1)}>↑</button>
              <button type="button" class="link" aria-label={`Move ${f.name} down`} disabled={i === draft.fields.length - 1} onClick={() => move(i, 1)}>↓</button>
              {!f.system ? (
                <button type="button" class="link danger" aria-label={`Remove field ${f.name}`} onClick={() => props.update({ fields: draft.fields.filter((_, j) => j !== i) })}>
                  Remove
                </button>
              ) : (
                <span class="badge">system</span>
              )}
            </div>
            {errs.name ? <span class="error-text">{errs.name}</span> : null}
            {Object.entries(errs)
              .filter(([k]) => k !== 'name')
              .map(([k, v]) => (
                <span key={k} class="error-text">{k}: {v}</span>
              ))}
            {f.system && f.name === 'id' ? null : <FieldOptions field={f} collections={props.collections} errors={errs} onChange={(nf) => props.setField(i, nf)} />}
          </fieldset>
        );
      })}
      <div class="row panel">
        <Select label="New field type" value={adding} options={FIELD_TYPES} onChange={setAdding} />
        <button
          type="button"
          onClick={() => {
            const field = newField(adding, `k${++keySeq}`);
            focusKey.current = field._key;
            props.update({ fields: insertField(draft.fields, field) });
          }}
        >
          + Add field
        </button>
      </div>
    </div>
  );
}

function IndexesEditor(props: { draft: Draft; errors: FieldErrors; update: (p: Partial<Draft>) => void }): JSX.Element {
  const { draft } = props;
  const set = (i: number, v: string): void => props.update({ indexes: draft.indexes.map((x, j) => (j === i ? v : x)) });
  const name = draft.name || 'collection';
  return (
    <div class="panel stack">
      <p class="muted small">One CREATE INDEX statement each, as PocketBase stores them.</p>
      {draft.indexes.map((ix, i) => (
        <div class="stack" style="gap:4px" key={i}>
          <div class="row">
            <input class="mono" style="flex:1" aria-label={`Index ${i + 1}`} value={ix} onInput={(e) => set(i, e.currentTarget.value)} />
            <button type="button" class="link danger" onClick={() => props.update({ indexes: draft.indexes.filter((_, j) => j !== i) })}>
              Remove
            </button>
          </div>
          {props.errors[`indexes.${i}`] ? <span class="error-text">{props.errors[`indexes.${i}`]}</span> : null}
        </div>
      ))}
      <div>
        <button type="button" onClick={() => props.update({ indexes: [...draft.indexes, `CREATE INDEX \`idx_${name}_${draft.indexes.length + 1}\` ON \`${name}\` (\`\`)`] })}>
          + Add index
        </button>
      </div>
    </div>
  );
}

/** Auth collection options that live in the collection itself (PocketBase's names). */
function AuthOptionsEditor(props: { draft: Draft; errors: FieldErrors; update: (p: Partial<Draft>) => void }): JSX.Element {
  const d = props.draft as Draft & Partial<AuthOptions>;
  const pa = d.passwordAuth ?? { enabled: true, identityFields: ['email'] };
  const otp = d.otp ?? { enabled: false, duration: 180, length: 8, emailTemplate: { subject: '', body: '' } };
  const mfa = d.mfa ?? { enabled: false, duration: 1800, rule: '' };
  const token = d.authToken ?? { duration: 604800 };
  const oauth2 = d.oauth2;
  return (
    <div class="stack">
      <div class="panel stack">
        <h2>Password login</h2>
        <Check label="Enabled" checked={pa.enabled} onChange={(v) => props.update({ passwordAuth: { ...pa, enabled: v } } as Partial<Draft>)} />
        <TextInput
          label="Identity fields"
          value={pa.identityFields.join(', ')}
          hint="Comma-separated fields with a unique index, e.g. email, username"
          onInput={(v) => props.update({ passwordAuth: { ...pa, identityFields: v.split(',').map((s) => s.trim()).filter(Boolean) } } as Partial<Draft>)}
        />
      </div>
      <div class="panel stack">
        <h2>One-time password (OTP) and MFA</h2>
        <div class="row">
          <Check label="OTP enabled" checked={otp.enabled} onChange={(v) => props.update({ otp: { ...otp, enabled: v } } as Partial<Draft>)} />
          <Check label="MFA enabled" checked={mfa.enabled} onChange={(v) => props.update({ mfa: { ...mfa, enabled: v } } as Partial<Draft>)} />
        </div>
        <div class="grid2">
          <NumberInput label="OTP duration (s)" value={otp.duration} onInput={(v) => props.update({ otp: { ...otp, duration: v ?? 0 } } as Partial<Draft>)} />
          <NumberInput label="OTP length" value={otp.length} onInput={(v) => props.update({ otp: { ...otp, length: v ?? 0 } } as Partial<Draft>)} />
          <NumberInput label="MFA duration (s)" value={mfa.duration} onInput={(v) => props.update({ mfa: { ...mfa, duration: v ?? 0 } } as Partial<Draft>)} />
          <TextInput label="MFA rule" mono value={mfa.rule} onInput={(v) => props.update({ mfa: { ...mfa, rule: v } } as Partial<Draft>)} />
        </div>
      </div>
      <div class="panel stack">
        <h2>Tokens</h2>
        <NumberInput label="Auth token duration (s)" value={token.duration} onInput={(v) => props.update({ authToken: { ...token, duration: v ?? 0 } } as Partial<Draft>)} />
      </div>
      {/* _superusers log in with a password (and MFA) only: no OAuth2, as in PocketBase. */}
      {d.system && d.name === '_superusers' ? null : (
        <OAuth2Editor
          oauth2={{ enabled: false, mappedFields: { id: '', name: '', username: '', avatarURL: '' }, providers: [], ...oauth2 }}
          fieldNames={d.fields.filter((f) => !f.system && f.name).map((f) => f.name)}
          errors={props.errors}
          onChange={(o) => props.update({ oauth2: o } as Partial<Draft>)}
        />
      )}
      <EmailTemplatesEditor options={d} errors={props.errors} onChange={(p) => props.update(p as Partial<Draft>)} />
    </div>
  );
}
