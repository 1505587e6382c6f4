import TelegramServer from 'telegram-test-api';
import type { RpcSocket } from './rpc-socket';
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
