import { Empty, When } from '../components/ui';
import { actionWords, actorWords, detailKey, subjectWords, surfaceWords } from './audit-words';
import type { AuditRecord } from './use-audit';

// The audit records as a table that scrolls inside its own box on a narrow screen.

function Details({ details }: { details: Record<string, unknown> }) {
  const entries = Object.entries(details);
  if (entries.length === 0) return <span className="muted">—</span>;
  return (
    <dl className="audit-details">
      {entries.map(([key, value]) => {
        const text = typeof value === 'string' ? value : JSON.stringify(value);
        const long = text.length > 160;
        return (
          <div key={key}>
            <dt>{detailKey(key)}</dt>
            <dd title={long ? text : undefined}>{long ? `${text.slice(0, 159)}…` : text}</dd>
          </div>
        );
      })}
    </dl>
  );
}

function Row({ r, broken }: { r: AuditRecord; broken: boolean }) {
  return (
    <tr className={broken ? 'audit-broken' : undefined} data-testid={`audit-row-${r.seq}`} aria-current={broken ? 'true' : undefined}>
      <td className="num">{r.seq}</td>
      <td className="nowrap">
        <When at={r.at} />
      </td>
      <td>
        {actorWords(r.actor)}
        <div className="muted small">via {surfaceWords(r.surface)}</div>
      </td>
      <td title={r.action}>{actionWords(r.action)}</td>
      <td title={r.subject}>{subjectWords(r.subject)}</td>
      <td>
        <Details details={r.details} />
      </td>
      <td>
        <code className="muted" title={r.hash}>
          {r.hash.slice(0, 10)}…
        </code>
      </td>
    </tr>
  );
}

export function AuditTable({ items, busy, brokenAt }: { items: AuditRecord[] | null; busy: boolean; brokenAt: number | undefined }) {
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label="Audit records">
      <table className="grid audit-table" data-testid="audit-table">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">What</th>
            <th scope="col">About</th>
            <th scope="col">Details</th>
            <th scope="col">Seal</th>
          </tr>
        </thead>
        <tbody>
          {items === null ? (
            <tr>
              <td colSpan={7} className="muted">
                {busy ? 'Loading the audit log…' : null}
              </td>
            </tr>
          ) : items.length === 0 ? (
            <tr>
              <td colSpan={7}>
                <Empty title="Nothing recorded yet">
                  Records appear when the assistant asks to run a command, when you approve or deny it, and when you add or revoke an “always allow” rule on the <a href="#/approvals">Approvals</a> page.
                </Empty>
              </td>
            </tr>
          ) : (
            items.map((r) => <Row key={r.seq} r={r} broken={r.seq === brokenAt} />)
          )}
        </tbody>
      </table>
    </div>
  );
}
