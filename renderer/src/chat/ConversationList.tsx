import { useMemo, useState } from 'react';
import { useChat } from '../stores/chat';
import { problemOf } from '../stores/session';
import { ConversationItem } from './ConversationItem';
import { download } from './export';
import { channelLabel, titleOf } from './words';

// The conversations beside the chat: New chat, a search over titles and channels, the list (most
// recently active first) and Export all.

export function ConversationList({ onNew, onOpen }: { onNew(): void; onOpen(id: string): void }) {
  const conversations = useChat((s) => s.conversations);
  const listLoaded = useChat((s) => s.listLoaded);
  const selected = useChat((s) => s.selected);
  const setError = useChat((s) => s.setError);
  const [query, setQuery] = useState('');
  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    if (!q) return conversations;
    return conversations.filter((c) => `${titleOf(c)} ${channelLabel(c.channel) ?? ''} ${c.channel === 'dashboard' ? '' : c.peer}`.toLowerCase().includes(q));
  }, [conversations, query]);

  return (
    <nav className="chat-sidebar-inner" aria-label="Conversations">
      <div className="chat-sidebar-head">
        <h2>Conversations</h2>
        <button type="button" className="chat-new" onClick={onNew} title="New chat (Ctrl+N)" aria-keyshortcuts="Control+N Meta+N" data-testid="new-chat">
          <svg aria-hidden="true" width="14" height="14" viewBox="0 0 14 14">
            <path d="M7 1.5v11M1.5 7h11" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
          </svg>
          New chat
        </button>
      </div>
      <label className="visually-hidden" htmlFor="conversation-search">
        Search conversations
      </label>
      <input id="conversation-search" className="chat-search" type="search" value={query} onChange={(e) => setQuery(e.target.value)} placeholder="Search conversations" data-testid="conversation-search" />
      <ul className="chat-list" data-testid="conversation-list">
        {shown.map((c) => (
          <ConversationItem key={c.id} conversation={c} active={c.id === selected} onOpen={() => onOpen(c.id)} />
        ))}
      </ul>
      {listLoaded && conversations.length === 0 ? <p className="chat-list-empty muted">No conversations yet. Your chats, and those from Telegram or WhatsApp, will be listed here.</p> : null}
      {conversations.length > 0 && shown.length === 0 ? <p className="chat-list-empty muted">No conversation matches “{query.trim()}”.</p> : null}
      <div className="chat-sidebar-foot">
        <button type="button" className="secondary" disabled={conversations.length === 0} onClick={() => download().catch((e: unknown) => setError(problemOf(e)))}>
          Export all
        </button>
      </div>
    </nav>
  );
}
