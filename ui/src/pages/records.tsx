/**
 * Records of one collection: a paged table sorted by any column, a filter box in the filter
 * language (syntax and field names checked as you type, applied on Enter), column choice, bulk
 * delete, CSV export of the current view, and live updates through the realtime API.
 */
import type { JSX } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Collection, Field } from '../../../src/core/schema.js';
import { RecordForm } from '../components/record-form.js';
import { recordLabel } from '../components/relation-picker.js';
import { Alert, Check, Dialog, Empty, useLoad, useToast } from '../components/ui.js';
import { downloadJobFile, errorMessage, pb, saveBlob } from '../pb.js';
import { ruleProblem } from '../rules.js';
import { href } from '../router.js';
import { findCollection, useCollections } from '../state.js';

type Rec = Record<string, unknown> & { id: string };
const PER_PAGE = 30;

function defaultColumns(c: Collection): string[] {
  return c.fields.filter((f) => !f.hidden && f.type !== 'password').slice(0, 8).map((f) => f.name);
}

function columnsKey(c: Collection): string {
  return `galley_dashboard_columns_${c.id}`;
}

function cellText(f: Field | undefined, v: unknown, record?: Rec, collections?: readonly Collection[]): string {
  if (v === null || v === undefined || v === '') return '';
  if (f?.type === 'relation' && record) {
    const expanded = (record.expand as Record<string, unknown> | undefined)?.[f.name];
    const target = collections ? findCollection(collections, f.collectionId) : undefined;
    const rows = (Array.isArray(expanded) ? expanded : expanded ? [expanded] : []) as Rec[];
    if (rows.length) return rows.map((r) => recordLabel(target, r)).join(', ');
  }
  if (Array.isArray(v)) return v.map(String).join(', ');
  if (typeof v === 'object') return JSON.stringify(v);
  if (f?.type === 'editor') return String(v).replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  return String(v);
}

function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function RecordsPage(props: { name: string }): JSX.Element {
  const { collections, reload, hideControls } = useCollections();
  const collection = findCollection(collections, props.name);
  // A collection created elsewhere since the list was loaded.
  useEffect(() => {
    if (!collection && collections.length > 0) reload().catch(() => {});
  }, [collection, collections.length, reload]);
  if (!collection) return collections.length ? <Alert kind="error">No collection named “{props.name}”.</Alert> : <p class="muted">Loading…</p>;
  return <RecordsTable key={collection.id + collection.updated} collection={collection} collections={collections} hideControls={hideControls} />;
}

