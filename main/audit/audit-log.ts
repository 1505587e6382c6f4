import { createHash } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import { decodeCursor, encodeCursor } from '../store/cursor';
import type { Db } from '../store/database';
import type { Migration } from '../store/migrations';

// An append-only, hash-chained record of every approval request, decision, rule change and
// execution. Each row's hash covers its own fields and the previous row's hash, so editing or
// deleting any row breaks the chain from there on; triggers refuse updates and deletes outright.

export const auditMigrations: Migration[] = [
  {
    domain: 'audit',
    version: 1,
    name: 'audit log',
    up: (db) =>
      db.exec(`
        CREATE TABLE audit_log (
          seq INTEGER PRIMARY KEY,
          at TEXT NOT NULL,
          actor TEXT NOT NULL,
          surface TEXT NOT NULL,
          action TEXT NOT NULL,
          subject TEXT NOT NULL,
          details TEXT NOT NULL,
          prev_hash TEXT NOT NULL,
          hash TEXT NOT NULL) STRICT;
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
          BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
          BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
      `),
  },
];

export interface AuditEntry {
  /** Who: "owner", "agent", "rule", "system". */
  actor: string;
  /** Where from: "dashboard", "desktop", "telegram", "whatsapp", "agent", "system" … */
  surface: string;
  action: string;
  /** What it is about, e.g. "approval:k3f9x2" or "rule:4". */
  subject: string;
  details?: Record<string, unknown>;
}

export interface AuditRecord extends Required<AuditEntry> {
  seq: number;
  at: string;
  hash: string;
}

interface Row {
  seq: number;
  at: string;
  actor: string;
  surface: string;
  action: string;
  subject: string;
  details: string;
  prev_hash: string;
  hash: string;
}

const GENESIS = '0'.repeat(64);

const hashOf = (prev: string, r: Omit<Row, 'prev_hash' | 'hash'>) =>
  createHash('sha256').update(prev).update(JSON.stringify([r.seq, r.at, r.actor, r.surface, r.action, r.subject, r.details])).digest('hex');

export class AuditLog {
  private readonly insert: Statement;
  private readonly last: Statement;

  constructor(
    private readonly db: Db,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.insert = db.prepare(
      'INSERT INTO audit_log (seq, at, actor, surface, action, subject, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.last = db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
  }

  /** Appends one entry; call inside the transaction that makes the change it records. */
  append(entry: AuditEntry): AuditRecord {
    const tail = this.last.get() as { seq: number; hash: string } | undefined;
    const row = {
      seq: (tail?.seq ?? 0) + 1,
      at: this.now().toISOString(),
      actor: entry.actor,
      surface: entry.surface,
      action: entry.action,
      subject: entry.subject,
      details: JSON.stringify(entry.details ?? {}),
    };
    const prev = tail?.hash ?? GENESIS;
    const hash = hashOf(prev, row);
    this.insert.run(row.seq, row.at, row.actor, row.surface, row.action, row.subject, row.details, prev, hash);
    return toRecord({ ...row, prev_hash: prev, hash });
  }

  /** Newest first, a page at a time. */
  list(cursor: string | undefined, limit: number): { items: AuditRecord[]; nextCursor: string | null } {
    const before = cursor === undefined ? Number.MAX_SAFE_INTEGER : Number(decodeCursor(cursor, 1)[0]);
    const rows = this.db.prepare('SELECT * FROM audit_log WHERE seq < ? ORDER BY seq DESC LIMIT ?').all(before, limit + 1) as Row[];
    const items = rows.slice(0, limit).map(toRecord);
    return { items, nextCursor: rows.length > limit ? encodeCursor([String(items.at(-1)!.seq)]) : null };
  }

  /** Walks the chain from the start; the first row that does not fit is where it broke. */
  verify(): { ok: true; checked: number } | { ok: false; checked: number; brokenAt: number; reason: string } {
    let prev = GENESIS;
    let expected = 1;
    let checked = 0;
    for (const row of this.db.prepare('SELECT * FROM audit_log ORDER BY seq').iterate() as IterableIterator<Row>) {
      if (row.seq !== expected) return { ok: false, checked, brokenAt: expected, reason: `row ${expected} is missing` };
      if (row.prev_hash !== prev) return { ok: false, checked, brokenAt: row.seq, reason: 'it does not follow the row before it' };
      if (hashOf(prev, row) !== row.hash) return { ok: false, checked, brokenAt: row.seq, reason: 'its contents were changed' };
      prev = row.hash;
      expected++;
      checked++;
    }
    return { ok: true, checked };
  }
}

const toRecord = (r: Row): AuditRecord => ({
  seq: r.seq,
  at: r.at,
  actor: r.actor,
  surface: r.surface,
  action: r.action,
  subject: r.subject,
  details: JSON.parse(r.details) as Record<string, unknown>,
  hash: r.hash,
});
