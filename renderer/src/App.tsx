import { useEffect, useState, type FormEvent } from 'react';
import { ChatPage } from './chat/ChatPage';
import { ApprovalsPage } from './pages/Approvals';
import { ChannelsPage } from './pages/Channels';
import { MemoryPage } from './pages/Memory';
import { OverviewPage } from './pages/Overview';
import { SchedulesPage } from './pages/Schedules';
import { SettingsPage } from './pages/Settings';
import { UsagePage } from './pages/Usage';
import { SetupGate } from './setup/SetupGate';
import { useSession } from './stores/session';

// The dashboard shell: sign-in, the connection state, a navigation rail and the page chosen by
// the address (#/approvals …), so a page can be linked to (the tray opens #/approvals).

export const PAGES = [
  { id: 'chat', label: 'Chat', Page: ChatPage },
  { id: 'overview', label: 'Overview', Page: OverviewPage },
  { id: 'approvals', label: 'Approvals', Page: ApprovalsPage },
  { id: 'schedules', label: 'Schedules', Page: SchedulesPage },
  { id: 'channels', label: 'Channels', Page: ChannelsPage },
  { id: 'memory', label: 'Memory', Page: MemoryPage },
  { id: 'settings', label: 'Settings', Page: SettingsPage },
  { id: 'usage', label: 'Usage & audit', Page: UsagePage },
] as const;

type PageId = (typeof PAGES)[number]['id'];

function routeOf(hash: string): PageId {
  const id = /^#\/([\w-]+)/.exec(hash)?.[1];
  if (id === 'conversations') return 'chat'; // the old address of the chat
  return PAGES.some((p) => p.id === id) ? (id as PageId) : 'chat';
}

function useRoute(): PageId {
  const [route, setRoute] = useState<PageId>(() => routeOf(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(routeOf(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

export function App() {
  const { connection, detail, start } = useSession();
  const route = useRoute();

  useEffect(() => {
    start();
  }, [start]);

  const page = PAGES.find((p) => p.id === route)!;
  return (
    <div className="app">
      <header className="topbar">
        <div className="brand">
          <span className="logo" aria-hidden>
            ◆
          </span>{' '}
          Perch
        </div>
        <span className={`pill pill-${connection}`} data-testid="connection-state" role="status">
          {connection === 'open' ? 'Connected' : connection === 'closed' ? 'Signed out' : 'Connecting…'}
        </span>
      </header>
      {connection === 'closed' ? (
        <main className="content">
          <Login reason={detail} onToken={start} />
        </main>
      ) : (
        <div className="layout">
          <nav className="rail" aria-label="Pages">
            {PAGES.map((p) => (
              <a key={p.id} href={`#/${p.id}`} aria-current={p.id === route ? 'page' : undefined} data-testid={`nav-${p.id}`}>
                {p.label}
              </a>
            ))}
          </nav>
          <main className="content" data-testid={`page-${page.id}`}>
            {connection === 'open' ? (
              <SetupGate>
                <page.Page />
              </SetupGate>
            ) : (
              <p className="muted">Connecting to Perch…</p>
            )}
          </main>
        </div>
      )}
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
      <p>
        Open the one-time link that <code>npm run serve</code> printed, or paste the gateway token.
      </p>
      <form onSubmit={submit}>
        <input type="password" value={token} onChange={(e) => setToken(e.target.value)} placeholder="Gateway token" aria-label="Gateway token" autoComplete="off" />
        <button type="submit">Sign in</button>
      </form>
    </section>
  );
}
