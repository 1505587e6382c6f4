import { useState, type FormEvent } from 'react';
import { ErrorText } from '../components/ui';
import { call } from '../stores/session';
import { useAction } from '../use-query';
import { isEnvName, isHeaderName } from './PairRows';
import type { ServerView } from './words';

// A server's environment variables (or HTTP headers): their names with "saved", never their
// values (Perch keeps those in the secret store and does not send them back). A value can be
// replaced or a name removed; the server restarts with the change.

export function SavedSecrets({ server, onSaved }: { server: ServerView; onSaved: () => void }) {
  const http = server.transport === 'http';
  const keys = http ? server.headerKeys : server.envKeys;
  const what = http ? 'Headers' : 'Environment variables';
  const action = useAction();
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const [local, setLocal] = useState<string | null>(null);
  const patch = (changes: Record<string, string | null>) => (http ? { headers: changes } : { env: changes });
  const save = (changes: Record<string, string | null>) =>
    action.run(async () => {
      await call('mcp.servers.update', { id: server.id, patch: patch(changes) });
      onSaved();
    });
  const add = async (event: FormEvent) => {
    event.preventDefault();
    const key = name.trim();
    if (!(http ? isHeaderName : isEnvName)(key)) return setLocal(http ? 'Write a header name such as Authorization.' : 'Write a variable name of letters, digits and _, such as API_KEY.');
    setLocal(null);
    if (await save({ [key]: value })) {
      setName('');
      setValue('');
    }
  };
  const idBase = `mcp-secret-${server.id}`;
  return (
    <div className="mcp-secrets" data-testid="mcp-secrets">
      <h3>{what}</h3>
      {keys.length ? (
        <ul className="mcp-keys">
          {keys.map((key) => (
            <li key={key}>
              <code>{key}</code>
              <span className="muted">saved</span>
              <button type="button" className="secondary small-button" disabled={action.busy} onClick={() => void save({ [key]: null })} aria-label={`Remove ${key}`}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted small">None.</p>
      )}
      <details className="mcp-disclosure">
        <summary>{http ? 'Add or replace a header' : 'Add or replace a variable'}</summary>
        <form className="mcp-pair" onSubmit={(e) => void add(e)} aria-label={`Add or replace in ${what.toLowerCase()} of ${server.name}`}>
          <label htmlFor={`${idBase}-name`}>Name</label>
          <input id={`${idBase}-name`} value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" spellCheck={false} />
          <label htmlFor={`${idBase}-value`}>Value</label>
          <input id={`${idBase}-value`} type="password" value={value} onChange={(e) => setValue(e.target.value)} autoComplete="off" />
          <button type="submit" className="secondary" disabled={action.busy || !name.trim()}>
            {keys.includes(name.trim()) ? 'Replace' : 'Add'}
          </button>
        </form>
      </details>
      <ErrorText error={local ?? action.error} />
    </div>
  );
}
