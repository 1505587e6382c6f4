import { useId, useState } from 'react';
import type { Result } from '../../../../main/contract/methods';
import { ErrorText } from '../../components/ui';
import { call } from '../../stores/session';
import { useAction } from '../../use-query';
import { overriddenBy, type View } from '../paths';
import { ApiKey } from './ApiKey';
import type { OnUse } from './use-model';

// An OpenAI-compatible endpoint: its model name and base URL, "Test connection" (models.test asks
// the endpoint for its models), and buttons to use it. Starts from the chat model if it is one.

function part(chat: string | null, which: 'name' | 'url'): string {
  if (!chat?.startsWith('openai:')) return '';
  const at = chat.indexOf('@');
  if (which === 'name') return chat.slice(7, at < 0 ? undefined : at);
  return at < 0 ? '' : chat.slice(at + 1);
}

export function OpenAIEndpoint({ view, busy, onUse }: { view: View; busy: boolean; onUse: OnUse }) {
  const id = useId();
  const [name, setName] = useState(() => part(view.settings.models.chat, 'name'));
  const [url, setUrl] = useState(() => part(view.settings.models.chat, 'url'));
  const [tested, setTested] = useState<{ spec: string; result: Result<'models.test'> } | null>(null);
  const test = useAction();
  const spec = `openai:${name.trim()}@${url.trim().replace(/\/+$/, '')}`;
  const ready = Boolean(name.trim() && url.trim());
  const result = tested?.spec === spec ? tested.result : null;
  return (
    <form
      className="form"
      onSubmit={(e) => {
        e.preventDefault();
        if (ready) onUse('chat', spec);
      }}
      aria-label="OpenAI-compatible endpoint"
      data-testid="openai-endpoint"
    >
      <div className="form-row">
        <label>
          Model name
          <input value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. gpt-4o-mini" autoComplete="off" spellCheck={false} />
        </label>
        <label>
          Base URL
          <input type="url" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="e.g. https://api.openai.com/v1" autoComplete="off" spellCheck={false} />
        </label>
      </div>
      <ApiKey describedBy={`${id}-key`} />
      <div className="actions">
        <button type="button" className="secondary" disabled={!ready || test.busy} onClick={() => void test.run(async () => setTested({ spec, result: await call('models.test', { spec }) }))}>
          {test.busy ? 'Testing…' : 'Test connection'}
        </button>
        <button type="submit" disabled={!ready || busy || Boolean(overriddenBy(view, 'models.chat'))}>
          Use for chat
        </button>
        <button type="button" className="secondary" disabled={!ready || busy || Boolean(overriddenBy(view, 'models.embed'))} onClick={() => onUse('embed', spec)}>
          Use for embeddings
        </button>
        <button type="button" className="secondary" disabled={!ready || busy} onClick={() => onUse('fallback', spec)}>
          Add as fallback
        </button>
      </div>
      <div aria-live="polite">
        {result?.ok ? <p role="status">✓ {result.detail}</p> : null}
        {result && !result.ok ? <ErrorText error={result.detail} /> : null}
        <ErrorText error={test.error} />
      </div>
    </form>
  );
}
