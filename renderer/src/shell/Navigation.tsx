import { useQuery } from '../use-query';
import { PAGES, type PageId } from './pages';

// The navigation: a rail beside the page on wide screens; on narrow ones it folds away behind
// the Menu button in the top bar. Approvals shows how many commands wait for a decision.

export function MenuButton({ open, onToggle }: { open: boolean; onToggle(): void }) {
  return (
    <button type="button" className="menu-button secondary" aria-expanded={open} aria-controls="site-nav" onClick={onToggle} data-testid="menu-button">
      <span aria-hidden="true">☰</span> Menu
    </button>
  );
}

function PendingCount() {
  const tray = useQuery('tray.snapshot', undefined, ['tray.changed', 'approval.requested', 'approval.resolved']);
  const count = tray.data?.pendingApprovals ?? 0;
  if (count === 0) return null;
  return (
    <span className="nav-count" data-testid="nav-pending">
      {count}
      <span className="visually-hidden"> waiting</span>
    </span>
  );
}

export function Navigation({ route, open, onNavigate }: { route: PageId; open: boolean; onNavigate(): void }) {
  return (
    <nav id="site-nav" className={`rail${open ? ' open' : ''}`} aria-label="Pages">
      {PAGES.map((p) => (
        <a key={p.id} href={`#/${p.id}`} aria-current={p.id === route ? 'page' : undefined} data-testid={`nav-${p.id}`} onClick={onNavigate}>
          <span className="nav-label">{p.label}</span>
          {p.id === 'approvals' ? <PendingCount /> : null}
        </a>
      ))}
    </nav>
  );
}
