import { useEffect, useMemo, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { Badge, Card, Empty, ErrorText, When } from '../components/ui';
import { useChat, type Message } from '../stores/chat';
import { call, messageOf, useSession } from '../stores/session';

// Every conversation (dashboard, Telegram, WhatsApp, scheduled jobs) with search, one opened with
// its messages (tool calls and their outcomes included), and the owner's own chat with the agent.

function Bubble({ message }: { message: Message }) {
  if (message.role === 'tool') {
    return (
      <div className="msg msg-tool" data-testid="message-tool">
        <span className="muted">Tool result</span>
        <pre className="output">{message.text}</pre>
      </div>
    );
  }
  return (
    <div className={`msg msg-${message.role}`} data-testid={`message-${message.role}`}>
      {message.text ? <div className="msg-text">{message.text}</div> : null}
      {(message.toolCalls ?? []).map((call) => (
        <div key={call.id} className="tool-call">
          <Badge state="running" label={`calls ${call.name}`} /> <code>{JSON.stringify(call.args)}</code>
        </div>
      ))}
      <div className="msg-meta muted">
        <When at={message.createdAt} />
        {message.model ? ` · ${message.provider}:${message.model}` : ''}
      </div>
    </div>
  );
}

/** Saves an archive as a JSON file through the browser's download. */
async function download(conversationId?: string): Promise<void> {
  const { archive } = await call('conversations.export', conversationId ? { conversationId } : {});
  const url = URL.createObjectURL(new Blob([JSON.stringify(archive, null, 2)], { type: 'application/json' }));
  const link = Object.assign(document.createElement('a'), { href: url, download: `perch-${conversationId ?? 'all'}-${archive.exportedAt.slice(0, 10)}.json` });
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** How long a conversation keeps its messages: its own choice, or the default from Settings. */
const KEEP: Array<[string, string]> = [
  ['default', 'As in Settings'],
  ['7', '7 days'],
  ['30', '30 days'],
  ['90', '90 days'],
  ['365', 'A year'],
  ['0', 'Forever'],
];

function KeepFor({ conversationId, days, onChanged }: { conversationId: string; days: number | null; onChanged: (error: string | null) => void }) {
  const value = days === null ? 'default' : String(days);
  const options = KEEP.some(([v]) => v === value) ? KEEP : [...KEEP, [value, `${value} days`] as [string, string]];
  return (
    <label className="inline">
      Keep messages
      <select
        value={value}
        data-testid="conversation-retention"
        onChange={(e) => {
          const next = e.target.value === 'default' ? null : Number(e.target.value);
          call('conversations.setRetention', { conversationId, days: next }).then(
            () => onChanged(null),
            (error: unknown) => onChanged(messageOf(error)),
          );
        }}
      >
        {options.map(([v, label]) => (
          <option key={v} value={v}>
            {label}
          </option>
        ))}
      </select>
    </label>
  );
}

export function ChatPage() {
  const { conversations, selected, messages, streaming, sending, error, loadConversations, select, send, follow } = useChat();
  const epoch = useSession((s) => s.epoch);
  const [query, setQuery] = useState('');
  const [text, setText] = useState('');
  const [confirmWipe, setConfirmWipe] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const end = useRef<HTMLDivElement>(null);
  const act = (work: () => Promise<unknown>) => {
    setActionError(null);
    work().catch((e: unknown) => setActionError(messageOf(e)));
  };
  const wipe = (id: string) =>
    act(async () => {
      await call('conversations.wipe', { conversationId: id });
      setConfirmWipe(false);
      await select(null);
      await loadConversations();
    });

  useEffect(() => follow(), [follow, epoch]);
  // On every (re)connection: the list, and the open conversation again (read once: not a dependency).
  useEffect(() => {
    void loadConversations();
    const open = useChat.getState().selected;
    if (open) void select(open);
  }, [epoch, loadConversations, select]);
  useEffect(() => {
    end.current?.scrollIntoView?.({ block: 'end' });
  }, [messages.length, streaming]);

  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    return q ? conversations.filter((c) => `${c.title} ${c.channel} ${c.peer}`.toLowerCase().includes(q)) : conversations;
  }, [conversations, query]);
  const current = conversations.find((c) => c.id === selected);
  const mine = !current || current.channel === 'dashboard';

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    const value = text.trim();
    if (!value || sending) return;
    setText('');
    void send(value);
  };
  const onKey = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey) submit(event as unknown as FormEvent);
  };

  return (
    <div className="chat-layout">
      <Card
        title="Conversations"
        actions={
          <>
            <button className="secondary" onClick={() => void select(null)}>
              New chat
            </button>
            <button className="secondary" disabled={conversations.length === 0} onClick={() => act(() => download())}>
              Export all
            </button>
          </>
        }
      >
        <label>
          Search
          <input type="search" value={query} onChange={(e) => setQuery(e.target.value)} placeholder="Title, channel or person" data-testid="conversation-search" />
        </label>
        {conversations.length === 0 ? <Empty title="No conversations yet">Write to the assistant on the right, or from Telegram or WhatsApp once they are set up.</Empty> : null}
        <ul className="rows conversation-list" data-testid="conversation-list">
          {shown.map((c) => (
            <li key={c.id}>
              <button className={`link ${c.id === selected ? 'active' : ''}`} aria-current={c.id === selected ? 'true' : undefined} onClick={() => void select(c.id)}>
                <span className="grow">{c.title || '(untitled)'}</span>
                <Badge state="stopped" label={c.channel} />
                <span className="muted">{c.messageCount}</span>
              </button>
            </li>
          ))}
        </ul>
      </Card>
      <Card
        title={current ? `${current.title || 'Conversation'} · ${current.channel}${current.channel !== 'dashboard' ? ` ${current.peer}` : ''}` : 'Chat with Perch'}
        actions={
          current ? (
            <>
              {mine ? (
                <button className="secondary" disabled={sending} onClick={() => void send('/reset')}>
                  Reset context
                </button>
              ) : null}
              <KeepFor
                conversationId={current.id}
                days={current.retentionDays}
                onChanged={(problem) => {
                  setActionError(problem);
                  if (!problem) void loadConversations();
                }}
              />
              <button className="secondary" onClick={() => act(() => download(current.id))}>
                Export
              </button>
              {confirmWipe ? (
                <>
                  <button className="danger" onClick={() => wipe(current.id)}>
                    Delete for good
                  </button>
                  <button className="secondary" onClick={() => setConfirmWipe(false)}>
                    Keep
                  </button>
                </>
              ) : (
                <button className="danger" onClick={() => setConfirmWipe(true)}>
                  Delete…
                </button>
              )}
            </>
          ) : null
        }
        testId="chat"
      >
        <div className="messages" aria-live="polite" data-testid="messages">
          {messages.length === 0 && !streaming ? <Empty title="Say hello">Ask anything; try /help for the commands.</Empty> : null}
          {messages.map((m) => (
            <Bubble key={m.id} message={m} />
          ))}
          {streaming ? (
            <div className="msg msg-assistant streaming" data-testid="streaming">
              <div className="msg-text">{streaming}</div>
            </div>
          ) : sending ? (
            <p className="muted">Thinking…</p>
          ) : null}
          <div ref={end} />
        </div>
        <ErrorText error={error ?? actionError} />
        {confirmWipe ? <p className="error">This deletes the conversation, its messages and what Perch remembers of it. It cannot be undone.</p> : null}
        {mine ? (
          <form className="composer" onSubmit={submit}>
            <label className="grow">
              Message
              <textarea value={text} onChange={(e) => setText(e.target.value)} onKeyDown={onKey} placeholder="Write to Perch… (Enter sends, Shift+Enter for a new line)" data-testid="chat-input" />
            </label>
            <button type="submit" disabled={sending || !text.trim()}>
              Send
            </button>
          </form>
        ) : (
          <p className="muted">This conversation happens in {current?.channel}; answers go there.</p>
        )}
      </Card>
    </div>
  );
}
