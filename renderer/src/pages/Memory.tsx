import { useCallback, useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import type { EventPayload } from '../../../main/contract/events';
import type { Result } from '../../../main/contract/methods';
import { Badge, Card, Empty, ErrorText, When } from '../components/ui';
import { call, listen, messageOf, useSession } from '../stores/session';
import { useAction, useQuery } from '../use-query';
import './memory.css';

// What Perch remembers: search notes and conversations (with each hit's score, file and lines),
// the index's state and any background re-embedding, and adding or forgetting notes.

type SearchResult = Result<'memory.search'>;
type Hit = SearchResult['items'][number];
type Sources = 'all' | 'notes' | 'transcripts';
type Progress = EventPayload<'memory.progress'>;

/** The message a failed call gives for its first invalid field, else its own message. */
function reasonOf(error: unknown): string {
  const issue = (error as { data?: { issues?: { message?: unknown }[] } } | null)?.data?.issues?.[0]?.message;
  if (typeof issue === 'string' && issue) return issue.charAt(0).toUpperCase() + issue.slice(1);
  return messageOf(error);
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The text with the query's words marked. */
function Highlight({ text, query }: { text: string; query: string }): ReactNode {
  const words = [...new Set(query.split(/\s+/).filter((w) => w.length >= 2))].map(escapeRegExp);
  if (words.length === 0) return text;
  const pattern = new RegExp(`(${words.join('|')})`, 'giu');
  return text.split(pattern).map((part, i) => (i % 2 === 1 ? <mark key={i}>{part}</mark> : part));
}

function where(hit: Hit): string {
  if (hit.source === 'transcripts') return hit.startLine === hit.endLine ? `message ${hit.startLine}` : `messages ${hit.startLine}–${hit.endLine}`;
  return hit.startLine === hit.endLine ? `line ${hit.startLine}` : `lines ${hit.startLine}–${hit.endLine}`;
}

const score = (n: number | null) => (n === null ? '—' : n.toFixed(4));

function SearchCard({ refresh }: { refresh: number }) {
  const [query, setQuery] = useState('');
  const [sources, setSources] = useState<Sources>('all');
  const [state, setState] = useState<{ query: string; data: SearchResult | null; error: string | null; pending: boolean }>({ query: '', data: null, error: null, pending: false });
  const ticket = useRef(0);

  const search = useCallback(async (q: string, src: Sources) => {
    const mine = ++ticket.current;
    if (!q.trim()) {
      setState({ query: '', data: null, error: null, pending: false });
      return;
    }
    setState((s) => ({ ...s, pending: true }));
    try {
      const data = await call('memory.search', { query: q, limit: 20, ...(src === 'all' ? {} : { sources: [src] }) });
      if (mine === ticket.current) setState({ query: q, data, error: null, pending: false });
    } catch (error) {
      if (mine === ticket.current) setState({ query: q, data: null, error: reasonOf(error), pending: false });
    }
  }, []);

  // As the owner types (300 ms after the last key), and again after a note is added or forgotten.
  useEffect(() => {
    const timer = setTimeout(() => void search(query, sources), 300);
    return () => clearTimeout(timer);
  }, [query, sources, refresh, search]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void search(query, sources);
  };

  const items = state.data?.items ?? [];
  return (
    <Card title="Search memory" testId="memory-search-card">
      <form className="form-row" role="search" onSubmit={submit}>
        <label className="mem-query">
          Search notes and conversations
          <input data-testid="memory-search" type="search" value={query} onChange={(e) => setQuery(e.target.value)} placeholder="dentist appointment" autoComplete="off" />
        </label>
        <label className="mem-sources">
          Look in
          <select data-testid="memory-sources" value={sources} onChange={(e) => setSources(e.target.value as Sources)}>
            <option value="all">Notes and conversations</option>
            <option value="notes">Notes only</option>
            <option value="transcripts">Conversations only</option>
          </select>
        </label>
        <button type="submit" disabled={state.pending}>
          Search
        </button>
      </form>
      <ErrorText error={state.error} />
      {state.query ? (
        <div className="mem-results" data-testid="memory-results" aria-live="polite" aria-busy={state.pending}>
          {state.data ? (
            <p className="muted mem-mode">
              {items.length} result{items.length === 1 ? '' : 's'} for “{state.query}” ·{' '}
              {state.data.mode === 'hybrid' ? 'by keyword and meaning' : 'keyword-only (no embedding model; set one on the Settings page to search by meaning)'}
            </p>
          ) : null}
          {state.data && items.length === 0 ? (
            <Empty title="Nothing found">Try other words, or fewer of them; add a note below if Perch should remember this.</Empty>
          ) : null}
          <ol className="mem-hits">
            {items.map((hit) => (
              <li key={`${hit.file}:${hit.startLine}:${hit.endLine}`} data-testid="memory-result">
                <div className="mem-meta">
                  <Badge state={hit.source === 'notes' ? 'ok' : 'muted'} label={hit.source === 'notes' ? 'note' : 'conversation'} />
                  <code className="mem-file">{hit.file}</code>
                  <span className="muted">{where(hit)}</span>
                  <span className="mem-score" title={`meaning ${score(hit.vectorScore)} · keyword ${score(hit.keywordScore)}`}>
                    score {score(hit.score)}
                  </span>
                </div>
                <p className="mem-text">
                  <Highlight text={hit.text} query={state.query} />
                </p>
              </li>
            ))}
          </ol>
        </div>
      ) : (
        <Empty title="Search what Perch remembers">Type a few words: notes you saved and past conversations are searched as you type.</Empty>
      )}
    </Card>
  );
}

function IndexCard({ refresh }: { refresh: number }) {
  const status = useQuery('memory.status', undefined, ['settings.changed']);
  const notes = useQuery('memory.notes', undefined);
  const client = useSession((s) => s.client);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [scanned, setScanned] = useState<string | null>(null);
  const action = useAction();
  const reloadStatus = status.reload;
  const reloadNotes = notes.reload;
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
      setScanned(`Checked every note: ${indexed} re-indexed, ${unchanged} unchanged, ${removed} dropped.`);
      await Promise.all([reloadStatus(), reloadNotes()]);
    });

  const memory = status.data;
  const percent = progress && progress.total > 0 ? Math.round((progress.embedded / progress.total) * 100) : progress?.done ? 100 : 0;

  return (
    <Card
      title="Index"
      testId="memory-index"
      actions={
        <button className="secondary" disabled={action.busy} onClick={reindex}>
          {action.busy ? 'Re-indexing…' : 'Re-index now'}
        </button>
      }
    >
      <ErrorText error={status.error ?? action.error} />
      <p data-testid="memory-status" className="mem-status">
        {memory ? (
          <>
            <Badge state={memory.degraded ? 'degraded' : 'ok'} label={memory.mode} /> {memory.detail}
          </>
        ) : (
          <span className="muted">…</span>
        )}
      </p>
      {memory?.skipped.length ? (
        <ul className="rows" data-testid="memory-skipped" aria-label="Files left out of the index">
          {memory.skipped.map((s) => (
            <li key={s.file}>
              <code className="grow">{s.file}</code>
              <Badge state="degraded" label={`not indexed: ${s.reason}`} />
            </li>
          ))}
        </ul>
      ) : null}
      {scanned ? <p role="status">{scanned}</p> : null}
      <div className="mem-progress" data-testid="memory-progress" role="status" aria-live="polite">
        {progress ? (
          <>
            <progress max={Math.max(progress.total, 1)} value={progress.total ? progress.embedded : progress.done ? 1 : 0} aria-label="Embedding progress" />
            <span>
              {progress.done ? `Done: ${progress.embedded} of ${progress.total} chunks have vectors.` : `Embedding… ${progress.embedded} of ${progress.total} chunks (${percent}%). Search keeps working meanwhile.`}
            </span>
          </>
        ) : (
          <span className="muted">No re-embedding running.</span>
        )}
      </div>
      <h3>Notes</h3>
      {notes.data?.items.length === 0 ? <Empty title="No notes yet">Add one below, or put Markdown files in the notes folder.</Empty> : null}
      <ul className="rows" data-testid="memory-files">
        {(notes.data?.items ?? []).map((n) => (
          <li key={n.file}>
            <code className="grow">{n.file}</code>
            <span className="muted">{n.bytes.toLocaleString()} bytes</span>
            <When at={n.modifiedAt} />
            {n.indexed ? <Badge state="ok" label="indexed" /> : <Badge state="pending" label="not indexed" />}
          </li>
        ))}
      </ul>
      <p className="muted mem-help">
        Perch keeps the index up to date by itself: a note edited in any editor{memory ? (
          <>
            {' '}
            (in <code>{memory.notesDir}</code>)
          </>
        ) : null}{' '}
        is re-indexed within a second, and choosing another embedding model on the Settings page re-embeds everything in the background, with its progress shown here.
      </p>
    </Card>
  );
}

