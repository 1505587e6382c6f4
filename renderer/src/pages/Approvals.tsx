import { useEffect, useState, type FormEvent } from 'react';
import { CommandText } from '../components/CommandText';
import { Badge, Card, Empty, ErrorText, When } from '../components/ui';
import { useApprovals, type Approval } from '../stores/approvals';
import { call, useSession } from '../stores/session';
import { useAction, useQuery } from '../use-query';
import { approvalOrigin, decidedByText } from './words';

// Commands waiting for the owner: exactly what would run, where, for which conversation, why it
// may be risky and how long is left; Approve (once or always) or Deny. Then the history, and the
// "always allow" rules.

function useNow(everyMs: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

function TimeLeft({ until }: { until: string }) {
  const now = useNow(1000);
  const s = Math.max(0, Math.round((new Date(until).getTime() - now) / 1000));
  const left = s >= 60 ? `${Math.ceil(s / 60)} min left` : `${s} s left`;
  return <span className={s < 60 ? 'error' : 'muted'}>{s === 0 ? 'expired: it was not run' : `${left} to decide`}</span>;
}

const RISK_TITLE = { high: 'High risk: read every line before approving', caution: 'Worth a second look', none: null } as const;

function Pending({ approval }: { approval: Approval }) {
  const decide = useApprovals((s) => s.decide);
  const state = useApprovals((s) => s.deciding[approval.id]);
  const busy = state === 'busy';
  const high = approval.riskLevel === 'high';
  const title = RISK_TITLE[approval.riskLevel];
  const approve = (
    <button key="approve" className={high ? 'risky' : undefined} disabled={busy} onClick={() => void decide(approval.id, 'approve')}>
      {high ? '⚠ Approve anyway' : 'Approve'}
    </button>
  );
  const deny = (
    <button key="deny" className={high ? undefined : 'danger'} disabled={busy} onClick={() => void decide(approval.id, 'deny')}>
      Deny
    </button>
  );
  return (
    <li className={`approval risk-${approval.riskLevel}`} data-testid={`approval-${approval.id}`} data-risk={approval.riskLevel}>
      {title ? (
        <p className="risk-title" role="note">
          <span aria-hidden="true">⚠</span> {title}
        </p>
      ) : null}
      <CommandText text={approval.command} />
      <div className="meta">
        <span>
          in <code>{approval.cwd}</code>
        </span>
        <span className="muted">{approvalOrigin(approval)}</span>
        <TimeLeft until={approval.expiresAt} />
      </div>
      <ul className="risk" aria-label="Risks">
        {approval.risk.split('\n').map((line) => {
          const [label, ...rest] = line.split(': ');
          return <li key={line}>{rest.length ? <><strong>{label}:</strong> {rest.join(': ')}</> : line}</li>;
        })}
      </ul>
      <div className="actions">
        {high ? [deny, approve] : [approve]}
        {approval.noRuleReason ? null : (
          <button className="secondary" disabled={busy} onClick={() => void decide(approval.id, 'approve', true)}>
            Approve always
          </button>
        )}
        {high ? null : deny}
        {busy ? <span className="muted">Running…</span> : null}
      </div>
      {approval.noRuleReason ? <p className="muted small">“Approve always” is not offered: {approval.noRuleReason}.</p> : null}
      <ErrorText error={typeof state === 'object' ? state.error : null} />
    </li>
  );
}

function Decided({ approval }: { approval: Approval }) {
  return (
    <li className="approval" data-testid={`decided-${approval.id}`}>
      <div className="meta">
        <Badge state={approval.status} />
        <code className="grow">{approval.command}</code>
        <span className="muted">{decidedByText(approval.decidedBy)}</span>
        <When at={approval.decidedAt} />
      </div>
      {approval.run ? (
        <pre className="output" data-testid={`output-${approval.id}`}>
          {approval.run.output || '(no output)'}
          {approval.run.exitCode !== null ? `\n[exit code ${approval.run.exitCode}]` : approval.run.state === 'interrupted' ? '\n[interrupted]' : ''}
        </pre>
      ) : null}
    </li>
  );
}

function Rules() {
  const rules = useQuery('approvals.rules.list', undefined, ['approval.resolved']);
  const action = useAction();
  const [command, setCommand] = useState('');
  const [kind, setKind] = useState<'exact' | 'pattern'>('exact');
  const add = async (event: FormEvent) => {
    event.preventDefault();
    if (await action.run(() => call('approvals.rules.add', { kind, command, cwd: null }))) {
      setCommand('');
      await rules.reload();
    }
  };
  return (
    <Card title="Always allowed">
      {rules.data?.items.length === 0 ? <Empty title="No rules">Commands you approve with “Approve always” are listed here; they then run without asking.</Empty> : null}
      <ul className="rows">
        {(rules.data?.items ?? []).map((r) => (
          <li key={r.id}>
            <Badge state="ok" label={r.kind} />
            <code className="grow">{r.command}</code>
            <span className="muted">{r.cwd ?? 'anywhere'}</span>
            <button
              className="secondary"
              onClick={() =>
                void action.run(async () => {
                  await call('approvals.rules.remove', { id: r.id });
                  await rules.reload();
                })
              }
            >
              Revoke
            </button>
          </li>
        ))}
      </ul>
      <form className="form-row" onSubmit={(e) => void add(e)}>
        <label>
          Kind
          <select value={kind} onChange={(e) => setKind(e.target.value as 'exact' | 'pattern')}>
            <option value="exact">Exact command line</option>
            <option value="pattern">Pattern (* = any text)</option>
          </select>
        </label>
        <label>
          Command
          <input value={command} onChange={(e) => setCommand(e.target.value)} placeholder="git status" />
        </label>
        <button type="submit" disabled={!command.trim() || action.busy}>
          Add rule
        </button>
      </form>
      <ErrorText error={action.error ?? rules.error} />
    </Card>
  );
}

export function ApprovalsPage() {
  const { pending, history, error, load, follow } = useApprovals();
  const epoch = useSession((s) => s.epoch);
  useEffect(() => follow(), [follow, epoch]);
  useEffect(() => {
    void load();
  }, [load, epoch]);
  return (
    <>
      <Card title={`Waiting for you${pending.length ? ` (${pending.length})` : ''}`} testId="approvals-pending">
        <ErrorText error={error} />
        {pending.length === 0 ? <Empty title="Nothing waits for your decision">When the assistant wants to run a command, it appears here (and in your chats) until you approve or deny it.</Empty> : null}
        <ul className="rows">
          {pending.map((a) => (
            <Pending key={a.id} approval={a} />
          ))}
        </ul>
      </Card>
      <Card title="History" testId="approvals-history">
        {history.length === 0 ? <Empty title="No decisions yet" /> : null}
        <ul className="rows">
          {history.map((a) => (
            <Decided key={a.id} approval={a} />
          ))}
        </ul>
      </Card>
      <Rules />
    </>
  );
}
