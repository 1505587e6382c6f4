import { useState, type FormEvent } from 'react';
import { Card, ErrorText } from '../components/ui';
import { call } from '../stores/session';
import { useAction } from '../use-query';
import { plural } from '../words';

// Forgetting: every note line mentioning a text (or a note file by its name) is deleted after a
// confirmation; conversations are kept.


function outcomeOf(what: string, files: string[], lines: number): string {
  if (files.length === 0) return `No note mentions “${what}”: nothing was deleted.`;
  // A file named by the text is deleted whole (0 lines); otherwise the lines go from the files listed.
  if (lines === 0) return `Deleted the note file ${files.join(', ')}.`;
  return `Removed ${plural(lines, 'note line')} from ${files.join(', ')}.`;
}

export function ForgetSection({ onChanged }: { onChanged: () => void }) {
  const [text, setText] = useState('');
  const [confirming, setConfirming] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<string | null>(null);
  const action = useAction();
  const ask = (event: FormEvent) => {
    event.preventDefault();
    setOutcome(null);
    action.clear();
    if (text.trim()) setConfirming(text.trim());
  };
  const forget = async (what: string) => {
    const ok = await action.run(async () => {
      const { files, lines } = await call('memory.forget', { text: what });
      setOutcome(outcomeOf(what, files, lines));
    });
    setConfirming(null);
    if (ok) {
      setText('');
      onChanged();
    }
  };
  return (
    <Card title="Forget" testId="memory-forget-card">
      <form className="form" onSubmit={ask}>
        <label>
          Text to forget, or a note file’s name
          <input data-testid="memory-forget" value={text} onChange={(e) => setText(e.target.value)} placeholder="old address" autoComplete="off" maxLength={1000} />
        </label>
        <p className="muted mem-help">Every note line mentioning it is deleted (conversations are kept). This cannot be undone.</p>
        {confirming ? (
          <div className="mem-confirm" role="group" aria-label="Confirm forgetting">
            <span>Delete every note line mentioning “{confirming}”?</span>
            <button type="button" className="danger" autoFocus disabled={action.busy} onClick={() => void forget(confirming)}>
              Confirm
            </button>
            <button type="button" className="secondary" onClick={() => setConfirming(null)}>
              Cancel
            </button>
          </div>
        ) : (
          <div className="actions">
            <button type="submit" className="danger" disabled={!text.trim()}>
              Forget
            </button>
          </div>
        )}
        <ErrorText error={action.error} />
        {outcome ? (
          <p role="status" data-testid="memory-forget-result">
            {outcome}
          </p>
        ) : null}
      </form>
    </Card>
  );
}
