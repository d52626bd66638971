/** The dev mail outbox (`/api/mail/outbox`): messages `galley serve --dev` kept instead of sending. */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { Alert, Dialog, Empty, TableHead, useLoad } from '../components/ui.js';
import { errorMessage, isMissingApi, listItems, pb } from '../pb.js';

interface MailRow {
  id: string;
  to?: unknown;
  subject?: string;
  created?: string;
  from?: string;
  /** The normalized message (html, text, cc, attachments...). */
  message?: { html?: string; text?: string };
  [key: string]: unknown;
}

const recipients = (to: unknown): string =>
  (Array.isArray(to) ? to : [to])
    .map((t) => (typeof t === 'object' && t !== null ? String((t as { address?: unknown }).address ?? '') : String(t ?? '')))
    .filter(Boolean)
    .join(', ');

export function MailPage(): JSX.Element {
  const outbox = useLoad(() => pb.send<unknown>('/api/mail/outbox', { query: { perPage: 100 } }), []);
  const [open, setOpen] = useState<MailRow | null>(null);
  const items = listItems<MailRow>(outbox.data);
  return (
    <>
      <div class="page-head">
        <h1>Mail outbox</h1>
        <span class="spacer" />
        <button type="button" onClick={outbox.reload}>Refresh</button>
      </div>
      <p class="muted">In development mode with SMTP off, Galley keeps outgoing mail here instead of sending it.</p>
      {outbox.error ? (
        isMissingApi(outbox.error) ? (
          <Alert>The mail outbox API (<code>/api/mail/outbox</code>) is not available on this server (it exists with mail support in <code>--dev</code>).</Alert>
        ) : (
          <Alert kind="error">{errorMessage(outbox.error)}</Alert>
        )
      ) : (
        <div class="table-wrap">
          <table aria-busy={outbox.loading}>
            <TableHead columns={['Time', 'From', 'To', 'Subject']} />
            <tbody>
              {items.map((m) => (
                <tr key={m.id} class="clickable" onClick={() => setOpen(m)}>
                  <td>{m.created ?? ''}</td>
                  <td>{m.from ?? ''}</td>
                  <td>{recipients(m.to)}</td>
                  <td>
                    <a href="#" onClick={(e) => { e.preventDefault(); e.stopPropagation(); setOpen(m); }}>{m.subject || '(no subject)'}</a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {!outbox.loading && items.length === 0 ? <Empty>The outbox is empty.</Empty> : null}
        </div>
      )}
      {open ? (
        <Dialog title={open.subject || 'Message'} onClose={() => setOpen(null)} wide>
          <div class="muted small">From: {open.from ?? ''} · To: {recipients(open.to)}</div>
          {open.message?.html ? (
            // Rendered in a sandboxed frame with no scripts: mail HTML is untrusted.
            <iframe title="Message HTML" sandbox="" srcdoc={open.message.html} style="width:100%;height:360px;border:1px solid var(--border);border-radius:6px;background:#fff" />
          ) : null}
          {open.message?.text ? <pre>{open.message.text}</pre> : null}
          <details>
            <summary>Raw</summary>
            <pre>{JSON.stringify(open, null, 2)}</pre>
          </details>
        </Dialog>
      ) : null}
    </>
  );
}
