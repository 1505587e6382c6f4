import { randomInt } from 'node:crypto';
import type { z } from 'zod';
import type { approvalRuleSchema, approvalSchema } from '../contract/approvals';
import { decodeCursor, encodeCursor } from '../store/cursor';
import type { Db } from '../store/database';
import { prepared, transactor, type Prepared } from '../store/prepared';
import type { Migration } from '../store/migrations';

// Pending and past approvals, and the owner's "always allow" rules. State changes are single
// conditional UPDATEs, so two decisions racing for one approval cannot both win.

export type Approval = z.output<typeof approvalSchema>;
export type ApprovalRule = z.output<typeof approvalRuleSchema>;

export const approvalMigrations: Migration[] = [
  {
    domain: 'approvals',
    version: 1,
    name: 'approvals and rules',
    up: (db) =>
      db.exec(`
        CREATE TABLE approvals (
          id TEXT PRIMARY KEY,
          tool TEXT NOT NULL,
          args TEXT NOT NULL,
          command TEXT NOT NULL,
          cwd TEXT NOT NULL,
          hash TEXT NOT NULL,
          risk TEXT NOT NULL,
          conversation_id TEXT,
          channel TEXT,
          status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'expired')),
          created_at TEXT NOT NULL,
          expires_at TEXT NOT NULL,
          decided_at TEXT,
          decided_by TEXT,
          run_state TEXT CHECK (run_state IN ('running', 'done', 'interrupted')),
          exit_code INTEGER,
          output TEXT) STRICT;
        CREATE INDEX approvals_pending ON approvals (status, expires_at);
        CREATE INDEX approvals_recent ON approvals (created_at DESC, id);
        CREATE TABLE approval_rules (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          kind TEXT NOT NULL CHECK (kind IN ('exact', 'pattern')),
          command TEXT NOT NULL,
          cwd TEXT,
          created_at TEXT NOT NULL,
          last_used_at TEXT) STRICT;
      `),
  },
  {
    domain: 'approvals',
    version: 2,
    name: 'risk level and whether a rule may cover it',
    up: (db) =>
      db.exec(`
        ALTER TABLE approvals ADD COLUMN risk_level TEXT NOT NULL DEFAULT 'caution' CHECK (risk_level IN ('high', 'caution', 'none'));
        ALTER TABLE approvals ADD COLUMN no_rule_reason TEXT;
        UPDATE approvals SET no_rule_reason = 'it was asked for before this version of Perch could check it';
      `),
  },
  {
    domain: 'approvals',
    version: 3,
    name: 'MCP tool calls: the kind of call and its server',
    up: (db) =>
      db.exec(`
        ALTER TABLE approvals ADD COLUMN kind TEXT NOT NULL DEFAULT 'exec' CHECK (kind IN ('exec', 'mcp'));
        ALTER TABLE approvals ADD COLUMN server TEXT;
      `),
  },
];

interface ApprovalRow {
  id: string;
  tool: string;
  kind: Approval['kind'];
  server: string | null;
  args: string;
  command: string;
  cwd: string;
  hash: string;
  risk: string;
  risk_level: Approval['riskLevel'];
  no_rule_reason: string | null;
  conversation_id: string | null;
  channel: string | null;
  status: Approval['status'];
  created_at: string;
  expires_at: string;
  decided_at: string | null;
  decided_by: string | null;
  run_state: 'running' | 'done' | 'interrupted' | null;
  exit_code: number | null;
  output: string | null;
}

const toApproval = (r: ApprovalRow): Approval => ({
  id: r.id,
  tool: r.tool,
  kind: r.kind,
  server: r.server,
  command: r.command,
  cwd: r.cwd,
  risk: r.risk,
  riskLevel: r.risk_level,
  noRuleReason: r.no_rule_reason,
  conversationId: r.conversation_id,
  channel: r.channel,
  status: r.status,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  decidedAt: r.decided_at,
  decidedBy: r.decided_by,
  run: r.run_state ? { state: r.run_state, exitCode: r.exit_code, output: r.output ?? '' } : null,
});

