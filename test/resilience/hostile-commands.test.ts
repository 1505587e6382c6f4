import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../main/core';
import { startTestCore, TEST_TOKEN } from '../helpers/core';
import { RpcSocket } from '../helpers/rpc-socket';
import { startTelegramPerch, type TelegramPerch } from '../helpers/telegram-chat';

// Command lines that try to slip past an "always allow" rule or the approval prompt, through the
// real gate over the gateway. Every spelling tries to create a marker file; with pattern rules
// ("git status*", "ls *", "echo *") and, written straight into the database, an exact rule for the
// spelling itself, each must still ask (policy ask) or be refused (policy allowlist), and the
// marker must never appear. Then the risk notes the owner sees for dangerous commands, and lines
// the analyser cannot read, over RPC and from a Telegram chat.

const auth = { Authorization: `Bearer ${TEST_TOKEN}` };
const report = (metric: string, value: number, extra: Record<string, unknown> = {}) => console.log(JSON.stringify({ suite: 'resilience', metric, value, ...extra }));

const b64 = (text: string) => Buffer.from(text).toString('base64');

/** Starts `start` and waits for the approval request it raises. */
async function asking<T>(ws: RpcSocket, start: () => T): Promise<{ pending: T; asked: any }> {
  const seen = ws.frames.length;
  const pending = start();
  const frame = await ws.waitFor((f) => f.method === 'approval.requested' && ws.frames.indexOf(f) >= seen, 10_000);
  return { pending, asked: frame.params };
}
const exec = (ws: RpcSocket, command: string) => asking(ws, () => ws.request('tools.invoke', { name: 'exec', args: { command } }, 30_000));

/** {m} stands for the case's own marker file. */
const HOSTILE: string[] = [
  // hidden lines and comments
  'git status\ntouch {m}',
  'git status\r\ntouch {m}',
  'git status\rtouch {m}',
  'git status -s #\ntouch {m}',
  'echo hi # note\ntouch {m}',
  'ls\n\ntouch {m}',
  'echo hi\\\n;touch {m}',
  'ls # \ntouch {m} # git status',
  'echo hi; touch {m} # git status',
  // substitutions, also inside quotes and expansions
  'git status `touch {m}`',
  'ls `touch {m}`',
  'ls $(touch {m})',
  'echo $(touch {m})',
  'git status "$(touch {m})"',
  'echo "`touch {m}`"',
  'echo ${x:-$(touch {m})}',
  'echo ${x:=`touch {m}`}',
  'echo $(( $(touch {m}) + 1 ))',
  'ls -la --color=`touch {m}`',
  'ls $(: )`touch {m}`',
  'ls <(touch {m})',
  'ls >(touch {m})',
  '$(echo touch) {m}',
  '`echo touch` {m}',
  'echo a <<< "$(touch {m})"',
  'cat <<EOF\n$(touch {m})\nEOF',
  // control operators
  'git status; touch {m}',
  'git status;touch {m}',
  'git status && touch {m}',
  'git status || touch {m}',
  'git status | touch {m}',
  'git status |& touch {m}',
  'git status & touch {m}',
  'touch {m} &',
  'ls ;touch {m} #',
  '! touch {m}',
  'git status ${IFS}&&touch {m}',
  // redirections
  'ls > {m}',
  'ls >> {m}',
  'echo hi > {m}',
  'echo hi >| {m}',
  'ls &> {m}',
  'echo x 1>{m}',
  'echo x >{m} 2>&1',
  // compound commands and functions
  '{ ls; touch {m}; }',
  '(touch {m})',
  'if true; then touch {m}; fi',
  'for x in 1; do touch {m}; done',
  'f() { touch {m}; }; f',
  'time touch {m}',
  'coproc touch {m}',
  // text run as code
  'eval touch {m}',
  'eval "git status; touch {m}"',
  `echo ${b64('touch {m}')} | base64 -d | sh`,
  'sh -c "touch {m}"',
  "bash -c 'touch {m}'",
  `python3 -c "open('{m}', 'w')"`,
  `node -e "require('fs').writeFileSync('{m}', '')"`,
  `perl -e "open(F, '>{m}')"`,
  'echo touch {m} | sh',
  // variables that load code
  'X=1 touch {m}',
  'GIT_PAGER="touch {m}" git -p log',
  'LD_PRELOAD=/nonexistent.so touch {m}',
  'git -c core.pager="touch {m}" -p log',
  'env BASH_ENV={m} sh -c true',
  // invisible, bidi and control characters
  'echo hi\u200b; touch {m}',
  'echo hi\u200d&&touch {m}',
  'ls \u202e{m}',
  'git status\u00a0;touch {m}',
  'echo \u001b[2Jhi; touch {m}',
  'git status\u000btouch {m}',
  'echo hi\u2028touch {m}',
  'echo\u2066 hi;touch {m}\u2069',
];

