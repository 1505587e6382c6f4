import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { approvalMigrations, ApprovalStore } from '../../main/approvals/approval-store';
import { ApprovalGate } from '../../main/approvals/gate';
import { auditMigrations, AuditLog } from '../../main/audit/audit-log';
import { defaultSettings } from '../../main/contract/settings';
import { EventBus } from '../../main/events/bus';
import { createLogger } from '../../main/log/logger';
import { openDatabase } from '../../main/store/database';
import { migrate } from '../../main/store/migrations';
import { execTool } from '../../main/tools/exec';
import { ToolRegistry } from '../../main/tools/registry';
import { tempDataDir } from '../helpers/data-dir';

// What a crash can leave in the approvals table, and how the next start settles it: a decision
// that never started still runs (once); a run cut off is not run again; what lapsed expires.

function setup() {
  const dir = tempDataDir();
  const file = path.join(dir, 'perch.db');
  const db = openDatabase(file);
  migrate(db, file, [...auditMigrations, ...approvalMigrations], '0.0.0');
  const workspace = path.join(dir, 'workspace');
  fs.mkdirSync(workspace);
  const store = new ApprovalStore(db);
  const audit = new AuditLog(db);
  const tools = new ToolRegistry();
  tools.add(execTool(workspace, () => ({ timeoutMs: 10_000, maxOutputBytes: 65_536 })));
  const reports: Array<[string, string]> = [];
  // One per process: a second one on the same store is Perch after a restart.
  const makeGate = () => new ApprovalGate({
    store,
    audit,
    bus: new EventBus(),
    log: createLogger({ dir: null, level: 'error', console: false }),
    workspace,
    settings: () => defaultSettings().approvals,
    tool: (name) => tools.get(name),
    execute: (tool, args, origin) => tools.execute(tool, args, origin),
    report: (conversationId, text) => reports.push([conversationId, text]),
  });
  const gate = makeGate();
  const pending = (command: string, ttlMs = 600_000) =>
    store.create({ tool: 'exec', args: { command, cwd: workspace }, command, cwd: workspace, hash: '', risk: '', riskLevel: 'none', noRuleReason: null, conversationId: 'c1', channel: 'dashboard', ttlMs });
  return { store, audit, gate, makeGate, tools, workspace, reports, pending, db };
}

describe('approvals after a crash', () => {
  it('runs a decision that never started, once; does not rerun one cut off; expires what lapsed', async () => {
    const { store, audit, gate, workspace, reports, pending, db } = setup();
    // Stored as the gate stores them: the hash binds exactly what will run.
    const { createHash } = await import('node:crypto');
    const bind = (id: string, command: string) =>
      db.prepare('UPDATE approvals SET hash = ? WHERE id = ?').run(createHash('sha256').update(JSON.stringify(['exec', { command, cwd: workspace }])).digest('hex'), id);

    const decided = pending('echo once >> once.txt');
    bind(decided.id, 'echo once >> once.txt');
    store.decide(decided.id, 'approved', 'dashboard');
    const cut = pending('echo cut >> cut.txt');
    store.decide(cut.id, 'approved', 'dashboard');
    store.startRun(cut.id);
    const lapsed = pending('touch lapsed.txt', -1);

    await gate.start();
    for (let i = 0; i < 200 && store.get(decided.id)!.run?.state !== 'done'; i++) await new Promise((r) => setTimeout(r, 10));
    await gate.start(); // a second start finds nothing left to do
    gate.close();

    expect(fs.readFileSync(path.join(workspace, 'once.txt'), 'utf8')).toBe('once\n');
    expect(store.get(cut.id)!.run).toEqual({ state: 'interrupted', exitCode: null, output: '' });
    expect(fs.existsSync(path.join(workspace, 'cut.txt'))).toBe(false);
    expect(store.get(lapsed.id)!.status).toBe('expired');
    expect(fs.existsSync(path.join(workspace, 'lapsed.txt'))).toBe(false);
    expect(reports.map(([, text]) => text)).toEqual([
      `[Approval ${cut.id}] The command \`echo cut >> cut.txt\` you asked to run earlier: Perch stopped while this command was running. It was not run again; its result is unknown.`,
      `[Approval ${lapsed.id}] The command \`touch lapsed.txt\` you asked to run earlier: Nobody decided within 10 minutes, so the approval expired and the command did not run.`,
      `[Approval ${decided.id}] The command \`echo once >> once.txt\` you asked to run earlier: It ran:\n`,
    ]);
    expect(audit.verify()).toEqual({ ok: true, checked: 4 }); // interrupted, expired, started, done: nothing twice
  });

  it('asks once when a message is answered again after a crash: its call waits for the request still pending', async () => {
    const { store, gate, makeGate, tools, workspace, reports } = setup();
    const exec = tools.get('exec')!;
    const args = { command: 'echo once >> once.txt' };
    const origin = { conversationId: 'c1', channel: 'telegram' };
    void gate.run({ tool: exec, args, origin }); // the turn that asked, cut off by a crash
    const [asked] = store.list('pending', undefined, 10).items;
    expect(asked).toBeDefined();

    const restarted = makeGate();
    await restarted.start();
    const again = restarted.run({ tool: exec, args, origin }); // the same message, answered again
    const elsewhere = restarted.run({ tool: exec, args, origin: { conversationId: 'c2', channel: 'telegram' } }); // another chat asks on its own
    expect(store.list('all', undefined, 10).items.map((a) => a.conversationId).sort()).toEqual(['c1', 'c2']);
    await restarted.resolve(asked!.id, 'approve', false, 'dashboard');
    expect(await again).toMatchObject({ ok: true });
    expect(fs.readFileSync(path.join(workspace, 'once.txt'), 'utf8')).toBe('once\n');
    expect(reports).toEqual([]); // the waiting turn heard the outcome itself
    restarted.close();
    expect(await elsewhere).toMatchObject({ ok: false });
    gate.close();
  });

  it('refuses to run what differs from what was approved', async () => {
    const { store, audit, gate, workspace, pending } = setup();
    const tampered = pending('echo approved'); // its hash does not match its args
    store.decide(tampered.id, 'approved', 'dashboard');
    await gate.start();
    const refused = () => audit.list(undefined, 10).items.find((e) => e.action === 'execution.refused');
    for (let i = 0; i < 200 && !refused(); i++) await new Promise((r) => setTimeout(r, 10));
    gate.close();
    expect(refused()).toMatchObject({ subject: `approval:${tampered.id}`, details: { reason: 'hash mismatch' } });
    expect(store.get(tampered.id)!.run).toBeNull();
    expect(fs.readdirSync(workspace)).toEqual([]);
  });
});
