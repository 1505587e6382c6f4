import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../main/core';
import { startTestCore, TEST_TOKEN } from '../helpers/core';
import { tempDataDir } from '../helpers/data-dir';
import { startOpenAIServer, type ModelServer } from '../helpers/model-servers';
import { RpcSocket } from '../helpers/rpc-socket';

// Scheduled jobs over the gateway, in real time: an interval job to the dashboard firing
// repeatedly, a one-shot firing once, both surviving a restart, a one-shot that fell due while
// Perch was stopped firing once after the start, bad schedules refused, and "remind me" in a chat.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const inSeconds = (s: number) => new Date(Date.now() + s * 1_000).toISOString();

describe('scheduled jobs over the gateway', () => {
  let model: ModelServer;
  let core: Core;
  let ws: RpcSocket;
  const env = { PERCH_DATA_DIR: tempDataDir() };
  const open = async () => {
    core = await startTestCore({ ...env, PERCH_MODEL: `openai:gpt-test@${model.url}/v1` });
    ws = await RpcSocket.open(core.gateway.url, { Authorization: `Bearer ${TEST_TOKEN}` });
    await ws.request('events.subscribe', { events: ['schedule.fired'] });
  };
  const close = async () => {
    ws.close();
    await core.stop();
  };
  const runsOf = async (jobId: string) => (await ws.request('schedules.runs', { jobId })).result.items as Array<{ status: string; output: string; scheduledFor: string }>;
  const dashboard = async () => {
    const conversation = (await ws.request('conversations.list', {})).result.items.find((c: { channel: string }) => c.channel === 'dashboard');
    return conversation ? ((await ws.request('conversations.messages', { conversationId: conversation.id })).result.items as Array<{ role: string; text: string }>) : [];
  };

  beforeAll(async () => {
    model = await startOpenAIServer();
    await open();
  });
  afterAll(async () => {
    await close();
    await model.close();
  });

  let every: string;
  let at: string;

  it('fires an `every` 2 s job repeatedly and an `at` job once, delivering to the dashboard, with their runs listed', async () => {
    every = (await ws.request('schedules.create', { name: 'stretch', schedule: { kind: 'every', everyMs: 2_000 }, payload: { kind: 'message', text: 'Time to stretch.' }, target: { channel: 'dashboard' } })).result.job.id;
    const created = await ws.request('schedules.create', { name: 'tea', schedule: { kind: 'at', at: inSeconds(1.5) }, payload: { kind: 'message', text: 'Tea is ready.' }, target: { channel: 'dashboard' } });
    at = created.result.job.id;
    expect(created.result.job).toMatchObject({ name: 'tea', enabled: true, nextRunAt: expect.any(String), lastRunAt: null });
    await sleep(5_000);
    const fired = (ws.frames as Array<{ method?: string; params: { jobId: string; outcome: string; name: string } }>).filter((f) => f.method === 'schedule.fired').map((f) => f.params);
    expect(fired.filter((f) => f.jobId === every && f.outcome === 'ok').length).toBeGreaterThanOrEqual(2);
    expect(fired.filter((f) => f.jobId === at)).toEqual([expect.objectContaining({ name: 'tea', outcome: 'ok' })]);
    expect((await runsOf(every)).every((r) => r.status === 'ok' && r.output === 'Time to stretch.')).toBe(true);
    expect(await runsOf(at)).toEqual([expect.objectContaining({ status: 'ok', output: 'Tea is ready.' })]);
    const texts = (await dashboard()).map((m) => m.text);
    expect(texts.filter((t) => t === 'Tea is ready.')).toHaveLength(1);
    expect(texts.filter((t) => t === 'Time to stretch.').length).toBeGreaterThanOrEqual(2);
    const list = (await ws.request('schedules.list')).result.items;
    expect(list.find((j: { id: string }) => j.id === at)).toMatchObject({ nextRunAt: null, lastStatus: 'ok' });
  });

  it('keeps both across a restart, and fires a one-shot that fell due while Perch was stopped once after the start', async () => {
    const missed = (await ws.request('schedules.create', { name: 'call back', schedule: { kind: 'at', at: inSeconds(2) }, payload: { kind: 'message', text: 'Call Ana back.' }, target: { channel: 'dashboard' } })).result.job.id;
    await close();
    await sleep(3_000); // its time passes while Perch is stopped
    await open();
    expect((await ws.request('schedules.list')).result.items.map((j: { id: string }) => j.id).sort()).toEqual([every, at, missed].sort());
    // (It may fire before this connection subscribes: read its runs.)
    for (let i = 0; i < 100 && (await runsOf(missed)).length === 0; i++) await sleep(50);
    const before = (await runsOf(every)).length;
    await sleep(4_500);
    expect((await runsOf(missed)).map((r) => r.status)).toEqual(['ok']);
    expect((await dashboard()).filter((m) => m.text.startsWith('Call Ana back.'))).toHaveLength(1);
    expect((await runsOf(at)).length).toBe(1); // the one-shot that ran before the restart does not run again
    expect((await runsOf(every)).length).toBeGreaterThanOrEqual(before + 2); // the interval goes on
    const occurrences = (await runsOf(every)).map((r) => r.scheduledFor);
    expect(new Set(occurrences).size).toBe(occurrences.length); // no occurrence twice
    await ws.request('schedules.update', { id: every, enabled: false });
  });

  it('refuses an invalid cron expression, time zone, past time, zero interval and unknown target with clear messages', async () => {
    const create = (schedule: object, target: object = { channel: 'dashboard' }) => ws.request('schedules.create', { name: 'x', schedule, payload: { kind: 'message', text: 'x' }, target });
    expect((await create({ kind: 'cron', expr: '61 * * * *' })).error).toEqual({
      code: -32015,
      message: '"61 * * * *" is not a valid cron expression (Invalid value for minute: 61), e.g. "0 9 * * 1-5" (09:00 on weekdays) or "*/15 * * * *" (every 15 minutes).',
      data: { code: 'invalid_schedule' },
    });
    expect((await create({ kind: 'cron', expr: '0 9 * * *', tz: 'Berlin' })).error.message).toMatch(/not a time zone/);
    expect((await create({ kind: 'at', at: '2020-01-01T00:00:00Z' })).error.message).toMatch(/already passed/);
    expect((await create({ kind: 'every', everyMs: 0 })).error).toMatchObject({ code: -32602, message: expect.stringContaining('more than 0 ms') });
    expect((await create({ kind: 'at', at: 'tomorrow at 9' })).error.message).toContain('ISO time');
    expect((await create({ kind: 'every', everyMs: 60_000 }, { channel: 'whatsapp' })).error.message).toMatch(/Cannot deliver to whatsapp/);
    expect((await create({ kind: 'every', everyMs: 60_000 }, { channel: 'telegram' })).error.message).toMatch(/no owner/);
    expect((await ws.request('schedules.preview', { schedule: { kind: 'cron', expr: '0 9 * * 1-5', tz: 'Europe/Berlin' }, count: 2 })).result.runs).toHaveLength(2);
    expect((await ws.request('schedules.runNow', { id: 'nope' })).error).toMatchObject({ data: { code: 'not_found' } });
  });

  it('runs an agent prompt now, in its own conversation, with only the tools it was given', async () => {
    const job = (await ws.request('schedules.create', {
      name: 'morning check',
      schedule: { kind: 'cron', expr: '0 7 * * *', tz: 'Europe/Berlin' },
      payload: { kind: 'agent', prompt: 'run: echo not allowed', tools: ['get_time'] },
      target: { channel: 'dashboard' },
    })).result.job;
    const { run } = (await ws.request('schedules.runNow', { id: job.id })).result;
    expect(run).toMatchObject({ jobId: job.id, manual: true, status: 'running' });
    for (let i = 0; i < 100 && (await runsOf(job.id))[0]?.status === 'running'; i++) await sleep(50);
    expect((await runsOf(job.id))[0]).toMatchObject({ status: 'ok', output: 'The tool said: Error: the tool exec is not available here' });
    expect((await ws.request('approvals.list', { status: 'pending' })).result.items).toEqual([]); // nothing asked to run
    const own = (await ws.request('conversations.list', {})).result.items.find((c: { channel: string; peer: string }) => c.channel === 'schedule' && c.peer === job.id);
    expect(own).toBeDefined();
    expect((await ws.request('schedules.list')).result.items.find((j: { id: string }) => j.id === job.id).nextRunAt).toBe(job.nextRunAt); // its schedule is untouched
    // With the model down, the run is not "done" with an apology: it fails and will be tried again.
    model.failing = true;
    try {
      await ws.request('schedules.runNow', { id: job.id });
      for (let i = 0; i < 100 && (await runsOf(job.id))[0]?.status === 'running'; i++) await sleep(50);
      expect((await runsOf(job.id))[0]).toMatchObject({ status: 'retrying', output: null });
      expect((await ws.request('schedules.runs', { jobId: job.id })).result.items[0].error).toMatch(/the model crashed|500/);
    } finally {
      model.failing = false;
    }
    expect((await ws.request('schedules.delete', { id: job.id })).result).toEqual({ deleted: true });
  });

  it('sets a reminder from a chat that comes back to the same chat, and lists and cancels them with /reminders', async () => {
    // All in one conversation: it is the chat the reminders come back to.
    const set = await ws.request('chat.send', { text: 'remind in 2s: water the basil' }, 10_000);
    expect(set.result.text).toMatch(/^The tool said: Reminder set for /);
    const { conversationId } = set.result;
    const say = async (text: string) => (await ws.request('chat.send', { text, conversationId }, 10_000)).result.text as string;
    expect(await say('/reminders')).toMatch(/^Pending reminders:\n1\. .* UTC — water the basil\nCancel one with/);
    await ws.waitFor((f) => f.method === 'schedule.fired' && f.params.name === 'Reminder: water the basil', 6_000);
    const here = (await ws.request('conversations.messages', { conversationId })).result.items as Array<{ text: string }>;
    expect(here.filter((m) => m.text === '⏰ Reminder: water the basil')).toHaveLength(1);
    expect((await dashboard()).filter((m) => m.text === '⏰ Reminder: water the basil')).toHaveLength(1);

    await say('remind in 600s: feed the cat');
    expect(await say('/reminders cancel 1')).toBe('Cancelled: feed the cat');
    expect(await say('/reminders')).toMatch(/no pending reminders/);
    expect((await ws.request('schedules.list')).result.items.some((j: { name: string }) => j.name.includes('feed the cat'))).toBe(false);
  });
});
