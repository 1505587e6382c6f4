import { useState } from 'react';
import { Card, ErrorText, When } from '../components/ui';
import { call } from '../stores/session';
import { useAction } from '../use-query';
import { AuditTable } from './AuditTable';
import { nf } from './format';
import { useAudit, type Verification } from './use-audit';
import { VerifyResult } from './VerifyResult';

// The audit log of every approval request, decision, rule change and run, paged, with a check
// of its hash chain.

export function AuditSection() {
  const audit = useAudit();
  const verify = useAction();
  const [verification, setVerification] = useState<{ result: Verification; at: string } | null>(null);
  const { items, next, busy } = audit;
  const brokenAt = verification && !verification.result.ok ? verification.result.brokenAt : undefined;
  const brokenShown = brokenAt !== undefined && (items ?? []).some((r) => r.seq === brokenAt);

  return (
    <Card
      title="Audit log"
      testId="audit"
      actions={
        <>
          <button
            type="button"
            data-testid="audit-verify"
            disabled={verify.busy}
            onClick={() =>
              void verify.run(async () => {
                setVerification(null);
                setVerification({ result: await call('audit.verify'), at: new Date().toISOString() });
              })
            }
          >
            {verify.busy ? 'Verifying…' : 'Verify the chain'}
          </button>
          <button type="button" className="secondary" disabled={busy} onClick={() => void audit.load()}>
            Refresh
          </button>
        </>
      }
    >
      <p className="muted">
        Every approval request, decision, “always allow” rule change and command run, newest first. Each record is sealed together with the one before it under a key the database does not hold, and the last record is noted outside the database too, so an edited, forged or removed record breaks the chain from there on.
      </p>
      <div role="status" aria-live="polite">
        {verification || verify.error ? (
          <div className={`audit-verify-result${verification ? (verification.result.ok ? ' ok' : ' broken') : ''}`} data-testid="audit-verify-result">
            {verification ? <VerifyResult result={verification.result} /> : null}
            {verification ? (
              <p className="muted small">
                Checked <When at={verification.at} />
                {brokenAt !== undefined && !brokenShown && next ? ' · load older records to see the broken one' : ''}
              </p>
            ) : null}
            <ErrorText error={verify.error} />
          </div>
        ) : null}
      </div>
      <ErrorText error={audit.error} />
      <AuditTable items={items} busy={busy} brokenAt={brokenAt} />
      {next ? (
        <div className="actions audit-more">
          <button type="button" className="secondary" disabled={busy} onClick={() => void audit.load(next)} data-testid="audit-more">
            {busy ? 'Loading…' : 'Load older records'}
          </button>
          <span className="muted">{items ? `${nf.format(items.length)} shown` : ''}</span>
        </div>
      ) : items && items.length > 0 ? (
        <p className="muted small">All {nf.format(items.length)} records shown.</p>
      ) : null}
    </Card>
  );
}
