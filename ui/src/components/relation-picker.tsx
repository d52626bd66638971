/** Pick related records: the current selection, and a searchable list of the target collection. */
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { Collection, RelationField } from '../../../src/core/schema.js';
import { errorMessage, pb } from '../pb.js';
import { findCollection, useCollections } from '../state.js';

type Row = Record<string, unknown> & { id: string };

/** The text that stands for a record: its presentable fields, else a name-like field, else the id. */
export function recordLabel(c: Collection | undefined, r: Row): string {
  if (!c) return r.id;
  const presentable = c.fields.filter((f) => f.presentable).map((f) => r[f.name]);
  const parts = presentable.length ? presentable : [r.name ?? r.title ?? r.email ?? r.username];
  const text = parts.filter((v) => v !== undefined && v !== null && v !== '').map(String).join(' · ');
  return text || r.id;
}

function searchFilter(c: Collection, q: string): string {
  if (!q) return '';
  const quoted = JSON.stringify(q);
  const texty = c.fields.filter((f) => !f.hidden && ['text', 'email', 'url', 'editor'].includes(f.type)).map((f) => `${f.name} ~ ${quoted}`);
  return [...new Set([`id ~ ${quoted}`, ...texty])].join(' || ');
}

export function RelationPicker(props: { id: string; field: RelationField; value: string[]; onChange: (ids: string[]) => void }): JSX.Element {
  const { collections } = useCollections();
  const target = findCollection(collections, props.field.collectionId);
  const multiple = props.field.maxSelect >= 2;
  const [q, setQ] = useState('');
  const [items, setItems] = useState<Row[]>([]);
  const [labels, setLabels] = useState<Record<string, string>>({});
  const [error, setError] = useState('');

  useEffect(() => {
    if (!target) return;
    const t = window.setTimeout(() => {
      pb.collection(target.id)
        .getList<Row>(1, 20, { filter: searchFilter(target, q), sort: '-created', skipTotal: true })
        .then(
          (res) => {
            setItems(res.items);
            setLabels((l) => ({ ...l, ...Object.fromEntries(res.items.map((r) => [r.id, recordLabel(target, r)])) }));
            setError('');
          },
          (err: unknown) => setError(errorMessage(err)),
        );
    }, 150);
    return () => window.clearTimeout(t);
  }, [target, q]);

  if (!target) return <span class="error-text">The related collection no longer exists.</span>;
  const toggle = (id: string, on: boolean): void => {
    if (!multiple) props.onChange(on ? [id] : []);
    else props.onChange(on ? [...props.value.filter((x) => x !== id), id] : props.value.filter((x) => x !== id));
  };
  return (
    <div class="stack" style="gap:6px">
      <div class="row small">
        {props.value.length === 0 ? <span class="muted">Nothing selected.</span> : null}
        {props.value.map((id) => (
          <span class="badge" key={id}>
            {labels[id] ?? id}{' '}
            <button type="button" class="link" aria-label={`Unselect ${labels[id] ?? id}`} onClick={() => toggle(id, false)}>
              ✕
            </button>
          </span>
        ))}
      </div>
      <input id={props.id} type="search" placeholder={`Search ${target.name}…`} value={q} onInput={(e) => setQ(e.currentTarget.value)} />
      {error ? <span class="error-text">{error}</span> : null}
      <div class="picker-list" role="group" aria-label={`${target.name} records`}>
        {items.length === 0 ? <div class="empty small">No matching records.</div> : null}
        {items.map((r) => (
          <label key={r.id}>
            <input
              type={multiple ? 'checkbox' : 'radio'}
              name={props.id}
              checked={props.value.includes(r.id)}
              onChange={(e) => toggle(r.id, e.currentTarget.checked)}
            />
            <span>{recordLabel(target, r)}</span>
            <span class="muted small">{r.id}</span>
          </label>
        ))}
      </div>
    </div>
  );
}
