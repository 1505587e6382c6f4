import Database from 'better-sqlite3';
import { createHash, createHmac } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HeadFile } from '../../main/audit/audit-head';
import { AuditLog, auditMigrations } from '../../main/audit/audit-log';
import { newChainKey } from '../../main/audit/chain';
import { AUDIT_HEAD_FILE, AUDIT_KEY_SECRET } from '../../main/audit/open-audit';
import { allMigrations, type Core } from '../../main/core';
import { openDatabase, closeDatabase } from '../../main/store/database';
import { migrate } from '../../main/store/migrations';
import { startTestCore, TEST_TOKEN } from '../helpers/core';
import { tempDataDir } from '../helpers/data-dir';
import { spawnCoreProcess } from '../helpers/core-process';
import { RpcSocket } from '../helpers/rpc-socket';
import { waitForStart } from '../helpers/serve-process';

// Issue 16, part 5: with the database file at hand, each of these tamperings used to leave
// audit.verify at ok. Each one here runs against a real SQLite file of a real core: stop the core,
// tamper with better-sqlite3 directly, restart, and ask audit.verify over RPC (twice: the finding
// must survive the restart after the one that found it).

const ROWS = 10;
type Row = { seq: number; at: string; actor: string; surface: string; action: string; subject: string; details: string; prev_hash: string; hash: string };
const fields = (r: Omit<Row, 'prev_hash' | 'hash'>) => JSON.stringify([r.seq, r.at, r.actor, r.surface, r.action, r.subject, r.details]);
const unkeyed = (prev: string, r: Omit<Row, 'prev_hash' | 'hash'>) => createHash('sha256').update(prev).update(fields(r)).digest('hex');
const wrongKey = (prev: string, r: Omit<Row, 'prev_hash' | 'hash'>) => createHmac('sha256', 'not-the-key').update(prev).update(fields(r)).digest('hex');

async function withCore<T>(dataDir: string, run: (ws: RpcSocket, core: Core) => Promise<T>): Promise<T> {
  const core = await startTestCore({ PERCH_DATA_DIR: dataDir });
  const ws = await RpcSocket.open(core.gateway.url, { Authorization: `Bearer ${TEST_TOKEN}` });
  try {
    return await run(ws, core);
  } finally {
    ws.close();
    await core.stop();
  }
}

/** A data dir whose audit log holds ROWS rows written by Perch (rule changes over RPC). */
async function populated(): Promise<string> {
  const dataDir = tempDataDir();
  await withCore(dataDir, async (ws) => {
    for (let i = 0; i < ROWS / 2; i++) {
      const rule = (await ws.request('approvals.rules.add', { kind: 'exact', command: `echo rule-${i}` })).result;
      await ws.request('approvals.rules.remove', { id: rule.id });
    }
    expect((await ws.request('audit.verify')).result).toEqual({ ok: true, checked: ROWS });
  });
  return dataDir;
}

function tamper(dataDir: string, change: (db: Database.Database) => void): void {
  const db = new Database(path.join(dataDir, 'perch.db'));
  try {
    change(db);
  } finally {
    db.close();
  }
}

const rows = (db: Database.Database) => db.prepare('SELECT * FROM audit_log ORDER BY seq').all() as Row[];

/** Appends a row after the last one, sealed by `sign` (triggers stay in place: it is a plain next-seq insert). */
function appendForged(db: Database.Database, sign: typeof unkeyed) {
  const last = rows(db).at(-1)!;
  const row = { seq: last.seq + 1, at: new Date().toISOString(), actor: 'owner', surface: 'dashboard', action: 'rule.added', subject: 'rule:99', details: '{"command":"rm -rf ~"}' };
  db.prepare('INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)').run(row.seq, row.at, row.actor, row.surface, row.action, row.subject, row.details, last.hash, sign(last.hash, row));
}

