import { useChat } from '../stores/chat';
import { Markdown } from './Markdown';

// The reply being written, drawn as markdown as it arrives. Subscribes on its own so that each
// streamed piece redraws only this bubble, not the whole conversation.

export function StreamingReply() {
  const streaming = useChat((s) => s.streaming);
  // Only the conversation being answered shows it (another may be open meanwhile).
  const running = useChat((s) => s.running && s.runningIn === s.selected);
  const stopWanted = useChat((s) => s.stopWanted);
  if (!running && !streaming) return null;
  return (
    <article className="chat-msg chat-msg-assistant chat-streaming" aria-label="Perch is writing" aria-busy={running}>
      {streaming ? (
        <div className="chat-msg-body" data-testid="streaming">
          <Markdown text={streaming} />
        </div>
      ) : (
        <p className="chat-thinking" data-testid="thinking">
          <span className="chat-dots" aria-hidden="true">
            <span />
            <span />
            <span />
          </span>
          {stopWanted ? 'Stopping…' : 'Thinking…'}
        </p>
      )}
    </article>
  );
}
