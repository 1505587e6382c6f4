import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import TelegramServer from 'telegram-test-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_TOKEN } from '../helpers/core';
import { tempDataDir } from '../helpers/data-dir';
import { scanLogs } from '../helpers/log-scan';
import { mulberry32 as seeded } from '../helpers/prng';
import { startOpenAIServer, type ModelServer } from '../helpers/model-servers';
import { RpcSocket } from '../helpers/rpc-socket';
import { freePort, spawnServe, waitForStart, type ServeProcess } from '../helpers/serve-process';
import { offsetProxy, type OffsetProxy } from '../helpers/telegram-proxy';

// Crash safety under load: the headless app is SIGKILLed at random (seeded) points, again and
// again, while 500 Telegram messages, approvals of commands and two interval jobs are in flight,
// and started again on the same data each time. After every kill the database the next start will
// read passes an integrity check and the crash invariants; at the end every accepted message was
// answered exactly once (in order per chat), every approval still exists and ran at most once (an
// approved one ran once, or was cut off by a kill and reported, never run again), and no schedule
// occurrence was run or delivered twice. The figures are printed as one JSON line.
//
// Set PERCH_CRASH_SEED to replay another sequence of kill points.
//
// The one case no chat client can make exactly-once: Telegram accepted a reply and the process
// died in the fraction of a millisecond before recording that (the Bot API has no idempotency key),
// so that reply is sent again after the restart. As in test/integration/channel-crash.test.ts the
// proxy holds new sends shortly before each kill, so kills land on sends in flight (not yet
// accepted), which must go out after the restart, once; everything else (the agent, tool runs,
// the scheduler, storing and queueing) runs on until the kill.

const SEED = Number(process.env.PERCH_CRASH_SEED ?? 20_251_123);
const KILLS = 24;
const MESSAGES = 500;
/** Every this many messages, one asks to run a command (an approval). */
const RUN_EVERY = 15;
const BOT_TOKEN = '654321:perch-crash-loop-token-abcdef';
/** Only the owner may have commands run: the owner asks for them (and nothing else), gets the
 * approval offers and the scheduled messages. */
const OWNER = 7000;
const CHATTERS = Array.from({ length: 24 }, (_, i) => 7100 + i);
const TICK_EVERY_MS = 1_500; // an agent prompt: the model is asked each time
const TOCK_EVERY_MS = 1_100; // a fixed message

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));


