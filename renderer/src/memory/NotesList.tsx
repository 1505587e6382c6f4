import type { Result } from '../../../main/contract/methods';
import { Badge, Empty, When } from '../components/ui';
import { humanBytes } from '../words';

// The note files, newest first, each with its size, when it changed and whether it is searchable yet.

export function NotesList({ notes }: { notes: Result<'memory.notes'> | null }) {
  if (notes?.items.length === 0) return <Empty title="No notes yet">Add one below, or put Markdown files in the notes folder.</Empty>;
  return (
    <ul className="rows mem-notes" data-testid="memory-files">
      {(notes?.items ?? []).map((n) => (
        <li key={n.file}>
          <code className="grow">{n.file}</code>
          <span className="muted nowrap">{humanBytes(n.bytes)}</span>
          <When at={n.modifiedAt} />
          {n.indexed ? <Badge state="ok" label="searchable" /> : <Badge state="pending" label="being indexed" />}
        </li>
      ))}
    </ul>
  );
}
