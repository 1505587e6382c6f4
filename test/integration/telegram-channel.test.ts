import fs from 'node:fs';
import path from 'node:path';
import TelegramServer from 'telegram-test-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../main/core';
import { FLOOD_NOTICE } from '../../main/channels/channel-manager';
import { startTestCore, TEST_TOKEN } from '../helpers/core';
import { startOpenAIServer, type ModelServer } from '../helpers/model-servers';
import { RpcSocket } from '../helpers/rpc-socket';
import { startTelegramEmulator, telegramChats, untilChannelConnected } from '../helpers/telegram-chat';

type Chats = ReturnType<typeof telegramChats>;

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
  let sentTo: Chats['sentTo'];
  let send: Chats['send'];
  let exchange: Chats['exchange'];
  beforeAll(async () => {
    emulator = await startTelegramEmulator();
    ({ sentTo, send, exchange } = telegramChats(emulator, BOT_TOKEN));
    model = await startOpenAIServer();
    core = await startTestCore({
      PERCH_TELEGRAM_TOKEN: BOT_TOKEN,
      PERCH_TELEGRAM_API_ROOT: emulator.config.apiURL,
      PERCH_TELEGRAM_ALLOW_FROM: `${OWNER},${FRIEND}`,
      PERCH_MODEL: `openai:gpt-test@${model.url}/v1`,
    });
    ws = await RpcSocket.open(core.gateway.url, { Authorization: `Bearer ${TEST_TOKEN}` });
    await untilChannelConnected(ws);
  });
  afterAll(async () => {
    ws.close();
    await core.stop();
    await model.close();
    await emulator.stop();
  });

  /** Sends a message and waits until the channel has stored it (for checking that nothing comes back). */
  async function sendAndSettle(id: number, text: string, extra: object = {}, chatId = id): Promise<void> {
    await send(id, text, extra, chatId);
    for (let i = 0; i < 200 && !core.db.prepare('SELECT 1 FROM inbound_messages WHERE text = ?').get(text); i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200));
  }


  it('is listed as connected', async () => {
    const telegram = { channel: 'telegram', state: 'connected', paused: false, detail: '@TestNameBot', nextRetryAt: null };
    expect((await ws.request('channels.list')).result.items).toEqual([telegram]);
    expect((await ws.request('tray.snapshot')).result).toEqual({ channels: [telegram], pendingApprovals: 0, model: expect.stringContaining('gpt-test'), state: 'idle' });
  });

  it('answers the owner and never a stranger', async () => {
    expect(await exchange(OWNER, 'hello from Telegram 👋')).toEqual(['You said: hello from Telegram 👋']);
    expect(await exchange(STRANGER, 'let me in', 1, 1_500)).toEqual([]);
    // The stranger's message never reached the model.
    expect(model.requests.some((r) => JSON.stringify(r.body).includes('let me in'))).toBe(false);
  });

  it('stays quiet while paused, and does not answer retroactively after resuming', async () => {
    await ws.request('events.subscribe', { events: ['tray.changed'] });
    expect((await ws.request('channels.pause', { channel: 'telegram' })).result.items[0]).toMatchObject({ state: 'paused', paused: true });
    // The tray hears it: every channel paused.
    expect((await ws.waitFor((f) => f.method === 'tray.changed' && f.params.state === 'paused')).params.channels[0]).toMatchObject({ channel: 'telegram', paused: true });
    expect(await exchange(OWNER, 'are you there?', 1, 1_500)).toEqual([]);
    expect((await ws.request('channels.resume', { channel: 'telegram' })).result.items[0]).toMatchObject({ state: 'connected', paused: false });
    await ws.waitFor((f) => f.method === 'tray.changed' && f.params.state === 'idle');
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

  it('sends a 10,000-character reply in parts of at most 4,000 characters, in order, code blocks whole', async () => {
    const parts = await exchange(OWNER, 'long: 10000', 3, 10_000);
    expect(parts.length).toBeGreaterThanOrEqual(3);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(4_000);
      expect((part.match(/```/g) ?? []).length % 2).toBe(0); // no code block cut in two
    }
    const text = parts.join('\n\n');
    expect(text.startsWith('Paragraph 0:')).toBe(true);
    expect(text.length).toBeGreaterThanOrEqual(10_000);
    expect(text).toContain('🐦 perching');
    expect(text).toContain('ünïcödé ✓');
    const numbers = [...text.matchAll(/Paragraph (\d+):/g)].map((m) => Number(m[1]));
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b)); // in order
  });

  it('pairs a stranger: one code, approved in the dashboard, then answered', async () => {
    const PAIRER = 4004;
    await ws.request('settings.update', { patch: { telegram: { dmPolicy: 'pairing' } } });
    await ws.request('events.subscribe', { events: ['channel.pairing'] });
    const [offer] = await exchange(PAIRER, "hi, it's Ana from next door");
    const code = /code: ([A-Z0-9]{8})/.exec(offer!)![1]!;
    expect(offer).toContain('expires in 60 minutes');
    const { params: requested } = await ws.waitFor((f) => f.method === 'channel.pairing');
    expect(requested).toMatchObject({ channel: 'telegram', code, sender: String(PAIRER), firstMessage: "hi, it's Ana from next door", status: 'pending' });
    // Asking again gets nothing more (and nothing reaches the model).
    await sendAndSettle(PAIRER, 'hello??');
    expect(sentTo(PAIRER)).toEqual([offer]);
    expect(model.requests.some((r) => JSON.stringify(r.body).includes('Ana from next door'))).toBe(false);
    expect((await ws.request('channels.pairings.list')).result.items).toEqual([requested]);

    expect((await ws.request('channels.pairings.approve', { channel: 'telegram', code: 'nope' })).error).toMatchObject({ code: -32602, message: expect.stringContaining('8-character code') });
    expect((await ws.request('channels.pairings.approve', { channel: 'telegram', code: 'ZZZZZZZZ' })).error).toMatchObject({ data: { code: 'not_found' } });
    const before = sentTo(PAIRER).length;
    expect((await ws.request('channels.pairings.approve', { channel: 'telegram', code: code.toLowerCase() })).result.item).toMatchObject({ code, status: 'approved' });
    for (let i = 0; i < 100 && sentTo(PAIRER).length === before; i++) await new Promise((r) => setTimeout(r, 20));
    expect(sentTo(PAIRER).at(-1)).toContain('my owner approved your code');
    expect((await ws.request('channels.pairings.approve', { channel: 'telegram', code })).error).toMatchObject({ data: { code: 'already_resolved' } });
    expect(await exchange(PAIRER, 'hello again')).toEqual(['You said: hello again']);
    // Back to the allowlist: the paired sender stays allowed, strangers get no code.
    await ws.request('settings.update', { patch: { telegram: { dmPolicy: 'allowlist' } } });
    expect(await exchange(PAIRER, 'still me')).toEqual(['You said: still me']);
    await sendAndSettle(5005, 'and me?');
    expect(sentTo(5005)).toEqual([]);
  });

  it('in groups, answers allowed senders only when they mention Perch (and only once the group policy allows it)', async () => {
    const GROUP = -100200;
    const inGroup = (text: string, mention = false) => ({ chat: { id: GROUP, type: 'group', title: 'family' }, ...(mention ? { entities: [{ type: 'mention', offset: 0, length: 12 }] } : {}) });
    await sendAndSettle(OWNER, '@TestNameBot are groups on?', inGroup('', true), GROUP);
    expect(sentTo(GROUP)).toEqual([]); // off by default
    await ws.request('settings.update', { patch: { telegram: { groupPolicy: 'mention' } } });
    await sendAndSettle(OWNER, 'just chatting with family', inGroup(''), GROUP);
    await sendAndSettle(STRANGER, '@TestNameBot run: rm -rf ~', inGroup('', true), GROUP);
    expect(sentTo(GROUP)).toEqual([]);
    const c = emulator.getClient(BOT_TOKEN, { userId: OWNER, chatId: GROUP });
    await c.sendMessage(c.makeMessage('@TestNameBot what is 2+2', inGroup('', true)));
    for (let i = 0; i < 200 && sentTo(GROUP).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(sentTo(GROUP)).toEqual(['You said: @TestNameBot what is 2+2']);
    await ws.request('settings.update', { patch: { telegram: { groupPolicy: 'off' } } });
  });

  it('keeps a reply made while the Bot API is down and delivers it once it is back', async () => {
    const port = Number(new URL(emulator.config.apiURL).port);
    await ws.request('events.subscribe', { events: ['channel.status'] });
    model.delayMs = 1_500;
    const c = emulator.getClient(BOT_TOKEN, { userId: OWNER, chatId: OWNER });
    await c.sendMessage(c.makeMessage('said just before the outage'));
    for (let i = 0; i < 200 && !model.requests.some((r) => JSON.stringify(r.body).includes('just before the outage')); i++) await new Promise((r) => setTimeout(r, 20));
    await emulator.stop();
    const { params: down } = await ws.waitFor((f) => f.method === 'channel.status' && f.params.state === 'connecting', 10_000);
    expect(down.detail).toMatch(/cannot reach the Telegram Bot API/);
    await new Promise((r) => setTimeout(r, 1_500)); // the reply is made while the API is away
    model.delayMs = 0;
    emulator = new TelegramServer({ port, host: '127.0.0.1', storeTimeout: 60 });
    await emulator.start();
    ({ sentTo, send, exchange } = telegramChats(emulator, BOT_TOKEN)); // chats on the new emulator
    await ws.waitFor((f) => f.method === 'channel.status' && f.params.state === 'connected', 15_000);
    for (let i = 0; i < 200 && sentTo(OWNER).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 300));
    expect(sentTo(OWNER)).toEqual(['You said: said just before the outage']); // once
    expect(await exchange(OWNER, 'and after it')).toEqual(['You said: and after it']);
  });
});
