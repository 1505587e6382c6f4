import TelegramServer from 'telegram-test-api';
import type { Core } from '../../main/core';
import type { EventName } from '../../main/contract/events';
import { startTestCore, TEST_TOKEN } from './core';
import { startOpenAIServer, type ModelServer } from './model-servers';
import { RpcSocket } from './rpc-socket';
import { freePort } from './serve-process';

// The people's side of Telegram in tests: the Bot API emulator, and chats with the bot on it.

/** The Bot API emulator on a free loopback port, started. */
export async function startTelegramEmulator(): Promise<TelegramServer> {
  const emulator = new TelegramServer({ port: await freePort(), host: '127.0.0.1', storeTimeout: 60 });
  await emulator.start();
  return emulator;
}

/** Chats between users and the bot `botToken` on the emulator. */
export function telegramChats(emulator: TelegramServer, botToken: string) {
  /** What the bot has sent to a chat so far (read from the emulator's store: a client's own polling
   * keeps running after its timeout and would swallow later replies). */
  const sentTo = (id: number): string[] =>
    (emulator.storage.botMessages as any[]).filter((u) => String(u.message.chat_id) === String(id)).map((u) => u.message.text);
  const send = async (id: number, text: string, extra: object = {}, chatId = id): Promise<void> => {
    const client = emulator.getClient(botToken, { userId: id, chatId });
    await client.sendMessage(client.makeMessage(text, extra));
  };
  /** Sends from a user and collects what the bot sends back, until `count` messages came or time ran out. */
  const exchange = async (id: number, text: string, count = 1, waitMs = 10_000): Promise<string[]> => {
    const before = sentTo(id).length;
    await send(id, text);
    const deadline = Date.now() + waitMs;
    while (sentTo(id).length < before + count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return sentTo(id).slice(before);
  };
  return { sentTo, send, exchange };
}

/** Waits (up to 5 s) until the gateway lists the first channel as connected. */
export async function untilChannelConnected(ws: RpcSocket): Promise<void> {
  for (let i = 0; i < 100 && (await ws.request('channels.list')).result.items[0]?.state !== 'connected'; i++) await new Promise((r) => setTimeout(r, 50));
}

export interface TelegramPerch {
  emulator: TelegramServer;
  model: ModelServer;
  core: Core;
  ws: RpcSocket;
  chats: ReturnType<typeof telegramChats>;
  stop(): Promise<void>;
}

/**
 * Perch answering on Telegram for a test: the Bot API emulator, the scripted model, a core that
 * answers `allowFrom` (the first is the owner), and a signed-in socket subscribed to `events`.
 */
export async function startTelegramPerch(botToken: string, allowFrom: number[], events: EventName[] = []): Promise<TelegramPerch> {
  const emulator = await startTelegramEmulator();
  const model = await startOpenAIServer();
  const core = await startTestCore({
    PERCH_TELEGRAM_TOKEN: botToken,
    PERCH_TELEGRAM_API_ROOT: emulator.config.apiURL,
    PERCH_TELEGRAM_ALLOW_FROM: allowFrom.join(','),
    PERCH_MODEL: `openai:gpt-test@${model.url}/v1`,
  });
  const ws = await RpcSocket.open(core.gateway.url, { Authorization: `Bearer ${TEST_TOKEN}` });
  if (events.length) await ws.request('events.subscribe', { events });
  await untilChannelConnected(ws);
  const stop = async () => {
    ws.close();
    await core.stop();
    await model.close();
    await emulator.stop();
  };
  return { emulator, model, core, ws, chats: telegramChats(emulator, botToken), stop };
}
