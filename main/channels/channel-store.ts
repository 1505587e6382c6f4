import { randomUUID } from 'node:crypto';
import type { Db } from '../store/database';
import type { Migration } from '../store/migrations';
import { prepared, transactor, type Prepared } from '../store/prepared';
import { backoffMs, type Backoff } from '../system/backoff';

// What the channels must not lose: every inbound message (idempotent on the provider's message id,
// so a redelivery is stored and answered once), the replies waiting to go out (a persistent queue,
// in order per peer, retried with capped exponential backoff and jitter), and each channel's pause
// state. Storing a reply and marking its message answered happen in one transaction, so a crash
// leaves the message either unanswered (answered after the restart) or answered, never both.

export const channelMigrations: Migration[] = [
  {
    domain: 'channels',
    version: 1,
    name: 'inbound, outbound queue and channel state',
    up: (db) =>
      db.exec(`
        CREATE TABLE channel_state (
          channel TEXT PRIMARY KEY,
          paused INTEGER NOT NULL DEFAULT 0,
          updated_at TEXT NOT NULL) STRICT;
        CREATE TABLE inbound_messages (
          channel TEXT NOT NULL,
          provider_id TEXT NOT NULL,
          peer TEXT NOT NULL,
          sender TEXT NOT NULL,
          text TEXT NOT NULL,
          received_at TEXT NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('received', 'answered', 'ignored', 'paused')),
          PRIMARY KEY (channel, provider_id)) STRICT;
        CREATE INDEX inbound_unanswered ON inbound_messages (channel, received_at) WHERE status = 'received';
        CREATE TABLE outbound_messages (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          channel TEXT NOT NULL,
          peer TEXT NOT NULL,
          text TEXT NOT NULL,
          reply_to TEXT,
          status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
          attempts INTEGER NOT NULL DEFAULT 0,
          next_attempt_at TEXT NOT NULL,
          last_error TEXT,
          created_at TEXT NOT NULL,
          sent_at TEXT) STRICT;
        CREATE INDEX outbound_pending ON outbound_messages (channel, peer, id) WHERE status = 'pending';
      `),
  },
  {
    domain: 'channels',
    version: 2,
    name: 'canonical inbound fields and pairing codes',
    up: (db) =>
      db.exec(`
        ALTER TABLE inbound_messages ADD COLUMN in_group INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE inbound_messages ADD COLUMN media TEXT;
        ALTER TABLE inbound_messages ADD COLUMN sent_at TEXT;
        ALTER TABLE inbound_messages ADD COLUMN correlation_id TEXT;
        CREATE TABLE channel_pairings (
          channel TEXT NOT NULL,
          code TEXT NOT NULL,
          sender TEXT NOT NULL,
          peer TEXT NOT NULL,
          first_message TEXT NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied')),
          created_at TEXT NOT NULL,
          expires_at TEXT NOT NULL,
          decided_at TEXT,
          PRIMARY KEY (channel, code)) STRICT;
        CREATE INDEX channel_pairings_sender ON channel_pairings (channel, sender, status);
      `),
  },
];

/** A message as every channel reports it. */
export interface InboundMessage {
  channel: string;
  /** The network's own id for it: a redelivery carries the same one. */
  providerId: string;
  /** The chat to answer in (a person, or a group). */
  peer: string;
  /** Who wrote it. */
  sender: string;
  text: string;
  /** A group chat (then only answered when it addresses Perch). */
  group?: boolean;
  /** In a group: Perch was mentioned or replied to. */
  addressed?: boolean;
  /** What was attached instead of text (photo, voice…); the text then holds a placeholder. */
  media?: string;
  /** When the sender sent it, by the network's clock. */
  sentAt?: Date;
}

export interface Pairing {
  channel: string;
  code: string;
  sender: string;
  peer: string;
  firstMessage: string;
  status: 'pending' | 'approved' | 'denied' | 'expired';
  createdAt: string;
  expiresAt: string;
}

const PAIRING_COLUMNS = `channel, code, sender, peer, first_message AS firstMessage, created_at AS createdAt, expires_at AS expiresAt,
  CASE WHEN status = 'pending' AND expires_at <= ? THEN 'expired' ELSE status END AS status`;

export interface Outbound {
  id: number;
  channel: string;
  peer: string;
  text: string;
  attempts: number;
}

export interface RetryPolicy extends Backoff {
  maxAttempts: number;
}

export const DEFAULT_RETRY: RetryPolicy = { baseMs: 1_000, capMs: 5 * 60_000, maxAttempts: 12, random: Math.random };

/** A pending message that is first in line for its peer (later ones wait behind it). */
const FIRST_IN_LINE = "o.id = (SELECT min(id) FROM outbound_messages p WHERE p.channel = o.channel AND p.peer = o.peer AND p.status = 'pending')";

export class ChannelStore {
  private readonly sql: Prepared;
  private readonly transaction: <T>(fn: () => T) => T;