describe('no spelling of a command slips past an "always allow" rule', () => {
  let core: Core;
  let ws: RpcSocket;
  let workspace: string;
  let db: Database.Database;
  const marker = (i: number) => `pwned-${i}`;
  const spelled = (i: number) => HOSTILE[i]!.replaceAll('{m}', marker(i)).replaceAll(b64('touch {m}'), b64(`touch ${marker(i)}`));
  const ran = () => fs.readdirSync(workspace).filter((f) => f.startsWith('pwned'));

  beforeAll(async () => {
    core = await startTestCore();
    workspace = path.join(core.config.dataDir, 'workspace');
    fs.mkdirSync(workspace, { recursive: true });
    ws = await RpcSocket.open(core.gateway.url, auth);
    await ws.request('events.subscribe', { events: ['approval.requested'] });
    for (const command of ['git status*', 'ls *', 'echo *']) expect((await ws.request('approvals.rules.add', { kind: 'pattern', command, cwd: null })).result).toMatchObject({ command });
    // Exact rules for every spelling, as an older version (or anyone with the file) could have saved them.
    db = new Database(path.join(core.config.dataDir, 'perch.db'));
    const insert = db.prepare("INSERT INTO approval_rules (kind, command, cwd, created_at) VALUES ('exact', ?, NULL, ?)");
    for (let i = 0; i < HOSTILE.length; i++) insert.run(spelled(i), new Date().toISOString());
  });
  afterAll(async () => {
    report('hostile_command_spellings', HOSTILE.length, { ranWithoutApproval: ran().length });
    db.close();
    ws.close();
    await core.stop();
  });

  it(`has at least 60 hostile spellings`, () => {
    expect(HOSTILE.length).toBeGreaterThanOrEqual(60);
    expect(new Set(HOSTILE).size).toBe(HOSTILE.length);
  });

  it('asks the owner for every one (policy ask), never runs it, and will not save a rule for it', async () => {
    for (let i = 0; i < HOSTILE.length; i++) {
      const command = spelled(i);
      const { pending: reply, asked } = await exec(ws, command);
      expect(asked.command, command).toBe(command.trim());
      expect(asked.noRuleReason, command).toEqual(expect.any(String));
      expect(ran(), command).toEqual([]);
      const always = await ws.request('approvals.resolve', { id: asked.id, decision: 'approve', remember: true });
      expect(always.error?.data?.code, command).toBe('invalid_rule');
      expect((await ws.request('approvals.resolve', { id: asked.id, decision: 'deny' })).result.approval.status).toBe('denied');
      expect((await reply).result.ok, command).toBe(false);
      expect(ran(), command).toEqual([]);
      expect((await ws.request('approvals.rules.add', { kind: 'exact', command, cwd: null })).error?.data?.code, command).toBe('invalid_rule');
    }
  });

  it('refuses every one under the allowlist policy, even with a rule written for it', async () => {
    await ws.request('settings.update', { patch: { approvals: { policy: 'allowlist' } } });
    try {
      for (let i = 0; i < HOSTILE.length; i++) {
        const result = (await ws.request('tools.invoke', { name: 'exec', args: { command: spelled(i) } })).result;
        expect(result, spelled(i)).toMatchObject({ ok: false, error: expect.stringContaining('approval policy: allowlist') });
      }
      expect(ran()).toEqual([]);
      // The rules themselves still work for what they are meant for.
      expect((await ws.request('tools.invoke', { name: 'exec', args: { command: 'ls -a' } })).result).toMatchObject({ ok: true, exitCode: 0 });
      expect((await ws.request('tools.invoke', { name: 'exec', args: { command: "echo 'a; b'" } })).result).toMatchObject({ ok: true, output: 'a; b' });
    } finally {
      await ws.request('settings.update', { patch: { approvals: { policy: 'ask' } } });
    }
  });
});

