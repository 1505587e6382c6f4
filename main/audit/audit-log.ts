import type { Statement } from 'better-sqlite3';
import { decodeCursor, encodeCursor } from '../store/cursor';
import type { Db } from '../store/database';
import type { Migration } from '../store/migrations';
import type { Head, HeadFile } from './audit-head';
import { GENESIS, newChainKey, seal, type ChainKey, type SealedFields } from './chain';
import { AUDIT_TRIGGERS } from './triggers';

// An append-only, hash-chained record of every approval request, decision, rule change and
// execution. Each row's hash covers its own fields and the previous row's hash, keyed with a
// secret the database does not hold (chain.ts), so editing, forging or recomputing rows shows;
// the head kept outside the database (audit-head.ts) shows rows cut off the end; triggers refuse
// updates, deletes and out-of-place inserts outright.

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
  {
    domain: 'audit',
    version: 2,
    name: 'audit log refuses INSERT OR REPLACE',
    up: (db) => db.exec(AUDIT_TRIGGERS.audit_log_append_only!),
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

interface Row extends SealedFields {
  prev_hash: string;
  hash: string;
}

export type Verification = { ok: true; checked: number } | { ok: false; checked: number; brokenAt: number; reason: string };
type Broken = Extract<Verification, { ok: false }>;

/** How far a walk of the rows got: the first row that did not fit, or the last that did. */
export interface ChainWalk {
  broken: Broken | null;
  /** The hash of the last row that fit. */
  prev: string;
  checked: number;
  /** The first tampering recorded in the rows that fit. */
  recorded: Verification | null;
}

/** A tampering found at start, kept in the chain itself so it stays reported after the head is re-anchored. */
export const BROKEN_ACTION = 'audit.broken';

export interface AuditLogOptions {
  now?: () => Date;
  /** Without one, a key for this process only (tests that build the log by hand). */
  chain?: ChainKey;
  /** Where the head is kept; without one it is kept in memory only. */
  headFile?: HeadFile;
  /** The head last written, as read at start (null: none to hold the rows to). */
  head?: Head | null;
}

export class AuditLog {
  private readonly insert: Statement;
  private readonly last: Statement;
  private readonly hashAt: Statement;
  private readonly now: () => Date;
  private readonly chain: ChainKey;
  private readonly headFile: HeadFile | null;
  private head: Head | null;
  private flushPending = false;
  private closed = false;

  constructor(
    private readonly db: Db,
    options: AuditLogOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.chain = options.chain ?? newChainKey(0);
    this.headFile = options.headFile ?? null;
    this.head = options.head ?? null;
    this.insert = db.prepare(
      'INSERT INTO audit_log (seq, at, actor, surface, action, subject, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.last = db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
    this.hashAt = db.prepare('SELECT hash FROM audit_log WHERE seq = ?').pluck();
  }

  /** Appends one entry; call inside the transaction that makes the change it records. */
  append(entry: AuditEntry): AuditRecord {
    const tail = this.last.get() as Head | undefined;
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
    const hash = seal(this.chain, prev, row);
    this.insert.run(row.seq, row.at, row.actor, row.surface, row.action, row.subject, row.details, prev, hash);
    // The head moves once the row is committed (the caller's transaction may still roll back):
    // on the next turn, once for however many rows were appended meanwhile.
    if (!this.flushPending) {
      this.flushPending = true;
      setImmediate(() => this.flush());
    }
    return toRecord({ ...row, prev_hash: prev, hash });
  }

  /**
   * Moves the head to the committed tail, unless the rows it held were cut or replaced meanwhile
   * (then it stays where it was, for verify to report). A crash before this leaves the head behind
   * the tail, which verify accepts: rows past it must still carry the key's seal.
   */
  flush(): void {
    this.flushPending = false;
    if (this.closed || !this.db.open) return;
    const tail = this.last.get() as Head | undefined;
    if (this.head && this.head.seq > 0 && (!tail || tail.seq < this.head.seq || this.hashAt.get(this.head.seq) !== this.head.hash)) return;
    this.setHead(tail ?? { seq: 0, hash: GENESIS });
  }

  /** Holds the chain to its current tail from now on (at start, after what was found is recorded). */
  anchor(): void {
    this.setHead((this.last.get() as Head | undefined) ?? { seq: 0, hash: GENESIS });
  }

  private setHead(head: Head): void {
    if (this.head && this.head.seq === head.seq && this.head.hash === head.hash && this.headFile?.exists()) return;
    this.head = head;
    this.headFile?.write(this.chain.key, head);
  }

  /** The seq of the last row (0 when empty). */
  tailSeq(): number {
    return (this.last.get() as Head | undefined)?.seq ?? 0;
  }

  /** Newest first, a page at a time. */
  list(cursor: string | undefined, limit: number): { items: AuditRecord[]; nextCursor: string | null } {
    const before = cursor === undefined ? Number.MAX_SAFE_INTEGER : Number(decodeCursor(cursor, 1)[0]);
    const rows = this.db.prepare('SELECT * FROM audit_log WHERE seq < ? ORDER BY seq DESC LIMIT ?').all(before, limit + 1) as Row[];
    const items = rows.slice(0, limit).map(toRecord);
    return { items, nextCursor: rows.length > limit ? encodeCursor([String(items.at(-1)!.seq)]) : null };
  }

  /**
   * Walks the chain from the start (the first row that does not fit is where it broke), then holds
   * the tail to the head, then reports a tampering found at an earlier start.
   */
  verify(): Verification {
    return this.inspect().result;
  }

  /**
   * verify(), and whether its answer is a tampering recorded earlier rather than one found now.
   * Given the walk of an earlier call, the rows it walked are taken as it found them and only the
   * rows added since are walked (at start, once the findings are appended).
   */
  inspect(since?: ChainWalk): { result: Verification; recorded: boolean; walk: ChainWalk } {
    const walk: ChainWalk = since ? { ...since } : { broken: null, prev: GENESIS, checked: 0, recorded: null };
    if (!walk.broken) {
      const rows = since
        ? this.db.prepare('SELECT * FROM audit_log WHERE seq > ? ORDER BY seq').iterate(since.checked)
        : this.db.prepare('SELECT * FROM audit_log ORDER BY seq').iterate();
      for (const row of rows as IterableIterator<Row>) {
        const { checked, prev } = walk;
        if (row.seq !== checked + 1) walk.broken = { ok: false, checked, brokenAt: checked + 1, reason: `row ${checked + 1} is missing` };
        else if (row.prev_hash !== prev) walk.broken = { ok: false, checked, brokenAt: row.seq, reason: 'it does not follow the row before it' };
        else if (row.seq > this.chain.lostThrough && seal(this.chain, prev, row) !== row.hash) walk.broken = { ok: false, checked, brokenAt: row.seq, reason: 'its contents were changed' };
        if (walk.broken) break;
        if (row.action === BROKEN_ACTION && !walk.recorded) walk.recorded = recordedBreak(row);
        walk.prev = row.hash;
        walk.checked++;
      }
    }
    const found = (result: Verification) => ({ result, recorded: false, walk });
    if (walk.broken) return found(walk.broken);
    const { checked } = walk;
    if (this.head && checked < this.head.seq) return found({ ok: false, checked, brokenAt: checked + 1, reason: `rows missing after ${checked}` });
    if (this.head && this.head.seq > 0 && this.hashAt.get(this.head.seq) !== this.head.hash) {
      return found({ ok: false, checked: this.head.seq - 1, brokenAt: this.head.seq, reason: 'it is not the row the audit head recorded' });
    }
    return walk.recorded ? { result: walk.recorded, recorded: true, walk } : found({ ok: true, checked });
  }

  /** Every tampering already recorded in the chain, so that each is recorded once. */
  recordedBreaks(): Array<{ brokenAt: number; reason: string }> {
    const all = this.db.prepare('SELECT details FROM audit_log WHERE action = ?').pluck().all(BROKEN_ACTION) as string[];
    return all.map((d) => JSON.parse(d) as { brokenAt: number; reason: string });
  }

  /** Writes the head if an append is still waiting to move it (before the database closes). */
  close(): void {
    if (this.flushPending) this.flush();
    this.closed = true;
  }
}

function recordedBreak(row: Row): Verification | null {
  const v = JSON.parse(row.details) as { brokenAt?: unknown; reason?: unknown };
  if (typeof v.brokenAt !== 'number' || typeof v.reason !== 'string') return null;
  return { ok: false, checked: Math.max(0, v.brokenAt - 1), brokenAt: v.brokenAt, reason: `${v.reason} (found at start, ${row.at.slice(0, 19).replace('T', ' ')} UTC; recorded as row ${row.seq})` };
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
