import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { agentMigrations, ConversationStore } from '../../main/agent/conversation-store';
import type { Core } from '../../main/core';
import { createLogger } from '../../main/log/logger';
import { privacyMigrations, Retention } from '../../main/privacy/retention';
import { openDatabase } from '../../main/store/database';
import { migrate } from '../../main/store/migrations';
import { tempDataDir } from '../helpers/data-dir';
import { startTestCore, TEST_TOKEN } from '../helpers/core';
import { startOpenAIServer } from '../helpers/model-servers';
import { RpcSocket } from '../helpers/rpc-socket';

// Taking the owner's data out and away: a JSON archive of a conversation or of everything, from
// the dashboard (RPC) and from a chat (/export), and wiping a conversation with its memory rows,
// from the dashboard and from a chat (/wipe confirm).

/** A core answering with the scripted model, and a signed-in socket. */
async function openCore(): Promise<{ core: Core; ws: RpcSocket; close(): Promise<void> }> {
  const model = await startOpenAIServer();
  const core = await startTestCore({ PERCH_MODEL: `openai:gpt-test@${model.url}/v1` });
  const ws = await RpcSocket.open(core.gateway.url, { Authorization: `Bearer ${TEST_TOKEN}` });
  return {
    core,
    ws,
    close: async () => {
      ws.close();
      await core.stop();
      await model.close();
    },
  };
}

describe('export and wipe', () => {
  let core: Core;
  let ws: RpcSocket;
  let close: () => Promise<void>;
  beforeAll(async () => ({ core, ws, close } = await openCore()));
  afterAll(() => close());

  it('exports a conversation and everything as JSON archives, from the dashboard and from the chat', async () => {
    const { conversationId } = (await ws.request('chat.send', { text: 'the blue door code is 4711' })).result;
    const one = (await ws.request('conversations.export', { conversationId })).result.archive;
    expect(one.conversations).toHaveLength(1);
    expect(one.conversations[0].messages.map((m: { role: string; text: string }) => [m.role, m.text])).toEqual([
      ['user', 'the blue door code is 4711'],
      ['assistant', 'You said: the blue door code is 4711'],
    ]);
    const reply = (await ws.request('chat.send', { text: '/export', conversationId })).result.text as string;
    const file = /to (\/.+\.json)\.$/.exec(reply)![1]!;
    expect(reply).toMatch(/^Exported this conversation \(3 messages\)/); // the /export itself is stored first
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).conversations[0].id).toBe(conversationId);
    expect((await ws.request('conversations.export', {})).result.archive.conversations.length).toBeGreaterThanOrEqual(1);
    expect((await ws.request('conversations.export', { conversationId: 'nope' })).error).toMatchObject({ data: { code: 'not_found' } });
  });

  it('wipes a conversation with its memory rows, from the dashboard', async () => {
    const { conversationId } = (await ws.request('chat.send', { text: 'my locker combination is zebra-9' })).result;
    await new Promise((r) => setTimeout(r, 1_200)); // the transcript is indexed shortly after
    expect((await ws.request('memory.search', { query: 'zebra locker' })).result.items.length).toBeGreaterThan(0);
    expect((await ws.request('conversations.wipe', { conversationId })).result).toEqual({ messages: 2, chatMessages: 0 }); // a new chat of its own: the message and its reply
    expect((await ws.request('conversations.list', {})).result.items.some((c: { id: string }) => c.id === conversationId)).toBe(false);
    expect((await ws.request('memory.search', { query: 'zebra locker' })).result.items).toEqual([]);
    expect((await ws.request('conversations.wipe', { conversationId })).error).toMatchObject({ data: { code: 'not_found' } });
  });

  it('wipes from the chat only after a confirmation, and answers without storing', async () => {
    const { conversationId } = (await ws.request('chat.send', { text: 'remember nothing of this' })).result;
    expect((await ws.request('chat.send', { text: '/wipe', conversationId })).result.text).toMatch(/Send \/wipe confirm/);
    const done = (await ws.request('chat.send', { text: '/wipe confirm', conversationId })).result;
    expect(done.text).toMatch(/^Deleted this conversation \(5 messages\)/);
    expect(core.db.prepare('SELECT count(*) AS n FROM messages WHERE conversation_id = ?').get(conversationId)).toEqual({ n: 0 });
    // The next message starts afresh.
    expect((await ws.request('chat.send', { text: 'hello again' })).result.text).toBe('You said: hello again');
  });
});

