import TelegramServer from 'telegram-test-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../main/core';
import { startTestCore, TEST_TOKEN } from '../helpers/core';
import { startOpenAIServer, type ModelServer } from '../helpers/model-servers';
import { RpcSocket } from '../helpers/rpc-socket';
import { startTelegramEmulator, telegramChats, untilChannelConnected } from '../helpers/telegram-chat';

// /metrics counts what Perch did, not only the gateway's calls: chat messages by outcome, answered
// messages with their times, model calls and failovers, approvals, schedule runs, channel errors.

const BOT_TOKEN = '123456:perch-metrics-token-abcdefghijkl';
const OWNER = 6101;
const STRANGER = 6202;

describe('/metrics', () => {
  let emulator: TelegramServer;
  let down: ModelServer;
  let up: ModelServer;
  let core: Core;
  let ws: RpcSocket;
  beforeAll(async () => {
    emulator = await startTelegramEmulator();
    down = await startOpenAIServer();
    down.failing = true;
    up = await startOpenAIServer();
    core = await startTestCore({
      PERCH_TELEGRAM_TOKEN: BOT_TOKEN,
      PERCH_TELEGRAM_API_ROOT: emulator.config.apiURL,
      PERCH_TELEGRAM_ALLOW_FROM: String(OWNER),
      PERCH_MODEL: `openai:gpt-down@${down.url}/v1`,
    });
    ws = await RpcSocket.open(core.gateway.url, { Authorization: `Bearer ${TEST_TOKEN}` });
    await ws.request('settings.update', { patch: { models: { fallback: [`openai:gpt-up@${up.url}/v1`] } } });
    await untilChannelConnected(ws);
  });
  afterAll(async () => {
    ws.close();
    await core.stop();
    await up.close();
    await down.close();
    await emulator.stop();
  });

  async function scrape(): Promise<Map<string, number>> {
    const res = await fetch(`${core.gateway.url.replace(/^ws/, 'http').replace(/\/rpc$/, '')}/metrics`, { headers: { Authorization: `Bearer ${TEST_TOKEN}` } });
    expect(res.status).toBe(200);
    const series = new Map<string, number>();
    for (const line of (await res.text()).split('\n')) {
      const match = /^(perch_[^ ]+) (\S+)$/.exec(line);
      if (match) series.set(match[1]!, Number(match[2]));
    }
    return series;
  }
  const until = async (check: () => boolean | Promise<boolean>, ms = 10_000) => {
    const deadline = Date.now() + ms;
    while (!(await check()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  };

  it('counts messages, model calls, failovers, approvals, schedule runs and channel errors', async () => {
    // A dashboard message: the first model fails, the fallback answers.
    expect((await ws.request('chat.send', { text: 'count me' })).result.text).toBe('You said: count me');
    // Telegram: the owner is answered, a stranger is not.
    const { send } = telegramChats(emulator, BOT_TOKEN);
    for (const [id, text] of [[OWNER, 'hello metrics'], [STRANGER, 'let me in']] as const) await send(id, text);
    await until(() => (emulator.storage.botMessages as any[]).some((u) => u.message.text === 'You said: hello metrics'));
    // An approval requested and denied.
    await ws.request('events.subscribe', { events: ['approval.requested'] });
    const run = ws.request('tools.invoke', { name: 'exec', args: { command: 'echo counted' } }, 15_000);
    const { params: approval } = await ws.waitFor((f) => f.method === 'approval.requested');
    await ws.request('approvals.resolve', { id: approval.id, decision: 'deny' });
    await run;
    // A scheduled job that runs.
    const job = (await ws.request('schedules.create', { name: 'tick', schedule: { kind: 'every', everyMs: 1_000 }, payload: { kind: 'message', text: 'tick' }, target: { channel: 'dashboard' } })).result.job.id;
    // The channel logged out.
    await ws.request('channels.logout', { channel: 'telegram' });

    let m = await scrape();
    await until(async () => ((m = await scrape()).get('perch_schedule_runs_total{outcome="ok"}') ?? 0) >= 1);
    await ws.request('schedules.delete', { id: job });

    expect(m.get('perch_messages_total{channel="dashboard",outcome="ok"}')).toBe(1);
    expect(m.get('perch_messages_total{channel="telegram",outcome="ok"}')).toBe(1);
    expect(m.get('perch_message_seconds_count{channel="telegram"}')).toBe(1);
    expect(m.get('perch_channel_messages_total{channel="telegram",outcome="answered"}')).toBe(1);
    expect(m.get('perch_channel_messages_total{channel="telegram",outcome="stranger"}')).toBe(1);
    expect(m.get('perch_model_calls_total{provider="openai",outcome="error"}')).toBeGreaterThanOrEqual(2);
    expect(m.get('perch_model_calls_total{provider="openai",outcome="ok"}')).toBeGreaterThanOrEqual(2);
    expect(m.get('perch_model_failovers_total')).toBeGreaterThanOrEqual(2);
    expect(m.get('perch_model_call_seconds_count{provider="openai"}')).toBeGreaterThanOrEqual(4);
    expect(m.get('perch_approvals_total{event="requested"}')).toBe(1);
    expect(m.get('perch_approvals_total{event="denied"}')).toBe(1);
    expect(m.get('perch_approvals_total{event="approved"}')).toBeUndefined();
    expect(m.get('perch_schedule_runs_total{outcome="ok"}')).toBeGreaterThanOrEqual(1);
    expect(m.get('perch_channel_errors_total{channel="telegram",state="logged-out"}')).toBe(1);
  });
});
