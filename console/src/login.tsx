import { useState } from 'preact/hooks';
import { logIn, Session } from './api';
import { useFormAction } from './form-action';

export function Login({ onLoggedIn }: { onLoggedIn: (session: Session) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [organisation, setOrganisation] = useState('');
  const { error, busy, submit } = useFormAction(
    async () => onLoggedIn(await logIn(username, password, organisation)),
    (failure) => failure.message,
  );

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