/** Polls (a condition that throws counts as not yet) until it holds; on a timeout says what it saw. */
async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs: number, state: () => unknown = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await Promise.resolve().then(condition).catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} ${JSON.stringify(state())}`);
    await sleep(25);
  }
}

interface Planned {
  from: number;
  text: string;
  kind: 'chat' | 'run';
}

/** Round robin over the chatters (so no one floods), with a command to run every RUN_EVERY messages. */
function planMessages(): Planned[] {
  const plan: Planned[] = [];
  let chats = 0;
  let runs = 0;
  for (let i = 0; i < MESSAGES; i++) {
    if (i % RUN_EVERY === RUN_EVERY - 1) {
      const n = runs++;
      plan.push({ from: OWNER, text: `run: echo ran-${n} >> ran.log`, kind: 'run' });
    } else {
      const from = CHATTERS[chats % CHATTERS.length]!;
      plan.push({ from, text: `message ${Math.floor(chats / CHATTERS.length)} from ${from}`, kind: 'chat' });
      chats++;
    }
  }
  return plan;
}

const count = (db: Database.Database, sql: string) => (db.prepare(sql).get() as { n: number }).n;

/** Perch's database opened for checking, with the vector extension its memory tables may use. */
function openChecked(file: string, readonly: boolean): Database.Database {
  const db = new Database(file, { readonly, fileMustExist: true });
  sqliteVec.load(db);
  return db;
}

/**
 * The database exactly as a crash left it, as the next start will open it: a copy of the file and
 * its write-ahead log (opening the copy recovers the log; the original is not touched). Returns the
 * problems found: integrity, foreign keys, and the crash invariants of the channels, approvals and
 * scheduler tables.
 */
function checkCrashedDatabase(dataDir: string): string[] {
  const copyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'perch-crash-copy-'));
  try {
    for (const suffix of ['', '-wal']) {
      const from = path.join(dataDir, `perch.db${suffix}`);
      if (fs.existsSync(from)) fs.copyFileSync(from, path.join(copyDir, `perch.db${suffix}`));
    }
    const db = openChecked(path.join(copyDir, 'perch.db'), false);
    try {
      return databaseProblems(db);
    } finally {
      db.close();
    }
  } finally {
    fs.rmSync(copyDir, { recursive: true, force: true });
  }
}

function databaseProblems(db: Database.Database): string[] {
  const problems: string[] = [];
  const integrity = (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check);
  if (integrity.join() !== 'ok') problems.push(`integrity_check: ${integrity.slice(0, 5).join('; ')}`);
  const foreign = db.pragma('foreign_key_check') as unknown[];
  if (foreign.length) problems.push(`foreign_key_check: ${foreign.length} violation(s)`);
  const invariants: Array<[string, string]> = [
    // Marking a message answered and queueing its reply are one transaction.
    ['answered without a queued reply', "SELECT count(*) AS n FROM inbound_messages i WHERE i.status = 'answered' AND NOT EXISTS (SELECT 1 FROM outbound_messages o WHERE o.channel = i.channel AND o.reply_to = i.provider_id)"],
    ['a queued reply for a message not marked answered', "SELECT count(*) AS n FROM outbound_messages o JOIN inbound_messages i ON i.channel = o.channel AND i.provider_id = o.reply_to WHERE i.status <> 'answered'"],
    ['a message with two replies queued', 'SELECT count(*) AS n FROM (SELECT 1 FROM outbound_messages WHERE reply_to IS NOT NULL GROUP BY channel, reply_to HAVING count(*) > 1)'],
    ['a message stored twice', 'SELECT count(*) AS n FROM (SELECT 1 FROM inbound_messages GROUP BY channel, provider_id HAVING count(*) > 1)'],
    ['a run of an approval that was not approved', "SELECT count(*) AS n FROM approvals WHERE run_state IS NOT NULL AND status <> 'approved'"],
    ['a schedule occurrence claimed twice', 'SELECT count(*) AS n FROM (SELECT 1 FROM schedule_runs GROUP BY job_id, scheduled_for, manual HAVING count(*) > 1)'],
  ];
  for (const [what, sql] of invariants) {
    const n = count(db, sql);
    if (n > 0) problems.push(`${what}: ${n}`);
  }
  return problems;
}

describe('crash loop: SIGKILL at random points under load', () => {
  let emulator: TelegramServer;
  let proxy: OffsetProxy;
  let model: ModelServer;
  let app: ServeProcess | null = null;
  beforeAll(async () => {
    emulator = new TelegramServer({ port: await freePort(), host: '127.0.0.1', storeTimeout: 900 });
    await emulator.start();
    proxy = await offsetProxy(emulator.config.apiURL);
    model = await startOpenAIServer();
    model.delayMs = 25; // a model that takes a moment, so work is in flight at every kill
  });
  afterAll(async () => {
    app?.child.kill('SIGKILL');
    await proxy?.close();
    await model?.close();
    await emulator?.stop();
  });

  /** What the bot sent, per chat, in order. */
  const botMessages = () => (emulator.storage.botMessages as Array<{ message: { chat_id: number | string; text: string } }>).map((m) => ({ chat: Number(m.message.chat_id), text: m.message.text }));
  /** The owner's chat also gets approval offers (sent directly, best effort) and the scheduled
   * messages; the model answers each "run:" message with what the tool said. */
  /** What the owner hears about a "run:" message: the turn's answer, or an outcome reported after a restart. */
  // (The scripted model echoes the last message: a turn resumed after a reported outcome echoes that report.)
  const runReplies = (got: ReturnType<typeof botMessages>) => got.filter((m) => m.chat === OWNER && /^(The tool said:|(You said: )+\[Approval )/.test(m.text));
  const toolSaid = (got: ReturnType<typeof botMessages>) => got.filter((m) => m.chat === OWNER && m.text.startsWith('The tool said:'));
  /** Anything else: a notice (flood, busy) or a stray message. */
  const others = (got: ReturnType<typeof botMessages>) =>
    got.filter((m) => !(m.chat === OWNER ? /^(The tool said:|(You said: )+\[Approval |Perch wants to run:)/.test(m.text) || m.text === 'You said: tick' || m.text === 'tock' : m.text.startsWith(`You said: message `)));

  it('answers every message once, runs every approval at most once, doubles no occurrence, across 24 kills', async () => {
    const began = Date.now();
    const rng = seeded(SEED);
    const decisions = seeded(SEED + 1); // approvals' decisions, apart so kill points stay the same
    const dataDir = tempDataDir();
    const env = {
      PERCH_DATA_DIR: dataDir,
      PERCH_GATEWAY_PORT: String(await freePort()),
      PERCH_GATEWAY_TOKEN: TEST_TOKEN,
      PERCH_TELEGRAM_TOKEN: BOT_TOKEN,
      PERCH_TELEGRAM_API_ROOT: proxy.url,
      PERCH_TELEGRAM_ALLOW_FROM: [OWNER, ...CHATTERS].join(','),
      PERCH_MODEL: `openai:gpt-test@${model.url}/v1`,
    };
    const plan = planMessages();
    const clients = new Map<number, ReturnType<TelegramServer['getClient']>>();
    const send = async (m: Planned) => {
      let client = clients.get(m.from);
      if (!client) clients.set(m.from, (client = emulator.getClient(BOT_TOKEN, { userId: m.from, chatId: m.from })));
      await client.sendMessage(client.makeMessage(m.text));
    };

    // Approvals: decided over RPC while the app is up, each once it is half a second old (so some
    // are still pending at a kill), four in five approved.
    const seen = new Set<string>();
    const ranPerRpc = new Set<string>(); // approvals.resolve said it ran (state done)
    const approver = (ws: RpcSocket) => {
      const state = { stop: false, done: Promise.resolve() };
      state.done = (async () => {
        while (!state.stop && !ws.closed) {
          try {
            const { result } = await ws.request('approvals.list', { status: 'pending', limit: 200 }, 5_000);
            for (const a of result?.items ?? []) {
              seen.add(a.id);
              if (state.stop || Date.now() - Date.parse(a.createdAt) < 500) continue;
              const decision = decisions() < 0.8 ? 'approve' : 'deny';
              const { result: resolved } = await ws.request('approvals.resolve', { id: a.id, decision }, 15_000);
              if (resolved?.approval.run?.state === 'done') ranPerRpc.add(a.id);
            }
          } catch {
            // killed meanwhile
          }
          await sleep(150);
        }
      })();
      return state;
    };

    const startApp = async () => {
      app = spawnServe(env);
      const { gateway } = await waitForStart(app, 30_000);
      const socket = await RpcSocket.open(gateway, { Authorization: `Bearer ${TEST_TOKEN}` });
      await until('Telegram to connect', async () => (await socket.request('channels.list')).result.items[0]?.state === 'connected', 30_000);
      return socket;
    };

    const crashes: Array<{ at: number; problems: string[] }> = [];
    let killsMidApproval = 0;
    let jobs: string[] = [];
    let sent = 0;
    for (let k = 0; k < KILLS; k++) {
      const batch = plan.slice(Math.floor((k * MESSAGES) / KILLS), Math.floor(((k + 1) * MESSAGES) / KILLS));
      // A quarter arrives while the app is down; the rest while it runs.
      const whileDown = Math.floor(batch.length / 4);
      for (const m of batch.slice(0, whileDown)) await send(m);
      sent += whileDown;
      const socket = await startApp();
      if (k === 0) {
        const created = await Promise.all([
          socket.request('schedules.create', { name: 'tick', schedule: { kind: 'every', everyMs: TICK_EVERY_MS }, payload: { kind: 'agent', prompt: 'tick' }, target: { channel: 'telegram' } }),
          socket.request('schedules.create', { name: 'tock', schedule: { kind: 'every', everyMs: TOCK_EVERY_MS }, payload: { kind: 'message', text: 'tock' }, target: { channel: 'telegram' } }),
        ]);
        jobs = created.map((r) => r.result.job.id);
      }
      const deciding = approver(socket);
      // Killed soon after the start now and then (while it catches up), else a while later.
      const uptime = rng() < 0.2 ? rng() * 300 : 700 + rng() * 2_800;
      const start = Date.now();
      const rest = batch.slice(whileDown);
      for (let i = 0; i < rest.length; i++) {
        await sleep(start + (uptime * (i + 1)) / (rest.length + 1) - Date.now());
        await send(rest[i]!);
        sent++;
      }
      await sleep(start + uptime - Date.now());

      const midApproval = rng() < 0.3;
      const killDelay = rng() * 15;
      proxy.holdSends = true;
      // Replies Telegram accepted are recorded by now (the Bot API has no idempotency key: one
      // accepted in the instant before a kill, unrecorded, would be sent again; under load on two
      // cores the app can take a while to record what it sent).
      await sleep(400);
      if (midApproval) {
        // Approve one and kill while it runs (or just before, or just after).
        const pending = await socket.request('approvals.list', { status: 'pending', limit: 1 }).catch(() => null);
        const id = pending?.result?.items[0]?.id;
        if (id) {
          killsMidApproval++;
          seen.add(id);
          void socket.request('approvals.resolve', { id, decision: 'approve' }, 15_000).catch(() => undefined);
          await sleep(killDelay);
        }
      }
      deciding.stop = true;
      app!.child.kill('SIGKILL');
      await app!.exited;
      await deciding.done;
      socket.close();
      proxy.holdSends = false;
      crashes.push({ at: k, problems: checkCrashedDatabase(dataDir) });
    }
    expect(sent).toBe(MESSAGES);

    // The last start: nothing more is sent; everything owed is answered, decided and delivered.
    const socket = await startApp();
    const deciding = approver(socket);
    const runsAsked = plan.filter((m) => m.kind === 'run').length;
    const chatReplies = new Set(plan.filter((m) => m.kind === 'chat').map((m) => `You said: ${m.text}`));
    await until(
      'every message to be answered',
      () => {
        const got = botMessages();
        const chats = new Set(got.filter((m) => chatReplies.has(m.text)).map((m) => m.text));
        if (chats.size !== chatReplies.size || runReplies(got).length < runsAsked) return false;
        // Settled in the store too: nothing waits to be answered, decided or sent.
        const live = new Database(path.join(dataDir, 'perch.db'), { readonly: true });
        try {
          const open = live
            .prepare(
              `SELECT (SELECT count(*) FROM inbound_messages WHERE status = 'received') + (SELECT count(*) FROM outbound_messages WHERE status = 'pending')
                    + (SELECT count(*) FROM approvals WHERE status = 'pending') AS n`,
            )
            .get() as { n: number };
          return open.n === 0;
        } finally {
          live.close();
        }
      },
      90_000,
      () => {
        const got = botMessages();
        const db = openChecked(path.join(dataDir, 'perch.db'), true);
        try {
          const waiting = db.prepare("SELECT status, count(*) AS n FROM inbound_messages WHERE status <> 'answered' GROUP BY status").all();
          const approvals = db.prepare('SELECT status, run_state, count(*) AS n FROM approvals GROUP BY status, run_state').all();
          const outbound = db.prepare('SELECT status, count(*) AS n FROM outbound_messages GROUP BY status').all();
          const answered = new Set(got.filter((m) => chatReplies.has(m.text)).map((m) => m.text)).size;
          return { answered, of: chatReplies.size, runReplies: runReplies(got).length, runsAsked, waiting, approvals, outbound, others: others(got).slice(0, 5), stderr: app?.stderr().slice(-2000) };
        } finally {
          db.close();
        }
      },
    );
    for (const id of jobs) await socket.request('schedules.update', { id, enabled: false });
    const live = openChecked(path.join(dataDir, 'perch.db'), true);
    try {
      await until(
        'approvals decided, runs settled and the outbound queue empty',
        () =>
          count(live, "SELECT count(*) AS n FROM approvals WHERE status = 'pending' OR (status = 'approved' AND (run_state IS NULL OR run_state = 'running'))") === 0 &&
          count(live, "SELECT count(*) AS n FROM schedule_runs WHERE status IN ('running', 'retrying')") === 0 &&
          count(live, "SELECT count(*) AS n FROM inbound_messages WHERE status = 'received'") === 0 &&
          count(live, "SELECT count(*) AS n FROM outbound_messages WHERE status = 'pending'") === 0,
        60_000,
      );
    } finally {
      live.close();
    }
    await sleep(500); // nothing more arrives
    deciding.stop = true;
    await deciding.done;
    socket.close();
    app!.child.kill('SIGTERM');
    expect(await app!.exited).toBe(0);
    app = null;

    // The figures, from what Telegram received, the workspace and the database. A "run:" message is
    // answered once (its stored status); what Telegram got for it may also hold outcomes reported
    // after a restart, so only the turn's own answers ("The tool said") are counted for doubles.
    const got = botMessages();
    const replies = new Map<string, number>();
    for (const m of got) replies.set(m.text, (replies.get(m.text) ?? 0) + 1);
    const chatPlan = plan.filter((m) => m.kind === 'chat');
    const chatLost = chatPlan.filter((m) => !replies.has(`You said: ${m.text}`)).length;
    const chatTwice = chatPlan.filter((m) => (replies.get(`You said: ${m.text}`) ?? 0) > 1).length;
    const runsAnswered = runReplies(got).length;
    const outOfOrder = CHATTERS.filter((id) => {
      const expected = chatPlan.filter((m) => m.from === id).map((m) => `You said: ${m.text}`);
      return JSON.stringify(got.filter((m) => m.chat === id).map((m) => m.text)) !== JSON.stringify(expected);
    });

    const db = openChecked(path.join(dataDir, 'perch.db'), true);
    let finalProblems: string[];
    let inbound: { accepted: number; answered: number; ignored: number; runsAnswered: number };
    let approvals: Array<{ id: string; command: string; status: string; run_state: string | null; created_at: string; decided_at: string | null }>;
    let runs: Array<{ job_id: string; status: string; n: number }>;
    try {
      finalProblems = databaseProblems(db);
      inbound = db
        .prepare(
          `SELECT count(*) FILTER (WHERE status <> 'ignored') AS accepted, count(*) FILTER (WHERE status = 'answered') AS answered, count(*) FILTER (WHERE status = 'ignored') AS ignored,
                  count(*) FILTER (WHERE status = 'answered' AND text LIKE 'run: %') AS runsAnswered FROM inbound_messages`,
        )
        .get() as typeof inbound;
      approvals = db.prepare('SELECT id, command, status, run_state, created_at, decided_at FROM approvals ORDER BY created_at, id').all() as typeof approvals;
      runs = db.prepare('SELECT job_id, status, count(*) AS n FROM schedule_runs GROUP BY job_id, status').all() as typeof runs;
    } finally {
      db.close();
    }

    // Each command line appends its own line: one per execution.
    const runLost = runsAsked - inbound.runsAnswered;
    const runTwice = Math.max(0, toolSaid(got).length - runsAsked);
    const ranLog = path.join(dataDir, 'workspace', 'ran.log');
    const executions = new Map<string, number>();
    for (const line of fs.existsSync(ranLog) ? fs.readFileSync(ranLog, 'utf8').split('\n').filter(Boolean) : []) executions.set(line, (executions.get(line) ?? 0) + 1);
    const byCommand = new Map<string, typeof approvals>();
    for (const a of approvals) byCommand.set(a.command, [...(byCommand.get(a.command) ?? []), a]);
    const commands = plan.filter((m) => m.kind === 'run').map((m) => m.text.slice('run: '.length));
    let approvalsDoubled = 0; // a command ran more often than approvals of it ran (or were cut off running)
    let approvedNotRun = 0; // recorded as run, but it never ran
    let reaskedWhilePending = 0; // two requests for one "run:" message open at once
    // A kill after the owner decided but before the reply to the "run:" message was stored leaves
    // the message unanswered; answered again after the restart, its turn resumes from what is
    // stored, so the owner is not asked again and the command does not run a second time.
    let reasked = 0;
    let ranTwice = 0;
    for (const command of commands) {
      const mine = byCommand.get(command) ?? [];
      const done = mine.filter((a) => a.status === 'approved' && a.run_state === 'done').length;
      const interrupted = mine.filter((a) => a.run_state === 'interrupted').length;
      const lines = executions.get(/^echo (\S+)/.exec(command)![1]!) ?? 0;
      if (lines > done + interrupted) approvalsDoubled++;
      if (lines < done) approvedNotRun++;
      if (lines > 1) ranTwice++;
      if (mine.length > 1) reasked++;
      for (let i = 1; i < mine.length; i++) if (!mine[i - 1]!.decided_at || mine[i - 1]!.decided_at! > mine[i]!.created_at) reaskedWhilePending++;
    }
    const ids = new Set(approvals.map((a) => a.id));
    const vanished = [...seen].filter((id) => !ids.has(id)).length;
    const notSettled = approvals.filter((a) => a.status === 'pending' || (a.status === 'approved' && a.run_state !== 'done' && a.run_state !== 'interrupted')).length;
    const rpcRanButNot = [...ranPerRpc].filter((id) => approvals.find((a) => a.id === id)?.run_state !== 'done').length;
    const ok = (job: string) => runs.filter((r) => r.job_id === job && r.status === 'ok').reduce((n, r) => n + r.n, 0);
    const occurrences = runs.reduce((n, r) => n + r.n, 0);
    const [tickJob, tockJob] = jobs as [string, string];
    const ownerTexts = got.filter((m) => m.chat === OWNER).map((m) => m.text);
    const ticks = ownerTexts.filter((t) => t === 'You said: tick').length;
    const tocks = ownerTexts.filter((t) => t === 'tock').length;
    const integrityPassed = crashes.filter((c) => c.problems.length === 0).length + (finalProblems.length === 0 ? 1 : 0);

    const figures = {
      suite: 'resilience',
      metric: 'crash_loop',
      seed: SEED,
      kills: crashes.length,
      killsMidApproval,
      crashesSurvived: crashes.length, // each kill was followed by a start that served again
      integrityChecks: crashes.length + 1,
      integrityPassed,
      messagesSent: MESSAGES,
      messagesAccepted: inbound.accepted,
      messagesIgnored: inbound.ignored,
      messagesAnswered: inbound.answered,
      repliesReceived: chatPlan.length - chatLost + Math.min(runsAsked, runsAnswered),
      messagesLost: chatLost + runLost,
      answeredTwice: chatTwice + runTwice,
      outOfOrderChats: outOfOrder.length,
      otherMessages: others(got).length,
      approvals: {
        requested: approvals.length,
        commandsAsked: commands.length,
        approvedAndRan: approvals.filter((a) => a.run_state === 'done').length,
        interruptedByKill: approvals.filter((a) => a.run_state === 'interrupted').length,
        denied: approvals.filter((a) => a.status === 'denied').length,
        expired: approvals.filter((a) => a.status === 'expired').length,
        executions: [...executions.values()].reduce((n, v) => n + v, 0),
        askedAgainAfterDecision: reasked,
        askedTwiceWhilePending: reaskedWhilePending,
        commandsRunTwice: ranTwice,
        lost: vanished + notSettled + approvedNotRun + rpcRanButNot,
        doubled: approvalsDoubled,
      },
      schedule: {
        occurrences,
        ok: ok(tickJob) + ok(tockJob),
        missed: runs.filter((r) => r.status === 'missed').reduce((n, r) => n + r.n, 0),
        failed: runs.filter((r) => r.status === 'failed').reduce((n, r) => n + r.n, 0),
        delivered: ticks + tocks,
        doubled: Math.max(0, ticks - ok(tickJob)) + Math.max(0, tocks - ok(tockJob)),
        undelivered: Math.max(0, ok(tickJob) - ticks) + Math.max(0, ok(tockJob) - tocks),
      },
      seconds: Math.round((Date.now() - began) / 1000),
    };
    console.log(JSON.stringify(figures));
    // Its log, written through 25 starts and 24 kills, holds no message text, token or personal data.
    const logScan = scanLogs(dataDir, [...plan.map((m) => m.text), BOT_TOKEN, TEST_TOKEN]);
    console.log(JSON.stringify({ suite: 'resilience', metric: 'crash_loop_log_scan', files: logScan.files.length, lines: logScan.lines, leaks: logScan.leaks.length }));
    expect(logScan.leaks).toEqual([]);

    expect(crashes.filter((c) => c.problems.length > 0)).toEqual([]);
    expect(finalProblems).toEqual([]);
    expect(inbound.ignored).toBe(0); // nobody was taken for a flood: every message was accepted
    expect(inbound.accepted).toBe(MESSAGES);
    expect(inbound.answered).toBe(MESSAGES);
    expect({ lost: figures.messagesLost, twice: figures.answeredTwice, outOfOrder, others: others(got) }).toEqual({ lost: 0, twice: 0, outOfOrder: [], others: [] });
    expect({ vanished, notSettled, approvedNotRun, rpcRanButNot, doubled: approvalsDoubled, reaskedWhilePending }).toEqual({
      vanished: 0,
      notSettled: 0,
      approvedNotRun: 0,
      rpcRanButNot: 0,
      doubled: 0,
      reaskedWhilePending: 0,
    });
    expect({ reasked, ranTwice }).toEqual({ reasked: 0, ranTwice: 0 });
    expect(figures.approvals.approvedAndRan).toBeGreaterThan(0);
    expect(figures.schedule.ok).toBeGreaterThan(0);
    expect({ doubled: figures.schedule.doubled, undelivered: figures.schedule.undelivered, failed: figures.schedule.failed }).toEqual({ doubled: 0, undelivered: 0, failed: 0 });
  }, 300_000);
});
