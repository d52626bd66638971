/** Background jobs (`/api/jobs`): queued, running, failed and dead jobs; retry a failed one. */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { Alert, Dialog, Empty, TableHead, useLoad, useToast } from '../components/ui.js';
import { downloadJobFile, errorMessage, isMissingApi, listItems, pb } from '../pb.js';

interface JobRow {
  id: string;
  kind: string;
  queue?: string;
  state: string;
  attempts?: number;
  attempt?: number;
  maxAttempts?: number;
  lastError?: string | null;
  error?: string | null;
  runAt?: string;
  created?: string;
  updated?: string;
  [key: string]: unknown;
}

const STATES = ['', 'queued', 'running', 'failed', 'dead', 'completed', 'cancelled'] as const;
const RETRYABLE = new Set(['failed', 'dead', 'cancelled']);

export function JobsPage(): JSX.Element {
  const toast = useToast();
  const [state, setState] = useState<(typeof STATES)[number]>('');
  const [open, setOpen] = useState<JobRow | null>(null);
  const jobs = useLoad(
    () => pb.send<unknown>('/api/jobs', { query: { perPage: 100, sort: '-created', ...(state ? { state } : {}) } }),
    [state],
  );
  const retry = async (job: JobRow): Promise<void> => {
    try {
      await pb.send(`/api/jobs/${encodeURIComponent(job.id)}/retry`, { method: 'POST' });
      toast(`Job ${job.id} queued again.`);
      jobs.reload();
    } catch (err) {
      toast(`Retry failed: ${errorMessage(err)}`);
    }
  };
  const items = listItems<JobRow>(jobs.data);
  return (
    <>
      <div class="page-head">
        <h1>Jobs</h1>
        <span class="spacer" />
        <label for="job-state" class="muted">State</label>
        <select id="job-state" style="width:auto" value={state} onChange={(e) => setState(e.currentTarget.value as (typeof STATES)[number])}>
          {STATES.map((s) => (
            <option key={s} value={s}>{s || 'all'}</option>
          ))}
        </select>
        <button type="button" onClick={jobs.reload}>Refresh</button>
      </div>
      {jobs.error ? (
        isMissingApi(jobs.error) ? (
          <Alert>The jobs API (<code>/api/jobs</code>) is not available on this server yet.</Alert>
        ) : (
          <Alert kind="error">{errorMessage(jobs.error)}</Alert>
        )
      ) : null}
      {!jobs.error ? (
        <div class="table-wrap">
          <table aria-busy={jobs.loading}>
            <TableHead columns={['Id', 'Kind', 'Queue', 'State', 'Attempts', 'Last error', 'Actions']} />
            <tbody>
              {items.map((j) => (
                <tr key={j.id}>
                  <td>
                    <a href="#" onClick={(e) => { e.preventDefault(); setOpen(j); }}>{j.id}</a>
                  </td>
                  <td>{j.kind}</td>
                  <td>{j.queue ?? ''}</td>
                  <td>
                    <span class={`badge ${j.state === 'completed' ? 'ok' : j.state === 'failed' || j.state === 'dead' ? 'danger' : 'warn'}`}>{j.state}</span>
                  </td>
                  <td>{j.attempts ?? j.attempt ?? ''}{j.maxAttempts ? ` / ${j.maxAttempts}` : ''}</td>
                  <td title={String(j.lastError ?? j.error ?? '')}>{String(j.lastError ?? j.error ?? '')}</td>
                  <td>
                    {j.kind === 'records.export' && j.state === 'completed' ? (
                      <button type="button" onClick={() => downloadJobFile(j.id, `export-${j.id}`).catch((err: unknown) => toast(errorMessage(err)))} aria-label={`Download the file of job ${j.id}`}>
                        Download
                      </button>
                    ) : null}
                    {RETRYABLE.has(j.state) ? (
                      <button type="button" onClick={() => retry(j)} aria-label={`Retry job ${j.id}`}>Retry</button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {!jobs.loading && items.length === 0 ? <Empty>No {state || ''} jobs.</Empty> : null}
        </div>
      ) : null}
      {open ? (
        <Dialog title={`Job ${open.id}`} onClose={() => setOpen(null)}>
          <pre>{JSON.stringify(open, null, 2)}</pre>
        </Dialog>
      ) : null}
    </>
  );
}
