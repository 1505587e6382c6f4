import { useState } from 'react';
import { ErrorText } from '../../components/ui';
import { call } from '../../stores/session';
import { useAction } from '../../use-query';

// The OpenAI-compatible endpoint's API key: stored in the keychain (or the protected secrets
// file), never shown again, and deletable.

export function ApiKey({ describedBy }: { describedBy: string }) {
  const [key, setKey] = useState('');
  const [saved, setSaved] = useState<string | null>(null);
  const action = useAction();
  const store = (value: string | null) =>
    void action.run(async () => {
      const { stored, backend } = await call('secrets.set', { name: 'openai-api-key', value });
      setKey('');
      setSaved(stored ? `Stored in the ${backend === 'keychain' ? 'OS keychain' : 'protected secrets file'}; it will not be shown again.` : 'The stored key was deleted.');
    });
  return (
    <div className="api-key">
      <label>
        API key
        <input type="password" value={key} onChange={(e) => setKey(e.target.value)} placeholder="sk-… (kept in the keychain, never shown again)" aria-describedby={describedBy} autoComplete="off" data-testid="openai-api-key" />
      </label>
      <div className="actions">
        <button type="button" className="secondary" disabled={!key.trim() || action.busy} onClick={() => store(key.trim())}>
          Store key
        </button>
        <button type="button" className="secondary" disabled={action.busy} onClick={() => store(null)}>
          Delete stored key
        </button>
      </div>
      <p className="hint" id={describedBy}>
        Local servers (vLLM, llama.cpp’s server, LM Studio) usually need no key. <code>PERCH_OPENAI_API_KEY</code>, when set, wins over a stored key.
      </p>
      {saved ? <p role="status">{saved}</p> : null}
      <ErrorText error={action.error} />
    </div>
  );
}
