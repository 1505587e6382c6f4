import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useChat, type Message } from '../stores/chat';
import { EmptyChat } from './EmptyChat';
import { MessageBubble, type BubbleActions } from './MessageBubble';
import { StreamingReply } from './StreamingReply';

// The open conversation, filling the pane: it keeps to the bottom while a reply streams in, unless
// the owner scrolled up to read.

const NEAR_BOTTOM_PX = 80;

interface Props {
  canWrite: boolean;
  editingId: number | null;
  onEdit(id: number | null): void;
  onPick(text: string): void;
}

/** Tool answers by the id of the call that asked for them. */
function resultsOf(messages: Message[]): Map<string, string> {
  const results = new Map<string, string>();
  for (const m of messages) if (m.role === 'tool' && m.toolCallId) results.set(m.toolCallId, m.text);
  return results;
}

export function MessageList({ canWrite, editingId, onEdit, onPick }: Props) {
  const messages = useChat((s) => s.messages);
  const earlier = useChat((s) => s.earlier);
  const running = useChat((s) => s.running);
  const answering = useChat((s) => s.running && s.runningIn === s.selected);
  const { loadEarlier, regenerate, edit } = useChat.getState();
  const scroller = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);
  const [, setTick] = useState(0);

  const results = useMemo(() => resultsOf(messages), [messages]);
  // Tool answers shown inside the call that asked for them (not on their own).
  const asked = useMemo(() => new Set(messages.flatMap((m) => (m.toolCalls ?? []).map((c) => c.id))), [messages]);
  const lastUser = useMemo(() => [...messages].reverse().find((m) => m.role === 'user' && m.id > 0), [messages]);
  const lastReply = useMemo(() => {
    const last = messages.at(-1);
    return last?.role === 'assistant' ? last : undefined;
  }, [messages]);

  // A re-render every minute keeps "2 min ago" true.
  useEffect(() => {
    const timer = setInterval(() => setTick((t) => t + 1), 60_000);
    return () => clearInterval(timer);
  }, []);
  // Follows the content as it grows (a streamed piece, a code block highlighted) while pinned.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const follow = () => {
      if (pinned.current) el.scrollTop = el.scrollHeight;
    };
    follow();
    const observer = new ResizeObserver(follow);
    for (const child of Array.from(el.children)) observer.observe(child);
    return () => observer.disconnect();
  }, [messages, running]);
  useEffect(() => {
    pinned.current = true;
  }, [messages.length]);

  const actionsFor = (m: Message): BubbleActions => {
    if (!canWrite || running) return {};
    if (m === lastReply && lastUser) return { onRegenerate: () => void regenerate() };
    if (m === lastUser) {
      if (editingId === m.id) {
        return {
          editing: {
            onSave: async (text) => {
              onEdit(null);
              const ok = await edit(m.id, text);
              if (!ok) onEdit(m.id);
              return ok;
            },
            onCancel: () => onEdit(null),
          },
        };
      }
      return { onEdit: () => onEdit(m.id) };
    }
    return {};
  };

  const empty = messages.length === 0 && !answering;
  return (
    <div
      className="chat-scroll"
      ref={scroller}
      onScroll={(e) => {
        const el = e.currentTarget;
        pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM_PX;
      }}
    >
      {empty ? (
        <EmptyChat onPick={onPick} />
      ) : (
        <div className="chat-log" role="log" aria-live="polite" aria-relevant="additions text" aria-label="Messages" data-testid="messages">
          {earlier ? (
            <button type="button" className="secondary chat-earlier" onClick={() => void loadEarlier()}>
              Show earlier messages
            </button>
          ) : null}
          {messages.map((m) =>
            m.role === 'tool' && m.toolCallId && asked.has(m.toolCallId) ? null : (
              <MessageBubble key={m.id} message={m} results={results} actions={actionsFor(m)} />
            ),
          )}
          <StreamingReply />
        </div>
      )}
    </div>
  );
}
