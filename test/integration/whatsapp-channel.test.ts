import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdapterStatus } from '../../main/channels/adapter';
import { WhatsAppAdapter } from '../../main/channels/whatsapp-adapter';
import type { Core } from '../../main/core';
import { createLogger } from '../../main/log/logger';
import { startTestCore, TEST_TOKEN } from '../helpers/core';
import { tempDataDir } from '../helpers/data-dir';
import { fakeWhatsApp } from '../helpers/fake-whatsapp';
import { startOpenAIServer, type ModelServer } from '../helpers/model-servers';
import { RpcSocket } from '../helpers/rpc-socket';

// WhatsApp through the adapter, with a stand-in for Baileys' socket playing WhatsApp: QR login,
// inbound messages and redelivery, approvals answered in text, closes that retry and closes that
// need the owner, and a damaged login file.

const OWNER = '+4915111111111';
const STRANGER = '+4917622222222';
const jid = (phone: string) => `${phone.slice(1)}@s.whatsapp.net`;
const until = async (check: () => boolean, ms = 5_000) => {
  for (const end = Date.now() + ms; !check() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
};

describe('the WhatsApp channel', () => {
  let model: ModelServer;
  let core: Core;
  let ws: RpcSocket;
  const wa = fakeWhatsApp();
  const dataDir = tempDataDir();
  const env = () => ({ PERCH_DATA_DIR: dataDir, PERCH_WHATSAPP: '1', PERCH_WHATSAPP_ALLOW_FROM: jid(OWNER), PERCH_MODEL: `openai:gpt-test@${model.url}/v1` });
  const sentTo = (phone: string) => wa.sockets.flatMap((s) => s.sent).filter((m) => m.jid === jid(phone)).map((m) => m.text);
  const status = async () => (await ws.request('channels.list')).result.items.find((c: { channel: string }) => c.channel === 'whatsapp');

  beforeAll(async () => {
    model = await startOpenAIServer();
    core = await startTestCore(env(), { whatsappSocket: wa.factory });
    ws = await RpcSocket.open(core.gateway.url, { Authorization: `Bearer ${TEST_TOKEN}` });
    await ws.request('events.subscribe', { events: ['channel.qr', 'channel.status', 'approval.requested'] });
  });
  afterAll(async () => {
    ws.close();
    await core.stop();
    await model.close();
  });

  it('logs in with a QR code: each fresh code is an event, the scan connects', async () => {
    await until(() => wa.sockets.length === 1);
    wa.latest().emit('connection.update', { qr: 'QR-ONE' });
    expect((await ws.waitFor((f) => f.method === 'channel.qr')).params).toEqual({ channel: 'whatsapp', qr: 'QR-ONE' });
    wa.latest().emit('connection.update', { qr: 'QR-TWO' });
    expect((await ws.waitFor((f) => f.method === 'channel.qr' && f.params.qr === 'QR-TWO')).params.channel).toBe('whatsapp');
    expect(await status()).toMatchObject({ state: 'connecting', detail: expect.stringContaining('Linked devices') });
    // Scanned: WhatsApp asks for a fresh connection at once, which then opens.
    wa.latest().open();
    wa.latest().close(515, 'restart required');
    await until(() => wa.sockets.length === 2);
    wa.latest().open();
    await until(() => wa.latest().user !== undefined);
    await ws.waitFor((f) => f.method === 'channel.status' && f.params.state === 'connected');
    expect(await status()).toMatchObject({ state: 'connected', detail: '+4915100000000', nextRetryAt: null });
    const authDir = path.join(dataDir, 'whatsapp-auth');
    expect(fs.statSync(authDir).mode & 0o777).toBe(0o700);
    await until(() => fs.existsSync(path.join(authDir, 'creds.json')));
    expect(fs.statSync(path.join(authDir, 'creds.json')).mode & 0o777).toBe(0o600);
  });

  it('answers the owner once per message (a redelivery is not answered again), with typing shown, and never a stranger', async () => {
    const socket = wa.latest();
    socket.message(OWNER, 'hallo vom Handy 📱', 'MSG-1');
    await until(() => sentTo(OWNER).length === 1);
    expect(sentTo(OWNER)).toEqual(['You said: hallo vom Handy 📱']);
    expect(socket.presence).toContain(`composing:${jid(OWNER)}`);
    socket.message(OWNER, 'hallo vom Handy 📱', 'MSG-1'); // WhatsApp redelivers
    socket.message(STRANGER, 'who is this?', 'MSG-2');
    await until(() => core.db.prepare("SELECT 1 FROM inbound_messages WHERE provider_id LIKE '%MSG-2'").get() !== undefined);
    await new Promise((r) => setTimeout(r, 300));
    expect(sentTo(OWNER)).toHaveLength(1);
    expect(sentTo(STRANGER)).toEqual([]);
    expect(model.requests.some((r) => JSON.stringify(r.body).includes('who is this'))).toBe(false);
    expect(core.db.prepare("SELECT sender, status FROM inbound_messages WHERE channel = 'whatsapp' ORDER BY rowid").all()).toEqual([
      { sender: OWNER, status: 'answered' },
      { sender: STRANGER, status: 'ignored' },
    ]);
  });

  it('copes with malformed updates, media without text and a huge message: stored, answered or skipped, never a crash', async () => {
    const socket = wa.latest();
    const before = sentTo(OWNER).length;
    // Malformed: no key, no chat, no id, no content at all.
    socket.emit('messages.upsert', { type: 'notify', messages: [{} as never, { key: {} } as never, { key: { remoteJid: jid(OWNER) } } as never] });
    socket.emit('messages.upsert', { type: 'notify', messages: [{ key: { remoteJid: jid(OWNER), id: 'MSG-EMPTY', fromMe: false } } as never] });
    socket.emit('messages.upsert', { type: 'notify', messages: [{ key: { remoteJid: jid(OWNER), id: 'MSG-PHOTO', fromMe: false }, message: { imageMessage: {} } } as never] });
    socket.message(OWNER, 'x'.repeat(200_000), 'MSG-HUGE');
    await until(() => sentTo(OWNER).length === before + 3);
    const got = sentTo(OWNER).slice(before);
    expect(got.slice(0, 2)).toEqual(['You said: [an unsupported message]', 'You said: [image]']);
    expect(got[2]).toMatch(/too long/i);
    expect(core.db.prepare("SELECT media FROM inbound_messages WHERE provider_id LIKE '%MSG-PHOTO'").get()).toEqual({ media: 'image' });
    expect((await ws.request('system.ping')).result).toBeDefined();
  });

  it('offers approvals to the owner as text, decided by replying "approve <id>"', async () => {
    const socket = wa.latest();
    const reply = ws.request('tools.invoke', { name: 'exec', args: { command: 'echo from-whatsapp > wa.txt' } }, 15_000);
    const { params: approval } = await ws.waitFor((f) => f.method === 'approval.requested');
    await until(() => sentTo(OWNER).some((t) => t.includes(`approve ${approval.id}`)));
    socket.message(STRANGER, `approve ${approval.id}`, 'MSG-3'); // not the owner: ignored
    await new Promise((r) => setTimeout(r, 200));
    expect((await ws.request('approvals.list', { status: 'pending' })).result.items.map((a: { id: string }) => a.id)).toEqual([approval.id]);
    socket.message(OWNER, `Approve ${approval.id.toUpperCase()}`, 'MSG-4');
    expect((await reply).result).toEqual({ ok: true, output: '', exitCode: 0 });
    await until(() => sentTo(OWNER).at(-1)!.startsWith('Approved: ran (exit code 0)'));
    expect(fs.readFileSync(path.join(dataDir, 'workspace', 'wa.txt'), 'utf8')).toBe('from-whatsapp\n');
  });

  it('reconnects after a passing close with backoff, and delivers what waited, in order, once', async () => {
    const socket = wa.latest();
    const before = wa.sockets.length;
    model.delayMs = 2_500; // still answering when the connection comes back
    socket.message(OWNER, 'one', 'MSG-5');
    socket.message(OWNER, 'two', 'MSG-6');
    socket.close(428, 'Connection Closed'); // before the replies could go out
    const { params: broken } = await ws.waitFor((f) => f.method === 'channel.status' && f.params.state === 'error');
    expect(broken.detail).toContain('Connection Closed');
    const wait = new Date(broken.nextRetryAt).getTime() - Date.now();
    expect(wait).toBeGreaterThan(500); // 2 s with jitter: between 1 and 2 s
    expect(wait).toBeLessThanOrEqual(2_000);
    await until(() => wa.sockets.length === before + 1, 4_000);
    expect(sentTo(OWNER).filter((t) => t === 'You said: one' || t === 'You said: two')).toEqual([]);
    wa.latest().open();
    await until(() => sentTo(OWNER).filter((t) => t.startsWith('You said: o') || t.startsWith('You said: t')).length === 2, 10_000);
    model.delayMs = 0;
    expect(wa.latest().sent.map((m) => m.text)).toEqual(['You said: one', 'You said: two']);
    // The reconnect did not start the answers a second time.
    const asked = model.requests.filter((r) => r.path === '/v1/chat/completions').map((r) => r.body.messages.at(-1).content);
    expect(asked.filter((t: string) => t === 'one' || t === 'two')).toEqual(['one', 'two']);
  });

  it('on being logged out, asks for a new QR code instead of looping; channels.login starts one', async () => {
    const before = wa.sockets.length;
    wa.latest().close(401, 'logged out');
    await ws.waitFor((f) => f.method === 'channel.status' && f.params.state === 'logged-out');
    expect(await status()).toMatchObject({ state: 'logged-out', detail: expect.stringContaining('log in again'), nextRetryAt: null });
    expect(fs.existsSync(path.join(dataDir, 'whatsapp-auth', 'creds.json'))).toBe(false);
    await new Promise((r) => setTimeout(r, 2_500)); // longer than the first retry would wait
    expect(wa.sockets.length).toBe(before);
    expect((await ws.request('channels.login', { channel: 'whatsapp' })).result.item.channel).toBe('whatsapp');
    await until(() => wa.sockets.length === before + 1);
    wa.latest().emit('connection.update', { qr: 'QR-AGAIN' });
    await ws.waitFor((f) => f.method === 'channel.qr' && f.params.qr === 'QR-AGAIN');
    // Nobody scans: the codes run out, and it waits for the owner again (no loop).
    wa.latest().close(408, 'QR refs attempts ended');
    await until(() => wa.sockets.length === before + 1);
    expect(await status()).toMatchObject({ state: 'logged-out', detail: expect.stringContaining('QR code expired') });
    expect((await ws.request('channels.login', { channel: 'telegram', token: 'nope' })).error).toMatchObject({ code: -32602, message: expect.stringContaining('bot token') });
  });

  it('logs out: unlinks on the phone and deletes the login', async () => {
    const before = wa.sockets.length;
    await ws.request('channels.login', { channel: 'whatsapp' });
    await until(() => wa.sockets.length === before + 1);
    const socket = wa.latest();
    socket.open();
    await ws.waitFor((f) => f.method === 'channel.status' && f.params.state === 'connected' && f.params.channel === 'whatsapp');
    const { item } = (await ws.request('channels.logout', { channel: 'whatsapp' })).result;
    expect(item).toMatchObject({ state: 'logged-out', detail: expect.stringContaining('Logged out') });
    expect(socket.loggedOut).toBe(true);
    expect(fs.existsSync(path.join(dataDir, 'whatsapp-auth'))).toBe(false);
  });
});

describe('a damaged WhatsApp login file', () => {
  it('is kept aside and reported, and the rest of Perch keeps working', async () => {
    const model = await startOpenAIServer();
    const dataDir = tempDataDir();
    fs.mkdirSync(path.join(dataDir, 'whatsapp-auth'), { recursive: true });
    fs.writeFileSync(path.join(dataDir, 'whatsapp-auth', 'creds.json'), '{"noiseKey": {"private": {"type": "Buff');
    const wa = fakeWhatsApp();
    const core = await startTestCore({ PERCH_DATA_DIR: dataDir, PERCH_WHATSAPP: '1', PERCH_MODEL: `openai:gpt-test@${model.url}/v1` }, { whatsappSocket: wa.factory });
    const ws = await RpcSocket.open(core.gateway.url, { Authorization: `Bearer ${TEST_TOKEN}` });
    try {
      let view: { state: string; detail: string } | undefined;
      for (let i = 0; i < 100; i++) {
        view = (await ws.request('channels.list')).result.items.find((c: { channel: string }) => c.channel === 'whatsapp');
        if (view?.state === 'logged-out') break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(view).toMatchObject({ state: 'logged-out', detail: expect.stringContaining('damaged') });
      expect(wa.sockets).toHaveLength(0); // no silent fresh login
      expect(fs.readdirSync(path.join(dataDir, 'whatsapp-auth')).some((f) => f.startsWith('creds.damaged-'))).toBe(true);
      expect((await ws.request('chat.send', { text: 'still here?' }, 10_000)).result.text).toBe('You said: still here?');
      expect((await ws.request('system.status')).result.domains.channels).toMatchObject({ status: 'degraded', detail: expect.stringContaining('whatsapp: logged-out') });
    } finally {
      ws.close();
      await core.stop();
      await model.close();
    }
  });
});

describe('the WhatsApp connection watchdog', () => {
  it('ends a connection that neither opens, closes nor shows a code, once, and reports it', async () => {
    const wa = fakeWhatsApp();
    const statuses: AdapterStatus[] = [];
    const adapter = new WhatsAppAdapter({ dataDir: tempDataDir(), log: createLogger({ dir: null, level: 'error', console: false }), webSocketUrl: () => null, socketFactory: wa.factory, watchdogMs: 200 });
    await adapter.start({ inbound: () => undefined, status: (s) => statuses.push(s), action: () => undefined, qr: () => undefined });
    await new Promise((r) => setTimeout(r, 700));
    expect(wa.latest().ended).toBe(true);
    expect(statuses).toEqual([{ state: 'error', detail: 'WhatsApp did not answer within 0.2 s' }]);
    await adapter.stop();
  });
});
