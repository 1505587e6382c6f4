import { useEffect, useState } from 'react';
import type { EventPayload } from '../../../main/contract/events';
import type { Result } from '../../../main/contract/methods';
import { Badge, Card, ErrorText } from '../components/ui';
import { call, listen, useSession } from '../stores/session';
import { useAction, useQuery } from '../use-query';
import { plural } from '../words';
import { NotesList } from './NotesList';

// How memory searches now (in a sentence; the server's own line under Details), the files left
// out, re-embedding in the background, the notes, and a button to check every note now.

type Progress = EventPayload<'memory.progress'>;

function howItSearches(memory: Result<'memory.status'>): string {
  if (memory.mode === 'hybrid') return 'Searches by meaning and by keywords.';
  if (memory.degraded) return 'Searches by keywords only for now: the embedding model does not answer. Check it in Settings → Models.';
  return 'Searches by keywords only: no embedding model is chosen. Choose one in Settings → Models to search by meaning too.';
}

function notesLine(notes: Result<'memory.notes'> | null): string {
  if (!notes) return '';
  const n = notes.items.length;
  const indexed = notes.items.filter((x) => x.indexed).length;
  if (n === 0) return ' No notes yet.';
  return ` ${plural(n, 'note')}, ${indexed === n ? (n === 1 ? 'searchable' : 'all searchable') : `${indexed} searchable so far`}.`;
}

function ProgressLine({ progress }: { progress: Progress | null }) {
  if (!progress) return <span className="muted">No re-embedding running.</span>;
  const percent = progress.total > 0 ? Math.round((progress.embedded / progress.total) * 100) : 100;
  return (
    <>
      <progress max={Math.max(progress.total, 1)} value={progress.total ? progress.embedded : progress.done ? 1 : 0} aria-label="Embedding progress" />
      <span>
        {progress.done
          ? `Done: all ${plural(progress.total, 'passage')} can be found by meaning.`
          : `Reading for meaning… ${progress.embedded.toLocaleString()} of ${plural(progress.total, 'passage')} (${percent} %). Search keeps working meanwhile.`}
      </span>
    </>
  );
}

export function IndexSection({ refresh }: { refresh: number }) {
  const status = useQuery('memory.status', undefined, ['settings.changed']);
  const notes = useQuery('memory.notes', undefined);
  const client = useSession((s) => s.client);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [scanned, setScanned] = useState<string | null>(null);
  const action = useAction();
  const { reload: reloadStatus } = status;
  const { reload: reloadNotes } = notes;
  useEffect(() => {
    if (refresh) {
      void reloadStatus();
      void reloadNotes();
    }
  }, [refresh, reloadStatus, reloadNotes]);
  useEffect(() => {
    if (!client) return;
    return listen('memory.progress', (p) => {
      setProgress(p);
      if (p.done) void reloadStatus();
    });
  }, [client, reloadStatus]);
  const reindex = () =>
    void action.run(async () => {
      const { indexed, unchanged, removed } = await call('memory.reindex');
      setScanned(`Checked every note: ${indexed} re-indexed, ${unchanged} unchanged, ${removed} removed from the index.`);
      await Promise.all([reloadStatus(), reloadNotes()]);
    });
  const memory = status.data;

  return (
    <Card
      title="Index"
      testId="memory-index"
      actions={
        <button type="button" className="secondary" disabled={action.busy} onClick={reindex}>
          {action.busy ? 'Re-indexing…' : 'Re-index now'}
        </button>
      }
    >
      <ErrorText error={status.error ?? action.error} />
      <div data-testid="memory-status" className="mem-status">
        {memory ? (
          <>
            <p>
              <Badge state={memory.degraded ? 'degraded' : 'ok'} label={memory.mode === 'hybrid' ? 'meaning and keywords' : 'keywords only'} /> {howItSearches(memory)}
              {notesLine(notes.data)}
            </p>
            <details className="error-details">
              <summary>Details</summary>
              <code>{memory.detail}</code>
            </details>
          </>
        ) : (
          <span className="muted">…</span>
        )}
      </div>
      {memory?.skipped.length ? (
        <ul className="rows" data-testid="memory-skipped" aria-label="Files left out of the index">
          {memory.skipped.map((s) => (
            <li key={s.file}>
              <code className="grow">{s.file}</code>
              <Badge state="degraded" label={`left out: ${s.reason}`} />
            </li>
          ))}
        </ul>
      ) : null}
      {scanned ? <p role="status">{scanned}</p> : null}
      <div className="mem-progress" data-testid="memory-progress" role="status" aria-live="polite">
        <ProgressLine progress={progress} />
      </div>
      <h3>Notes</h3>
      <NotesList notes={notes.data} />
      <p className="muted mem-help">
        Perch keeps the index up to date by itself: a note edited in any editor
        {memory ? (
          <>
            {' '}
            (in <code>{memory.notesDir}</code>)
          </>
        ) : null}{' '}
        is re-indexed within a second, and choosing another embedding model in Settings re-reads everything in the background, with its progress shown here.
      </p>
    </Card>
  );
}
