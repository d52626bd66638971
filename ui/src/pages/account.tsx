/**
 * Two-factor sign-in (TOTP) for the logged-in superuser: enrol (a QR code of the otpauth URI to
 * scan, the secret and the URI to copy, confirmed with a code; recovery codes shown once), see how many recovery codes are left, disable.
 * Routes: `/api/collections/_superusers/totp…` (docs/auth.md).
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { CopyButton } from '../components/copy-button.js';
import { QrCode } from '../components/qr-code.js';
import { Alert, TextInput, useLoad, useSubmit, useToast } from '../components/ui.js';
import { errorMessage, pb } from '../pb.js';

const BASE = '/api/collections/_superusers/totp';

export function AccountPage(): JSX.Element {
  const toast = useToast();
  const status = useLoad(() => pb.send<{ enabled: boolean; recoveryCodesLeft: number }>(BASE, {}), []);
  const [setup, setSetup] = useState<{ secret: string; uri: string } | null>(null);
  const [recovery, setRecovery] = useState<string[] | null>(null);
  const [code, setCode] = useState('');
  const [proof, setProof] = useState('');
  const { busy, error, errors, run } = useSubmit();

  const start = (): Promise<void> =>
    run(async () => {
      setSetup(await pb.send<{ secret: string; uri: string }>(`${BASE}/setup`, { method: 'POST' }));
      setCode('');
    });
  const confirm = (e: Event): Promise<void> => {
    e.preventDefault();
    return run(async () => {
      const res = await pb.send<{ recoveryCodes: string[] }>(`${BASE}/confirm`, { method: 'POST', body: { code: code.trim() } });
      setRecovery(res.recoveryCodes);
      setSetup(null);
      setCode('');
      status.reload();
    });
  };
  const disable = (e: Event): Promise<void> => {
    e.preventDefault();
    // A 6-digit code or a recovery code (xxxxx-xxxxx) goes as `code`, anything else is the password.
    const p = proof.trim();
    const body = /^\d{6}$|^[a-z0-9]{5}-[a-z0-9]{5}$/i.test(p) ? { code: p } : { password: proof };
    return run(async () => {
      await pb.send(`${BASE}/disable`, { method: 'POST', body });
      setProof('');
      setRecovery(null);
      toast('Two-factor sign-in is off.');
      status.reload();
    });
  };

  const s = status.data;
  return (
    <>
      <div class="page-head">
        <h1>Account security</h1>
      </div>
      <p class="muted small">
        Signed in as <b>{String(pb.authStore.record?.email ?? '')}</b>. With an authenticator app (TOTP) switched on, every login of this
        superuser asks for a code after the password.
      </p>
      {status.error ? <Alert kind="error">{errorMessage(status.error)}</Alert> : null}
      {error ? <Alert kind="error">{error}</Alert> : null}
      {recovery ? (
        <div class="panel stack" role="region" aria-label="Recovery codes">
          <h2>Recovery codes</h2>
          <p class="muted small">Each works once in place of an authenticator code. Keep them somewhere safe: they are shown only now.</p>
          <pre data-testid="recovery-codes">{recovery.join('\n')}</pre>
          <div class="row">
            <CopyButton text={recovery.join('\n')} label="Copy codes" />
            <button type="button" onClick={() => setRecovery(null)}>
              I have saved them
            </button>
          </div>
        </div>
      ) : null}
      {!s ? (
        status.loading ? <p class="muted">Loading…</p> : null
      ) : s.enabled ? (
        <form class="panel stack" onSubmit={disable} aria-label="Disable two-factor sign-in">
          <h2>Authenticator app: on</h2>
          <p class="muted small">{s.recoveryCodesLeft} recovery code{s.recoveryCodesLeft === 1 ? '' : 's'} left.</p>
          <TextInput
            label="Code or password to switch it off"
            type="password"
            autoComplete="off"
            value={proof}
            onInput={setProof}
            error={errors.code ?? errors.password}
            hint="An authenticator code, a recovery code, or your password"
          />
          <div>
            <button type="submit" class="danger" disabled={busy || !proof}>
              Disable two-factor sign-in
            </button>
          </div>
        </form>
      ) : setup ? (
        <form class="panel stack" onSubmit={confirm} aria-label="Set up an authenticator app">
          <h2>Set up an authenticator app</h2>
          <p class="muted small">
            Scan the code with your authenticator app, or add the account with the link (apps that open <code>otpauth://</code>{' '}
            links) or by typing the secret, then enter the code the app shows.
          </p>
          <div class="row" style="align-items:flex-start;gap:16px">
            <QrCode value={setup.uri} label="QR code of the otpauth URI: scan it with your authenticator app" />
            <div class="stack" style="flex:1;min-width:240px">
              <div class="stack" style="gap:4px">
                <span class="field">Secret</span>
                <div class="row">
                  <code data-testid="totp-secret">{setup.secret}</code>
                  <CopyButton text={setup.secret} label="Copy secret" />
                </div>
              </div>
              <div class="stack" style="gap:4px">
                <span class="field">otpauth URI</span>
                <div class="row">
                  <a href={setup.uri} class="mono small" data-testid="totp-uri" style="word-break:break-all">
                    {setup.uri}
                  </a>
                  <CopyButton text={setup.uri} label="Copy URI" />
                </div>
              </div>
            </div>
          </div>
          <TextInput label="Code from the app" autoComplete="one-time-code" value={code} onInput={setCode} error={errors.code} required />
          <div class="row">
            <button type="submit" class="primary" disabled={busy}>
              Confirm and switch on
            </button>
            <button type="button" onClick={() => setSetup(null)}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <div class="panel stack">
          <h2>Authenticator app: off</h2>
          <div>
            <button type="button" class="primary" disabled={busy} onClick={() => void start()}>
              Set up an authenticator app
            </button>
          </div>
        </div>
      )}
    </>
  );
}
