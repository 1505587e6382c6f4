import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import type { conversationSchema, messageSchema, systemPromptSchema, toolCallSchema } from '../contract/methods';
import type { Db } from '../store/database';
import { prepared, transactor, type Prepared } from '../store/prepared';
import { decodeCursor, encodeCursor } from '../store/cursor';
import type { Migration } from '../store/migrations';
import { titleFrom } from './title';

// Conversations keyed by (channel, peer) (a dashboard conversation's peer is its own id, so the
// dashboard can hold many) and their messages, with what produced each reply
// (provider, model, prompt version) and its token counts. Nothing is deleted by /reset: it only
// moves the point from which history is fed to the model.

export type Conversation = z.output<typeof conversationSchema>;
export type StoredMessage = z.output<typeof messageSchema>;
export type ToolCall = z.output<typeof toolCallSchema>;
export type SystemPrompt = z.output<typeof systemPromptSchema>;

export const agentMigrations: Migration[] = [
  {
    domain: 'agent',
    version: 1,
    name: 'conversations and messages',
    up: (db) =>
      db.exec(`
        CREATE TABLE conversations (
          id TEXT PRIMARY KEY,
          channel TEXT NOT NULL,
          peer TEXT NOT NULL,
          title TEXT NOT NULL DEFAULT '',
          summary TEXT NOT NULL DEFAULT '',
          summary_until INTEGER NOT NULL DEFAULT 0,
          context_from INTEGER NOT NULL DEFAULT 0,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          UNIQUE (channel, peer)) STRICT;
        CREATE INDEX conversations_recent ON conversations (updated_at DESC, id);
        CREATE TABLE messages (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
          role TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'tool', 'system')),
          text TEXT NOT NULL,
          tool_calls TEXT,
          tool_call_id TEXT,
          provider TEXT,
          model TEXT,
          tokens_in INTEGER NOT NULL DEFAULT 0,
          tokens_out INTEGER NOT NULL DEFAULT 0,
          prompt_version INTEGER,
          created_at TEXT NOT NULL) STRICT;
        CREATE INDEX messages_by_conversation ON messages (conversation_id, id);
        CREATE TABLE system_prompts (
          version INTEGER PRIMARY KEY,
          text TEXT NOT NULL,
          created_at TEXT NOT NULL) STRICT;
      `),
  },
  {
    domain: 'agent',
    version: 2,
    name: 'per-conversation retention, and the source of a user message',
    // retention_days NULL: the default (privacy.retentionDays); 0: keep forever.
    // source_id: the chat message a user message came from (channel:provider id), so a message
    // answered again after a crash resumes its turn instead of starting it over.
    up: (db) =>
      db.exec(`
        ALTER TABLE conversations ADD COLUMN retention_days INTEGER;
        CREATE INDEX messages_by_time ON messages (created_at);
        ALTER TABLE messages ADD COLUMN source_id TEXT;
        CREATE UNIQUE INDEX messages_by_source ON messages (conversation_id, source_id, role) WHERE source_id IS NOT NULL;
      `),
  },
  {
    domain: 'agent',
    version: 3,
    name: 'replies cut short by Stop, and titles the owner gave',
    // Several dashboard conversations: each new one gets a peer of its own (its id), so
    // UNIQUE (channel, peer) still keeps one conversation per chat on Telegram and WhatsApp, and
    // the conversation that was "the" dashboard chat (peer 'owner') stays where it is.
    // title_set: the owner named it, so the first-message rule never overwrites the title.
    up: (db) =>
      db.exec(`
        ALTER TABLE messages ADD COLUMN stopped INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE conversations ADD COLUMN title_set INTEGER NOT NULL DEFAULT 0;
      `),
  },
];

/** A message as the model's context needs it. */
export type HistoryMessage = Pick<StoredMessage, 'id' | 'role' | 'text' | 'toolCalls' | 'toolCallId'>;

export interface NewMessage {
  role: StoredMessage['role'];
  text: string;
  toolCalls?: ToolCall[];
  toolCallId?: string;
  provider?: string | null;
  model?: string | null;
  tokensIn?: number;
  tokensOut?: number;
  promptVersion?: number | null;
  /** The chat message a user message came from, or that a final reply answers. */
  sourceId?: string;
  /** A reply cut short by Stop. */
  stopped?: boolean;
}