describe('retention', () => {
  let core: Core;
  let ws: RpcSocket;
  let close: () => Promise<void>;
  beforeAll(async () => ({ core, ws, close } = await openCore()));
  afterAll(() => close());

  const DAY = 86_400_000;
  const daysAgo = (days: number) => new Date(Date.now() - days * DAY).toISOString();
  /** A conversation with one exchange per age (days ago), oldest first, indexed in memory. */
  async function conversation(peer: string, ages: number[]): Promise<string> {
    let id = '';
    for (const age of ages) {
      const reply = await core.agent.handle({ channel: 'telegram', peer, text: `${peer} said ${age} days ago: marigold${age}` });
      id = reply.conversationId;
      core.db.prepare('UPDATE messages SET created_at = ? WHERE conversation_id = ? AND created_at > ?').run(daysAgo(age), id, daysAgo(age));
    }
    await core.memory.indexTranscript(id);
    return id;
  }
  const texts = (id: string) => (core.db.prepare('SELECT text FROM messages WHERE conversation_id = ? ORDER BY id').all(id) as { text: string }[]).map((r) => r.text);
  const found = async (query: string) => ((await ws.request('memory.search', { query })).result.items as unknown[]).length;

  it('deletes what is past each conversation’s retention, with its memory rows, chat records and old runs', async () => {
    const mixed = await conversation('5001', [120, 95, 10, 0]); // default: 90 days
    const short = await conversation('5002', [20, 3]); // its own: 7 days
    const forever = await conversation('5003', [400]); // its own: 0 (kept)
    const gone = await conversation('5004', [200]); // nothing left after the sweep
    // A summary written over the old messages would keep what they said.
    core.db.prepare("UPDATE conversations SET summary = 'they mentioned marigold120', summary_until = 999999 WHERE id = ?").run(mixed);
    expect((await ws.request('conversations.setRetention', { conversationId: short, days: 7 })).result.conversation).toMatchObject({ id: short, retentionDays: 7 });
    await ws.request('conversations.setRetention', { conversationId: forever, days: 0 });
    expect((await ws.request('conversations.setRetention', { conversationId: 'nope', days: 7 })).error).toMatchObject({ data: { code: 'not_found' } });
    expect((await ws.request('conversations.setRetention', { conversationId: short, days: -1 })).error).toMatchObject({ code: -32602 });
    expect(await found('marigold120')).toBe(1);

    // Delivery records and a scheduled job's runs, old and new.
    const insertInbound = core.db.prepare("INSERT INTO inbound_messages (channel, provider_id, peer, sender, text, received_at, status) VALUES ('telegram', ?, ?, ?, 'x', ?, ?)");
    insertInbound.run('old-answered', '5001', '5001', daysAgo(100), 'answered');
    insertInbound.run('old-waiting', '5001', '5001', daysAgo(100), 'received'); // still to be answered: kept
    insertInbound.run('new-answered', '5001', '5001', daysAgo(1), 'answered');
    const job = (await ws.request('schedules.create', { name: 'old job', schedule: { kind: 'every', everyMs: 86_400_000 }, payload: { kind: 'message', text: 'hi' }, target: { channel: 'dashboard' } })).result.job.id;
    const insertRun = core.db.prepare("INSERT INTO schedule_runs (job_id, scheduled_for, started_at, finished_at, status) VALUES (?, ?, ?, ?, 'ok')");
    for (const age of [300, 200, 100]) insertRun.run(job, daysAgo(age), daysAgo(age), daysAgo(age));

    const sweep = (await ws.request('privacy.sweep')).result;
    expect(sweep).toMatchObject({ messages: 4 + 2 + 2, conversations: 1, chatRecords: 1, runs: 2 });
    expect(texts(mixed)).toEqual(['5001 said 10 days ago: marigold10', 'You said: 5001 said 10 days ago: marigold10', '5001 said 0 days ago: marigold0', 'You said: 5001 said 0 days ago: marigold0']);
    expect(texts(short)).toEqual(['5002 said 3 days ago: marigold3', 'You said: 5002 said 3 days ago: marigold3']);
    expect(texts(forever)).toHaveLength(2);
    expect(core.db.prepare('SELECT count(*) AS n FROM conversations WHERE id = ?').get(gone)).toEqual({ n: 0 });
    expect(core.db.prepare('SELECT summary FROM conversations WHERE id = ?').get(mixed)).toEqual({ summary: '' });
    // Memory forgot the deleted messages and kept the rest.
    expect(await found('marigold120')).toBe(0);
    expect(await found('marigold200')).toBe(0);
    expect(await found('marigold20')).toBe(0);
    expect(await found('marigold400')).toBe(1);
    // marigold10 shared a chunk with the deleted messages: it is indexed again, shortly.
    for (let i = 0; i < 100 && (await found('marigold10')) === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await found('marigold10')).toBe(1);
    expect((core.db.prepare("SELECT provider_id AS id FROM inbound_messages WHERE peer = '5001' ORDER BY id").all() as { id: string }[]).map((r) => r.id)).toEqual(['new-answered', 'old-waiting']);
    // The newest run of a job is always kept.
    expect((core.db.prepare('SELECT count(*) AS n FROM schedule_runs WHERE job_id = ?').get(job) as { n: number }).n).toBe(1);

    const status = (await ws.request('privacy.status')).result;
    expect(status).toMatchObject({ retentionDays: 90, lastSweep: sweep });
    expect(Date.parse(status.nextSweepAt) - Date.parse(sweep.at)).toBe(DAY);
    expect((await ws.request('system.status')).result.domains.privacy).toMatchObject({ status: 'ok', detail: expect.stringContaining('messages kept 90 days') });
    // A second sweep finds nothing more.
    expect((await ws.request('privacy.sweep')).result).toMatchObject({ messages: 0, conversations: 0, chatRecords: 0, runs: 0 });
  });

  it('keeps everything when retention is 0', async () => {
    const id = await conversation('5005', [1000]);
    await ws.request('settings.update', { patch: { privacy: { retentionDays: 0 } } });
    expect((await ws.request('privacy.sweep')).result.messages).toBe(0);
    expect(texts(id)).toHaveLength(2);
    await ws.request('settings.update', { patch: { privacy: { retentionDays: 90 } } });
    expect((await ws.request('privacy.sweep')).result.messages).toBe(2);
  });
});

