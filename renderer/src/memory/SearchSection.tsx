import { plural } from '../words';
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import type { Result } from '../../../main/contract/methods';
import { Card, Empty, ErrorText } from '../components/ui';
import { problemOf, type Problem } from '../problems';
import { call } from '../stores/session';
import { HitItem } from './Hit';

// Search notes and conversations as the owner types (300 ms after the last key), and again
// after a note is added or forgotten.

type Sources = 'all' | 'notes' | 'transcripts';
interface State {
  query: string;
  data: Result<'memory.search'> | null;
  error: Problem | null;
  pending: boolean;
}

export function SearchSection({ refresh }: { refresh: number }) {
  const [query, setQuery] = useState('');
  const [sources, setSources] = useState<Sources>('all');
  const [state, setState] = useState<State>({ query: '', data: null, error: null, pending: false });
  const ticket = useRef(0);

  const search = useCallback(async (q: string, src: Sources) => {
    const mine = ++ticket.current;
    if (!q.trim()) return setState({ query: '', data: null, error: null, pending: false });
    setState((s) => ({ ...s, pending: true }));
    try {
      const data = await call('memory.search', { query: q, limit: 20, ...(src === 'all' ? {} : { sources: [src] }) });
      if (mine === ticket.current) setState({ query: q, data, error: null, pending: false });
    } catch (error) {
      if (mine === ticket.current) setState({ query: q, data: null, error: problemOf(error), pending: false });
    }
  }, []);

  useEffect(() => {
    const timer = setTimeout(() => void search(query, sources), 300);
    return () => clearTimeout(timer);
  }, [query, sources, refresh, search]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void search(query, sources);
  };

  const items = state.data?.items ?? [];
  const best = items.reduce((m, h) => Math.max(m, h.score), 0);
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
              {plural(items.length, 'result')} for “{state.query}” ·{' '}
              {state.data.mode === 'hybrid' ? 'by keyword and meaning' : 'by keyword only (choose an embedding model in Settings to search by meaning too)'}
            </p>
          ) : null}
          {state.data && items.length === 0 ? <Empty title="Nothing found">Try other words, or fewer of them; add a note below if Perch should remember this.</Empty> : null}
          <ol className="mem-hits">
            {items.map((hit) => (
              <HitItem key={`${hit.file}:${hit.startLine}:${hit.endLine}`} hit={hit} query={state.query} best={best} />
            ))}
          </ol>
        </div>
      ) : (
        <Empty title="Search what Perch remembers">Type a few words: notes you saved and past conversations are searched as you type.</Empty>
      )}
    </Card>
  );
}