interface ConversationRow {
  id: string;
  channel: string;
  peer: string;
  title: string;
  created_at: string;
  updated_at: string;
  message_count: number;
  retention_days: number | null;
}

interface MessageRow {
  id: number;
  conversation_id: string;
  role: StoredMessage['role'];
  text: string;
  tool_calls: string | null;
  tool_call_id: string | null;
  provider: string | null;
  model: string | null;
  tokens_in: number;
  tokens_out: number;
  prompt_version: number | null;
  stopped: number;
  created_at: string;
}

const toConversation = (r: ConversationRow): Conversation => ({
  id: r.id,
  channel: r.channel,
  peer: r.peer,
  title: r.title,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  messageCount: r.message_count,
  retentionDays: r.retention_days,
});

const toMessage = (r: MessageRow): StoredMessage => ({
  id: r.id,
  conversationId: r.conversation_id,
  role: r.role,
  text: r.text,
  ...(r.tool_calls ? { toolCalls: JSON.parse(r.tool_calls) as ToolCall[] } : {}),
  ...(r.tool_call_id ? { toolCallId: r.tool_call_id } : {}),
  provider: r.provider,
  model: r.model,
  tokensIn: r.tokens_in,
  tokensOut: r.tokens_out,
  promptVersion: r.prompt_version,
  ...(r.stopped ? { stopped: true } : {}),
  createdAt: r.created_at,
});

const CONVERSATION_COLUMNS = `c.id, c.channel, c.peer, c.title, c.created_at, c.updated_at, c.retention_days,
  (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id) AS message_count`;

export const DEFAULT_SYSTEM_PROMPT =
  'You are Perch, a helpful personal assistant running on your owner\'s own computer. Answer briefly and ' +
  'plainly. Use a tool when it helps; never claim a result you did not get from a tool.';

export class ConversationStore {
  private readonly sql: Prepared;

  private readonly transaction: <T>(fn: () => T) => T;

  constructor(
    private readonly db: Db,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.sql = prepared(db);
    this.transaction = transactor(db);
  }

  /** The current system prompt and its version (0 is the built-in default). */
  systemPrompt(): SystemPrompt {
    const row = this.sql('SELECT version, text, created_at FROM system_prompts ORDER BY version DESC LIMIT 1').get() as
      | { version: number; text: string; created_at: string }
      | undefined;
    if (!row) return { version: 0, text: DEFAULT_SYSTEM_PROMPT, isDefault: true, updatedAt: null };
    return { version: row.version, text: row.text, isDefault: row.text === DEFAULT_SYSTEM_PROMPT, updatedAt: row.created_at };
  }

  /** Saves a new version (null: the default again); the same text as now keeps the version. */
  setSystemPrompt(text: string | null): SystemPrompt {
    const next = text ?? DEFAULT_SYSTEM_PROMPT;
    const current = this.systemPrompt();
    if (current.text === next) return current;
    this.sql('INSERT INTO system_prompts (version, text, created_at) VALUES (?, ?, ?)').run(current.version + 1, next, this.now().toISOString());
    return this.systemPrompt();
  }

  /** The conversation for (channel, peer), created on first contact. */
  open(channel: string, peer: string): Conversation {
    const existing = this.sql('SELECT id FROM conversations WHERE channel = ? AND peer = ?').get(channel, peer) as { id: string } | undefined;
    if (existing) return this.get(existing.id)!;
    const id = randomBytes(9).toString('base64url');
    const at = this.now().toISOString();
    this.sql('INSERT INTO conversations (id, channel, peer, created_at, updated_at) VALUES (?, ?, ?, ?, ?)').run(id, channel, peer, at, at);
    return this.get(id)!;
  }

  /** A new conversation that is not tied to a chat (the dashboard's): its peer is its own id. */
  start(channel: string): Conversation {
    const id = randomBytes(9).toString('base64url');
    const at = this.now().toISOString();
    this.sql('INSERT INTO conversations (id, channel, peer, created_at, updated_at) VALUES (?, ?, ?, ?, ?)').run(id, channel, id, at, at);
    return this.get(id)!;
  }

  get(id: string): Conversation | null {
    const row = this.sql(`SELECT ${CONVERSATION_COLUMNS} FROM conversations c WHERE c.id = ?`).get(id) as ConversationRow | undefined;
    return row ? toConversation(row) : null;
  }