function RememberCard({ onChanged }: { onChanged: () => void }) {
  const [text, setText] = useState('');
  const [added, setAdded] = useState<{ file: string; line: number; text: string }[]>([]);
  const action = useAction();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const note = text.trim();
    const ok = await action.run(async () => {
      try {
        const { file, line } = await call('memory.write', { text: note });
        setAdded((a) => [{ file, line, text: note }, ...a].slice(0, 20));
      } catch (error) {
        throw new Error(reasonOf(error));
      }
    });
    if (ok) {
      setText('');
      onChanged();
    }
  };
  return (
    <Card title="Remember" testId="memory-remember">
      <form className="form" onSubmit={(e) => void submit(e)}>
        <label>
          Note (added, dated, to today’s notes file)
          <textarea data-testid="memory-note" value={text} onChange={(e) => setText(e.target.value)} placeholder="My passport expires in March 2027." />
        </label>
        <div className="actions">
          <button type="submit" disabled={action.busy || !text.trim()}>
            Remember
          </button>
        </div>
        <ErrorText error={action.error} />
      </form>
      {added.length ? (
        <div className="mem-added">
          <h3>Added in this session</h3>
          <ul className="rows" data-testid="memory-notes">
            {added.map((n) => (
              <li key={`${n.file}:${n.line}`}>
                <span className="grow">{n.text}</span>
                <code className="mem-file">
                  {n.file}:{n.line}
                </code>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </Card>
  );
}

function ForgetCard({ onChanged }: { onChanged: () => void }) {
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
      try {
        const { files, lines } = await call('memory.forget', { text: what });
        // A file named by the text is deleted whole (0 lines); otherwise the lines go from the files listed.
        setOutcome(
          files.length === 0
            ? `No note mentions “${what}”: nothing was deleted.`
            : lines === 0
              ? `Deleted the note file ${files.join(', ')}.`
              : `Removed ${lines} note line${lines === 1 ? '' : 's'} from ${files.join(', ')}.`,
        );
      } catch (error) {
        throw new Error(reasonOf(error));
      }
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

export function MemoryPage() {
  // Bumped when a note is added or forgotten: the search runs again.
  const [refresh, setRefresh] = useState(0);
  const changed = useCallback(() => setRefresh((n) => n + 1), []);
  return (
    <>
      <SearchCard refresh={refresh} />
      <IndexCard refresh={refresh} />
      <div className="two">
        <RememberCard onChanged={changed} />
        <ForgetCard onChanged={changed} />
      </div>
    </>
  );
}
