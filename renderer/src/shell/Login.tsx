import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ErrorText } from '../components/ui';
import { SIGN_IN_SENTENCES } from '../connection';
import { useSession } from '../stores/session';

// The sign-in page (browser only; the desktop app is trusted through its bridge). A refused token
// or link says so right here; the field keeps what was typed and gets the focus back.

export function Login() {
  const { signedOut, signingIn, attempt, start } = useSession();
  const [token, setToken] = useState('');
  const field = useRef<HTMLInputElement>(null);
  const refused = signedOut?.refused ? signedOut : null;

  useEffect(() => {
    if (!refused || signingIn) return;
    field.current?.focus();
    field.current?.select();
  }, [refused, signingIn, attempt]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (token.trim() && !signingIn) start(token.trim());
  };
  return (
    <section className="card login" data-testid="login" aria-labelledby="page-title">
      <h1 id="page-title">Sign in to Perch</h1>
      <p>{SIGN_IN_SENTENCES.signedOut}</p>
      <form onSubmit={submit} noValidate>
        <label htmlFor="gateway-token" className="login-label">
          Gateway token
        </label>
        <div className="login-row">
          <input
            id="gateway-token"
            ref={field}
            type="password"
            value={token}
            onChange={(e) => setToken(e.target.value)}
            autoComplete="off"
            autoFocus
            aria-invalid={refused ? true : undefined}
            aria-describedby={refused ? 'sign-in-problem' : undefined}
            data-testid="token-input"
          />
          <button type="submit" disabled={signingIn} aria-disabled={signingIn || undefined}>
            {signingIn ? 'Signing in…' : 'Sign in'}
          </button>
        </div>
      </form>
      <div id="sign-in-problem" data-testid="sign-in-problem">
        <ErrorText error={refused ? { text: refused.text, details: refused.details, field: null } : null} />
      </div>
      <p className="muted small">
        No link at hand, or it expired? Run <code>npm run login-link</code> on the machine where Perch runs: it prints a new one.
      </p>
    </section>
  );
}
