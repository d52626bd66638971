/**
 * API keys (`/api/apikeys`, superusers): mint a key for an auth record (the key is shown once),
 * list them, revoke one.
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { Alert, Empty, NumberInput, Select, TableHead, TextInput, useLoad, useSubmit, useToast } from '../components/ui.js';
import { errorMessage, listItems, pb } from '../pb.js';
import { useCollections } from '../state.js';
import { CopyButton } from '../components/copy-button.js';
import type { ApiKeyInfo } from '../../../src/auth/api-key-info.js';

export function ApiKeysPage(): JSX.Element {
  const toast = useToast();
  const { collections } = useCollections();
  const authCollections = collections.filter((c) => c.type === 'auth');
  const keys = useLoad(() => pb.send<unknown>('/api/apikeys', {}), []);
  const [name, setName] = useState('');
  const [collection, setCollection] = useState('');
  const [recordId, setRecordId] = useState('');
  const [scopes, setScopes] = useState('*');
  const [duration, setDuration] = useState<number | null>(0);
  const [minted, setMinted] = useState<{ name: string; key: string } | null>(null);
  const { busy, error, errors, run } = useSubmit();
  const chosen = collection || authCollections.find((c) => c.name === 'users')?.name || authCollections[0]?.name || '';

  const mint = async (e: Event): Promise<void> => {
    e.preventDefault();
    await run(async () => {
      const res = await pb.send<ApiKeyInfo & { key: string }>('/api/apikeys', {
        method: 'POST',
        body: {
          name,
          collection: chosen,
          recordId,
          scopes: scopes.split(',').map((s) => s.trim()).filter(Boolean),
          duration: duration ?? 0,
        },
      });
      setMinted({ name: res.name, key: res.key });
      setName('');
      keys.reload();
    });
  };
  const revoke = async (k: ApiKeyInfo): Promise<void> => {
    if (!window.confirm(`Revoke the API key “${k.name}”? Requests using it become guests at once.`)) return;
    try {
      await pb.send(`/api/apikeys/${encodeURIComponent(k.id)}`, { method: 'DELETE' });
      toast(`Revoked “${k.name}”.`);
      keys.reload();
    } catch (err) {
      toast(`Revoke failed: ${errorMessage(err)}`);
    }
  };
  const collectionName = (id: string): string => collections.find((c) => c.id === id)?.name ?? id;
  const items = listItems<ApiKeyInfo>(keys.data);

  return (
    <>
      <div class="page-head">
        <h1>API keys</h1>
      </div>
      <p class="muted small">
        A key acts as one auth record (its rules, <code>@request.auth.amr.apikey = true</code>), kept to its scopes. Send it as{' '}
        <code>Authorization: gk_…</code>. Only its hash is stored: it is shown once, when minted.
      </p>
      {minted ? (
        <div class="alert info" role="status" aria-label="New API key">
          <p style="margin-top:0">
            The key <b>{minted.name}</b> — copy it now, it will not be shown again:
          </p>
          <div class="row">
            <code data-testid="minted-key">{minted.key}</code>
            <CopyButton text={minted.key} label="Copy key" />
            <button type="button" class="link" onClick={() => setMinted(null)}>
              Done
            </button>
          </div>
        </div>
      ) : null}
      <form class="panel stack" onSubmit={mint} aria-label="Mint an API key">
        <h2>Mint a key</h2>
        {error ? <Alert kind="error">{error}</Alert> : null}
        <div class="grid2">
          <TextInput label="Key name" value={name} onInput={setName} error={errors.name} required />
          <Select
            label="Auth collection"
            value={chosen}
            options={authCollections.map((c) => ({ value: c.name, label: c.name }))}
            onChange={setCollection}
          />
          <TextInput label="Record id" mono value={recordId} onInput={setRecordId} error={errors.recordId ?? errors.collection} hint="The record the key acts as" required />
          <TextInput
            label="Scopes"
            mono
            value={scopes}
            onInput={setScopes}
            error={errors.scopes}
            hint="Comma-separated: *, read, posts:list, posts:*, *:view"
          />
          <NumberInput label="Lifetime (s, 0 = no expiry)" value={duration} onInput={setDuration} error={errors.duration} />
        </div>
        <div>
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Minting…' : 'Mint key'}
          </button>
        </div>
      </form>
      {keys.error ? <Alert kind="error">{errorMessage(keys.error)}</Alert> : null}
      {!keys.loading && items.length === 0 && !keys.error ? (
        <Empty>No API keys yet.</Empty>
      ) : (
        <div class="table-wrap">
          <table>
            <TableHead columns={['Name', 'Prefix', 'Acts as', 'Scopes', 'Created', 'Expires', 'Last used', 'State', '']} />
            <tbody>
              {items.map((k) => (
                <tr key={k.id}>
                  <td>{k.name}</td>
                  <td><code>{k.prefix}…</code></td>
                  <td>{collectionName(k.collectionId)} / <code>{k.recordId}</code></td>
                  <td><code>{k.scopes.join(', ')}</code></td>
                  <td>{k.created}</td>
                  <td>{k.expires || 'never'}</td>
                  <td>{k.lastUsed || '–'}</td>
                  <td>{k.revoked ? <span class="badge">revoked {k.revoked}</span> : k.expires && k.expires < new Date().toISOString().replace('T', ' ') ? <span class="badge">expired</span> : 'active'}</td>
                  <td>
                    {k.revoked ? null : (
                      <button type="button" class="link danger" aria-label={`Revoke ${k.name}`} onClick={() => void revoke(k)}>
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