interface RuleRow {
  id: number;
  kind: ApprovalRule['kind'];
  command: string;
  cwd: string | null;
  created_at: string;
  last_used_at: string | null;
}

const toRule = (r: RuleRow): ApprovalRule => ({ id: r.id, kind: r.kind, command: r.command, cwd: r.cwd, createdAt: r.created_at, lastUsedAt: r.last_used_at });

// Short enough to type into a chat reply; no look-alike characters.
const ID_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const newId = () => Array.from({ length: 6 }, () => ID_ALPHABET[randomInt(ID_ALPHABET.length)]).join('');

export interface NewApproval {
  tool: string;
  /** Default exec; mcp: `server`'s tool `tool`. */
  kind?: Approval['kind'];
  server?: string | null;
  args: unknown;
  command: string;
  cwd: string;
  hash: string;
  risk: string;
  riskLevel: Approval['riskLevel'];
  noRuleReason: string | null;
  conversationId: string | null;
  channel: string | null;
  ttlMs: number;
}

export class ApprovalStore {
  private readonly sql: Prepared;

  constructor(
    private readonly db: Db,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.sql = prepared(db);
    this.transaction = transactor(db);
  }

  readonly transaction: <T>(fn: () => T) => T;

  create(a: NewApproval): Approval {
    const now = this.now();
    const expiresAt = new Date(now.getTime() + a.ttlMs).toISOString();
    for (;;) {
      const id = newId();
      const result = this.sql(
        `INSERT OR IGNORE INTO approvals (id, tool, kind, server, args, command, cwd, hash, risk, risk_level, no_rule_reason, conversation_id, channel, status, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
      ).run(id, a.tool, a.kind ?? 'exec', a.server ?? null, JSON.stringify(a.args), a.command, a.cwd, a.hash, a.risk, a.riskLevel, a.noRuleReason, a.conversationId, a.channel, now.toISOString(), expiresAt);
      if (result.changes === 1) return this.get(id)!;
    }
  }

  get(id: string): Approval | null {
    const row = this.sql('SELECT * FROM approvals WHERE id = ?').get(id) as ApprovalRow | undefined;
    return row ? toApproval(row) : null;
  }

  /** What will run, exactly as stored when it was requested. */
  stored(id: string): { tool: string; args: unknown; hash: string } | null {
    const row = this.sql('SELECT tool, args, hash FROM approvals WHERE id = ?').get(id) as Pick<ApprovalRow, 'tool' | 'args' | 'hash'> | undefined;
    return row ? { tool: row.tool, args: JSON.parse(row.args) as unknown, hash: row.hash } : null;
  }

  /** Pending, unexpired approvals of exactly this call (tool and arguments) in a conversation, oldest first. */
  pendingFor(conversationId: string, hash: string): string[] {
    const rows = this.sql("SELECT id FROM approvals WHERE conversation_id = ? AND hash = ? AND status = 'pending' AND expires_at > ? ORDER BY created_at, id").all(
      conversationId,
      hash,
      this.now().toISOString(),
    ) as { id: string }[];
    return rows.map((r) => r.id);
  }

  /** Moves a pending, unexpired approval to its decision; false when someone else decided first. */
  decide(id: string, status: 'approved' | 'denied', by: string): boolean {
    const at = this.now().toISOString();
    return (
      this.sql("UPDATE approvals SET status = ?, decided_at = ?, decided_by = ? WHERE id = ? AND status = 'pending' AND expires_at > ?").run(status, at, by, id, at)
        .changes === 1
    );
  }

  /** Pending approvals past their expiry become expired; returns their ids. */
  expireDue(): string[] {
    const at = this.now().toISOString();
    const rows = this.sql("UPDATE approvals SET status = 'expired', decided_at = ? WHERE status = 'pending' AND expires_at <= ? RETURNING id").all(at, at) as { id: string }[];
    return rows.map((r) => r.id);
  }

  nextExpiry(): Date | null {
    const row = this.sql("SELECT min(expires_at) AS at FROM approvals WHERE status = 'pending'").get() as { at: string | null };
    return row.at ? new Date(row.at) : null;
  }

  /** Marks an approved call as running; false if it already ran (or is running). */
  startRun(id: string): boolean {
    return this.sql("UPDATE approvals SET run_state = 'running' WHERE id = ? AND status = 'approved' AND run_state IS NULL").run(id).changes === 1;
  }

  finishRun(id: string, exitCode: number | null, output: string): void {
    this.sql("UPDATE approvals SET run_state = 'done', exit_code = ?, output = ? WHERE id = ?").run(exitCode, output, id);
  }

  /** Runs cut off by a crash are not run again: they are marked and reported instead. */
  interruptRunning(): string[] {
    const rows = this.sql("UPDATE approvals SET run_state = 'interrupted' WHERE run_state = 'running' RETURNING id").all() as { id: string }[];
    return rows.map((r) => r.id);
  }

  /** Approved before a crash but never started: these still run, once. */
  /** How many wait for a decision (the tray's badge). */
  pendingCount(): number {
    return (this.sql("SELECT count(*) AS n FROM approvals WHERE status = 'pending'").get() as { n: number }).n;
  }

  approvedNotRun(): string[] {
    return (this.sql("SELECT id FROM approvals WHERE status = 'approved' AND run_state IS NULL ORDER BY decided_at").all() as { id: string }[]).map((r) => r.id);
  }

  list(status: 'pending' | 'history' | 'all', cursor: string | undefined, limit: number): { items: Approval[]; nextCursor: string | null } {
    const where = status === 'pending' ? "status = 'pending'" : status === 'history' ? "status <> 'pending'" : '1';
    const [at, id] = cursor ? decodeCursor(cursor, 2) : ['9999', ''];
    const rows = this.sql(`SELECT * FROM approvals WHERE ${where} AND (created_at < ? OR (created_at = ? AND id < ?)) ORDER BY created_at DESC, id DESC LIMIT ?`).all(
      at,
      at,
      id,
      limit + 1,
    ) as ApprovalRow[];
    const items = rows.slice(0, limit).map(toApproval);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > limit && last ? encodeCursor([last.createdAt, last.id]) : null };
  }

  rules(): ApprovalRule[] {
    return (this.sql('SELECT * FROM approval_rules ORDER BY id').all() as RuleRow[]).map(toRule);
  }

  rule(id: number): ApprovalRule | null {
    const row = this.sql('SELECT * FROM approval_rules WHERE id = ?').get(id) as RuleRow | undefined;
    return row ? toRule(row) : null;
  }

  addRule(kind: ApprovalRule['kind'], command: string, cwd: string | null): ApprovalRule {
    const existing = this.sql('SELECT * FROM approval_rules WHERE kind = ? AND command = ? AND cwd IS ?').get(kind, command, cwd) as RuleRow | undefined;
    if (existing) return toRule(existing);
    const { lastInsertRowid } = this.sql('INSERT INTO approval_rules (kind, command, cwd, created_at) VALUES (?, ?, ?, ?)').run(kind, command, cwd, this.now().toISOString());
    return this.rule(Number(lastInsertRowid))!;
  }

  updateRule(id: number, rule: Pick<ApprovalRule, 'kind' | 'command' | 'cwd'>): void {
    this.sql('UPDATE approval_rules SET kind = ?, command = ?, cwd = ? WHERE id = ?').run(rule.kind, rule.command, rule.cwd, id);
  }

  removeRule(id: number): boolean {
    return this.sql('DELETE FROM approval_rules WHERE id = ?').run(id).changes === 1;
  }

  touchRule(id: number): void {
    this.sql('UPDATE approval_rules SET last_used_at = ? WHERE id = ?').run(this.now().toISOString(), id);
  }
}