  constructor(
    private readonly db: Db,
    private readonly now: () => Date = () => new Date(),
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
  ) {
    this.sql = prepared(db);
    this.transaction = transactor(db);
  }

  paused(channel: string): boolean {
    return ((this.sql('SELECT paused FROM channel_state WHERE channel = ?').get(channel) as { paused: number } | undefined)?.paused ?? 0) === 1;
  }

  setPaused(channel: string, paused: boolean): void {
    this.sql(
      'INSERT INTO channel_state (channel, paused, updated_at) VALUES (?, ?, ?) ON CONFLICT (channel) DO UPDATE SET paused = excluded.paused, updated_at = excluded.updated_at',
    ).run(channel, paused ? 1 : 0, this.now().toISOString());
  }

  /** Stores an inbound message once; a redelivery of the same provider id is a duplicate. */
  receive(message: InboundMessage, status: 'received' | 'ignored' | 'paused', correlationId: string = randomUUID()): 'new' | 'duplicate' {
    const { changes } = this.sql(
      `INSERT OR IGNORE INTO inbound_messages (channel, provider_id, peer, sender, text, received_at, status, in_group, media, sent_at, correlation_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      message.channel,
      message.providerId,
      message.peer,
      message.sender,
      message.text,
      this.now().toISOString(),
      status,
      message.group ? 1 : 0,
      message.media ?? null,
      message.sentAt?.toISOString() ?? null,
      correlationId,
    );
    return changes === 1 ? 'new' : 'duplicate';
  }

  /** Whether the owner let this sender in with a pairing code. */
  paired(channel: string, sender: string): boolean {
    return this.sql("SELECT 1 FROM channel_pairings WHERE channel = ? AND sender = ? AND status = 'approved' LIMIT 1").get(channel, sender) !== undefined;
  }

  /** The sender's pairing code that is still waiting, if any. */
  pendingPairing(channel: string, sender: string): Pairing | null {
    const at = this.now().toISOString();
    return (
      (this.sql(`SELECT ${PAIRING_COLUMNS} FROM channel_pairings WHERE channel = ? AND sender = ? AND status = 'pending' AND expires_at > ?`).get(at, channel, sender, at) as
        | Pairing
        | undefined) ?? null
    );
  }

  /** Codes waiting on a channel (bounded, so strangers cannot fill the table). */
  pendingPairings(channel: string): number {
    const at = this.now().toISOString();
    return (this.sql("SELECT count(*) AS n FROM channel_pairings WHERE channel = ? AND status = 'pending' AND expires_at > ?").get(channel, at) as { n: number }).n;
  }

  createPairing(pairing: Pick<Pairing, 'channel' | 'code' | 'sender' | 'peer' | 'firstMessage'>, ttlMs: number): Pairing {
    const now = this.now();
    this.sql(
      "INSERT INTO channel_pairings (channel, code, sender, peer, first_message, status, created_at, expires_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)",
    ).run(pairing.channel, pairing.code, pairing.sender, pairing.peer, pairing.firstMessage.slice(0, 500), now.toISOString(), new Date(now.getTime() + ttlMs).toISOString());
    return this.pairing(pairing.channel, pairing.code)!;
  }

  pairing(channel: string, code: string): Pairing | null {
    return (this.sql(`SELECT ${PAIRING_COLUMNS} FROM channel_pairings WHERE channel = ? AND code = ?`).get(this.now().toISOString(), channel, code) as Pairing | undefined) ?? null;
  }

  pairings(status: 'pending' | 'all'): Pairing[] {
    const at = this.now().toISOString();
    const where = status === 'pending' ? "WHERE status = 'pending' AND expires_at > ?" : 'WHERE ? IS NOT NULL';
    return this.sql(`SELECT ${PAIRING_COLUMNS} FROM channel_pairings ${where} ORDER BY created_at DESC, rowid DESC LIMIT 500`).all(at, at) as Pairing[];
  }

  /** Decides a waiting code; returns null when there is none to decide (unknown, decided or expired). */
  decidePairing(channel: string, code: string, decision: 'approved' | 'denied'): Pairing | null {
    const at = this.now().toISOString();
    const { changes } = this.sql("UPDATE channel_pairings SET status = ?, decided_at = ? WHERE channel = ? AND code = ? AND status = 'pending' AND expires_at > ?").run(
      decision,
      at,
      channel,
      code,
      at,
    );
    return changes === 1 ? this.pairing(channel, code) : null;
  }

  /** Accepted messages not answered yet, oldest first (after a crash: still to answer). */
  /** Messages accepted and not answered yet on these channels (paused ones left out), oldest first over all of them. */
  unanswered(channels: string[], limit = -1): InboundMessage[] {
    if (channels.length === 0) return [];
    const rows = this.sql(
      `SELECT channel, provider_id AS providerId, peer, sender, text, in_group AS inGroup FROM inbound_messages
       WHERE status = 'received' AND channel IN (${channels.map(() => '?').join(', ')})
         AND channel NOT IN (SELECT channel FROM channel_state WHERE paused = 1)
       ORDER BY received_at, rowid LIMIT ?`,
    ).all(...channels, limit) as Array<InboundMessage & { inGroup: number }>;
    // Whether it came from a group decides the role it is answered with.
    return rows.map(({ inGroup, ...message }) => (inGroup ? { ...message, group: true } : message));
  }

  /** Queues a reply's parts and marks the message answered, together. */
  answer(channel: string, providerId: string, peer: string, parts: string[]): void {
    const at = this.now().toISOString();
    this.transaction(() => {
      const { changes } = this.sql("UPDATE inbound_messages SET status = 'answered' WHERE channel = ? AND provider_id = ? AND status = 'received'").run(channel, providerId);
      if (changes === 0) return; // answered already (or never accepted): nothing is sent twice
      for (const text of parts) {
        this.sql("INSERT INTO outbound_messages (channel, peer, text, reply_to, status, next_attempt_at, created_at) VALUES (?, ?, ?, ?, 'pending', ?, ?)").run(
          channel,
          peer,
          text,
          providerId,
          at,
          at,
        );
      }
    });
  }

  /** Queues a message that answers nothing (a notice, an approval request). */
  enqueue(channel: string, peer: string, text: string): void {
    const at = this.now().toISOString();
    this.sql("INSERT INTO outbound_messages (channel, peer, text, status, next_attempt_at, created_at) VALUES (?, ?, ?, 'pending', ?, ?)").run(channel, peer, text, at, at);
  }

  /** For each peer, its oldest pending message if it is due: order per peer is kept by sending one at a time. */
  due(channel: string): Outbound[] {
    const at = this.now().toISOString();
    return this.sql(
      `SELECT o.id, o.channel, o.peer, o.text, o.attempts FROM outbound_messages o
       WHERE o.channel = ? AND o.status = 'pending' AND o.next_attempt_at <= ? AND ${FIRST_IN_LINE}
       ORDER BY o.id`,
    ).all(channel, at) as Outbound[];
  }

  sent(id: number): void {
    this.sql("UPDATE outbound_messages SET status = 'sent', sent_at = ?, attempts = attempts + 1 WHERE id = ?").run(this.now().toISOString(), id);
  }

  /** A failed send: tried again later, or given up after the last attempt (returns which). */
  failed(id: number, error: string): 'retry' | 'gave-up' {
    const row = this.sql('SELECT attempts FROM outbound_messages WHERE id = ?').get(id) as { attempts: number } | undefined;
    if (!row) return 'gave-up';
    const attempts = row.attempts + 1;
    if (attempts >= this.retry.maxAttempts) {
      this.sql("UPDATE outbound_messages SET status = 'failed', attempts = ?, last_error = ? WHERE id = ?").run(attempts, error, id);
      return 'gave-up';
    }
    const next = new Date(this.now().getTime() + backoffMs(attempts, this.retry)).toISOString();
    this.sql('UPDATE outbound_messages SET attempts = ?, last_error = ?, next_attempt_at = ? WHERE id = ?').run(attempts, error, next, id);
    return 'retry';
  }

  /** When the channel's next message can go (the earliest among each peer's first in line), if any. */
  nextDue(channel: string): Date | null {
    const row = this.sql(
      `SELECT min(o.next_attempt_at) AS at FROM outbound_messages o
       WHERE o.channel = ? AND o.status = 'pending' AND ${FIRST_IN_LINE}`,
    ).get(channel) as { at: string | null };
    return row.at ? new Date(row.at) : null;
  }

  /**
   * Deletes delivery bookkeeping older than `cutoff` (messages already answered or ignored, replies
   * already sent or given up), for one chat or all; what still waits is kept.
   */
  pruneBefore(cutoff: string, chat?: { channel: string; peer: string }): number {
    const where = chat ? ' AND channel = ? AND peer = ?' : '';
    const args = chat ? [cutoff, chat.channel, chat.peer] : [cutoff];
    return this.transaction(
      () =>
        this.sql(`DELETE FROM inbound_messages WHERE received_at < ? AND status <> 'received'${where}`).run(...args).changes +
        this.sql(`DELETE FROM outbound_messages WHERE created_at < ? AND status <> 'pending'${where}`).run(...args).changes,
    );
  }

  /** Deletes what a chat said and was sent (a wiped conversation), except a message being answered right now. */
  forgetPeer(channel: string, peer: string): number {
    return this.transaction(
      () =>
        this.sql("DELETE FROM inbound_messages WHERE channel = ? AND peer = ? AND status <> 'received'").run(channel, peer).changes +
        this.sql('DELETE FROM outbound_messages WHERE channel = ? AND peer = ?').run(channel, peer).changes,
    );
  }
}
