import { plural } from '../words';
import { useState } from 'react';
import { Card, ErrorText } from '../components/ui';
import { call } from '../stores/session';
import { useAction } from '../use-query';
import { CopyButton } from './CopyButton';
import type { Status } from './paths';

// The gateway token: where it comes from, and replacing it (shown once, every session ended).

function Source({ source }: { source: string | undefined }) {
  if (source === 'env')
    return (
      <>
        It is set by <code>PERCH_GATEWAY_TOKEN</code> in Perch’s environment: change it there and restart Perch to replace it.
      </>
    );
  if (source === 'keychain') return <>Perch generated it at first start and keeps it in the OS keychain.</>;
  if (source === 'file') return <>Perch generated it at first start and keeps it in a file only you can read (no keychain was found).</>;
  return null;
}

export function TokenSection({ status }: { status: Status | null }) {
  const [fresh, setFresh] = useState<{ token: string; sessionsEnded: number } | null>(null);
  const [confirming, setConfirming] = useState(false);
  const action = useAction();
  const source = status?.gatewayToken.source;
  const rotate = () =>
    void action.run(async () => {
      setFresh(await call('auth.rotateToken'));
      setConfirming(false);
    });
  return (
    <Card title="Gateway token" testId="settings-token">
      <p>
        Apps and this dashboard sign in to Perch with the gateway token. <Source source={source} /> It is never shown here, except once when you replace it.
      </p>
      {source !== 'env' ? (
        <div className="actions">
          {confirming ? (
            <>
              <span>Replace it? Every app and dashboard signed in with the old token, or with a session, is signed out.</span>
              <button type="button" className="danger" disabled={action.busy} onClick={rotate}>
                Replace the token
              </button>
              <button type="button" className="secondary" onClick={() => setConfirming(false)}>
                Keep it
              </button>
            </>
          ) : (
            <button type="button" className="secondary" onClick={() => setConfirming(true)}>
              Replace the token…
            </button>
          )}
        </div>
      ) : null}
      <ErrorText error={action.error} />
      {fresh ? (
        <div className="secret-once" data-testid="token-generated">
          <label>
            The new gateway token (shown this once; {plural(fresh.sessionsEnded, 'dashboard session')} ended)
            <input readOnly value={fresh.token} onFocus={(e) => e.target.select()} spellCheck={false} />
          </label>
          <div className="actions">
            <CopyButton text={fresh.token} label="Copy token" />
            <button type="button" className="secondary" onClick={() => setFresh(null)}>
              Hide
            </button>
          </div>
        </div>
      ) : null}
    </Card>
  );
}
