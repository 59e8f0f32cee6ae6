import { useState } from 'preact/hooks';
import { ApiFailure, logIn, Session } from './api';

export function Login({ onLoggedIn }: { onLoggedIn: (session: Session) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [organisation, setOrganisation] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onLoggedIn(await logIn(username, password, organisation));
    } catch (failure) {
      setError(failure instanceof ApiFailure ? failure.message : 'The service cannot be reached.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="login">
      <h1>Conax provisioning</h1>
      <form onSubmit={submit} aria-describedby={error ? 'login-error' : undefined}>
        <label for="username">User name</label>
        <input id="username" name="username" autoComplete="username" required value={username} onInput={(e) => setUsername(e.currentTarget.value)} />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autoComplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        <label for="organisation">Organisation</label>
        <input id="organisation" name="organisation" autoComplete="organization" required value={organisation} onInput={(e) => setOrganisation(e.currentTarget.value)} />
        <button type="submit" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
        <p id="login-error" role="alert" class="error">
          {error ?? ''}
        </p>
      </form>
    </main>
  );
}
