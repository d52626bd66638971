/**
 * Superuser login: password, then — when MFA applies (the collection's `mfa` options, or TOTP
 * switched on for the account) — a second, different method: an authenticator code (TOTP, with
 * recovery codes) or a one-time code sent by email (OTP), completing the login with the `mfaId`.
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { Alert, TextInput } from '../components/ui.js';
import { ClientResponseError, errorMessage, pb } from '../pb.js';
import type { RecordModel } from 'pocketbase';

const SUPERUSERS = '_superusers';

export function LoginPage(): JSX.Element {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [mfaId, setMfaId] = useState('');
  const [otpId, setOtpId] = useState('');
  const [code, setCode] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const attempt = async (fn: () => Promise<unknown>): Promise<void> => {
    setBusy(true);
    setError('');
    try {
      await fn();
    } catch (err) {
      const id = err instanceof ClientResponseError ? (err.response as { mfaId?: unknown }).mfaId : undefined;
      if (typeof id === 'string' && id !== '') setMfaId(id);
      else setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const submitPassword = (e: Event): void => {
    e.preventDefault();
    void attempt(() => pb.collection(SUPERUSERS).authWithPassword(email, password));
  };
  const submitCode = (e: Event): void => {
    e.preventDefault();
    void attempt(async () => {
      if (otpId) {
        await pb.collection(SUPERUSERS).authWithOTP(otpId, code, { mfaId });
        return;
      }
      const res = await pb.send<{ token: string; record: RecordModel }>(`/api/collections/${SUPERUSERS}/auth-with-totp`, {
        method: 'POST',
        body: { mfaId, code },
      });
      pb.authStore.save(res.token, res.record);
    });
  };
  const sendOtp = (): void => {
    void attempt(async () => {
      const res = await pb.collection(SUPERUSERS).requestOTP(email);
      setOtpId(res.otpId);
    });
  };

  if (mfaId) {
    return (
      <main class="login">
        <form class="panel stack" onSubmit={submitCode} aria-labelledby="mfa-title">
          <h1 id="mfa-title">Second step</h1>
          <p class="muted">
            {otpId ? `Enter the code sent to ${email}.` : 'Enter the code from your authenticator app (or a recovery code), or get a code by email.'}
          </p>
          {error ? <Alert kind="error">{error}</Alert> : null}
          <TextInput label={otpId ? 'Email code' : 'Authenticator code'} value={code} onInput={setCode} autoFocus autoComplete="one-time-code" required />
          <button class="primary" type="submit" disabled={busy}>
            {busy ? 'Checking…' : 'Verify and log in'}
          </button>
          {otpId ? null : (
            <button type="button" onClick={sendOtp} disabled={busy}>
              Email me a code instead
            </button>
          )}
          <button type="button" class="link" onClick={() => { setMfaId(''); setOtpId(''); setCode(''); }}>
            Start over
          </button>
        </form>
      </main>
    );
  }

  return (
    <main class="login">
      <form class="panel stack" onSubmit={submitPassword} aria-labelledby="login-title">
        <h1 id="login-title">Galley — superuser login</h1>
        {error ? <Alert kind="error">{error}</Alert> : null}
        <TextInput label="Email" type="email" value={email} onInput={setEmail} autoFocus autoComplete="username" required />
        <TextInput label="Password" type="password" value={password} onInput={setPassword} autoComplete="current-password" required />
        <button class="primary" type="submit" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
        <p class="muted small">
          No account yet? Open the one-time setup link that <code>galley serve</code> printed, or run <code>npx galley superuser upsert</code>.
        </p>
      </form>
    </main>
  );
}
