/** Request logs: requests per hour as a bar chart, a filterable list, and one log's details. */
import type { JSX } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { Alert, Dialog, Empty, TableHead, useLoad } from '../components/ui.js';
import { errorMessage, pb } from '../pb.js';

interface LogRow {
  id: string;
  created: string;
  level: number;
  message: string;
  data: Record<string, unknown>;
}

/** The last `hours` hourly buckets up to now (UTC), zero where the stats have no row. */
function lastHours(stats: ReadonlyArray<{ date: string; total: number }>, hours: number): Array<{ date: string; total: number }> {
  const byHour = new Map(stats.map((p) => [p.date.slice(0, 13), p.total]));
  const now = new Date();
  now.setUTCMinutes(0, 0, 0);
  const out: Array<{ date: string; total: number }> = [];
  for (let i = hours - 1; i >= 0; i--) {
    const date = new Date(now.getTime() - i * 3_600_000).toISOString().replace('T', ' ');
    out.push({ date, total: byHour.get(date.slice(0, 13)) ?? 0 });
  }
  return out;
}

export function LogsPage(): JSX.Element {
  const [text, setText] = useState('');
  const [filter, setFilter] = useState('');
  const [page, setPage] = useState(1);
  const [open, setOpen] = useState<LogRow | null>(null);
  const stats = useLoad(() => pb.logs.getStats({ filter }), [filter]);
  const logs = useLoad(() => pb.logs.getList(page, 50, { filter, sort: '-created' }), [filter, page]);
  const points = useMemo(() => lastHours(stats.data ?? [], 24), [stats.data]);
  const max = Math.max(1, ...points.map((p) => p.total));
  const total = points.reduce((n, p) => n + p.total, 0);
  const items = (logs.data?.items ?? []) as unknown as LogRow[];

  return (
    <>
      <div class="page-head">
        <h1>Logs</h1>
        <span class="spacer" />
        <button type="button" onClick={() => { stats.reload(); logs.reload(); }}>
          Refresh
        </button>
      </div>
      <form
        class="row"
        style="margin-bottom:12px"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setFilter(text.trim());
          setPage(1);
        }}
      >
        <label for="logs-filter" class="muted">Filter</label>
        <input id="logs-filter" class="mono" style="flex:1" value={text} placeholder={'e.g. data.status >= 400 && data.method = "POST"'} onInput={(e) => setText(e.currentTarget.value)} />
        <button type="submit">Apply</button>
      </form>
      {stats.error || logs.error ? <Alert kind="error">{errorMessage(stats.error ?? logs.error)}</Alert> : null}
      <section class="panel" aria-labelledby="chart-title">
        <h2 id="chart-title">Requests per hour</h2>
        {total === 0 ? (
          <Empty>No requests logged in this range.</Empty>
        ) : (
          <>
            <div class="chart" role="img" aria-label={`Requests per hour over the last 24 hours: ${total} in all, at most ${max} in one hour`}>
              {points.map((p) => (
                <div key={p.date} class="bar" style={`height:${p.total === 0 ? 0 : Math.max(2, (p.total / max) * 100)}%`} title={`${p.date.slice(0, 16)} UTC: ${p.total}`} />
              ))}
            </div>
            <div class="row small muted" style="justify-content:space-between">
              <span>{points[0]?.date.slice(0, 16)} UTC</span>
              <span>{total} request(s) in 24 h</span>
              <span>{points[points.length - 1]?.date.slice(0, 16)} UTC</span>
            </div>
          </>
        )}
      </section>
      <div class="table-wrap">
        <table aria-busy={logs.loading}>
          <TableHead columns={['Time', 'Level', 'Method', 'Status', 'URL / message', 'Time (ms)']} />
          <tbody>
            {items.map((l) => {
              const status = Number(l.data.status ?? 0);
              return (
                <tr key={l.id} class="clickable" onClick={() => setOpen(l)}>
                  <td>
                    <a href="#" onClick={(e) => { e.preventDefault(); e.stopPropagation(); setOpen(l); }}>{l.created}</a>
                  </td>
                  <td>{l.level}</td>
                  <td>{String(l.data.method ?? '')}</td>
                  <td>
                    <span class={`badge ${status >= 500 ? 'danger' : status >= 400 ? 'warn' : 'ok'}`}>{status || ''}</span>
                  </td>
                  <td>{String(l.data.url ?? l.message)}</td>
                  <td>{typeof l.data.execTime === 'number' ? l.data.execTime.toFixed(1) : ''}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {!logs.loading && items.length === 0 ? <Empty>No logs{filter ? ' match this filter' : ''}.</Empty> : null}
      </div>
      <div class="pager">
        <button type="button" disabled={page <= 1} onClick={() => setPage(page - 1)}>← Newer</button>
        <span>Page {page} of {Math.max(1, logs.data?.totalPages ?? 1)}</span>
        <button type="button" disabled={page >= (logs.data?.totalPages ?? 1)} onClick={() => setPage(page + 1)}>Older →</button>
      </div>
      {open ? (
        <Dialog title={`Log ${open.id}`} onClose={() => setOpen(null)}>
          <pre>{JSON.stringify(open, null, 2)}</pre>
        </Dialog>
      ) : null}
    </>
  );
}
