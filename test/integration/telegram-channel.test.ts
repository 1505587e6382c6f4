import fs from 'node:fs';
import path from 'node:path';
import TelegramServer from 'telegram-test-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../main/core';
import { FLOOD_NOTICE } from '../../main/channels/channel-manager';
import { startTestCore, TEST_TOKEN } from '../helpers/core';
import { startOpenAIServer, type ModelServer } from '../helpers/model-servers';
import { RpcSocket } from '../helpers/rpc-socket';
import { freePort } from '../helpers/serve-process';

// Perch on Telegram, end to end against the Bot API emulator: allowed and unknown senders,
// pause / resume, and approvals decided with buttons.

const BOT_TOKEN = '123456:perch-test-token-abcdefghijkl';
const OWNER = 1001;
const STRANGER = 2002;
const FRIEND = 3003;

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
      PERCH_TELEGRAM_ALLOW_FROM: `${OWNER},${FRIEND}`,
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

  it('offers an approval to the owner with buttons; Approve runs the command once, a stranger cannot decide', async () => {
    await ws.request('events.subscribe', { events: ['approval.requested'] });
    const before = sentTo(OWNER).length;
    const reply = ws.request('tools.invoke', { name: 'exec', args: { command: 'echo approved-in-telegram >> telegram.txt' } }, 15_000);
    const { params: approval } = await ws.waitFor((f) => f.method === 'approval.requested');
    for (let i = 0; i < 100 && sentTo(OWNER).length === before; i++) await new Promise((r) => setTimeout(r, 20));
    const offer = (emulator.storage.botMessages as any[]).filter((u) => String(u.message.chat_id) === String(OWNER)).at(-1)!.message;
    expect(offer.text).toContain('echo approved-in-telegram >> telegram.txt');
    expect(offer.text).toContain(`(approval ${approval.id})`);
    const buttons = JSON.parse(JSON.stringify(offer.reply_markup)).inline_keyboard[0].map((b: any) => [b.text, b.callback_data]);
    expect(buttons).toEqual([['Approve', `approve:${approval.id}`], ['Deny', `deny:${approval.id}`]]);

    const press = async (id: number, data: string) => {
      const c = emulator.getClient(BOT_TOKEN, { userId: id, chatId: OWNER });
      await c.sendCallback(c.makeCallbackQuery(data, { message: { message_id: offer.message_id, chat: { id: OWNER } } as any }) as any);
    };
    await press(STRANGER, `approve:${approval.id}`);
    await new Promise((r) => setTimeout(r, 300));
    expect((await ws.request('approvals.list', { status: 'pending' })).result.items.map((a: any) => a.id)).toEqual([approval.id]);

    await press(OWNER, `approve:${approval.id}`);
    expect((await reply).result).toEqual({ ok: true, output: '', exitCode: 0 });
    await press(OWNER, `approve:${approval.id}`); // pressed twice: refused, nothing runs again
    await new Promise((r) => setTimeout(r, 300));
    expect(fs.readFileSync(path.join(core.config.dataDir, 'workspace', 'telegram.txt'), 'utf8')).toBe('approved-in-telegram\n');
    expect((await ws.request('approvals.list', { status: 'history', limit: 1 })).result.items[0]).toMatchObject({ id: approval.id, decidedBy: 'telegram' });
  });

  it('answers a flood from one sender only up to its limit, with one polite notice', async () => {
    const c = emulator.getClient(BOT_TOKEN, { userId: FRIEND, chatId: FRIEND });
    for (let i = 0; i < 12; i++) await c.sendMessage(c.makeMessage(`flood ${i}`));
    const deadline = Date.now() + 10_000;
    while (sentTo(FRIEND).filter((t) => t.startsWith('You said')).length < 8 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 300)); // nothing more comes
    const got = sentTo(FRIEND);
    expect(got.filter((t) => t === FLOOD_NOTICE)).toHaveLength(1);
    expect(got.filter((t) => t.startsWith('You said'))).toEqual(Array.from({ length: 8 }, (_, i) => `You said: flood ${i}`)); // in order
    const stored = core.db.prepare("SELECT status, count(*) AS n FROM inbound_messages WHERE sender = ? GROUP BY status ORDER BY status").all(String(FRIEND));
    expect(stored).toEqual([{ status: 'answered', n: 8 }, { status: 'ignored', n: 4 }]); // nothing lost: all twelve are stored
  });
});
