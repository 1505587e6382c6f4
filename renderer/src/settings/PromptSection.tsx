import { useState } from 'react';
import { Badge, Card, ErrorText, When } from '../components/ui';
import { call } from '../stores/session';
import { useAction, useQuery } from '../use-query';
import { nf } from './paths';

// The system prompt: edited and saved as a new version (each reply records its version), or the
// built-in default restored.

const MAX = 16_000;

export function PromptSection() {
  const prompt = useQuery('prompt.get', undefined);
  const action = useAction();
  const [edit, setEdit] = useState<string | null>(null);
  const p = prompt.data;
  const text = edit ?? p?.text ?? '';
  const dirty = edit !== null && p !== null && edit.trim() !== p.text.trim();
  const save = async (next: string | null) => {
    if (await action.run(() => call('prompt.update', { text: next }))) {
      setEdit(null);
      await prompt.reload();
    }
  };
  return (
    <Card title="System prompt" testId="settings-prompt">
      <ErrorText error={prompt.error} />
      {p ? (
        <form
          className="form"
          onSubmit={(e) => {
            e.preventDefault();
            void save(text);
          }}
        >
          <p className="muted" data-testid="prompt-version">
            {p.isDefault ? (
              <>
                <Badge state="muted" label="built-in default" /> Version {p.version}
              </>
            ) : (
              <>
                <Badge state="ok" label={`version ${p.version}`} /> saved <When at={p.updatedAt} />
              </>
            )}{' '}
            · each reply records the version it was written with.
          </p>
          <label>
            Instructions the assistant follows in every conversation
            <textarea className="prompt-text" value={text} onChange={(e) => setEdit(e.target.value)} rows={12} maxLength={MAX} spellCheck />
          </label>
          <p className="hint">
            {nf.format(text.length)} of {nf.format(MAX)} characters
          </p>
          <div className="actions">
            <button type="submit" disabled={!dirty || action.busy}>
              Save as a new version
            </button>
            {edit !== null ? (
              <button type="button" className="secondary" disabled={action.busy} onClick={() => setEdit(null)}>
                Discard changes
              </button>
            ) : null}
            <button type="button" className="secondary" disabled={p.isDefault || action.busy} onClick={() => void save(null)}>
              Restore the default
            </button>
          </div>
          <ErrorText error={action.error} />
        </form>
      ) : (
        <p className="muted">Loading…</p>
      )}
    </Card>
  );
}
