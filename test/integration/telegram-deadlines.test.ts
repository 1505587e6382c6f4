import fs from 'node:fs';
import path from 'node:path';
import TelegramServer from 'telegram-test-api';
import { afterEach, describe, expect, it } from 'vitest';
import type { Core } from '../../main/core';
import type { TelegramTiming } from '../../main/channels/telegram-deadlines';
import { startTestCore, TEST_TOKEN } from '../helpers/core';
import { startOpenAIServer } from '../helpers/model-servers';
import { RpcSocket } from '../helpers/rpc-socket';
import { freePort } from '../helpers/serve-process';
import { startTelegramEmulator, telegramChats } from '../helpers/telegram-chat';
import { offsetProxy, silentRoot } from '../helpers/telegram-proxy';

// Telegram when the network misbehaves, with real grammY against real local servers: a Bot API
// root that swallows connections, one that refuses them, and polls that hang after the connection
// worked. Deadlines are shortened (the poll waits 1–2 s instead of 30 s); the numbers are printed.

const BOT = '424242:perch-deadline-token-abcdefghijkl';
const OWNER = 4242;
const FAST: Partial<TelegramTiming> = { pollSeconds: 1, callMs: 1_000 };

interface View {
  state: string;
  detail: string | null;
  nextRetryAt: string | null;
}

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => T | Promise<T>, timeoutMs = 20_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** Perch answering the owner on Telegram at `apiRoot`, and a signed-in socket. */
async function perchAt(apiRoot: string, timing: Partial<TelegramTiming>) {
  const model = await startOpenAIServer();
  cleanups.push(() => model.close());
  const core: Core = await startTestCore(
    { PERCH_TELEGRAM_TOKEN: BOT, PERCH_TELEGRAM_API_ROOT: apiRoot, PERCH_TELEGRAM_ALLOW_FROM: String(OWNER), PERCH_MODEL: `openai:gpt-test@${model.url}/v1` },
    { telegramTiming: timing },
  );
  cleanups.push(() => core.stop());
  const ws = await RpcSocket.open(core.gateway.url, { Authorization: `Bearer ${TEST_TOKEN}` });
  cleanups.push(() => ws.close());
  const view = async (): Promise<View> => (await ws.request('channels.list')).result.items.find((c: { channel: string }) => c.channel === 'telegram');
  return { core, ws, view };
}

async function emulator(): Promise<TelegramServer> {
  const server = await startTelegramEmulator();
  cleanups.push(() => server.stop());
  return server;
}

/** The log lines (parsed) Perch wrote with this message. */
function logged(core: Core, msg: string): Array<Record<string, unknown>> {
  const file = path.join(core.config.dataDir, 'logs', 'perch.log');
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => entry.msg === msg);
}

describe('Telegram deadlines', () => {
  it('a Bot API that swallows connections is an error with the reason and the next try within seconds; once it answers, Telegram connects and answers', async () => {
    const root = await silentRoot();
    cleanups.push(() => root.close());
    const server = await emulator();
    const startedAt = Date.now();
    const { view } = await perchAt(root.url, FAST);

    const asked = { at: 0 };
    const failed = await until('an error status', async () => {
      asked.at = Date.now();
      const v = await view();
      return v.state === 'error' ? v : null;
    });
    const toError = Date.now() - startedAt;
    console.log(`[telegram-deadlines] swallowed connections: start to error status ${toError} ms (getMe deadline 1000 ms)`);
    expect(failed.detail).toBe('cannot reach the Telegram Bot API: ' + new URL(root.url).host + ' did not answer getMe within 1 s');
    expect(Date.parse(failed.nextRetryAt!)).toBeGreaterThan(asked.at);
    expect(root.held).toBeGreaterThan(0);
    // Seconds, not grammY's 500 s: the bound allows for two busy cores.
    expect(toError).toBeLessThan(15_000);

    // The network comes back: the next try gets through.
    root.forwardTo(Number(new URL(server.config.apiURL).port));
    await until('Telegram to connect', async () => (await view()).state === 'connected', 30_000);
    const connectedIn = Date.now() - startedAt;
    console.log(`[telegram-deadlines] swallowed connections: connected ${connectedIn} ms after start, once forwarded`);
    expect(await view()).toEqual({ channel: 'telegram', state: 'connected', paused: false, detail: '@TestNameBot', nextRetryAt: null });
    expect(await telegramChats(server, BOT).exchange(OWNER, 'hello after the silence')).toEqual(['You said: hello after the silence']);
  }, 90_000);

  it('a closed port is an error that says the connection was refused, with the next try', async () => {
    const port = await freePort(); // nothing listens there
    const startedAt = Date.now();
    const { view } = await perchAt(`http://127.0.0.1:${port}`, FAST);
    const asked = { at: 0 };
    const failed = await until('an error status', async () => {
      asked.at = Date.now();
      const v = await view();
      return v.state === 'error' ? v : null;
    });
    console.log(`[telegram-deadlines] refused connection: start to error status ${Date.now() - startedAt} ms`);
    expect(failed.detail).toBe(`cannot reach the Telegram Bot API: 127.0.0.1:${port} refused the connection (ECONNREFUSED)`);
    expect(Date.parse(failed.nextRetryAt!)).toBeGreaterThan(asked.at);
  }, 60_000);

  it('a Bot API that goes away after connecting shows "connecting" with the reason and the next try, and connects again when it is back', async () => {
    let server = await emulator();
    const port = Number(new URL(server.config.apiURL).port);
    const { view } = await perchAt(server.config.apiURL, FAST);
    await until('Telegram to connect', async () => (await view()).state === 'connected');
    await server.stop();
    const asked = { at: 0 };
    const down = await until('a connecting status with the next try', async () => {
      asked.at = Date.now();
      const v = await view();
      return v.state === 'connecting' && v.nextRetryAt ? v : null;
    });
    expect(down.detail).toMatch(new RegExp(`^cannot reach the Telegram Bot API: (127\\.0\\.0\\.1:${port} refused the connection \\(ECONNREFUSED\\)|the connection to 127\\.0\\.0\\.1:${port} was cut \\(ECONNRESET\\)); retrying$`));
    expect(Date.parse(down.nextRetryAt!)).toBeGreaterThan(asked.at - 50);
    server = new TelegramServer({ port, host: '127.0.0.1', storeTimeout: 60 });
    await server.start();
    cleanups.push(() => server.stop());
    await until('Telegram to connect again', async () => (await view()).state === 'connected', 30_000);
    expect((await view()).nextRetryAt).toBeNull();
    expect(await telegramChats(server, BOT).exchange(OWNER, 'back on the new server')).toEqual(['You said: back on the new server']);
  }, 90_000);
});

