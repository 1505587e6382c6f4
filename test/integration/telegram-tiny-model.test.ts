import fs from 'node:fs';
import path from 'node:path';
import TelegramServer from 'telegram-test-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_TOKEN } from '../helpers/core';
import { tempDataDir } from '../helpers/data-dir';
import { RpcSocket } from '../helpers/rpc-socket';
import { freePort, spawnServe, waitForStart, type ServeProcess } from '../helpers/serve-process';
import { writeTinyGguf } from '../helpers/tiny-gguf';

// The acceptance run, as a user would set it up: the headless app (as `npm run serve`)
// with PERCH_TELEGRAM_TOKEN and PERCH_TELEGRAM_API_ROOT pointing at the emulator and the tiny local
// model. An allowed user is answered, a stranger is not, pause stops replies and resume restores
// them, and Approve pressed in Telegram runs a pending command once.

const BOT_TOKEN = '424242:perch-acceptance-token-abcdefgh';
const OWNER = 1111;
const STRANGER = 2222;
const GEN = 60_000;

describe('Perch on Telegram with the tiny local model', () => {
  let emulator: TelegramServer;
  let app: ServeProcess;
  let ws: RpcSocket;
  let dataDir: string;
  beforeAll(async () => {
    emulator = new TelegramServer({ port: await freePort(), host: '127.0.0.1', storeTimeout: 600 });
    await emulator.start();
    dataDir = tempDataDir();
    const modelFile = path.join(dataDir, 'tiny.gguf');
    writeTinyGguf(modelFile, { contextLength: 4096 });
    app = spawnServe({
      PERCH_DATA_DIR: dataDir,
      PERCH_GATEWAY_PORT: String(await freePort()),
      PERCH_GATEWAY_TOKEN: TEST_TOKEN,
      PERCH_TELEGRAM_TOKEN: BOT_TOKEN,
      PERCH_TELEGRAM_API_ROOT: emulator.config.apiURL,
      PERCH_TELEGRAM_ALLOW_FROM: String(OWNER),
      PERCH_MODEL: `llama:${modelFile}`,
    });
    ws = await RpcSocket.open((await waitForStart(app)).gateway, { Authorization: `Bearer ${TEST_TOKEN}` });
    // Short replies keep it quick; recall would only crowd the tiny window.
    await ws.request('settings.update', { patch: { agent: { maxReplyTokens: 64 }, memory: { recallLimit: 0 } } });
    for (let i = 0; i < 200 && (await ws.request('channels.list')).result.items[0]?.state !== 'connected'; i++) await new Promise((r) => setTimeout(r, 25));
  }, 60_000);
  afterAll(async () => {
    ws?.close();
    app?.child.kill('SIGTERM');
    await app?.exited;
    await emulator.stop();
  });

  const sentTo = (id: number) => (emulator.storage.botMessages as Array<{ message: { chat_id: number | string; text: string; message_id: number; reply_markup?: unknown } }>).filter((u) => String(u.message.chat_id) === String(id)).map((u) => u.message);
  async function say(id: number, text: string, expectReply: boolean): Promise<string[]> {
    const before = sentTo(id).length;
    const client = emulator.getClient(BOT_TOKEN, { userId: id, chatId: id });
    await client.sendMessage(client.makeMessage(text));
    const deadline = Date.now() + (expectReply ? GEN : 3_000);
    while (sentTo(id).length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    return sentTo(id).slice(before).map((m) => m.text);
  }

  it('answers the owner with the local model and never a stranger', async () => {
    const [reply] = await say(OWNER, 'hello from my phone', true);
    expect(reply!.length).toBeGreaterThan(0);
    const messages = (await ws.request('conversations.list', {})).result.items;
    expect(messages).toEqual([expect.objectContaining({ channel: 'telegram', peer: String(OWNER), title: 'hello from my phone' })]);
    expect(await say(STRANGER, 'let me in', false)).toEqual([]);
  }, GEN);

  it('stops replying when paused and replies again when resumed', async () => {
    await ws.request('channels.pause', { channel: 'telegram' });
    expect(await say(OWNER, 'anyone home?', false)).toEqual([]);
    await ws.request('channels.resume', { channel: 'telegram' });
    expect((await say(OWNER, 'back again', true)).length).toBeGreaterThan(0);
  }, GEN);

  it('runs a pending command once when Approve is pressed in Telegram', async () => {
    await ws.request('events.subscribe', { events: ['approval.requested'] });
    const before = sentTo(OWNER).length;
    const reply = ws.request('tools.invoke', { name: 'exec', args: { command: 'echo ran >> approved.txt' } }, GEN);
    const { params: approval } = await ws.waitFor((f) => f.method === 'approval.requested');
    for (let i = 0; i < 200 && sentTo(OWNER).length === before; i++) await new Promise((r) => setTimeout(r, 25));
    const offer = sentTo(OWNER).at(-1)!;
    expect(offer.text).toContain('echo ran >> approved.txt');
    const press = async () => {
      const client = emulator.getClient(BOT_TOKEN, { userId: OWNER, chatId: OWNER });
      await client.sendCallback(client.makeCallbackQuery(`approve:${approval.id}`, { message: { message_id: offer.message_id, chat: { id: OWNER } } as never }) as never);
    };
    await press();
    expect((await reply).result).toEqual({ ok: true, output: '', exitCode: 0 });
    await press(); // a second press runs nothing
    await new Promise((r) => setTimeout(r, 500));
    expect(fs.readFileSync(path.join(dataDir, 'workspace', 'approved.txt'), 'utf8')).toBe('ran\n');
    expect((await ws.request('approvals.list', { status: 'history', limit: 1 })).result.items[0]).toMatchObject({ id: approval.id, status: 'approved', decidedBy: 'telegram' });
  }, GEN);
});
