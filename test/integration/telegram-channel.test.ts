import TelegramServer from 'telegram-test-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../main/core';
import { startTestCore, TEST_TOKEN } from '../helpers/core';
import { startOpenAIServer, type ModelServer } from '../helpers/model-servers';
import { RpcSocket } from '../helpers/rpc-socket';
import { freePort } from '../helpers/serve-process';

// Perch on Telegram, end to end against the Bot API emulator: allowed and unknown senders, and
// pause / resume.

const BOT_TOKEN = '123456:perch-test-token-abcdefghijkl';
const OWNER = 1001;
const STRANGER = 2002;

describe('the Telegram channel', () => {
  let emulator: TelegramServer;
  let model: ModelServer;
  let core: Core;
  let ws: RpcSocket;
  beforeAll(async () => {
    emulator = new TelegramServer({ port: await freePort(), host: '127.0.0.1', storeTimeout: 60 });
    await emulator.start();
    model = await startOpenAIServer();
    core = await startTestCore({
      PERCH_TELEGRAM_TOKEN: BOT_TOKEN,
      PERCH_TELEGRAM_API_ROOT: emulator.config.apiURL,
      PERCH_TELEGRAM_ALLOW_FROM: String(OWNER),
      PERCH_MODEL: `openai:gpt-test@${model.url}/v1`,
    });
    ws = await RpcSocket.open(core.gateway.url, { Authorization: `Bearer ${TEST_TOKEN}` });
    for (let i = 0; i < 100 && (await ws.request('channels.list')).result.items[0]?.state !== 'connected'; i++) await new Promise((r) => setTimeout(r, 50));
  });
  afterAll(async () => {
    ws.close();
    await core.stop();
    await model.close();
    await emulator.stop();
  });

  /** What the bot has sent to a chat so far (read from the emulator's store: the client's own
   * polling keeps running after its timeout and would swallow later replies). */
  const sentTo = (id: number): string[] =>
    (emulator.storage.botMessages as any[]).filter((u) => String(u.message.chat_id) === String(id)).map((u) => u.message.text);
  /** Sends from a user and collects what the bot sends back, until `count` messages came or time ran out. */
  async function exchange(id: number, text: string, count = 1, waitMs = 5_000): Promise<string[]> {
    const before = sentTo(id).length;
    const c = emulator.getClient(BOT_TOKEN, { userId: id, chatId: id });
    await c.sendMessage(c.makeMessage(text));
    const deadline = Date.now() + waitMs;
    while (sentTo(id).length < before + count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return sentTo(id).slice(before);
  }

  it('is listed as connected', async () => {
    expect((await ws.request('channels.list')).result.items).toEqual([{ channel: 'telegram', state: 'connected', paused: false, detail: expect.stringMatching(/^@/) }]);
  });

  it('answers the owner and never a stranger', async () => {
    expect(await exchange(OWNER, 'hello from Telegram 👋')).toEqual(['You said: hello from Telegram 👋']);
    expect(await exchange(STRANGER, 'let me in', 1, 1_500)).toEqual([]);
    // The stranger's message never reached the model.
    expect(model.requests.some((r) => JSON.stringify(r.body).includes('let me in'))).toBe(false);
  });

  it('stays quiet while paused, and does not answer retroactively after resuming', async () => {
    expect((await ws.request('channels.pause', { channel: 'telegram' })).result.items[0]).toMatchObject({ state: 'paused', paused: true });
    expect(await exchange(OWNER, 'are you there?', 1, 1_500)).toEqual([]);
    expect((await ws.request('channels.resume', { channel: 'telegram' })).result.items[0]).toMatchObject({ state: 'connected', paused: false });
    expect(await exchange(OWNER, 'back again')).toEqual(['You said: back again']);
    expect((await ws.request('channels.pause', { channel: 'whatsapp' })).error).toMatchObject({ data: { code: 'not_found' } });
  });
});
