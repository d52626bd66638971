/** First run: the one-time link printed by `galley serve` opens this page to create the first superuser. */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { Alert, TextInput, useSubmit } from '../components/ui.js';
import { ClientResponseError, errorMessage, pb } from '../pb.js';
import { navigate } from '../router.js';

export function SetupPage(props: { token: string }): JSX.Element {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const { busy, error, errors, setError, run } = useSubmit();

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    await run(async () => {
      try {
        await pb.send('/api/dashboard/setup', {
          method: 'POST',
          body: { token: props.token, email, password, passwordConfirm: confirm },
        });
      } catch (err) {
        if (err instanceof ClientResponseError && err.status === 403) {
          setError(`${errorMessage(err)} Log in instead, or create a superuser with the CLI.`);
          return;
        }
        throw err;
      }
      await pb.collection('_superusers').authWithPassword(email, password);
      navigate('#/collections', true);
    });
  };

  return (
    <main class="login">
      <form class="panel stack" onSubmit={submit} aria-labelledby="setup-title">
        <h1 id="setup-title">Create the first superuser</h1>
        <p class="muted">This link works once. The account can manage everything in this Galley app.</p>
        {error ? <Alert kind="error">{error}</Alert> : null}
        <TextInput label="Email" type="email" value={email} onInput={setEmail} error={errors.email} autoFocus autoComplete="username" required />
        <TextInput label="Password" type="password" value={password} onInput={setPassword} error={errors.password} autoComplete="new-password" hint="At least 8 characters." required />
        <TextInput label="Confirm password" type="password" value={confirm} onInput={setConfirm} error={errors.passwordConfirm} autoComplete="new-password" required />
        <button class="primary" type="submit" disabled={busy}>
          {busy ? 'Creating…' : 'Create superuser and log in'}
        </button>
        <a href="#/">Already have an account? Log in</a>
      </form>
    </main>
  );
}
