import { Badge } from '../components/ui';
import { plural } from '../words';
import { nf } from './format';
import type { Verification } from './use-audit';

// What checking the audit chain found: intact, or where it breaks and what that means.

export function VerifyResult({ result }: { result: Verification }) {
  if (result.ok) {
    return (
      <p>
        <Badge state="ok" label="intact" /> {result.checked === 0 ? 'The log is empty, so there is nothing to break.' : `The hash chain is intact: all ${nf.format(result.checked)} records fit the chain.`}
      </p>
    );
  }
  const at = result.brokenAt ?? '?';
  return (
    <>
      <p>
        <Badge state="error" label="broken" /> The hash chain breaks at record <strong>#{at}</strong>
        {result.reason ? `: ${result.reason}` : ''}. {result.checked === 0 ? 'It is the first record.' : `The ${plural(result.checked, 'record')} before it check out.`}
      </p>
      <p className="muted">Records from #{at} on cannot be trusted: the database was changed outside Perch, or damaged. Keep a copy of the data directory before changing anything.</p>
    </>
  );
}