/** Edits one row and reseals it and every row after it with `sign`. */
function editAndReseal(db: Database.Database, seq: number, sign: typeof unkeyed) {
  db.exec('DROP TRIGGER audit_log_no_update');
  const all = rows(db);
  let prev = all[seq - 2]!.hash;
  for (const r of all.slice(seq - 1)) {
    const row = r.seq === seq ? { ...r, details: '{"command":"echo harmless"}' } : r;
    const hash = sign(prev, row);
    db.prepare('UPDATE audit_log SET details = ?, prev_hash = ?, hash = ? WHERE seq = ?').run(row.details, prev, hash, r.seq);
    prev = hash;
  }
}

const cases: Array<{ name: string; change: (db: Database.Database, dataDir: string) => void; brokenAt: number; reason: RegExp }> = [
  { name: 'delete the last row', change: (db) => (db.exec('DROP TRIGGER audit_log_no_delete'), db.exec(`DELETE FROM audit_log WHERE seq = ${ROWS}`)), brokenAt: ROWS, reason: new RegExp(`^rows missing after ${ROWS - 1}\\b`) },
  { name: 'delete the last 5 rows', change: (db) => (db.exec('DROP TRIGGER audit_log_no_delete'), db.exec(`DELETE FROM audit_log WHERE seq > ${ROWS - 5}`)), brokenAt: ROWS - 4, reason: new RegExp(`^rows missing after ${ROWS - 5}\\b`) },
  { name: 'empty the table', change: (db) => (db.exec('DROP TRIGGER audit_log_no_delete'), db.exec('DELETE FROM audit_log')), brokenAt: 1, reason: /^rows missing after 0\b/ },
  { name: 'delete a row in the middle', change: (db) => (db.exec('DROP TRIGGER audit_log_no_delete'), db.exec('DELETE FROM audit_log WHERE seq = 5')), brokenAt: 5, reason: /^row 5 is missing$/ },
  { name: 'append a forged row with a recomputed unkeyed hash', change: (db) => appendForged(db, unkeyed), brokenAt: ROWS + 1, reason: /^its contents were changed$/ },
  { name: 'append a forged row sealed with a wrong key', change: (db) => appendForged(db, wrongKey), brokenAt: ROWS + 1, reason: /^its contents were changed$/ },
  { name: 'edit a row and recompute the whole chain unkeyed', change: (db) => editAndReseal(db, 4, unkeyed), brokenAt: 4, reason: /^its contents were changed$/ },
  { name: 'edit a row and recompute the whole chain with a wrong key', change: (db) => editAndReseal(db, 4, wrongKey), brokenAt: 4, reason: /^its contents were changed$/ },
  {
    // A database from before the append-only insert trigger: REPLACE deletes without firing DELETE triggers.
    name: 'INSERT OR REPLACE a row where only the update and delete triggers stand',
    change: (db) => {
      db.exec('DROP TRIGGER audit_log_append_only');
      const r = rows(db)[2]!;
      const row = { ...r, details: '{"command":"echo harmless"}' };
      db.prepare('INSERT OR REPLACE INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)').run(row.seq, row.at, row.actor, row.surface, row.action, row.subject, row.details, row.prev_hash, unkeyed(row.prev_hash, row));
    },
    brokenAt: 3,
    reason: /^its contents were changed$/,
  },
  {
    name: 'cut the last 3 rows and write a head to match, unkeyed',
    change: (db, dataDir) => {
      db.exec('DROP TRIGGER audit_log_no_delete');
      db.exec(`DELETE FROM audit_log WHERE seq > ${ROWS - 3}`);
      const last = rows(db).at(-1)!;
      const mac = createHash('sha256').update(`${last.seq}${last.hash}`).digest('hex');
      fs.writeFileSync(path.join(dataDir, AUDIT_HEAD_FILE), JSON.stringify({ seq: last.seq, hash: last.hash, mac }));
    },
    brokenAt: ROWS - 2,
    reason: new RegExp(`^the audit head \\(.*\\) is altered: rows after ${ROWS - 3} may have been removed`),
  },
  {
    name: 'cut the last row and delete the head file',
    change: (db, dataDir) => {
      db.exec('DROP TRIGGER audit_log_no_delete');
      db.exec(`DELETE FROM audit_log WHERE seq = ${ROWS}`);
      fs.rmSync(path.join(dataDir, AUDIT_HEAD_FILE));
    },
    brokenAt: ROWS,
    reason: new RegExp(`^the audit head \\(.*\\) is missing: rows after ${ROWS - 1} may have been removed`),
  },
  {
    name: 'delete the chain key from the secrets file and recompute the chain unkeyed',
    change: (db, dataDir) => {
      const file = path.join(dataDir, 'secrets.json');
      const secrets = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
      delete secrets[AUDIT_KEY_SECRET];
      fs.writeFileSync(file, JSON.stringify(secrets));
      editAndReseal(db, 2, unkeyed);
    },
    brokenAt: 1,
    reason: /^the audit chain's key is missing or unreadable in the secret store: rows 1–10 can no longer be proven/,
  },
];

