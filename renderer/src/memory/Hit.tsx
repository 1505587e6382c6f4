import type { ReactNode } from 'react';
import type { Result } from '../../../main/contract/methods';
import { Badge } from '../components/ui';

// One search result: where it comes from, how well it matches (a word and a bar, relative to
// the best result; the raw scores in a title), and its text with the query's words marked.

export type Hit = Result<'memory.search'>['items'][number];

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

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

const score = (n: number | null) => (n === null ? 'none' : n.toFixed(4));

function relevance(share: number): string {
  if (share >= 0.85) return 'Best match';
  if (share >= 0.6) return 'Good match';
  if (share >= 0.35) return 'Partial match';
  return 'Weak match';
}

export function HitItem({ hit, query, best }: { hit: Hit; query: string; best: number }) {
  const share = best > 0 ? Math.max(0, Math.min(1, hit.score / best)) : 0;
  const note = hit.source === 'notes';
  return (
    <li data-testid="memory-result">
      <div className="mem-meta">
        <Badge state={note ? 'ok' : 'muted'} label={note ? 'note' : 'conversation'} />
        {note ? <code className="mem-file">{hit.file}</code> : null}
        <span className="muted" title={note ? undefined : hit.file}>
          {where(hit)}
        </span>
        <span className="mem-score" title={`Score ${score(hit.score)} (meaning ${score(hit.vectorScore)}, keywords ${score(hit.keywordScore)})`}>
          <span className="mem-bar" aria-hidden="true">
            <span style={{ width: `${Math.round(share * 100)}%` }} />
          </span>
          {relevance(share)}
        </span>
      </div>
      <p className="mem-text">
        <Highlight text={hit.text} query={query} />
      </p>
    </li>
  );
}
