import { useEffect, useState } from 'react';
import { SetupGate } from '../setup/SetupGate';
import { useSession } from '../stores/session';
import { Login } from './Login';
import { MenuButton, Navigation } from './Navigation';
import { pageOf, tabTitle } from './pages';
import { useRoute, useTabTitle } from './use-route';

// The dashboard shell: the top bar with the connection state, sign-in, the navigation and the
// page chosen by the address. The shell renders each page's one <h1> and the tab title.

const STATE_TEXT = { open: 'Connected', closed: 'Signed out', connecting: 'Connecting…', authenticating: 'Connecting…' } as const;

export function Shell() {
  const { connection, signingIn, start } = useSession();
  const route = useRoute();
  const [menuOpen, setMenuOpen] = useState(false);
  const page = pageOf(route);
  const signIn = connection === 'closed' || signingIn;

  useEffect(() => {
    start();
    // A sign-in link opened in a tab that already shows the dashboard changes only the hash.
    const onLink = () => {
      if (window.location.hash.startsWith('#login=')) start();
    };
    window.addEventListener('hashchange', onLink);
    return () => window.removeEventListener('hashchange', onLink);
  }, [start]);
  useEffect(() => setMenuOpen(false), [route]);
  useTabTitle(tabTitle(signIn ? 'Sign in' : connection === 'open' ? page.title : null));

  return (
    <div className="app">
      <header className="topbar">
        <div className="brand">
          <span className="logo" aria-hidden="true">
            ◆
          </span>
          Perch
        </div>
        <div className="topbar-end">
          <span className={`pill pill-${connection}`} data-testid="connection-state" role="status">
            {STATE_TEXT[connection]}
          </span>
          {signIn ? null : <MenuButton open={menuOpen} onToggle={() => setMenuOpen(!menuOpen)} />}
        </div>
      </header>
      {signIn ? (
        <main className="content">
          <Login />
        </main>
      ) : (
        <div className="layout">
          <Navigation route={route} open={menuOpen} onNavigate={() => setMenuOpen(false)} />
          <main className={`content page-${page.id}`} data-testid={`page-${page.id}`} aria-labelledby="page-title">
            <h1 id="page-title" className={page.hideTitle ? 'visually-hidden' : 'page-title'}>
              {page.title}
            </h1>
            {connection === 'open' ? (
              <SetupGate>
                <page.Page />
              </SetupGate>
            ) : (
              <p className="muted" role="status">
                Connecting to Perch…
              </p>
            )}
          </main>
        </div>
      )}
    </div>
  );
}