// What the owner reads before approving: a specific note, marked high-risk, no "Approve always".
const DANGEROUS: Array<[string, string]> = [
  ['git status\ntouch m', 'Hidden text: line 2 of 2 runs too: touch m'],
  ['git status\r\ntouch m', 'Hidden text: line 2 of 2 runs too: touch m'],
  ['git status -s #\ntouch m', 'Hidden text: a comment is ignored when it runs: #'],
  ['eval "$(cat notes.txt)"', 'Runs code not shown as a command: eval runs its arguments as a command: "$(cat notes.txt)"'],
  ['echo cm0gLXJmIH4= | base64 -d | sh', 'Hidden text: decodes hidden text with base64 -d and runs it with sh'],
  ['$(echo rm) -rf ~', 'Runs code not shown as a command: the program to run is computed when it runs: $(echo rm)'],
  ['python3 -c "import shutil; shutil.rmtree(\'x\')"', "Runs code not shown as a command: runs inline python3 code: import shutil; shutil.rmtree('x')"],
  ['node -e "process.exit(1)"', 'Runs code not shown as a command: runs inline node code: process.exit(1)'],
  ['perl -e "unlink glob q(*)"', 'Runs code not shown as a command: runs inline perl code: unlink glob q(*)'],
  ['LD_PRELOAD=/tmp/evil.so ls', 'Makes a program run other code: sets LD_PRELOAD, which can make ls load or run other code'],
  ['git -c core.pager="sh -c id" log', 'Makes a program run other code: git -c core.pager=… makes git run another program: core.pager=sh -c id'],
  ['echo `rm -rf ~`', 'Deletes or overwrites: deletes with rm ~'],
  ['cat /proc/$PPID/environ', "Reads secrets: reads /proc/$PPID/environ: another program's environment, which can hold tokens and keys"],
  ['cat /proc/1/environ', "Reads secrets: reads /proc/1/environ: another program's environment, which can hold tokens and keys"],
  ['echo hi\u200b', 'Hidden text: zero width space (U+200B) at character 8: the text shown is not exactly what runs'],
  ['ls \u202etxt.sh', 'Hidden text: right-to-left override (U+202E) at character 4: the text shown is not exactly what runs'],
  ['echo \u2067abc\u2069', 'Hidden text: right-to-left isolate (U+2067) at character 6: the text shown is not exactly what runs'],
];

describe('risk notes name what a dangerous command does', () => {
  let core: Core;
  let ws: RpcSocket;
  beforeAll(async () => {
    core = await startTestCore();
    ws = await RpcSocket.open(core.gateway.url, auth);
    await ws.request('events.subscribe', { events: ['approval.requested'] });
  });
  afterAll(async () => {
    ws.close();
    await core.stop();
  });

  it.each(DANGEROUS)('%j', async (command, note) => {
    const { pending: reply, asked } = await exec(ws, command);
    expect(asked.risk.split('\n')).toContain(note);
    expect(asked.risk).not.toContain('No known risk');
    expect(asked).toMatchObject({ riskLevel: 'high', noRuleReason: expect.any(String) });
    await ws.request('approvals.resolve', { id: asked.id, decision: 'deny' });
    await reply;
  });

  it('keeps plain commands plain', async () => {
    const { pending: reply, asked } = await exec(ws, 'git status --short');
    expect(asked).toMatchObject({ risk: 'No known risk found: read the command before approving.', riskLevel: 'none', noRuleReason: null });
    await ws.request('approvals.resolve', { id: asked.id, decision: 'deny' });
    await reply;
  });
});

