import http from 'node:http';
import TelegramServer from 'telegram-test-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdapterStatus } from '../../main/channels/adapter';
import { TelegramAdapter } from '../../main/channels/telegram-adapter';
import { createLogger } from '../../main/log/logger';
import { startTestCore, TEST_TOKEN } from '../helpers/core';
import { tempDataDir } from '../helpers/data-dir';
import { RpcSocket } from '../helpers/rpc-socket';
import { freePort } from '../helpers/serve-process';

// The Telegram bot token's life: entered in the dashboard (kept as a secret, not in settings),
// used again after a restart, forgotten on logout; refused by Telegram (revoked); and polling that
// stops answering.

const TOKEN = '654321:perch-login-test-token-abcdefgh';

async function telegramView(ws: RpcSocket, until: (state: string) => boolean = () => true) {
  let view: { state: string; detail: string | null; nextRetryAt: string | null } | undefined;
  for (let i = 0; i < 200; i++) {
    view = (await ws.request('channels.list')).result.items.find((c: { channel: string }) => c.channel === 'telegram');
    if (view && until(view.state)) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  return view!;
}

describe('the Telegram bot token', () => {
  let emulator: TelegramServer;
  beforeAll(async () => {
    emulator = new TelegramServer({ port: await freePort(), host: '127.0.0.1', storeTimeout: 60 });
    await emulator.start();
  });
  afterAll(async () => {
    await emulator.stop();
  });

  it('is entered with channels.login, kept across a restart, and forgotten by channels.logout', async () => {
    const env = { PERCH_DATA_DIR: tempDataDir(), PERCH_TELEGRAM_API_ROOT: emulator.config.apiURL };
    let core = await startTestCore(env);
    let ws = await RpcSocket.open(core.gateway.url, { Authorization: `Bearer ${TEST_TOKEN}` });
    try {
      expect(await telegramView(ws)).toMatchObject({ state: 'stopped', detail: expect.stringContaining('bot token') });
      expect((await ws.request('channels.login', { channel: 'telegram' })).error).toMatchObject({ code: -32602, message: expect.stringContaining('@BotFather') });
      expect((await ws.request('channels.login', { channel: 'telegram', token: 'not-a-token' })).error).toMatchObject({ code: -32602 });
      await ws.request('channels.login', { channel: 'telegram', token: TOKEN });
      expect(await telegramView(ws, (s) => s === 'connected')).toMatchObject({ state: 'connected', detail: '@TestNameBot' });
      expect(JSON.stringify((await ws.request('settings.get')).result)).not.toContain(TOKEN);

      ws.close();
      await core.stop();
      core = await startTestCore(env);
      ws = await RpcSocket.open(core.gateway.url, { Authorization: `Bearer ${TEST_TOKEN}` });
      expect(await telegramView(ws, (s) => s === 'connected')).toMatchObject({ state: 'connected' });

      expect((await ws.request('channels.logout', { channel: 'telegram' })).result.item).toMatchObject({ state: 'logged-out' });
      ws.close();
      await core.stop();
      core = await startTestCore(env);
      ws = await RpcSocket.open(core.gateway.url, { Authorization: `Bearer ${TEST_TOKEN}` });
      expect(await telegramView(ws, (s) => s !== 'connecting')).toMatchObject({ state: 'stopped' });
    } finally {
      ws.close();
      await core.stop();
    }
  });

  it('refused by Telegram (revoked) is shown as logged out, and not retried', async () => {
    const refusing = http.createServer((_req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: false, error_code: 401, description: 'Unauthorized' }));
    });
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    const core = await startTestCore({ PERCH_TELEGRAM_TOKEN: TOKEN, PERCH_TELEGRAM_API_ROOT: `http://127.0.0.1:${(refusing.address() as { port: number }).port}` });
    const ws = await RpcSocket.open(core.gateway.url, { Authorization: `Bearer ${TEST_TOKEN}` });
    try {
      expect(await telegramView(ws, (s) => s !== 'connecting')).toEqual({
        channel: 'telegram',
        state: 'logged-out',
        paused: false,
        detail: 'The bot token was refused (revoked or wrong): set a new one.',
        nextRetryAt: null,
      });
    } finally {
      ws.close();
      await core.stop();
      refusing.close();
    }
  });

  it('restarts polling that stopped answering', async () => {
    // A Bot API that answers getMe but never answers getUpdates (a connection gone silent).
    const silent = http.createServer((req, res) => {
      if (req.url?.endsWith('/getMe')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: true, result: { id: 1, is_bot: true, first_name: 'Perch', username: 'PerchBot' } }));
      }
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const statuses: AdapterStatus[] = [];
    const adapter = new TelegramAdapter({
      token: { get: async () => TOKEN, set: async () => undefined, delete: async () => undefined },
      apiRoot: () => `http://127.0.0.1:${(silent.address() as { port: number }).port}`,
      log: createLogger({ dir: null, level: 'error', console: false }),
      stallMs: 300,
    });
    try {
      await adapter.start({ inbound: () => undefined, status: (s) => statuses.push(s), action: () => undefined, qr: () => undefined });
      for (let i = 0; i < 100 && !statuses.some((s) => s.state === 'error'); i++) await new Promise((r) => setTimeout(r, 20));
      expect(statuses.map((s) => s.state)).toEqual(['connected', 'error']);
      expect(statuses[1]!.detail).toContain('polling stalled');
    } finally {
      await adapter.stop();
      silent.closeAllConnections();
      silent.close();
    }
  });
});