  append(conversationId: string, message: NewMessage): StoredMessage {
    const at = this.now().toISOString();
    const id = this.transaction(() => {
      const { lastInsertRowid } = this.sql(
          `INSERT INTO messages (conversation_id, role, text, tool_calls, tool_call_id, provider, model, tokens_in, tokens_out, prompt_version, created_at, source_id, stopped)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          conversationId,
          message.role,
          message.text,
          message.toolCalls?.length ? JSON.stringify(message.toolCalls) : null,
          message.toolCallId ?? null,
          message.provider ?? null,
          message.model ?? null,
          message.tokensIn ?? 0,
          message.tokensOut ?? 0,
          message.promptVersion ?? null,
          at,
          message.sourceId ?? null,
          message.stopped ? 1 : 0,
        );
      // The first user message names the conversation (unless the owner has named it).
      this.sql("UPDATE conversations SET updated_at = ?, title = CASE WHEN title = '' AND title_set = 0 AND ? = 'user' THEN ? ELSE title END WHERE id = ?")
        .run(at, message.role, message.role === 'user' ? titleFrom(message.text) : '', conversationId);
      return Number(lastInsertRowid);
    });
    return toMessage(this.sql('SELECT * FROM messages WHERE id = ?').get(id) as MessageRow);
  }

  /**
   * A user message that came from this chat message, and the final reply stored after it, if any
   * (a turn cut off by a crash has the first and not the second).
   */
  bySource(conversationId: string, sourceId: string): { message: StoredMessage; reply: StoredMessage | null } | null {
    const find = (role: 'user' | 'assistant') =>
      this.sql('SELECT * FROM messages WHERE conversation_id = ? AND source_id = ? AND role = ?').get(conversationId, sourceId, role) as MessageRow | undefined;
    const row = find('user');
    if (!row) return null;
    // Marked explicitly: other replies (an outcome reported after a restart) may sit in between.
    const reply = find('assistant');
    return { message: toMessage(row), reply: reply ? toMessage(reply) : null };
  }

  /** The newest message the owner (or contact) wrote in a conversation. */
  lastUserMessage(conversationId: string): StoredMessage | null {
    const row = this.sql("SELECT * FROM messages WHERE conversation_id = ? AND role = 'user' ORDER BY id DESC LIMIT 1").get(conversationId) as MessageRow | undefined;
    return row ? toMessage(row) : null;
  }

  /**
   * Deletes everything after a message (the turn that answered it: replies, tool calls and their
   * results), so it can be answered again; returns how many messages went. A summary that covered
   * any of them goes too.
   */
  deleteAfter(conversationId: string, messageId: number): number {
    return this.transaction(() => {
      const { changes } = this.sql('DELETE FROM messages WHERE conversation_id = ? AND id > ?').run(conversationId, messageId);
      this.sql("UPDATE conversations SET summary = '', summary_until = 0 WHERE id = ? AND summary_until > ?").run(conversationId, messageId);
      this.sql('UPDATE conversations SET updated_at = ? WHERE id = ?').run(this.now().toISOString(), conversationId);
      return changes;
    });
  }

  /**
   * Replaces a user message's text. The first message's automatic title follows it; a /reset that
   * was this message no longer hides the message itself.
   */
  editText(conversationId: string, messageId: number, text: string): void {
    this.transaction(() => {
      this.sql('UPDATE messages SET text = ?, source_id = NULL WHERE conversation_id = ? AND id = ?').run(text, conversationId, messageId);
      this.sql(
        `UPDATE conversations SET title = ? WHERE id = ? AND title_set = 0
           AND (SELECT min(id) FROM messages WHERE conversation_id = ? AND role = 'user') = ?`,
      ).run(titleFrom(text), conversationId, conversationId, messageId);
      this.sql('UPDATE conversations SET context_from = ? WHERE id = ? AND context_from >= ?').run(messageId - 1, conversationId, messageId);
    });
  }

  /** The owner's own title: kept from now on (the first-message rule no longer applies). */
  rename(conversationId: string, title: string): Conversation | null {
    this.sql('UPDATE conversations SET title = ?, title_set = 1 WHERE id = ?').run(title, conversationId);
    return this.get(conversationId);
  }

  /** The messages the model may see: after the last /reset and after the summarized part. */
  history(conversationId: string, limit: number): { summary: string; messages: HistoryMessage[] } {
    const conv = this.sql('SELECT summary, summary_until, context_from FROM conversations WHERE id = ?').get(conversationId) as
      | { summary: string; summary_until: number; context_from: number }
      | undefined;
    if (!conv) return { summary: '', messages: [] };
    const from = Math.max(conv.summary_until, conv.context_from);
    // Only what the model reads: this runs for every message.
    const rows = this.sql('SELECT id, role, text, tool_calls, tool_call_id FROM messages WHERE conversation_id = ? AND id > ? ORDER BY id DESC LIMIT ?')
      .all(conversationId, from, limit) as Pick<MessageRow, 'id' | 'role' | 'text' | 'tool_calls' | 'tool_call_id'>[];
    return {
      summary: conv.summary_until > conv.context_from ? conv.summary : '',
      messages: rows.reverse().map((r) => ({
        id: r.id,
        role: r.role,
        text: r.text,
        ...(r.tool_calls ? { toolCalls: JSON.parse(r.tool_calls) as ToolCall[] } : {}),
        ...(r.tool_call_id ? { toolCallId: r.tool_call_id } : {}),
      })),
    };
  }

  /** Messages after an id, oldest first (for indexing transcripts). */
  transcriptAfter(conversationId: string, afterId: number, limit = 500): { id: number; role: string; text: string }[] {
    return this.sql('SELECT id, role, text FROM messages WHERE conversation_id = ? AND id > ? ORDER BY id LIMIT ?').all(conversationId, afterId, limit) as {
      id: number;
      role: string;
      text: string;
    }[];
  }

  /** Keeps a running summary of everything up to and including `untilId`. */
  setSummary(conversationId: string, summary: string, untilId: number): void {
    this.sql('UPDATE conversations SET summary = ?, summary_until = ? WHERE id = ?').run(summary, untilId, conversationId);
  }

  /** /reset: later replies start from a clean context; stored messages stay. */
  reset(conversationId: string): void {
    const last = this.sql('SELECT coalesce(max(id), 0) AS id FROM messages WHERE conversation_id = ?').get(conversationId) as { id: number };
    this.sql("UPDATE conversations SET context_from = ?, summary = '', summary_until = 0 WHERE id = ?").run(last.id, conversationId);
  }

  /** Tokens spent in a conversation and across all conversations since a time. */
  usage(conversationId: string, since: string): { conversation: { in: number; out: number }; since: { in: number; out: number } } {
    const sum = (where: string, arg: string) =>
      this.sql(`SELECT coalesce(sum(tokens_in), 0) AS i, coalesce(sum(tokens_out), 0) AS o FROM messages WHERE ${where}`).get(arg) as {
        i: number;
        o: number;
      };
    const c = sum('conversation_id = ?', conversationId);
    const d = sum('created_at >= ?', since);
    return { conversation: { in: c.i, out: c.o }, since: { in: d.i, out: d.o } };
  }

  /** Tokens by UTC day, provider and model, and by conversation, since a time. */
  usageSince(since: string): {
    byDay: Array<{ day: string; provider: string; model: string; calls: number; tokensIn: number; tokensOut: number }>;
    byConversation: Array<{ conversationId: string; title: string; tokensIn: number; tokensOut: number }>;
  } {
    const byDay = this.sql(
      `SELECT substr(created_at, 1, 10) AS day, provider, coalesce(model, '') AS model, count(*) AS calls,
              sum(tokens_in) AS tokensIn, sum(tokens_out) AS tokensOut
       FROM messages WHERE provider IS NOT NULL AND created_at >= ?
       GROUP BY day, provider, model ORDER BY day DESC, provider, model`,
    ).all(since) as Array<{ day: string; provider: string; model: string; calls: number; tokensIn: number; tokensOut: number }>;
    const byConversation = this.sql(
      `SELECT m.conversation_id AS conversationId, c.title AS title, sum(m.tokens_in) AS tokensIn, sum(m.tokens_out) AS tokensOut
       FROM messages m JOIN conversations c ON c.id = m.conversation_id
       WHERE m.provider IS NOT NULL AND m.created_at >= ?
       GROUP BY m.conversation_id ORDER BY sum(m.tokens_in) + sum(m.tokens_out) DESC LIMIT 50`,
    ).all(since) as Array<{ conversationId: string; title: string; tokensIn: number; tokensOut: number }>;
    return { byDay, byConversation };
  }

  list(cursor: string | undefined, limit: number): { items: Conversation[]; nextCursor: string | null } {
    const after = cursor ? decodeCursor(cursor, 2) : null;
    const rows = (
      after
        ? this.sql(`SELECT ${CONVERSATION_COLUMNS} FROM conversations c WHERE (c.updated_at, c.id) < (?, ?) ORDER BY c.updated_at DESC, c.id DESC LIMIT ?`)
            .all(after[0], after[1], limit + 1)
        : this.sql(`SELECT ${CONVERSATION_COLUMNS} FROM conversations c ORDER BY c.updated_at DESC, c.id DESC LIMIT ?`).all(limit + 1)
    ) as ConversationRow[];
    const page = rows.slice(0, limit).map(toConversation);
    const last = page.at(-1);
    return { items: page, nextCursor: rows.length > limit && last ? encodeCursor([last.updatedAt, last.id]) : null };
  }

  messages(conversationId: string, cursor: string | undefined, limit: number): { items: StoredMessage[]; nextCursor: string | null } {
    const before = cursor ? Number(decodeCursor(cursor, 1)[0]) : Number.MAX_SAFE_INTEGER;
    const rows = this.sql('SELECT * FROM messages WHERE conversation_id = ? AND id < ? ORDER BY id DESC LIMIT ?')
      .all(conversationId, before, limit + 1) as MessageRow[];
    const page = rows.slice(0, limit);
    const oldest = page.at(-1);
    return { items: page.reverse().map(toMessage), nextCursor: rows.length > limit && oldest ? encodeCursor([String(oldest.id)]) : null };
  }

  /** Every message of a conversation, oldest first (for an export). */
  allMessages(conversationId: string): StoredMessage[] {
    return (this.sql('SELECT * FROM messages WHERE conversation_id = ? ORDER BY id').all(conversationId) as MessageRow[]).map(toMessage);
  }

  /** Every conversation's id, newest activity first. */
  ids(): string[] {
    return (this.sql('SELECT id FROM conversations ORDER BY updated_at DESC, id').all() as { id: string }[]).map((r) => r.id);
  }

  /** A conversation's own retention (null: the default; 0: keep). */
  setRetention(conversationId: string, days: number | null): Conversation | null {
    this.sql('UPDATE conversations SET retention_days = ? WHERE id = ?').run(days, conversationId);
    return this.get(conversationId);
  }

  /** Every conversation's id and own retention, for the retention sweep. */
  retentions(): Array<{ id: string; retentionDays: number | null }> {
    return this.sql('SELECT id, retention_days AS retentionDays FROM conversations').all() as Array<{ id: string; retentionDays: number | null }>;
  }

  /**
   * Deletes a conversation's messages older than `cutoff`. A summary that covered any of them goes
   * too (it would keep what they said); returns how many went and the newest deleted id.
   */
  deleteBefore(conversationId: string, cutoff: string): { messages: number; lastId: number; remaining: number } {
    return this.transaction(() => {
      const { n, last } = this.sql('SELECT count(*) AS n, max(id) AS last FROM messages WHERE conversation_id = ? AND created_at < ?').get(conversationId, cutoff) as { n: number; last: number | null };
      if (n === 0) return { messages: 0, lastId: 0, remaining: -1 };
      this.sql('DELETE FROM messages WHERE conversation_id = ? AND created_at < ?').run(conversationId, cutoff);
      this.sql("UPDATE conversations SET summary = '', summary_until = 0 WHERE id = ? AND summary_until > 0").run(conversationId);
      const { remaining } = this.sql('SELECT count(*) AS remaining FROM messages WHERE conversation_id = ?').get(conversationId) as { remaining: number };
      return { messages: n, lastId: last ?? 0, remaining };
    });
  }

  /** Deletes a conversation that has no messages (a new one whose first message could not be stored). */
  deleteIfEmpty(conversationId: string): void {
    this.sql('DELETE FROM conversations WHERE id = ? AND NOT EXISTS (SELECT 1 FROM messages WHERE conversation_id = ?)').run(conversationId, conversationId);
  }

  /** Deletes a conversation and its messages; returns how many messages went. */
  delete(conversationId: string): number {
    const { n } = this.sql('SELECT count(*) AS n FROM messages WHERE conversation_id = ?').get(conversationId) as { n: number };
    this.sql('DELETE FROM conversations WHERE id = ?').run(conversationId);
    return n;
  }
}