describe('a line the analyser cannot read reaches the owner, never an internal error', () => {
  const BOT_TOKEN = '424242:hostile-commands-bot-token';
  const OWNER = 7001;
  let perch: TelegramPerch;
  let ws: RpcSocket;
  beforeAll(async () => {
    perch = await startTelegramPerch(BOT_TOKEN, [OWNER], ['approval.requested']);
    ({ ws } = perch);
  });
  afterAll(() => perch.stop());

  /** What the bot sent the owner since `before`, once one of those messages includes `text` (up to 5 s). */
  async function sentSince(before: number, text: string): Promise<string> {
    for (let i = 0; i < 200 && !perch.chats.sentTo(OWNER).slice(before).some((t) => t.includes(text)); i++) await new Promise((r) => setTimeout(r, 25));
    return perch.chats.sentTo(OWNER).slice(before).join('\n');
  }
  /** Sends `run: COMMAND` from the owner's chat and waits for the approval and its offer there. */
  async function runFromChat(command: string): Promise<{ asked: any; before: number; offer: string }> {
    const before = perch.chats.sentTo(OWNER).length;
    const { asked } = await asking(ws, () => perch.chats.send(OWNER, `run: ${command}`));
    return { asked, before, offer: await sentSince(before, asked.id) };
  }

  it.each([
    ['echo ${x:-$(…)}', 'Runs a nested command: $(…)'],
    ['echo ${x:-$(', 'Could not be analysed: at character '],
    ['echo "unterminated', 'Could not be analysed: at character 6: reached EOF without closing quote ". Read every character before approving'],
    ['a <<', 'Could not be analysed: '],
  ])('over RPC: %j', async (command, note) => {
    const { pending: reply, asked } = await exec(ws, command);
    expect(asked.risk).toContain(note);
    await ws.request('approvals.resolve', { id: asked.id, decision: 'deny' });
    const result = await reply;
    expect(result.error).toBeUndefined();
    expect(result.result).toMatchObject({ ok: false });
  });

  it('from a Telegram chat: a high-risk offer is marked and spells out its hidden characters', async () => {
    const { asked, offer } = await runFromChat('echo hi\u202e; cat /proc/1/environ');
    expect(offer).toMatch(/^⚠️ High risk: read every line before approving\.\n\nPerch wants to run:\necho hi‹U\+202E›; cat \/proc\/1\/environ\n/);
    expect(offer).not.toContain('\u202e');
    expect(offer).toContain('Hidden text: right-to-left override (U+202E) at character 8');
    await ws.request('approvals.resolve', { id: asked.id, decision: 'deny' });
  });

  it('from a Telegram chat: the offer comes at once, with the note, and the chat gets its answer after Deny', async () => {
    for (const [command, note] of [
      ['echo ${x:-$(…)}', 'Runs a nested command: $(…)'],
      ['echo ${x:-$(', 'Could not be analysed'],
    ] as const) {
      const { asked, before, offer } = await runFromChat(command);
      expect(offer).toContain(command);
      expect(offer).toContain(note);
      await ws.request('approvals.resolve', { id: asked.id, decision: 'deny' });
      const after = await sentSince(before, 'The tool said');
      expect(after).toContain('The tool said: Error: The owner denied this command.');
      expect(after).not.toMatch(/went wrong|try again|internal/i);
    }
  });
});
