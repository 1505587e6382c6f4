import { memo } from 'react';
import type { Message } from '../stores/chat';
import { CopyButton } from './CopyButton';
import { EditMessage } from './EditMessage';
import { Markdown } from './Markdown';
import { LooseToolResult, ToolCall } from './ToolCall';
import { localTime, modelLabel, relativeTime } from './words';

// One message: the owner's as plain text (whitespace kept), the assistant's as markdown with the
// tools it used, each with Copy; the last ones with Regenerate or Edit.

export interface BubbleActions {
  /** Set on the last reply of a conversation the owner can write to. */
  onRegenerate?: (() => void) | undefined;
  /** Set on the owner's last message. */
  onEdit?: (() => void) | undefined;
  editing?: { onSave(text: string): Promise<boolean>; onCancel(): void } | undefined;
}

function Meta({ message }: { message: Message }) {
  const model = modelLabel(message.model);
  return (
    <span className="chat-meta">
      <time dateTime={message.createdAt} title={localTime(message.createdAt)}>
        {relativeTime(message.createdAt)}
      </time>
      {model ? <span title={message.provider ? `${message.provider} · ${model}` : model}> · {model}</span> : null}
    </span>
  );
}

export const MessageBubble = memo(function MessageBubble({ message, results, actions }: { message: Message; results: Map<string, string>; actions: BubbleActions }) {
  if (message.role === 'tool') return <LooseToolResult message={message} />;
  if (message.role === 'system') {
    return (
      <div className="chat-system" data-testid="message-system">
        {message.text}
      </div>
    );
  }
  const mine = message.role === 'user';
  if (mine && actions.editing) {
    return (
      <article className="chat-msg chat-msg-user" aria-label="Your message, being edited">
        <EditMessage initial={message.text} onSave={actions.editing.onSave} onCancel={actions.editing.onCancel} />
      </article>
    );
  }
  const calls = message.toolCalls ?? [];
  return (
    <article className={`chat-msg chat-msg-${message.role}`} data-testid={`message-${message.role}`} aria-label={mine ? 'You' : 'Perch'}>
      {mine ? (
        <div className="chat-msg-body chat-plain">{message.text}</div>
      ) : (
        <>
          {calls.map((call) => (
            <ToolCall key={call.id} call={call} result={results.get(call.id)} />
          ))}
          {message.text ? (
            <div className="chat-msg-body">
              <Markdown text={message.text} />
            </div>
          ) : null}
          {message.stopped ? (
            <p className="chat-stopped" data-testid="stopped">
              Stopped
            </p>
          ) : null}
        </>
      )}
      <footer className="chat-msg-foot">
        <Meta message={message} />
        <span className="chat-msg-actions">
          {message.text ? <CopyButton text={() => message.text} label={mine ? 'Copy your message' : 'Copy the reply'} /> : null}
          {actions.onEdit ? (
            <button type="button" className="chat-icon-button" onClick={actions.onEdit} aria-label="Edit your message and send it again">
              Edit
            </button>
          ) : null}
          {actions.onRegenerate ? (
            <button type="button" className="chat-icon-button" onClick={actions.onRegenerate} aria-label="Regenerate the reply">
              Regenerate
            </button>
          ) : null}
        </span>
      </footer>
    </article>
  );
});