describe('audit log tampering with the database file at hand', () => {
  it.each(cases)('$name: audit.verify reports it, also after the next restart', { timeout: 30_000 }, async ({ change, brokenAt, reason }) => {
    const dataDir = await populated();
    tamper(dataDir, (db) => change(db, dataDir));
    for (let start = 1; start <= 2; start++) {
      await withCore(dataDir, async (ws, core) => {
        const verified = (await ws.request('audit.verify')).result;
        expect(verified, `start ${start}`).toMatchObject({ ok: false, brokenAt, checked: brokenAt - 1 });
        expect(verified.reason, `start ${start}`).toMatch(reason);
        expect(core.status().domains.audit?.status).toBe('degraded');
      });
    }
  });

  it('INSERT OR REPLACE is refused while the triggers stand, and the chain stays intact', async () => {
    const dataDir = await populated();
    tamper(dataDir, (db) => {
      const r = rows(db)[ROWS - 1]!;
      const replace = db.prepare('INSERT OR REPLACE INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
      expect(() => replace.run(r.seq, r.at, r.actor, r.surface, r.action, r.subject, '{"command":"echo harmless"}', r.prev_hash, r.hash)).toThrow(/append-only/);
      expect(() => replace.run(3, r.at, r.actor, r.surface, r.action, r.subject, '{}', r.prev_hash, r.hash)).toThrow(/append-only/);
      expect(rows(db)).toHaveLength(ROWS);
    });
    await withCore(dataDir, async (ws) => {
      expect((await ws.request('audit.verify')).result).toEqual({ ok: true, checked: ROWS });
    });
  });

  it('missing or altered triggers are reported at start, recreated, and noted in the chain', async () => {
    const dataDir = await populated();
    tamper(dataDir, (db) => {
      db.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_append_only; DROP TRIGGER audit_log_no_delete');
      db.exec('CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT 1; END');
    });
    await withCore(dataDir, async (ws, core) => {
      expect(core.status().domains.audit).toEqual({ status: 'degraded', detail: 'triggers recreated at start: audit_log_no_update, audit_log_append_only, audit_log_no_delete' });
      const newest = (await ws.request('audit.list', { limit: 1 })).result.items[0];
      expect(newest).toMatchObject({ seq: ROWS + 1, action: 'audit.triggers_recreated', details: { missing: ['audit_log_no_update', 'audit_log_append_only'], altered: ['audit_log_no_delete'] } });
      expect((await ws.request('audit.verify')).result).toEqual({ ok: true, checked: ROWS + 1 });
      // They work again, on the running core's own file.
      expect(() => core.db.exec('DELETE FROM audit_log WHERE seq = 1')).toThrow(/append-only/);
      expect(() => core.db.exec('UPDATE audit_log SET actor = 1')).toThrow(/append-only/);
    });
    const log = fs.readdirSync(path.join(dataDir, 'logs')).map((f) => fs.readFileSync(path.join(dataDir, 'logs', f), 'utf8')).join('');
    expect(log).toContain('audit log triggers were missing or altered and have been recreated');
    // Put back once: the next start finds them in place.
    await withCore(dataDir, async (_ws, core) => expect(core.status().domains.audit?.status).toBe('ok'));
  });

  it('a head left behind the tail (a crash before it was rewritten) is accepted: the rows past it must still carry the key', async () => {
    const dataDir = await populated();
    const headFile = path.join(dataDir, AUDIT_HEAD_FILE);
    const behind = fs.readFileSync(headFile, 'utf8');
    await withCore(dataDir, async (ws) => void (await ws.request('approvals.rules.add', { kind: 'exact', command: 'echo later' })));
    fs.writeFileSync(headFile, behind);
    await withCore(dataDir, async (ws) => expect((await ws.request('audit.verify')).result).toEqual({ ok: true, checked: ROWS + 1 }));
    fs.writeFileSync(headFile, behind);
    tamper(dataDir, (db) => appendForged(db, unkeyed));
    await withCore(dataDir, async (ws) => expect((await ws.request('audit.verify')).result).toEqual({ ok: false, checked: ROWS + 1, brokenAt: ROWS + 2, reason: 'its contents were changed' }));
  });

  it('a log kept intact verifies across restarts, and the head and the key stay out of the database', async () => {
    const dataDir = await populated();
    await withCore(dataDir, async (ws, core) => {
      expect((await ws.request('audit.verify')).result).toEqual({ ok: true, checked: ROWS });
      expect(core.status().domains.audit).toEqual({ status: 'ok', detail: `${ROWS} records, keyed chain` });
    });
    const head = JSON.parse(fs.readFileSync(path.join(dataDir, AUDIT_HEAD_FILE), 'utf8')) as { seq: number; hash: string };
    const key = (JSON.parse(fs.readFileSync(path.join(dataDir, 'secrets.json'), 'utf8')) as Record<string, string>)[AUDIT_KEY_SECRET]!;
    tamper(dataDir, (db) => {
      expect(head).toMatchObject({ seq: ROWS, hash: rows(db).at(-1)!.hash });
      const everything = db.prepare("SELECT group_concat(value, ' ') FROM (SELECT value FROM meta UNION ALL SELECT details FROM audit_log)").pluck().get() as string;
      expect(everything).not.toContain((JSON.parse(key) as { key: string }).key);
    });
  });
});

describe('a log from before the chain was keyed', () => {
  /** The unkeyed chain as the previous version wrote it (audit schema v1, plain SHA-256). */
  function legacyDataDir(count: number): string {
    const dataDir = tempDataDir();
    const file = path.join(dataDir, 'perch.db');
    const db = openDatabase(file);
    migrate(db, file, allMigrations.filter((m) => !(m.domain === 'audit' && m.version > 1)), '0.0.9');
    let prev = '0'.repeat(64);
    for (let seq = 1; seq <= count; seq++) {
      const row = { seq, at: new Date(Date.UTC(2025, 0, seq)).toISOString(), actor: 'owner', surface: 'dashboard', action: 'rule.added', subject: `rule:${seq}`, details: '{}' };
      const hash = unkeyed(prev, row);
      db.prepare('INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)').run(seq, row.at, row.actor, row.surface, row.action, row.subject, row.details, prev, hash);
      prev = hash;
    }
    closeDatabase(db);
    return dataDir;
  }

  it('keeps its rows verifiable as they are and seals them under the key from the upgrade on', async () => {
    const dataDir = legacyDataDir(6);
    await withCore(dataDir, async (ws, core) => {
      expect((await ws.request('audit.verify')).result).toEqual({ ok: true, checked: 7 });
      const marker = (await ws.request('audit.list', { limit: 1 })).result.items[0];
      expect(marker).toMatchObject({ seq: 7, action: 'audit.keyed', details: { legacyThrough: 6 } });
      expect(core.status().domains.audit).toEqual({ status: 'ok', detail: '7 records, keyed chain; rows 1–6 predate the key' });
      await ws.request('approvals.rules.add', { kind: 'exact', command: 'echo after' });
    });
    await withCore(dataDir, async (ws) => expect((await ws.request('audit.verify')).result).toEqual({ ok: true, checked: 8 }));

    // Rewriting an old row and recomputing the old (unkeyed) chain no longer passes: the first keyed row sealed its tail.
    tamper(dataDir, (db) => editAndReseal(db, 2, unkeyed));
    await withCore(dataDir, async (ws) => expect((await ws.request('audit.verify')).result).toEqual({ ok: false, checked: 6, brokenAt: 7, reason: 'its contents were changed' }));
  });

  it('an old row edited before the upgrade is still reported after it', async () => {
    const dataDir = legacyDataDir(4);
    tamper(dataDir, (db) => {
      db.exec('DROP TRIGGER audit_log_no_update');
      db.exec("UPDATE audit_log SET details = '{\"x\":1}' WHERE seq = 3");
    });
    await withCore(dataDir, async (ws) => expect((await ws.request('audit.verify')).result).toEqual({ ok: false, checked: 2, brokenAt: 3, reason: 'its contents were changed' }));
  });
});

describe('the head outside the database', () => {
  it('moves only once an append is committed, once per turn however many rows came', async () => {
    const dir = tempDataDir();
    const file = path.join(dir, 'perch.db');
    const db = openDatabase(file);
    migrate(db, file, auditMigrations, '0.0.0');
    const chain = newChainKey(0);
    const headFile = new HeadFile(path.join(dir, AUDIT_HEAD_FILE));
    const audit = new AuditLog(db, { chain, headFile });
    audit.anchor();
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    db.transaction(() => {
      for (let i = 0; i < 3; i++) audit.append({ actor: 'owner', surface: 'dashboard', action: 'rule.added', subject: `rule:${i}` });
    })();
    await turn();
    expect(headFile.read(chain.key)).toMatchObject({ state: 'ok', head: { seq: 3 } });
    // A change that rolls back takes its audit row with it: the head must not point at it.
    expect(() =>
      db.transaction(() => {
        audit.append({ actor: 'owner', surface: 'dashboard', action: 'rule.added', subject: 'rule:rolled-back' });
        throw new Error('the change failed');
      })(),
    ).toThrow('the change failed');
    await turn();
    expect(headFile.read(chain.key)).toMatchObject({ state: 'ok', head: { seq: 3 } });
    expect(audit.verify()).toEqual({ ok: true, checked: 3 });
    // Another key cannot read it as valid.
    expect(headFile.read(newChainKey(0).key)).toEqual({ state: 'altered' });
    audit.close();
    closeDatabase(db);
  });
});

describe('a kill in the middle of appends', () => {
  it('is not mistaken for tampering: the chain verifies after the restart', { timeout: 60_000 }, async () => {
    const dataDir = await populated();
    const app = spawnCoreProcess({ PERCH_DATA_DIR: dataDir, PERCH_GATEWAY_PORT: '0', PERCH_GATEWAY_TOKEN: TEST_TOKEN });
    const ws = await RpcSocket.open((await waitForStart(app, 30_000)).gateway, { Authorization: `Bearer ${TEST_TOKEN}` });
    for (let i = 0; i < 40; i++) void ws.request('approvals.rules.add', { kind: 'exact', command: `echo burst-${i}` }).catch(() => undefined);
    await ws.waitFor((f) => typeof f.id === 'string' && f.id === 't20');
    app.child.kill('SIGKILL');
    await app.exited;
    await withCore(dataDir, async (ws2) => {
      const verified = (await ws2.request('audit.verify')).result;
      expect(verified.ok).toBe(true);
      expect(verified.checked).toBeGreaterThanOrEqual(ROWS + 20);
    });
  });
});
