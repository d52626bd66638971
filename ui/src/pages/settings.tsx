/** Runtime settings (`/api/settings`): application, SMTP, S3, rate limits, batch, trusted proxy, logs. */
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { Settings } from '../../../src/settings/settings-schema.js';
import { Alert, Check, NumberInput, Select, TextInput, useSubmit, useToast } from '../components/ui.js';
import { errorMessage, pb } from '../pb.js';

export function SettingsPage(): JSX.Element {
  const toast = useToast();
  const [s, setS] = useState<Settings | null>(null);
  const { busy, error, errors, setError, run } = useSubmit();
  useEffect(() => {
    pb.settings.getAll().then((v) => setS(v as unknown as Settings), (err: unknown) => setError(errorMessage(err)));
  }, []);
  if (!s) return error ? <Alert kind="error">{error}</Alert> : <p class="muted">Loading…</p>;

  const set = <K extends keyof Settings>(key: K, patch: Partial<Settings[K]>): void => setS({ ...s, [key]: { ...s[key], ...patch } });
  const e = (path: string): string | undefined => errors[path];
  const save = async (ev: Event): Promise<void> => {
    ev.preventDefault();
    await run(async () => {
      // Secrets come back empty; an empty secret in a PATCH keeps the stored one.
      const saved = (await pb.settings.update(s as unknown as Record<string, unknown>)) as unknown as Settings;
      setS(saved);
      window.dispatchEvent(new CustomEvent('galley:hide-controls', { detail: saved.meta.hideControls }));
      toast('Settings saved.');
    });
  };
  const rules = s.rateLimits.rules;
  return (
    <form onSubmit={save}>
      <div class="page-head">
        <h1>Settings</h1>
        <span class="spacer" />
        <button type="submit" class="primary" disabled={busy}>{busy ? 'Saving…' : 'Save settings'}</button>
      </div>
      {error ? <Alert kind="error">{error}</Alert> : null}
      <section class="panel stack" aria-labelledby="s-meta">
        <h2 id="s-meta">Application</h2>
        <div class="grid2">
          <TextInput label="Application name" value={s.meta.appName} onInput={(v) => set('meta', { appName: v })} error={e('meta.appName')} />
          <TextInput label="Application URL" value={s.meta.appURL} onInput={(v) => set('meta', { appURL: v })} error={e('meta.appURL')} />
          <TextInput label="Sender name" value={s.meta.senderName} onInput={(v) => set('meta', { senderName: v })} error={e('meta.senderName')} />
          <TextInput label="Sender address" value={s.meta.senderAddress} onInput={(v) => set('meta', { senderAddress: v })} error={e('meta.senderAddress')} />
        </div>
        <Check label="Hide collection controls (no create/edit schema buttons in the dashboard)" checked={s.meta.hideControls} onChange={(v) => set('meta', { hideControls: v })} />
      </section>
      <section class="panel stack" aria-labelledby="s-smtp">
        <h2 id="s-smtp">Mail (SMTP)</h2>
        <Check label="Send mail through SMTP" checked={s.smtp.enabled} onChange={(v) => set('smtp', { enabled: v })} />
        <div class="grid2">
          <TextInput label="SMTP host" value={s.smtp.host} onInput={(v) => set('smtp', { host: v })} error={e('smtp.host')} />
          <NumberInput label="SMTP port" value={s.smtp.port} onInput={(v) => set('smtp', { port: v ?? 0 })} error={e('smtp.port')} />
          <TextInput label="SMTP username" value={s.smtp.username} onInput={(v) => set('smtp', { username: v })} autoComplete="off" />
          <TextInput label="SMTP password" type="password" value={s.smtp.password} onInput={(v) => set('smtp', { password: v })} autoComplete="new-password" hint="Stored encrypted when a key is set; empty keeps the current one." />
          <Select label="Auth method" value={s.smtp.authMethod} options={[{ value: '', label: 'auto' }, { value: 'PLAIN', label: 'PLAIN' }, { value: 'LOGIN', label: 'LOGIN' }]} onChange={(v) => set('smtp', { authMethod: v })} />
          <TextInput label="Local name (HELO)" value={s.smtp.localName} onInput={(v) => set('smtp', { localName: v })} />
        </div>
        <Check label="TLS" checked={s.smtp.tls} onChange={(v) => set('smtp', { tls: v })} />
      </section>
      <section class="panel stack" aria-labelledby="s-s3">
        <h2 id="s-s3">File storage (S3)</h2>
        <Check label="Store files in S3" checked={s.s3.enabled} onChange={(v) => set('s3', { enabled: v })} />
        <div class="grid2">
          <TextInput label="Bucket" value={s.s3.bucket} onInput={(v) => set('s3', { bucket: v })} error={e('s3.bucket')} />
          <TextInput label="Region" value={s.s3.region} onInput={(v) => set('s3', { region: v })} error={e('s3.region')} />
          <TextInput label="Endpoint" value={s.s3.endpoint} onInput={(v) => set('s3', { endpoint: v })} error={e('s3.endpoint')} />
          <TextInput label="Access key" value={s.s3.accessKey} onInput={(v) => set('s3', { accessKey: v })} error={e('s3.accessKey')} autoComplete="off" />
          <TextInput label="Secret" type="password" value={s.s3.secret} onInput={(v) => set('s3', { secret: v })} autoComplete="new-password" hint="Empty keeps the current one." />
        </div>
        <Check label="Force path-style addressing" checked={s.s3.forcePathStyle} onChange={(v) => set('s3', { forcePathStyle: v })} />
      </section>
      <section class="panel stack" aria-labelledby="s-rl">
        <h2 id="s-rl">Rate limits</h2>
        <Check label="Enabled" checked={s.rateLimits.enabled} onChange={(v) => set('rateLimits', { enabled: v })} />
        {rules.map((r, i) => (
          <div class="row" key={i}>
            <div style="flex:2">
              <TextInput label="Label (route or tag)" value={r.label} onInput={(v) => set('rateLimits', { rules: rules.map((x, j) => (j === i ? { ...x, label: v } : x)) })} error={e(`rateLimits.rules.${i}.label`)} />
            </div>
            <div style="flex:1">
              <NumberInput label="Max requests" value={r.maxRequests} onInput={(v) => set('rateLimits', { rules: rules.map((x, j) => (j === i ? { ...x, maxRequests: v ?? 0 } : x)) })} />
            </div>
            <div style="flex:1">
              <NumberInput label="Per seconds" value={r.duration} onInput={(v) => set('rateLimits', { rules: rules.map((x, j) => (j === i ? { ...x, duration: v ?? 0 } : x)) })} />
            </div>
            <div style="flex:1">
              <Select label="Audience" value={r.audience} options={[{ value: '', label: 'all' }, { value: '@guest', label: 'guests' }, { value: '@auth', label: 'authenticated' }]} onChange={(v) => set('rateLimits', { rules: rules.map((x, j) => (j === i ? { ...x, audience: v } : x)) })} />
            </div>
            <button type="button" class="link danger" onClick={() => set('rateLimits', { rules: rules.filter((_, j) => j !== i) })}>Remove</button>
          </div>
        ))}
        <div>
          <button type="button" onClick={() => set('rateLimits', { rules: [...rules, { label: '', maxRequests: 300, duration: 10, audience: '' }] })}>+ Add rule</button>
        </div>
      </section>
      <section class="panel stack" aria-labelledby="s-batch">
        <h2 id="s-batch">Batch API</h2>
        <Check label="Enabled" checked={s.batch.enabled} onChange={(v) => set('batch', { enabled: v })} />
        <div class="grid2">
          <NumberInput label="Max requests per batch" value={s.batch.maxRequests} onInput={(v) => set('batch', { maxRequests: v ?? 0 })} error={e('batch.maxRequests')} />
          <NumberInput label="Timeout (s)" value={s.batch.timeout} onInput={(v) => set('batch', { timeout: v ?? 0 })} error={e('batch.timeout')} />
          <NumberInput label="Max body size (bytes)" value={s.batch.maxBodySize} onInput={(v) => set('batch', { maxBodySize: v ?? 0 })} error={e('batch.maxBodySize')} />
        </div>
      </section>
      <section class="panel stack" aria-labelledby="s-proxy">
        <h2 id="s-proxy">Trusted proxy</h2>
        <TextInput
          label="Client IP headers"
          value={s.trustedProxy.headers.join(', ')}
          hint="Comma-separated, e.g. X-Forwarded-For, CF-Connecting-IP. Empty = use the socket address."
          onInput={(v) => set('trustedProxy', { headers: v.split(',').map((x) => x.trim()).filter(Boolean) })}
        />
        <Check label="Use the leftmost IP" checked={s.trustedProxy.useLeftmostIP} onChange={(v) => set('trustedProxy', { useLeftmostIP: v })} />
      </section>
      <section class="panel stack" aria-labelledby="s-logs">
        <h2 id="s-logs">Logs</h2>
        <div class="grid2">
          <NumberInput label="Keep logs (days)" value={s.logs.maxDays} onInput={(v) => set('logs', { maxDays: v ?? 0 })} />
          <NumberInput label="Min level" value={s.logs.minLevel} onInput={(v) => set('logs', { minLevel: v ?? 0 })} />
        </div>
        <div class="row">
          <Check label="Log IP addresses" checked={s.logs.logIP} onChange={(v) => set('logs', { logIP: v })} />
          <Check label="Log auth ids" checked={s.logs.logAuthId} onChange={(v) => set('logs', { logAuthId: v })} />
        </div>
      </section>
    </form>
  );
}
