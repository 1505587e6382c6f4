import type { ConversationStore } from '../agent/conversation-store';
import type { Logger } from '../log/logger';
import type { Db } from '../store/database';
import type { Migration } from '../store/migrations';
import { prepared, type Prepared } from '../store/prepared';

// Retention: messages older than their conversation's retention (privacy.retentionDays unless the
// conversation sets its own; 0 keeps them) are deleted once a day, with what memory indexed of
// them and the chat channels' delivery records. Each sweep is recorded, so "daily" holds across
// restarts and the dashboard can say when it last ran.

export const privacyMigrations: Migration[] = [
  {
    domain: 'privacy',
    version: 1,
    name: 'retention sweeps',
    up: (db) =>
      db.exec(`
        CREATE TABLE privacy_sweeps (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          at TEXT NOT NULL,
          messages INTEGER NOT NULL,
          conversations INTEGER NOT NULL,
          chat_records INTEGER NOT NULL,
          runs INTEGER NOT NULL) STRICT;
      `),
  },
];

export interface Sweep {
  at: string;
  /** Messages deleted. */
  messages: number;
  /** Conversations deleted because nothing of them was left. */
  conversations: number;
  /** Chat channels' delivery records deleted. */
  chatRecords: number;
  /** Scheduled runs deleted from the history. */
  runs: number;
}

export interface RetentionDeps {
  db: Db;
  conversations: ConversationStore;
  defaultDays: () => number;
  /** Drops memory's index of a conversation's messages up to this id. */
  forgetMemoryThrough(conversationId: string, lastId: number): void;
  /** Deletes an emptied conversation with everything kept for it. */
  wipe(conversationId: string): void;
  /** Deletes the chat channels' delivery records older than the cutoff (one chat's, or all). */
  pruneChat(cutoff: string, chat?: { channel: string; peer: string }): number;
  pruneRuns(cutoff: string): number;
  now: () => Date;
  log: Logger;
}

const DAY_MS = 24 * 60 * 60_000;
const CHECK_EVERY_MS = 60 * 60_000;
const FIRST_CHECK_MS = 10_000;
const SWEEPS_KEPT = 30;

export class Retention {
  private readonly sql: Prepared;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: RetentionDeps) {
    this.sql = prepared(deps.db);
  }

  /** Checks hourly whether a day has passed since the last sweep (and soon after starting). */
  start(): void {
    const check = () => {
      try {
        if (this.due()) this.sweep();
      } catch (error) {
        this.deps.log.error('the retention sweep failed', { error: (error as Error).message });
      }
    };
    this.timer = setTimeout(() => {
      check();
      this.timer = setInterval(check, CHECK_EVERY_MS);
      this.timer.unref();
    }, FIRST_CHECK_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer); // clears an interval too
    this.timer = null;
  }

  due(): boolean {
    const last = this.lastSweep();
    return !last || this.deps.now().getTime() - Date.parse(last.at) >= DAY_MS;
  }

  lastSweep(): Sweep | null {
    return (this.sql('SELECT at, messages, conversations, chat_records AS chatRecords, runs FROM privacy_sweeps ORDER BY id DESC LIMIT 1').get() as Sweep | undefined) ?? null;
  }

  nextSweepAt(): string {
    const last = this.lastSweep();
    const next = last ? Math.max(Date.parse(last.at) + DAY_MS, this.deps.now().getTime()) : this.deps.now().getTime();
    return new Date(next).toISOString();
  }

  /** Deletes everything past its retention now; returns (and records) what went. */
  sweep(): Sweep {
    const { conversations, now } = this.deps;
    const at = now();
    const cutoffFor = (days: number) => new Date(at.getTime() - days * DAY_MS).toISOString();
    const defaultDays = this.deps.defaultDays();
    const sweep: Sweep = { at: at.toISOString(), messages: 0, conversations: 0, chatRecords: 0, runs: 0 };
    for (const { id, retentionDays } of conversations.retentions()) {
      const days = retentionDays ?? defaultDays;
      if (days === 0) continue;
      const cutoff = cutoffFor(days);
      const conversation = conversations.get(id);
      if (!conversation) continue; // wiped meanwhile
      const { messages, lastId, remaining } = conversations.deleteBefore(id, cutoff);
      sweep.messages += messages;
      if (messages > 0) this.deps.forgetMemoryThrough(id, lastId);
      sweep.chatRecords += this.deps.pruneChat(cutoff, { channel: conversation.channel, peer: conversation.peer }); // 0 outside chat channels
      // Emptied, and not kept for a retention of its own: nothing of it is left to keep.
      if (remaining === 0 && retentionDays === null) {
        this.deps.wipe(id);
        sweep.conversations++;
      }
    }
    if (defaultDays > 0) {
      // Delivery records are bookkeeping (the conversation holds the messages): never kept past the default.
      const cutoff = cutoffFor(defaultDays);
      sweep.chatRecords += this.deps.pruneChat(cutoff);
      sweep.runs += this.deps.pruneRuns(cutoff);
    }
    this.sql('INSERT INTO privacy_sweeps (at, messages, conversations, chat_records, runs) VALUES (?, ?, ?, ?, ?)').run(sweep.at, sweep.messages, sweep.conversations, sweep.chatRecords, sweep.runs);
    this.sql('DELETE FROM privacy_sweeps WHERE id <= (SELECT max(id) FROM privacy_sweeps) - ?').run(SWEEPS_KEPT);
    this.deps.log.info('retention sweep done', { ...sweep });
    return sweep;
  }
}
