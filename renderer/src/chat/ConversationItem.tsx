import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useChat, type Conversation } from '../stores/chat';
import { channelLabel, localTime, relativeTime, titleOf } from './words';

// One conversation in the list: its title, its channel, when it was last active; on the open one,
// Rename (in place) and Delete (after a confirmation).

function RenameField({ conversation, onDone }: { conversation: Conversation; onDone(): void }) {
  const rename = useChat((s) => s.rename);
  const [title, setTitle] = useState(titleOf(conversation));
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.select(), []);
  const save = async () => {
    const value = title.trim();
    if (!value || value === conversation.title) return onDone();
    if (await rename(conversation.id, value)) onDone();
  };
  const onKey = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      void save();
    } else if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      onDone();
    }
  };
  return (
    <form
      className="chat-rename"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <label htmlFor={`rename-${conversation.id}`} className="visually-hidden">
        New title
      </label>
      <input id={`rename-${conversation.id}`} ref={input} value={title} maxLength={200} onChange={(e) => setTitle(e.target.value)} onKeyDown={onKey} onBlur={() => void save()} data-testid="rename-input" />
    </form>
  );
}

export function ConversationItem({ conversation, active, onOpen }: { conversation: Conversation; active: boolean; onOpen(): void }) {
  const remove = useChat((s) => s.remove);
  const [mode, setMode] = useState<'view' | 'rename' | 'confirm'>('view');
  const title = titleOf(conversation);
  const channel = channelLabel(conversation.channel);
  useEffect(() => {
    if (!active) setMode('view');
  }, [active]);

  if (mode === 'rename') {
    return (
      <li className="chat-item active">
        <RenameField conversation={conversation} onDone={() => setMode('view')} />
      </li>
    );
  }
  return (
    <li className={`chat-item${active ? ' active' : ''}`} data-testid="conversation-item">
      <button type="button" className="chat-item-open" aria-current={active ? 'true' : undefined} onClick={onOpen}>
        <span className="chat-item-title">{title}</span>
        <span className="chat-item-meta">
          {channel ? <span className={`chat-channel chat-channel-${conversation.channel}`}>{channel}</span> : null}
          <time dateTime={conversation.updatedAt} title={localTime(conversation.updatedAt)}>
            {relativeTime(conversation.updatedAt)}
          </time>
        </span>
      </button>
      {active && mode === 'view' ? (
        <span className="chat-item-tools">
          <button type="button" className="chat-icon-button" onClick={() => setMode('rename')} aria-label={`Rename “${title}”`}>
            Rename
          </button>
          <button type="button" className="chat-icon-button chat-danger-text" onClick={() => setMode('confirm')} aria-label={`Delete “${title}”`}>
            Delete
          </button>
        </span>
      ) : null}
      {active && mode === 'confirm' ? (
        <div className="chat-confirm" role="group" aria-label="Delete this conversation?">
          <p>Delete this conversation, its messages and what Perch remembers of it? This cannot be undone.</p>
          <div className="chat-confirm-actions">
            <button type="button" className="secondary" onClick={() => setMode('view')} autoFocus>
              Keep
            </button>
            <button type="button" className="danger" onClick={() => void remove(conversation.id)}>
              Delete for good
            </button>
          </div>
        </div>
      ) : null}
    </li>
  );
}
