import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SocketFactory } from '../../main/channels/whatsapp-adapter';
import type { Core } from '../../main/core';
import { startTestCore, TEST_TOKEN } from '../helpers/core';
import { tempDataDir } from '../helpers/data-dir';
import { fakeWhatsApp } from '../helpers/fake-whatsapp';
import { startOpenAIServer, type ModelServer } from '../helpers/model-servers';
import { RpcSocket } from '../helpers/rpc-socket';

// WhatsApp turned on and off in Settings on a running core, no restart: the channel appears,
// connects through a stand-in for Baileys' socket and answers; turned off, it stops and leaves the
// list; on again, it reconnects with the login it kept. Then the real Baileys with no network:
// "Log in with a QR code" is seen starting and then failing, with the reason and the next try.

const OWNER = '+4915111111111';
const jid = (phone: string) => `${phone.slice(1)}@s.whatsapp.net`;
const until = async (check: () => boolean, ms = 5_000) => {
  for (const end = Date.now() + ms; !check() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
};
type View = { channel: string; state: string; paused: boolean; detail: string | null; nextRetryAt: string | null };
const whatsappOf = async (ws: RpcSocket): Promise<View | undefined> => (await ws.request('channels.list')).result.items.find((c: View) => c.channel === 'whatsapp');
/** channel.status events for WhatsApp from frame `from` on, in the order they came. */
/** A core with a scripted model, and a socket that hears the channels' status and QR events. */
async function startWatched(env: Record<string, string>, options?: Parameters<typeof startTestCore>[1]): Promise<{ model: ModelServer; core: Core; ws: RpcSocket }> {
  const model = await startOpenAIServer();
  const core = await startTestCore({ ...env, PERCH_MODEL: `openai:gpt-test@${model.url}/v1` }, options);
  const ws = await RpcSocket.open(core.gateway.url, { Authorization: `Bearer ${TEST_TOKEN}` });
  await ws.request('events.subscribe', { events: ['channel.qr', 'channel.status'] });
  return { model, core, ws };
}

async function stopWatched(model: ModelServer, core: Core, ws: RpcSocket): Promise<void> {
  ws.close();
  await core.stop();
  await model.close();
}

const statusesSince = (ws: RpcSocket, from: number): View[] =>
  ws.frames.slice(from).flatMap((f) => {
    const frame = f as { method?: string; params?: View };
    return frame.method === 'channel.status' && frame.params?.channel === 'whatsapp' ? [frame.params] : [];
  });

describe('WhatsApp turned on and off in Settings while Perch runs', () => {
  let model: ModelServer;
  let core: Core;
  let ws: RpcSocket;
  const wa = fakeWhatsApp();
  const addresses: Array<string | null> = [];
  const factory: SocketFactory = (options) => {
    addresses.push(options.webSocketUrl);
    return wa.factory(options);
  };
  const dataDir = tempDataDir();
  const live = () => wa.sockets.filter((s) => !s.ended);
  const sentTo = (phone: string) => wa.sockets.flatMap((s) => s.sent).filter((m) => m.jid === jid(phone)).map((m) => m.text);

  beforeAll(async () => {
    ({ model, core, ws } = await startWatched({ PERCH_DATA_DIR: dataDir }, { whatsappSocket: factory }));
  });
  afterAll(() => stopWatched(model, core, ws));

  it('turned on: the channel is listed at once, shows a QR code, connects and answers', async () => {
    expect(await whatsappOf(ws)).toBeUndefined();
    expect(wa.sockets).toHaveLength(0);
    const saved = (await ws.request('settings.update', { patch: { whatsapp: { enabled: true, allowFrom: [OWNER] } } })).result;
    expect(saved.settings.whatsapp.enabled).toBe(true);
    // Listed as soon as the save has answered: connecting, then waiting for a scan.
    expect(await whatsappOf(ws)).toMatchObject({ state: 'connecting', paused: false });
    await until(() => wa.sockets.length === 1);
    wa.latest().emit('connection.update', { qr: 'QR-LIVE' });
    expect((await ws.waitFor((f) => f.method === 'channel.qr')).params).toEqual({ channel: 'whatsapp', qr: 'QR-LIVE' });
    wa.latest().open();
    await ws.waitFor((f) => f.method === 'channel.status' && f.params.channel === 'whatsapp' && f.params.state === 'connected');
    expect(await whatsappOf(ws)).toMatchObject({ state: 'connected', detail: '+4915100000000' });
    expect((await ws.request('tray.snapshot')).result.channels.map((c: View) => c.channel)).toContain('whatsapp');
    wa.latest().message(OWNER, 'hello after switching on', 'LIVE-1');
    await until(() => sentTo(OWNER).includes('You said: hello after switching on'));
  });

  it('turned off: it stops, leaves the list, and hears nothing more', async () => {
    const socket = wa.latest();
    const from = ws.frames.length;
    await ws.request('settings.update', { patch: { whatsapp: { enabled: false } } });
    await until(() => socket.ended);
    expect(await whatsappOf(ws)).toBeUndefined();
    await until(() => statusesSince(ws, from).some((s) => s.state === 'stopped'));
    expect(statusesSince(ws, from).at(-1)).toMatchObject({ state: 'stopped', detail: 'Turned off in Settings.' });
    // Its listeners are gone: a message the old socket still emitted is not taken.
    socket.message(OWNER, 'anyone there?', 'LIVE-2');
    await new Promise((r) => setTimeout(r, 200));
    expect(core.db.prepare("SELECT 1 FROM inbound_messages WHERE provider_id LIKE '%LIVE-2'").get()).toBeUndefined();
    expect((await ws.request('channels.login', { channel: 'whatsapp' })).error).toMatchObject({ data: { code: 'not_found' } });
    expect((await ws.request('system.status')).result.domains.channels.detail).not.toContain('whatsapp');
  });

  it('on again: reconnects with the login it kept (no QR code), and saves in a row end as the last one says', async () => {
    const before = wa.sockets.length;
    const from = ws.frames.length;
    await ws.request('settings.update', { patch: { whatsapp: { enabled: true } } });
    await until(() => wa.sockets.length === before + 1);
    expect(wa.latest().auth.creds.me?.id).toBe('4915100000000:7@s.whatsapp.net');
    wa.latest().open();
    await until(() => statusesSince(ws, from).at(-1)?.state === 'connected');
    expect(await whatsappOf(ws)).toMatchObject({ state: 'connected' });

    // Saves in a row, without waiting: each change acts on the settings as they are by then, so
    // the last one wins and nothing is started only to be stopped.
    const socket = wa.latest();
    const burst = (...states: boolean[]) => Promise.all(states.map((enabled) => ws.request('settings.update', { patch: { whatsapp: { enabled } } })));
    await burst(false, true, false, true);
    await new Promise((r) => setTimeout(r, 300));
    expect(live()).toEqual([socket]);
    expect(await whatsappOf(ws)).toMatchObject({ state: 'connected' });
    await burst(true, false);
    await until(() => live().length === 0);
    expect(await whatsappOf(ws)).toBeUndefined();
    const made = wa.sockets.length;
    await ws.request('settings.update', { patch: { whatsapp: { enabled: true } } });
    await until(() => live().length === 1 && wa.sockets.length === made + 1);
    const settled = ws.frames.length;
    wa.latest().open();
    await until(() => statusesSince(ws, settled).at(-1)?.state === 'connected');
  });

  it('a new WebSocket address reconnects it there; a login while linked keeps the phone linked', async () => {
    const before = wa.sockets.length;
    await ws.request('settings.update', { patch: { whatsapp: { webSocketUrl: 'ws://127.0.0.1:9/ws/chat' } } });
    await until(() => wa.sockets.length === before + 1);
    expect(addresses.at(-1)).toBe('ws://127.0.0.1:9/ws/chat');
    expect(wa.sockets[before - 1]!.ended).toBe(true);
    // The network drops; "Log in" reconnects with the same login rather than unlinking the phone.
    wa.latest().close(428, 'Connection Closed');
    await ws.waitFor((f) => f.method === 'channel.status' && f.params.channel === 'whatsapp' && f.params.state === 'error');
    const login = (await ws.request('channels.login', { channel: 'whatsapp' })).result.item;
    expect(login).toMatchObject({ state: 'connecting', nextRetryAt: null });
    await until(() => wa.sockets.length === before + 2);
    expect(fs.existsSync(path.join(dataDir, 'whatsapp-auth', 'creds.json'))).toBe(true);
    expect(wa.latest().auth.creds.me?.id).toBe('4915100000000:7@s.whatsapp.net');
  });
});

describe('"Log in with a QR code" with no network (the real Baileys)', () => {
  let model: ModelServer;
  let core: Core;
  let ws: RpcSocket;
  beforeAll(async () => {
    ({ model, core, ws } = await startWatched({}));
  });
  afterAll(() => stopWatched(model, core, ws));

  it('reports that it is connecting, then why it failed (offline) and when it tries again; never a QR code', async () => {
    // A name that never resolves: what every lookup gets on a computer without a network.
    await ws.request('settings.update', { patch: { whatsapp: { enabled: true, webSocketUrl: 'wss://web.whatsapp.invalid/ws/chat' } } });
    await ws.waitFor((f) => f.method === 'channel.status' && f.params.channel === 'whatsapp' && f.params.state === 'error', 20_000);

    const from = ws.frames.length;
    const login = (await ws.request('channels.login', { channel: 'whatsapp' })).result.item;
    expect(login).toMatchObject({ channel: 'whatsapp', state: 'connecting', nextRetryAt: null });
    await until(() => statusesSince(ws, from).some((s) => s.state === 'error'), 20_000);
    const seen = statusesSince(ws, from);
    const failed = seen.find((s) => s.state === 'error')!;
    expect(seen[0]).toMatchObject({ state: 'connecting' }); // the attempt is seen to begin
    expect(failed.detail).toMatch(/^cannot reach WhatsApp: this computer seems to be offline \(.*ENOTFOUND web\.whatsapp\.invalid.*\)$/);
    const retryIn = new Date(failed.nextRetryAt!).getTime() - Date.now();
    expect(retryIn).toBeGreaterThan(0);
    expect(retryIn).toBeLessThanOrEqual(2_000); // a login starts the backoff afresh
    expect(await whatsappOf(ws)).toMatchObject({ state: 'error', detail: failed.detail });
    expect(ws.frames.some((f) => (f as { method?: string }).method === 'channel.qr')).toBe(false);
    console.log(`offline login: connecting → error in ${seen.length} status events; next try in ${retryIn} ms`);
  });
});
