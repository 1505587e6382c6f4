import { useState, type FormEvent } from 'react';
import { Card, ErrorText } from '../components/ui';
import type { Problem } from '../problems';
import { problemsFor } from '../settings/field-problems';
import { call } from '../stores/session';

// Adding a note (dated, to today's notes file), with the notes added in this visit listed.

export function RememberSection({ onChanged }: { onChanged: () => void }) {
  const [text, setText] = useState('');
  const [added, setAdded] = useState<{ file: string; line: number; text: string }[]>([]);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const note = text.trim();
    setBusy(true);
    setProblem(null);
    try {
      const { file, line } = await call('memory.write', { text: note });
      setAdded((a) => [{ file, line, text: note }, ...a].slice(0, 20));
      setText('');
      onChanged();
    } catch (error) {
      const { byField, form } = problemsFor(error, ['text']);
      setProblem(byField.text ?? form);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title="Remember" testId="memory-remember">
      <form className="form" onSubmit={(e) => void submit(e)}>
        <label>
          Note (added, dated, to today’s notes file)
          <textarea data-testid="memory-note" value={text} onChange={(e) => setText(e.target.value)} placeholder="My passport expires in March 2027." aria-invalid={problem ? true : undefined} />
        </label>
        <div className="actions">
          <button type="submit" disabled={busy || !text.trim()}>
            Remember
          </button>
        </div>
        <ErrorText error={problem} />
      </form>
      {added.length ? (
        <div className="mem-added">
          <h3>Added in this visit</h3>
          <ul className="rows" data-testid="memory-notes">
            {added.map((n) => (
              <li key={`${n.file}:${n.line}`}>
                <span className="grow">{n.text}</span>
                <span className="muted mem-file">
                  in <code>{n.file}</code>, line {n.line}
                </span>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </Card>
  );
}