describe('the polling watchdog', () => {
  /** Perch behind the offset proxy (which can swallow polls), polls of 2 s: abandoned after 4 s. */
  async function behindProxy() {
    const server = await emulator();
    const proxy = await offsetProxy(server.config.apiURL);
    cleanups.push(() => proxy.close());
    const perch = await perchAt(proxy.url, { pollSeconds: 2, callMs: 2_000 });
    await until('Telegram to connect', async () => (await perch.view()).state === 'connected');
    const chats = telegramChats(server, BOT);
    const answers = (text: string) => chats.sentTo(OWNER).filter((t) => t === `You said: ${text}`).length;
    return { ...perch, server, proxy, chats, answers };
  }

  it('abandons a poll that has not returned in twice its timeout and polls again at once; nothing is lost or answered twice', async () => {
    const { core, view, proxy, chats, answers } = await behindProxy();
    expect(await chats.exchange(OWNER, 'before the stall')).toEqual(['You said: before the stall']);

    proxy.holdPolls = 1; // the next poll goes into a connection that never answers
    const held = await until('a swallowed poll', () => proxy.polls.find((p) => p.held));
    await chats.send(OWNER, 'during the stall'); // waits at Telegram: the swallowed poll never took it
    const next = await until('the poll after it', () => proxy.polls.find((p) => p.at >= held.at && !p.held), 30_000);
    const restartMs = next.at - held.at;
    console.log(`[telegram-deadlines] watchdog: a swallowed poll was replaced after ${restartMs} ms (limit 2 × 2 s = 4000 ms)`);
    expect(restartMs).toBeGreaterThanOrEqual(4_000 - 50);
    expect(restartMs).toBeLessThan(4_000 + 10_000);

    await until('the answer to what came during the stall', () => answers('during the stall') === 1, 15_000);
    expect(await chats.exchange(OWNER, 'after the restart')).toEqual(['You said: after the restart']);
    await sleep(1_000); // anything doubled would have arrived by now
    for (const text of ['before the stall', 'during the stall', 'after the restart']) expect(answers(text), text).toBe(1);
    expect(core.db.prepare("SELECT text, status FROM inbound_messages ORDER BY rowid").all()).toEqual([
      { text: 'before the stall', status: 'answered' },
      { text: 'during the stall', status: 'answered' },
      { text: 'after the restart', status: 'answered' },
    ]);
    // One stall is a dead connection, not an outage: the channel stayed connected, and it is logged.
    expect((await view()).state).toBe('connected');
    expect(logged(core, 'a Telegram poll did not return in time; abandoned')).toEqual([expect.objectContaining({ method: 'getUpdates', limitMs: 4_000, stalls: 1, restart: true })]);
  }, 90_000);

  it('polls that keep hanging are an error with the next try; once they answer, the message sent meanwhile is answered once', async () => {
    const { core, view, proxy, chats, answers } = await behindProxy();
    proxy.holdPolls = Infinity;
    const held = await until('a swallowed poll', () => proxy.polls.find((p) => p.held));
    await chats.send(OWNER, 'while polls hang');
    const asked = { at: 0 };
    const failed = await until(
      'an error status',
      async () => {
        asked.at = Date.now();
        const v = await view();
        return v.state === 'error' ? v : null;
      },
      30_000,
    );
    const toError = asked.at - held.at;
    console.log(`[telegram-deadlines] watchdog: two swallowed polls in a row reported as an error after ${toError} ms (2 × 4000 ms)`);
    expect(failed.detail).toBe('cannot reach the Telegram Bot API: polling stalled (no answer to getUpdates within 4 s, twice)');
    expect(Date.parse(failed.nextRetryAt!)).toBeGreaterThan(asked.at);
    expect(toError).toBeGreaterThanOrEqual(8_000 - 50);

    proxy.holdPolls = 0;
    await until('the answer to what came while polls hung', () => answers('while polls hang') === 1, 30_000);
    expect((await view()).state).toBe('connected');
    await sleep(1_000);
    expect(answers('while polls hang')).toBe(1);
    expect(logged(core, 'a Telegram poll did not return in time; abandoned').map((e) => e.restart)).toEqual([true, false]);
  }, 90_000);
});
