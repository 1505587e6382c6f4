import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../main/core';
import { requestExec } from '../helpers/approvals';
import { startTestCore, TEST_TOKEN } from '../helpers/core';
import { tempDataDir } from '../helpers/data-dir';
import { startOpenAIServer } from '../helpers/model-servers';
import { RpcSocket } from '../helpers/rpc-socket';
import { freePort, spawnServe, waitForStart } from '../helpers/serve-process';

// Shell commands behind Approve / Deny, over the gateway: nothing runs undecided, the first
// decision wins, a command runs at most once, rules skip the prompt, and the audit log holds it all.

const auth = { Authorization: `Bearer ${TEST_TOKEN}` };

describe('exec behind the approval gate', () => {
  let core: Core;
  let ws: RpcSocket;
  let workspace: string;
  beforeAll(async () => {
    core = await startTestCore();
    workspace = path.join(core.config.dataDir, 'workspace');
    ws = await RpcSocket.open(core.gateway.url, auth);
    await ws.request('events.subscribe', { events: ['approval.requested', 'approval.resolved'] });
  });
  afterAll(async () => {
    ws.close();
    await core.stop();
  });

  it('asks first, runs once when approved and returns the output; a second decision is refused', async () => {
    const { approval, reply } = await requestExec(ws, { command: 'echo hi' });
    expect(approval).toMatchObject({ tool: 'exec', command: 'echo hi', cwd: workspace, status: 'pending', conversationId: null, run: null });
    expect(approval.id).toMatch(/^[a-z0-9]{6}$/);
    expect(approval.risk).toBe('No known risk found: read the command before approving.');
    expect(new Date(approval.expiresAt).getTime() - new Date(approval.createdAt).getTime()).toBe(600_000);
    expect((await ws.request('approvals.list', { status: 'pending' })).result.items.map((a: any) => a.id)).toEqual([approval.id]);

    const resolved = (await ws.request('approvals.resolve', { id: approval.id, decision: 'approve' })).result;
    expect(resolved.approval).toMatchObject({ status: 'approved', decidedBy: 'dashboard', run: { state: 'done', exitCode: 0, output: 'hi' } });
    expect((await reply).result).toEqual({ ok: true, output: 'hi', exitCode: 0 });

    const again = await ws.request('approvals.resolve', { id: approval.id, decision: 'deny' });
    expect(again.error).toMatchObject({ code: -32013, message: `Approval ${approval.id} was already approved (dashboard).`, data: { code: 'already_resolved', status: 'approved' } });
    expect((await ws.request('approvals.list', { status: 'pending' })).result.items).toEqual([]);
  });

  it('never runs a denied command, and tells the caller it was denied', async () => {
    const { approval, reply } = await requestExec(ws, { command: 'touch denied.txt' });
    await ws.request('approvals.resolve', { id: approval.id, decision: 'deny' });
    expect((await reply).result).toEqual({ ok: false, error: 'The owner denied this command. It did not run: do not claim any result from it.' });
    expect(fs.existsSync(path.join(workspace, 'denied.txt'))).toBe(false);
    expect((await ws.request('approvals.list', { status: 'history', limit: 1 })).result.items[0]).toMatchObject({ id: approval.id, status: 'denied', run: null });
  });

  it('runs a command at most once when two decisions race', async () => {
    const { approval, reply } = await requestExec(ws, { command: 'echo ran >> count.txt' });
    const other = await RpcSocket.open(core.gateway.url, auth);
    const [a, b] = await Promise.all([
      ws.request('approvals.resolve', { id: approval.id, decision: 'approve' }),
      other.request('approvals.resolve', { id: approval.id, decision: 'approve' }),
    ]);
    other.close();
    expect([a, b].filter((r) => r.result).length).toBe(1);
    expect([a, b].filter((r) => r.error?.data?.code === 'already_resolved').length).toBe(1);
    await reply;
    expect(fs.readFileSync(path.join(workspace, 'count.txt'), 'utf8')).toBe('ran\n');
  });

  it('expires an undecided approval as a denial and never runs it', async () => {
    await ws.request('settings.update', { patch: { approvals: { expirySeconds: 1 } } });
    try {
      const { approval, reply } = await requestExec(ws, { command: 'touch expired.txt' });
      expect((await reply).result).toEqual({ ok: false, error: 'Nobody decided within 1 seconds, so the approval expired and the command did not run.' });
      const late = await ws.request('approvals.resolve', { id: approval.id, decision: 'approve' });
      expect(late.error?.data).toMatchObject({ code: 'already_resolved', status: 'expired' });
      expect(fs.existsSync(path.join(workspace, 'expired.txt'))).toBe(false);
    } finally {
      await ws.request('settings.update', { patch: { approvals: { expirySeconds: 600 } } });
    }
  });

  it('lets an "always allow" rule run the same command without asking; revoking it brings the prompt back', async () => {
    const { approval, reply } = await requestExec(ws, { command: 'echo allowed' });
    const { rule } = (await ws.request('approvals.resolve', { id: approval.id, decision: 'approve', remember: true })).result;
    expect(rule).toMatchObject({ kind: 'exact', command: 'echo allowed', cwd: workspace });
    await reply;
    expect((await ws.request('approvals.rules.list')).result.items).toEqual([expect.objectContaining({ id: rule.id })]);

    const before = ws.frames.length;
    expect((await ws.request('tools.invoke', { name: 'exec', args: { command: 'echo allowed' } })).result).toEqual({ ok: true, output: 'allowed', exitCode: 0 });
    expect(ws.frames.slice(before).some((f: any) => f.method === 'approval.requested')).toBe(false);

    expect((await ws.request('approvals.rules.remove', { id: rule.id })).result).toEqual({ removed: true });
    const { approval: again, reply: pending } = await requestExec(ws, { command: 'echo allowed' });
    await ws.request('approvals.resolve', { id: again.id, decision: 'deny' });
    expect((await pending).result.ok).toBe(false);
  });

  it('covers simple commands with a pattern rule, but never a command line with operators', async () => {
    const rule = (await ws.request('approvals.rules.add', { kind: 'pattern', command: 'echo pattern-*' })).result;
    expect((await ws.request('tools.invoke', { name: 'exec', args: { command: 'echo pattern-one two' } })).result).toEqual({ ok: true, output: 'pattern-one two', exitCode: 0 });
    const { approval, reply } = await requestExec(ws, { command: 'echo pattern-x; touch sneaky.txt' });
    await ws.request('approvals.resolve', { id: approval.id, decision: 'deny' });
    await reply;
    expect(fs.existsSync(path.join(workspace, 'sneaky.txt'))).toBe(false);
    await ws.request('approvals.rules.remove', { id: rule.id });
  });

  it('follows the policy: allowlist runs only what a rule covers, deny runs nothing', async () => {
    await ws.request('settings.update', { patch: { approvals: { policy: 'allowlist' } } });
    const rule = (await ws.request('approvals.rules.add', { kind: 'exact', command: 'echo listed' })).result;
    expect((await ws.request('tools.invoke', { name: 'exec', args: { command: 'echo listed' } })).result.output).toBe('listed');
    expect((await ws.request('tools.invoke', { name: 'exec', args: { command: 'echo unlisted' } })).result.error).toMatch(/approval policy: allowlist/);
    await ws.request('settings.update', { patch: { approvals: { policy: 'deny' } } });
    expect((await ws.request('tools.invoke', { name: 'exec', args: { command: 'echo listed' } })).result.error).toMatch(/approval policy: deny/);
    await ws.request('settings.update', { patch: { approvals: { policy: 'ask' } } });
    await ws.request('approvals.rules.remove', { id: rule.id });
  });

  it('answers bad input clearly and runs nothing', async () => {
    expect((await ws.request('approvals.resolve', { id: 'zzzzzz', decision: 'approve' })).error).toMatchObject({ code: -32008, data: { code: 'not_found' } });
    expect((await ws.request('approvals.resolve', { id: 'NOT AN ID', decision: 'approve' })).error.code).toBe(-32602);
    const badRule = await ws.request('approvals.rules.add', { kind: 'pattern', command: 'ls *; rm -rf ~' });
    expect(badRule.error).toMatchObject({ code: -32014, message: expect.stringContaining('a rule can only cover one plain command') });
    expect((await ws.request('approvals.rules.add', { kind: 'pattern', command: '* --help' })).error.message).toContain('must name its program');
    expect((await ws.request('approvals.rules.remove', { id: 999 })).error.data.code).toBe('not_found');
    // A line that does not parse goes to the owner with a note, never an internal error.
    const { approval, reply } = await requestExec(ws, { command: 'echo "unterminated' });
    expect(approval).toMatchObject({ riskLevel: 'high', risk: expect.stringMatching(/^Could not be analysed: at character 6: reached EOF without closing quote "/), noRuleReason: 'it could not be analysed' });
    const always = await ws.request('approvals.resolve', { id: approval.id, decision: 'approve', remember: true });
    expect(always.error).toMatchObject({ code: -32014, message: '“Approve always” is not available for this command: it could not be analysed. Approve it once or deny it.' });
    await ws.request('approvals.resolve', { id: approval.id, decision: 'deny' });
    expect((await reply).result.ok).toBe(false);
    expect((await ws.request('tools.invoke', { name: 'exec', args: { command: '' } })).result.error).toBe('Invalid arguments for exec: command: the command is empty');
    expect((await ws.request('approvals.list', { status: 'pending' })).result.items).toEqual([]);
  });

  it('keeps a verifiable audit log of requests, decisions, rule changes and runs', async () => {
    const verified = (await ws.request('audit.verify')).result;
    expect(verified.ok).toBe(true);
    const { items } = (await ws.request('audit.list', { limit: 500 })).result;
    expect(verified.checked).toBe(items.length);
    const actions = new Set(items.map((i: any) => i.action));
    for (const action of ['approval.requested', 'approval.approved', 'approval.denied', 'approval.expired', 'execution.started', 'execution.done', 'rule.added', 'rule.removed', 'request.allowed', 'request.denied']) {
      expect(actions).toContain(action);
    }
    const done = items.find((i: any) => i.action === 'execution.done' && i.subject.startsWith('approval:'));
    expect(done.details).toEqual({ ok: true, exitCode: 0 });
    const page = (await ws.request('audit.list', { limit: 2 })).result;
    expect(page.items.map((i: any) => i.seq)).toEqual([items[0].seq, items[1].seq]);
    expect((await ws.request('audit.list', { limit: 2, cursor: page.nextCursor })).result.items[0].seq).toBe(items[2].seq);
  });
});

describe('approvals across a crash', () => {
  it('keeps a pending approval through SIGKILL; approving after the restart runs it once; the audit log verifies, and shows an edited row', { timeout: 60_000 }, async () => {
    const dataDir = tempDataDir();
    const env = { PERCH_DATA_DIR: dataDir, PERCH_GATEWAY_PORT: String(await freePort()), PERCH_GATEWAY_TOKEN: TEST_TOKEN };
    let app = spawnServe(env);
    let ws = await RpcSocket.open((await waitForStart(app)).gateway, auth);
    await ws.request('events.subscribe', { events: ['approval.requested'] });
    const { approval, reply } = await requestExec(ws, { command: 'echo after-restart >> restarted.txt' });
    const lost = reply.then(
      () => 'answered',
      (error: Error) => error.message,
    );
    app.child.kill('SIGKILL');
    expect(await lost).toMatch(/^socket closed/); // the caller is gone with the process
    await app.exited;

    app = spawnServe(env);
    ws = await RpcSocket.open((await waitForStart(app)).gateway, auth);
    const pending = (await ws.request('approvals.list', { status: 'pending' })).result.items;
    expect(pending).toEqual([expect.objectContaining({ id: approval.id, command: 'echo after-restart >> restarted.txt', status: 'pending' })]);
    const resolved = (await ws.request('approvals.resolve', { id: approval.id, decision: 'approve' })).result.approval;
    expect(resolved.run).toEqual({ state: 'done', exitCode: 0, output: '' });
    expect((await ws.request('approvals.resolve', { id: approval.id, decision: 'approve' })).error.data.code).toBe('already_resolved');
    expect(fs.readFileSync(path.join(dataDir, 'workspace', 'restarted.txt'), 'utf8')).toBe('after-restart\n');
    const verified = (await ws.request('audit.verify')).result;
    expect(verified).toEqual({ ok: true, checked: 4 }); // requested, approved, started, done
    app.child.kill('SIGTERM');
    expect(await app.exited).toBe(0);

    // Someone edits one row in the file (past the triggers that forbid it).
    const db = new Database(path.join(dataDir, 'perch.db'));
    db.exec('DROP TRIGGER audit_log_no_update');
    db.prepare('UPDATE audit_log SET details = ? WHERE seq = 2').run(JSON.stringify({ command: 'echo something else', cwd: '/' }));
    db.close();
    app = spawnServe(env);
    ws = await RpcSocket.open((await waitForStart(app)).gateway, auth);
    expect((await ws.request('audit.verify')).result).toEqual({ ok: false, checked: 1, brokenAt: 2, reason: 'its contents were changed' });
    app.child.kill('SIGTERM');
    expect(await app.exited).toBe(0);
  });
});

describe('the agent asking to run a command', () => {
  it('waits for the owner, then reads the output (or the denial) and answers from it', async () => {
    const server = await startOpenAIServer();
    const core = await startTestCore({ PERCH_MODEL: `openai:gpt-test@${server.url}/v1` });
    const ws = await RpcSocket.open(core.gateway.url, auth);
    try {
      await ws.request('events.subscribe', { events: ['approval.requested'] });
      const reply = ws.request('chat.send', { text: 'run: echo from-the-agent' }, 30_000);
      const { params: approval } = await ws.waitFor((f) => f.method === 'approval.requested');
      expect(approval).toMatchObject({ command: 'echo from-the-agent', channel: 'dashboard', conversationId: expect.any(String) });
      await ws.request('approvals.resolve', { id: approval.id, decision: 'approve' });
      expect((await reply).result.text).toBe('The tool said: from-the-agent');

      const denied = ws.request('chat.send', { text: 'run: touch nope.txt' }, 30_000);
      const second = await ws.waitFor((f) => f.method === 'approval.requested' && f.params.id !== approval.id);
      await ws.request('approvals.resolve', { id: second.params.id, decision: 'deny' });
      expect((await denied).result.text).toBe('The tool said: Error: The owner denied this command. It did not run: do not claim any result from it.');
    } finally {
      ws.close();
      await core.stop();
      await server.close();
    }
  });

  it('reports to the conversation when the decision comes after a restart', { timeout: 60_000 }, async () => {
    const server = await startOpenAIServer();
    const env = { PERCH_DATA_DIR: tempDataDir(), PERCH_GATEWAY_PORT: String(await freePort()), PERCH_GATEWAY_TOKEN: TEST_TOKEN, PERCH_MODEL: `openai:gpt-test@${server.url}/v1` };
    let app = spawnServe(env);
    let ws = await RpcSocket.open((await waitForStart(app)).gateway, auth);
    await ws.request('events.subscribe', { events: ['approval.requested'] });
    void ws.request('chat.send', { text: 'run: echo later' }, 30_000).catch(() => undefined);
    const { params: approval } = await ws.waitFor((f) => f.method === 'approval.requested');
    app.child.kill('SIGKILL');
    await app.exited;

    app = spawnServe(env);
    ws = await RpcSocket.open((await waitForStart(app)).gateway, auth);
    await ws.request('approvals.resolve', { id: approval.id, decision: 'approve' });
    let messages: any[] = [];
    for (let i = 0; i < 100 && messages.at(-1)?.role !== 'assistant'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      messages = (await ws.request('conversations.messages', { conversationId: approval.conversationId })).result.items;
    }
    const note = `[Approval ${approval.id}] The command \`echo later\` you asked to run earlier: It ran:\nlater`;
    expect(messages.slice(-2).map((m) => [m.role, m.text])).toEqual([
      ['system', note],
      ['assistant', `You said: ${note}`],
    ]);
    app.child.kill('SIGTERM');
    expect(await app.exited).toBe(0);
    await server.close();
  });
});
