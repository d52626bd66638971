/**
 * "Impersonate" on a record of an auth collection: a superuser asks for a non-refreshable auth
 * token of that record (`POST /api/collections/{c}/impersonate/{id}`, docs/auth.md#impersonation)
 * with a chosen lifetime, and copies it.
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { getTokenPayload } from 'pocketbase';
import type { Collection } from '../../../src/core/schema.js';
import { pb } from '../pb.js';
import { CopyButton } from './copy-button.js';
import { Alert, Dialog, NumberInput, useSubmit } from './ui.js';

export function ImpersonateDialog(props: { collection: Collection; recordId: string; onClose: () => void }): JSX.Element {
  const c = props.collection;
  const [duration, setDuration] = useState<number | null>(null);
  const [token, setToken] = useState<{ value: string; expires: string } | null>(null);
  const { busy, error, errors, run } = useSubmit();

  const generate = (e: Event): Promise<void> => {
    e.preventDefault();
    return run(async () => {
      setToken(null);
      // The SDK's own impersonate: it answers a client signed in as the record, which is the
      // dashboard's proof that the SDK call works against Galley; only its token is kept.
      const client = await pb.collection(c.name).impersonate(props.recordId, duration ?? 0);
      const exp = Number(getTokenPayload(client.authStore.token).exp);
      setToken({ value: client.authStore.token, expires: Number.isFinite(exp) && exp > 0 ? new Date(exp * 1000).toISOString() : '' });
    });
  };

  return (
    <Dialog
      title={`Impersonate ${c.name} record`}
      onClose={props.onClose}
      footer={
        <>
          <button type="button" onClick={props.onClose}>
            Close
          </button>
          <button type="submit" form="impersonate-form" class="primary" disabled={busy}>
            {busy ? 'Generating…' : 'Generate token'}
          </button>
        </>
      }
    >
      <form id="impersonate-form" class="stack" onSubmit={generate}>
        <p class="muted small" style="margin:0">
          An auth token that acts as record <code>{props.recordId}</code> for its lifetime: it cannot be refreshed, and the record gets
          no login alert. Anyone holding it is this record until it expires.
        </p>
        {error && !errors.duration ? <Alert kind="error">{error}</Alert> : null}
        <NumberInput
          label="Token duration (seconds)"
          value={duration}
          onInput={setDuration}
          nullable
          error={errors.duration}
          hint={`0 or empty: the collection's auth token duration${c.authToken ? ` (${c.authToken.duration} s)` : ''}`}
          autoFocus
        />
      </form>
      {token ? (
        <div class="alert info stack" role="status" aria-label="Impersonation token">
          <span>
            Token for <code>{props.recordId}</code>
            {token.expires ? <>, valid until {token.expires.replace('T', ' ')}</> : null}:
          </span>
          <code data-testid="impersonate-token" style="word-break:break-all">
            {token.value}
          </code>
          <div>
            <CopyButton text={token.value} label="Copy token" />
          </div>
        </div>
      ) : null}
    </Dialog>
  );
}
