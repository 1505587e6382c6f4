import { useCallback, useEffect, useRef, useState } from 'react';
import { ErrorText } from '../components/ui';
import { useChat } from '../stores/chat';
import { useSession } from '../stores/session';
import { ChatHeader } from './ChatHeader';
import { Composer, type ComposerHandle } from './Composer';
import { ConversationList } from './ConversationList';
import { MessageList } from './MessageList';
import { useChatRoute } from './use-chat-route';
import { useFullHeight } from './use-full-height';
import { channelLabel } from './words';
import './chat.css';

// The home of the app: the conversations beside the open one, which fills the window with the
// composer pinned at the bottom. On narrow screens the list folds behind the "Chats" button.
// Keyboard: Ctrl/Cmd+N starts a new chat, Esc stops a reply (the composer adds Enter and Up).

const NARROW = '(max-width: 760px)';

export function ChatPage() {
  const conversations = useChat((s) => s.conversations);
  const selected = useChat((s) => s.selected);
  const error = useChat((s) => s.error);
  const messages = useChat((s) => s.messages);
  const { follow, select, stop, setError } = useChat.getState();
  const [listOpen, setListOpen] = useState(false);
  const [editingId, setEditingId] = useState<number | null>(null);
  const composer = useRef<ComposerHandle>(null);
  const root = useRef<HTMLDivElement>(null);
  const client = useSession((s) => s.client);

  useChatRoute();
  useFullHeight(root);
  useEffect(() => follow(), [follow, client]);
  useEffect(() => setEditingId(null), [selected]);

  const current = conversations.find((c) => c.id === selected) ?? null;
  const canWrite = !current || current.channel === 'dashboard';

  const open = useCallback(
    (id: string | null) => {
      setListOpen(false);
      void select(id);
      if (!window.matchMedia(NARROW).matches || id === null) composer.current?.focus();
    },
    [select],
  );

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && !event.shiftKey && !event.altKey && event.key.toLowerCase() === 'n') {
        event.preventDefault();
        open(null);
      } else if (event.key === 'Escape' && !event.defaultPrevented) {
        if (useChat.getState().running) void stop();
        else setListOpen(false);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [open, stop]);

  const editLast = () => {
    const last = [...messages].reverse().find((m) => m.role === 'user' && m.id > 0);
    if (!canWrite || !last || useChat.getState().running) return false;
    setEditingId(last.id);
    return true;
  };

  return (
    <div className={`chat${listOpen ? ' list-open' : ''}`} ref={root} data-testid="chat">
      <aside id="chat-sidebar" className="chat-sidebar">
        <ConversationList onNew={() => open(null)} onOpen={(id) => open(id)} />
      </aside>
      {listOpen ? <div className="chat-scrim" aria-hidden="true" onClick={() => setListOpen(false)} /> : null}
      <section className="chat-pane" aria-label={current ? 'Conversation' : 'New chat'}>
        <ChatHeader conversation={current} listOpen={listOpen} onToggleList={() => setListOpen(!listOpen)} />
        <MessageList canWrite={canWrite} editingId={editingId} onEdit={setEditingId} onPick={(text) => composer.current?.fill(text)} />
        <div className="chat-bottom">
          {error ? (
            <div className="chat-error">
              <ErrorText error={error} />
              <button type="button" className="chat-icon-button" onClick={() => setError(null)} aria-label="Dismiss the error">
                Dismiss
              </button>
            </div>
          ) : null}
          {canWrite ? (
            <Composer ref={composer} onEditLast={editLast} />
          ) : (
            <p className="chat-readonly muted" data-testid="read-only">
              This conversation happens in {channelLabel(current!.channel)}; Perch answers there. Start a New chat to write to Perch here.
            </p>
          )}
        </div>
      </section>
    </div>
  );
}
