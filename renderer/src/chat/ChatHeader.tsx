import { useChat, type Conversation } from '../stores/chat';
import { problemOf } from '../stores/session';
import { download } from './export';
import { KeepFor } from './KeepFor';
import { channelLabel, titleOf } from './words';

// Above the messages: the list button (narrow screens), the conversation's title and channel, and
// what can be done with it (how long it is kept, Export).

export function ChatHeader({ conversation, listOpen, onToggleList }: { conversation: Conversation | null; listOpen: boolean; onToggleList(): void }) {
  const setError = useChat((s) => s.setError);
  const channel = conversation ? channelLabel(conversation.channel) : null;
  return (
    <header className="chat-head">
      <button type="button" className="chat-list-toggle secondary" aria-expanded={listOpen} aria-controls="chat-sidebar" onClick={onToggleList} data-testid="conversations-toggle">
        <span aria-hidden="true">☰</span> Chats
      </button>
      <h2 className="chat-title" data-testid="chat-title">
        {conversation ? titleOf(conversation) : 'New chat'}
      </h2>
      {channel ? (
        <span className={`chat-channel chat-channel-${conversation!.channel}`} title={`With ${conversation!.peer}`}>
          {channel}
        </span>
      ) : null}
      {conversation ? (
        <div className="chat-head-actions">
          <KeepFor conversation={conversation} />
          <button type="button" className="secondary" onClick={() => download(conversation.id).catch((e: unknown) => setError(problemOf(e)))}>
            Export
          </button>
        </div>
      ) : null}
    </header>
  );
}
