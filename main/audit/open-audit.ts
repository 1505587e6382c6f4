import path from 'node:path';
import type { Logger } from '../log/logger';
import type { SecretStore } from '../secrets/secret-store';
import type { Db } from '../store/database';
import type { DomainHealth } from '../system/health';
import { HeadFile, type Head } from './audit-head';
import { AuditLog, BROKEN_ACTION } from './audit-log';
import { decodeChainKey, encodeChainKey, GENESIS, newChainKey, type ChainKey } from './chain';
import { repairAuditTriggers } from './triggers';

// Opening the audit log at start: the chain key from the secret store (made on first use), the
// head from its file, the triggers put back if someone removed them, and the chain checked, with
// any tampering found written into the chain itself (so it stays reported) and logged.
//
// Upgrade from the unkeyed chain: its rows stay as they were (rewriting them would also launder
// any edit made before the upgrade) and keep verifying with plain SHA-256 up to `legacyThrough`,
// a boundary stored with the key; an "audit.keyed" row then seals the old tail's hash under the
// key, so a later edit of an old row shows there at the latest.

export const AUDIT_KEY_SECRET = 'audit-chain-key';
export const AUDIT_HEAD_FILE = 'audit-head.json';

export interface OpenAuditOptions {
  db: Db;
  dataDir: string;
  secrets: SecretStore;
  log: Logger;
  /** The audit table was created by this start (a new database): nothing existed to protect. */
  created: boolean;
  now?: () => Date;
}

export interface OpenedAudit {
  audit: AuditLog;
  health(): DomainHealth;
}

type Finding = { brokenAt: number; reason: string };

export async function openAuditLog(options: OpenAuditOptions): Promise<OpenedAudit> {
  const { db, log, secrets } = options;
  const headFile = new HeadFile(path.join(options.dataDir, AUDIT_HEAD_FILE));
  const findings: Finding[] = [];
  const notes: Array<{ action: string; details: Record<string, unknown> }> = [];

  const triggers = repairAuditTriggers(db);
  if (triggers.missing.length + triggers.altered.length > 0) {
    log.warn('audit log triggers were missing or altered and have been recreated', { ...triggers });
    notes.push({ action: 'audit.triggers_recreated', details: { ...triggers } });
  }

  const tailRow = db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as Head | undefined;
  const tail = tailRow?.seq ?? 0;
  const stored = await secrets.get(AUDIT_KEY_SECRET);
  let chain: ChainKey | null = stored && !options.created ? decodeChainKey(stored) : null;
  let head: Head | null = null;
  if (chain) {
    const read = headFile.read(chain.key);
    if (read.state === 'ok') head = read.head;
    else findings.push({ brokenAt: tail + 1, reason: `the audit head (${headFile.file}) is ${read.state}: rows after ${tail} may have been removed` });
  } else {
    const lost = !options.created && (stored !== null || headFile.exists());
    chain = newChainKey(tail, lost ? tail : 0);
    await secrets.set(AUDIT_KEY_SECRET, encodeChainKey(chain));
    // At once: a crash before the head exists would look like a deleted head at the next start.
    head = tailRow ?? { seq: 0, hash: GENESIS };
    headFile.write(chain.key, head);
    if (lost) findings.push({ brokenAt: 1, reason: `the audit chain's key is missing or unreadable in the secret store: rows 1–${tail} can no longer be proven` });
    else if (tail > 0) notes.push({ action: 'audit.keyed', details: { legacyThrough: tail } });
    if (tail > 0) log.info('the audit chain is keyed from here on', { legacyThrough: tail, lost });
  }

  const audit = new AuditLog(db, { chain, headFile, head, ...(options.now ? { now: options.now } : {}) });
  const { result, recorded, walk } = audit.inspect();
  if (!result.ok && !recorded) findings.push({ brokenAt: result.brokenAt, reason: result.reason });

  db.transaction(() => {
    const known = audit.recordedBreaks();
    for (const f of findings) {
      if (known.some((k) => k.brokenAt === f.brokenAt && k.reason === f.reason)) continue;
      audit.append({ actor: 'system', surface: 'system', action: BROKEN_ACTION, subject: `audit:${f.brokenAt}`, details: f });
    }
    for (const n of notes) audit.append({ actor: 'system', surface: 'system', ...n, subject: 'audit' });
  })();
  for (const f of findings) log.error('the audit log was tampered with', { row: f.brokenAt, reason: f.reason });
  audit.anchor();
  // The rows walked above are as they were: only the ones just appended are walked again.
  const atStart = audit.inspect(walk).result;

  const repaired = [...triggers.missing, ...triggers.altered];
  return {
    audit,
    health: () => {
      if (!atStart.ok) return { status: 'degraded', detail: `the audit chain is broken at row ${atStart.brokenAt}: ${atStart.reason}` };
      if (repaired.length > 0) return { status: 'degraded', detail: `triggers recreated at start: ${repaired.join(', ')}` };
      const legacy = chain.legacyThrough > 0 ? `; rows 1–${chain.legacyThrough} predate the key` : '';
      return { status: 'ok', detail: `${audit.tailSeq()} records, keyed chain${legacy}` };
    },
  };
}