function RecordsTable(props: { collection: Collection; collections: Collection[]; hideControls: boolean }): JSX.Element {
  const c = props.collection;
  const toast = useToast();
  const [page, setPage] = useState(1);
  const [sort, setSort] = useState('');
  const [filterText, setFilterText] = useState('');
  const [filter, setFilter] = useState('');
  const [columns, setColumns] = useState<string[]>(() => {
    try {
      const saved = JSON.parse(localStorage.getItem(columnsKey(c)) ?? 'null') as unknown;
      if (Array.isArray(saved)) return saved.filter((n) => c.fields.some((f) => f.name === n)) as string[];
    } catch {
      // a broken saved choice falls back to the default
    }
    return defaultColumns(c);
  });
  const [choosing, setChoosing] = useState(false);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [editing, setEditing] = useState<Rec | 'new' | null>(null);
  const [live, setLive] = useState<'connecting' | 'on' | 'off'>('connecting');
  const [liveError, setLiveError] = useState('');

  // Relations in the visible columns are expanded so their cells show the related records' labels.
  const expand = columns.filter((n) => c.fields.some((f) => f.name === n && f.type === 'relation')).join(',');
  const list = useLoad(
    () => pb.collection(c.id).getList<Rec>(page, PER_PAGE, { sort, filter, ...(expand ? { expand } : {}) }),
    [c.id, page, sort, filter, expand],
  );
  const reloadRef = useRef(list.reload);
  reloadRef.current = list.reload;

  // Live updates: any change to this collection reloads the current page (keeps sort and filter right).
  useEffect(() => {
    let unsubscribe: (() => Promise<void>) | undefined;
    let alive = true;
    let timer = 0;
    pb.collection(c.id)
      .subscribe('*', () => {
        window.clearTimeout(timer);
        timer = window.setTimeout(() => reloadRef.current(), 100);
      })
      .then(
        (u) => {
          unsubscribe = u;
          if (!alive) void u().catch(() => {});
          else setLive('on');
        },
        (err: unknown) => {
          if (!alive) return;
          setLive('off');
          setLiveError(errorMessage(err));
        },
      );
    return () => {
      alive = false;
      window.clearTimeout(timer);
      void unsubscribe?.().catch(() => {});
    };
  }, [c.id]);

  // "/" jumps to the filter box, as in many list UIs (not while typing in a field).
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      const t = e.target as HTMLElement | null;
      if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey || t?.closest('input, textarea, select, [contenteditable], dialog')) return;
      e.preventDefault();
      document.getElementById('filter')?.focus();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const problem = useMemo(() => ruleProblem(filterText, c, props.collections), [filterText, c, props.collections]);
  const fieldByName = useMemo(() => new Map(c.fields.map((f) => [f.name, f])), [c]);
  const items = list.data?.items ?? [];
  const totalPages = list.data?.totalPages ?? 1;

  const toggleSort = (name: string): void => {
    setSort(sort === name ? `-${name}` : sort === `-${name}` ? '' : name);
    setPage(1);
  };
  const applyFilter = (e: Event): void => {
    e.preventDefault();
    if (problem) return;
    setFilter(filterText.trim());
    setPage(1);
  };
  const saveColumns = (next: string[]): void => {
    setColumns(next);
    localStorage.setItem(columnsKey(c), JSON.stringify(next));
  };

  const bulkDelete = async (): Promise<void> => {
    const ids = [...selected];
    if (!window.confirm(`Delete ${ids.length} record(s)?`)) return;
    try {
      // One batch: all deleted or none.
      const batch = pb.createBatch();
      for (const id of ids) batch.collection(c.id).delete(id);
      await batch.send();
      toast(`Deleted ${ids.length} record(s).`);
      setSelected(new Set());
      list.reload();
    } catch (err) {
      toast(`Delete failed: ${errorMessage(err)}`);
    }
  };

  const exportCsv = async (): Promise<void> => {
    try {
      const all = await pb.collection(c.id).getFullList<Rec>({ sort, filter, batch: 500 });
      const cols = ['id', ...columns.filter((n) => n !== 'id')];
      const lines = [cols.join(','), ...all.map((r) => cols.map((n) => csvCell(r[n])).join(','))];
      saveBlob(new Blob([`${lines.join('\r\n')}\r\n`], { type: 'text/csv;charset=utf-8' }), `${c.name}.csv`);
      toast(`Exported ${all.length} record(s).`);
    } catch (err) {
      toast(`Export failed: ${errorMessage(err)}`);
    }
  };

  // The server's export job (records.export): streams every matching record to a file, then the
  // dashboard downloads it. For collections too big to pull into the tab.
  const [exporting, setExporting] = useState(false);
  const exportJob = async (): Promise<void> => {
    setExporting(true);
    try {
      const job = await pb.send<{ id: string }>('/api/jobs/export', {
        method: 'POST',
        body: { collection: c.name, format: 'csv', ...(filter ? { filter } : {}), ...(sort ? { sort } : {}), fields: columns.join(',') },
      });
      toast('Export job queued.');
      for (let i = 0; i < 600; i++) {
        const row = await pb.send<{ state: string; lastError?: string | null }>(`/api/jobs/${encodeURIComponent(job.id)}`, {});
        if (row.state === 'completed') {
          await downloadJobFile(job.id, `${c.name}.csv`);
          toast('Export downloaded.');
          return;
        }
        if (row.state === 'dead' || row.state === 'cancelled') throw new Error(row.lastError || `the export job is ${row.state}`);
        await new Promise((r) => window.setTimeout(r, 1000));
      }
      toast('The export is still running: find it on the Jobs screen.');
    } catch (err) {
      toast(`Export failed: ${errorMessage(err)}`);
    } finally {
      setExporting(false);
    }
  };

  const allOnPage = items.length > 0 && items.every((r) => selected.has(r.id));
  const isView = c.type === 'view';
  return (
    <>
      <div class="page-head">
        <h1>{c.name}</h1>
        <span class={`badge ${live === 'on' ? 'ok' : live === 'off' ? 'warn' : ''}`} title={liveError || undefined}>
          {live === 'on' ? '● live' : live === 'off' ? 'live updates unavailable' : 'connecting…'}
        </span>
        <span class="spacer" />
        {props.hideControls ? null : (
          <a class="button" href={href('collections', c.name, 'edit')}>
            Edit collection
          </a>
        )}
        <button type="button" onClick={() => setChoosing(true)}>
          Columns
        </button>
        <button type="button" onClick={exportCsv} title="Builds a CSV of the current view in this tab">
          Export CSV
        </button>
        <button type="button" onClick={exportJob} disabled={exporting} title="Runs the server's export job, then downloads its file">
          {exporting ? 'Exporting…' : 'Export job'}
        </button>
        {!isView ? (
          <button type="button" class="primary" onClick={() => setEditing('new')}>
            + New record
          </button>
        ) : null}
      </div>
      <form class="row" style="margin-bottom:10px" onSubmit={applyFilter} role="search">
        <label for="filter" class="muted">
          Filter
        </label>
        <input
          id="filter"
          class="mono"
          style="flex:1"
          placeholder={'e.g. title ~ "hello" && created > "2024-01-01"   (press / to focus)'}
          value={filterText}
          aria-invalid={problem ? 'true' : undefined}
          aria-describedby="filter-state"
          onInput={(e) => setFilterText(e.currentTarget.value)}
        />
        <button type="submit" disabled={!!problem}>
          Apply
        </button>
        {filter ? (
          <button type="button" onClick={() => { setFilterText(''); setFilter(''); setPage(1); }}>
            Clear
          </button>
        ) : null}
      </form>
      <div id="filter-state" class="error-text" aria-live="polite" style="min-height:16px">
        {problem ?? ''}
      </div>
      {selected.size > 0 && !isView ? (
        <div class="alert info row">
          {selected.size} selected
          <button type="button" class="danger" onClick={bulkDelete}>
            Delete selected
          </button>
          <button type="button" onClick={() => setSelected(new Set())}>
            Clear selection
          </button>
        </div>
      ) : null}
      {list.error ? <Alert kind="error">{errorMessage(list.error)}</Alert> : null}
      <div class="table-wrap">
        <table aria-busy={list.loading}>
          <thead>
            <tr>
              {!isView ? (
                <th scope="col" style="width:32px">
                  <input
                    type="checkbox"
                    aria-label="Select all on this page"
                    checked={allOnPage}
                    onChange={(e) => setSelected(e.currentTarget.checked ? new Set([...selected, ...items.map((r) => r.id)]) : new Set([...selected].filter((id) => !items.some((r) => r.id === id))))}
                  />
                </th>
              ) : null}
              {columns.map((n) => (
                <th key={n} scope="col" aria-sort={sort === n ? 'ascending' : sort === `-${n}` ? 'descending' : 'none'}>
                  <button type="button" onClick={() => toggleSort(n)}>
                    {n} {sort === n ? '▲' : sort === `-${n}` ? '▼' : ''}
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {items.map((r) => (
              <tr key={r.id} class="clickable" onClick={() => setEditing(r)}>
                {!isView ? (
                  <td onClick={(e) => e.stopPropagation()}>
                    <input
                      type="checkbox"
                      aria-label={`Select ${r.id}`}
                      checked={selected.has(r.id)}
                      onChange={(e) => {
                        const next = new Set(selected);
                        if (e.currentTarget.checked) next.add(r.id);
                        else next.delete(r.id);
                        setSelected(next);
                      }}
                    />
                  </td>
                ) : null}
                {columns.map((n, i) => (
                  <td key={n}>
                    {i === 0 ? (
                      <a href="#" onClick={(e) => { e.preventDefault(); e.stopPropagation(); setEditing(r); }}>
                        {cellText(fieldByName.get(n), r[n], r, props.collections) || '—'}
                      </a>
                    ) : (
                      cellText(fieldByName.get(n), r[n], r, props.collections)
                    )}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
        {!list.loading && items.length === 0 && !list.error ? <Empty>{filter ? 'No records match this filter.' : 'No records yet.'}</Empty> : null}
      </div>
      <div class="pager">
        <span class="muted">{list.data ? `${list.data.totalItems} record(s)` : ''}</span>
        <button type="button" disabled={page <= 1} onClick={() => setPage(page - 1)}>
          ← Previous
        </button>
        <span>
          Page {page} of {Math.max(totalPages, 1)}
        </span>
        <button type="button" disabled={page >= totalPages} onClick={() => setPage(page + 1)}>
          Next →
        </button>
      </div>
      {choosing ? (
        <Dialog title="Columns" onClose={() => setChoosing(false)} footer={<button type="button" class="primary" onClick={() => setChoosing(false)}>Done</button>}>
          {c.fields.map((f) => (
            <Check
              key={f.name}
              label={`${f.name} (${f.type})`}
              checked={columns.includes(f.name)}
              onChange={(on) => saveColumns(on ? c.fields.filter((x) => columns.includes(x.name) || x.name === f.name).map((x) => x.name) : columns.filter((n) => n !== f.name))}
            />
          ))}
        </Dialog>
      ) : null}
      {editing && !(isView && editing === 'new') ? (
        <RecordForm
          collection={c}
          record={editing === 'new' ? null : editing}
          onClose={(changed) => {
            setEditing(null);
            if (changed) list.reload();
          }}
        />
      ) : null}
    </>
  );
}
