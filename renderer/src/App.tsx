import { useEffect, useState, type FormEvent } from 'react';
import { useDashboard } from './store';

function formatUptime(ms: number): string {
  const s = Math.floor(ms / 1000);
  const parts = [[Math.floor(s / 86400), 'd'], [Math.floor((s % 86400) / 3600), 'h'], [Math.floor((s % 3600) / 60), 'm'], [s % 60, 's']] as const;
  return parts.filter(([n], i) => n > 0 || i === 3).map(([n, u]) => `${n}${u}`).join(' ');
}

export function App() {
  const { connection, detail, status, statusError, start, refresh } = useDashboard();

  useEffect(() => {
    start();
  }, [start]);

  useEffect(() => {
    if (connection !== 'open') return;
    const timer = setInterval(() => void refresh(), 5000);
    return () => clearInterval(timer);
  }, [connection, refresh]);

  return (
    <div className="app">
      <header className="topbar">
        <div className="brand">
          <span className="logo" aria-hidden>◆</span> Perch
        </div>
        <span className={`pill pill-${connection}`} data-testid="connection-state">
          {connection === 'open' ? 'Connected' : connection === 'closed' ? 'Signed out' : 'Connecting…'}
        </span>
      </header>
      <main className="content">
        {connection === 'closed' ? <Login reason={detail} onToken={start} /> : null}
        {connection === 'open' && status ? <Overview /> : null}
        {connection !== 'closed' && !status ? <p className="muted">Connecting to Perch…</p> : null}
        {statusError ? <p className="error">{statusError}</p> : null}
      </main>
    </div>
  );
}

function Login({ reason, onToken }: { reason: string | null; onToken: (token: string) => void }) {
  const [token, setToken] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (token.trim()) onToken(token.trim());
  };
  return (
    <section className="card login" data-testid="login">
      <h1>Sign in to Perch</h1>
      {reason ? <p className="muted">{reason}</p> : null}
      <p>Open the one-time link that <code>npm run serve</code> printed, or paste the gateway token.</p>
      <form onSubmit={submit}>
        <input type="password" value={token} onChange={(e) => setToken(e.target.value)} placeholder="Gateway token" aria-label="Gateway token" autoComplete="off" />
        <button type="submit">Sign in</button>
      </form>
    </section>
  );
}

function Overview() {
  const status = useDashboard((s) => s.status)!;
  const facts: Array<[string, string]> = [
    ['Version', status.version],
    ['Mode', status.mode],
    ['Uptime', formatUptime(status.uptimeMs)],
    ['Data directory', status.dataDir],
    ['Gateway', status.gateway.url],
    ['Secrets', status.secrets.backend === 'keychain' ? 'OS keychain' : 'File (no keychain found)'],
  ];
  return (
    <>
      <section className="card" data-testid="status">
        <h1>Overview</h1>
        <dl className="facts">
          {facts.map(([label, value]) => (
            <div key={label}>
              <dt>{label}</dt>
              <dd data-testid={`fact-${label.toLowerCase().replace(/\s+/g, '-')}`}>{value}</dd>
            </div>
          ))}
        </dl>
      </section>
      <section className="card">
        <h2>Health</h2>
        <ul className="health" data-testid="health">
          {Object.entries(status.domains).map(([domain, health]) => (
            <li key={domain}>
              <span className={`dot dot-${health.status}`} aria-label={health.status} />
              <strong>{domain}</strong>
              <span className="muted">{health.detail ?? health.status}</span>
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}
