import TelegramServer from 'telegram-test-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_TOKEN } from '../helpers/core';
import { tempDataDir } from '../helpers/data-dir';
import { startOpenAIServer, type ModelServer } from '../helpers/model-servers';
import { RpcSocket } from '../helpers/rpc-socket';
import { freePort, spawnServe, waitForStart, type ServeProcess } from '../helpers/serve-process';
import { offsetProxy, type OffsetProxy } from '../helpers/telegram-proxy';

// SIGKILL the headless app while 100 Telegram messages are in flight, start it again on the same
// data, and every message is answered exactly once.
//
// A small proxy in front of the emulator (test/helpers/telegram-proxy.ts) gives getUpdates the real
// Bot API's confirm-by-offset semantics, so an update fetched just before a crash is delivered again.
//
// One case no chat client can make exactly-once: Telegram accepted a reply and the process died
// in the fraction of a millisecond before recording that (the Bot API has no idempotency key), so
// that reply is sent again. The proxy holds new sends shortly before the kill so the kill lands on
// sends in flight (not yet accepted), which must be sent after the restart, once.

const BOT_TOKEN = '123456:perch-crash-test-token-abcdef';
const SENDERS = Array.from({ length: 20 }, (_, i) => 7000 + i);
const PER_SENDER = 5;

describe('a crash with 100 channel messages in flight', () => {
  let emulator: TelegramServer;
  let proxy: OffsetProxy;
  let model: ModelServer;
  let app: ServeProcess | null = null;
  beforeAll(async () => {
    emulator = new TelegramServer({ port: await freePort(), host: '127.0.0.1', storeTimeout: 600 });
    await emulator.start();
    proxy = await offsetProxy(emulator.config.apiURL);
    model = await startOpenAIServer();
    model.delayMs = 40; // a model that takes a moment, so messages pile up
  });
  afterAll(async () => {
    app?.child.kill('SIGKILL');
    await proxy.close();
    await model.close();
    await emulator.stop();
  });

  const replies = (): string[] => (emulator.storage.botMessages as Array<{ message: { text: string } }>).map((u) => u.message.text);

  async function startApp(env: Record<string, string>): Promise<void> {
    app = spawnServe(env);
    const ws = await RpcSocket.open((await waitForStart(app)).gateway, { Authorization: `Bearer ${TEST_TOKEN}` });
    for (let i = 0; i < 200 && (await ws.request('channels.list')).result.items[0]?.state !== 'connected'; i++) await new Promise((r) => setTimeout(r, 25));
    ws.close();
  }

  it('answers every message exactly once after a SIGKILL and a restart', async () => {
    const env = {
      PERCH_DATA_DIR: tempDataDir(),
      PERCH_GATEWAY_PORT: String(await freePort()),
      PERCH_GATEWAY_TOKEN: TEST_TOKEN,
      PERCH_TELEGRAM_TOKEN: BOT_TOKEN,
      PERCH_TELEGRAM_API_ROOT: proxy.url,
      PERCH_TELEGRAM_ALLOW_FROM: SENDERS.join(','),
      PERCH_MODEL: `openai:gpt-test@${model.url}/v1`,
    };
    await startApp(env);
    const expected: string[] = [];
    for (let round = 0; round < PER_SENDER; round++) {
      for (const id of SENDERS) {
        const client = emulator.getClient(BOT_TOKEN, { userId: id, chatId: id });
        const text = `message ${round} from ${id}`;
        expected.push(`You said: ${text}`);
        await client.sendMessage(client.makeMessage(text));
      }
    }
    // Killed mid-way: some answered, some being answered, some not fetched yet.
    for (let i = 0; i < 500 && replies().length < 25; i++) await new Promise((r) => setTimeout(r, 10));
    proxy.holdSends = true;
    await new Promise((r) => setTimeout(r, 100)); // sends already accepted are recorded by now
    app!.child.kill('SIGKILL');
    await app!.exited;
    proxy.holdSends = false;
    const beforeRestart = replies().length;
    expect(beforeRestart).toBeGreaterThan(0);
    expect(beforeRestart).toBeLessThan(expected.length);

    await startApp(env);
    for (let i = 0; i < 1_500 && replies().length < expected.length; i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 500)); // nothing more arrives
    const got = replies();
    const counts = new Map<string, number>();
    for (const text of got) counts.set(text, (counts.get(text) ?? 0) + 1);
    expect(expected.filter((text) => counts.get(text) !== 1).map((text) => `${text} ×${counts.get(text) ?? 0}`)).toEqual([]);
    expect(got).toHaveLength(expected.length);
    // Per sender, in the order sent.
    for (const id of SENDERS) expect(got.filter((t) => t.endsWith(`from ${id}`))).toEqual(expected.filter((t) => t.endsWith(`from ${id}`)));
    console.info(`[channels crash] ${expected.length} messages, ${beforeRestart} answered before the SIGKILL, ${got.length - beforeRestart} after the restart, 0 lost, 0 twice`);
  });
});
