import type { ReactNode } from 'react';
import type { Problem } from '../problems';

// Small pieces every page uses: empty states that say what to do next, errors where they happen,
// times shown in the owner's own zone, and state badges.

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty" role="status">
      <strong>{title}</strong>
      {children ? <p className="muted">{children}</p> : null}
    </div>
  );
}

/** An error where it happened: the sentence, and the raw detail under "Details" when there is one. */
export function ErrorText({ error }: { error: string | Problem | null | undefined }) {
  if (!error) return null;
  const problem = typeof error === 'string' ? { text: error, details: null } : error;
  return (
    <div className="error" role="alert">
      <p>{problem.text}</p>
      {problem.details ? (
        <details className="error-details">
          <summary>Details</summary>
          <code>{problem.details}</code>
        </details>
      ) : null}
    </div>
  );
}

export function When({ at }: { at: string | null | undefined }) {
  if (!at) return <span className="muted">—</span>;
  const date = new Date(at);
  return (
    <time dateTime={at} title={date.toLocaleString(undefined, { dateStyle: 'full', timeStyle: 'long' })}>
      {date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })}
    </time>
  );
}

const TONE: Record<string, string> = {
  connected: 'ok',
  ok: 'ok',
  approved: 'ok',
  idle: 'ok',
  paused: 'warn',
  connecting: 'warn',
  pending: 'warn',
  retrying: 'warn',
  running: 'warn',
  working: 'warn',
  missed: 'warn',
  degraded: 'warn',
  stopped: 'muted',
  expired: 'muted',
  error: 'bad',
  'logged-out': 'bad',
  failed: 'bad',
  denied: 'bad',
  down: 'bad',
  attention: 'bad',
};

export function Badge({ state, label }: { state: string; label?: string }) {
  return <span className={`badge badge-${TONE[state] ?? 'muted'}`}>{label ?? state.replace(/-/g, ' ')}</span>;
}

/** A coloured status dot; it has a role, so its name is read out (a bare span's label is not). */
export function Dot({ state, label }: { state: 'ok' | 'degraded' | 'down'; label: string }) {
  return <span className={`dot dot-${state}`} role="img" aria-label={label} />;
}

export function Card({ title, actions, children, testId }: { title: string; actions?: ReactNode; children: ReactNode; testId?: string }) {
  return (
    <section className="card" data-testid={testId} aria-label={title}>
      <div className="card-head">
        <h2>{title}</h2>
        {actions ? <div className="actions">{actions}</div> : null}
      </div>
      {children}
    </section>
  );
}
