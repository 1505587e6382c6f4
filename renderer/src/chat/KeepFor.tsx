import { useChat, type Conversation } from '../stores/chat';
import { call, problemOf } from '../stores/session';

// How long a conversation keeps its messages: its own choice, or the default from Settings.

const KEEP: Array<[string, string]> = [
  ['default', 'As in Settings'],
  ['7', '7 days'],
  ['30', '30 days'],
  ['90', '90 days'],
  ['365', 'A year'],
  ['0', 'Forever'],
];

export function KeepFor({ conversation }: { conversation: Conversation }) {
  const { setError, loadConversations } = useChat.getState();
  const days = conversation.retentionDays;
  const value = days === null ? 'default' : String(days);
  const options = KEEP.some(([v]) => v === value) ? KEEP : [...KEEP, [value, `${value} days`] as [string, string]];
  return (
    <label className="chat-keep">
      <span>Keep</span>
      <select
        value={value}
        data-testid="conversation-retention"
        aria-label="Keep messages for"
        onChange={(e) => {
          const next = e.target.value === 'default' ? null : Number(e.target.value);
          call('conversations.setRetention', { conversationId: conversation.id, days: next }).then(
            () => loadConversations(),
            (error: unknown) => setError(problemOf(error)),
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