describe('the daily retention job', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sweeps soon after the start, then once a day, across restarts', () => {
    vi.useFakeTimers({ now: new Date('2026-03-01T08:00:00Z') });
    const file = path.join(tempDataDir(), 'perch.db');
    const db = openDatabase(file);
    migrate(db, file, [...agentMigrations, ...privacyMigrations], '0.0.0');
    const conversations = new ConversationStore(db);
    const make = () =>
      new Retention({
        db,
        conversations,
        defaultDays: () => 30,
        forgetMemoryThrough: () => undefined,
        wipe: (id) => void conversations.delete(id),
        pruneChat: () => 0,
        pruneRuns: () => 0,
        now: () => new Date(),
        log: createLogger({ dir: null, level: 'error', console: false }),
      });
    const sweeps = () => (db.prepare('SELECT at FROM privacy_sweeps ORDER BY id').all() as { at: string }[]).map((r) => r.at.slice(0, 16));
    let retention = make();
    retention.start();
    vi.advanceTimersByTime(9_000);
    expect(sweeps()).toEqual([]);
    vi.advanceTimersByTime(1_000);
    expect(sweeps()).toEqual(['2026-03-01T08:00']);
    vi.advanceTimersByTime(23 * 3_600_000);
    expect(sweeps()).toHaveLength(1);
    vi.advanceTimersByTime(3_600_000);
    expect(sweeps()).toEqual(['2026-03-01T08:00', '2026-03-02T08:00']);
    // A restart does not sweep again before the day is up.
    retention.stop();
    retention = make();
    retention.start();
    vi.advanceTimersByTime(12 * 3_600_000);
    expect(sweeps()).toHaveLength(2);
    vi.advanceTimersByTime(13 * 3_600_000); // checked hourly: within an hour of the day being up
    expect(sweeps()).toHaveLength(3);
    // A message past the 30 days goes at the next sweep.
    const { id } = conversations.open('dashboard', 'owner');
    conversations.append(id, { role: 'user', text: 'old news' });
    vi.advanceTimersByTime(31 * 24 * 3_600_000);
    expect(conversations.get(id)).toBeNull();
    retention.stop();
    db.close();
  });
});
