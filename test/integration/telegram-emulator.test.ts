import { Bot } from 'grammy';
import TelegramServer from 'telegram-test-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunkReply } from '../../main/channels/reply-chunks';
import { freePort } from '../helpers/serve-process';

// The ground the Telegram channel stands on: grammY long-polling a local Bot API emulator, replies
// (cut to Telegram's limit) reaching the client in order, and unicode intact.

const TOKEN = '123456:perch-test-token';

describe('grammY against the Telegram Bot API emulator', () => {
  let server: TelegramServer;
  beforeAll(async () => {
    server = new TelegramServer({ port: await freePort(), host: '127.0.0.1', storeTimeout: 60 });
    await server.start();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('polls a message and sends a long reply back in parts, in order', async () => {
    const bot = new Bot(TOKEN, { client: { apiRoot: server.config.apiURL } });
    const long = Array.from({ length: 30 }, (_, i) => `Paragraph ${i}: ${'ünïcødé 🐦 '.repeat(30)}`).join('\n\n');
    bot.on('message:text', async (ctx) => {
      for (const part of chunkReply(`You said: ${ctx.message.text}\n\n${long}`)) await ctx.reply(part);
    });
    void bot.start({ drop_pending_updates: false });
    try {
      const client = server.getClient(TOKEN, { timeout: 5_000 });
      await client.sendMessage(client.makeMessage('Hallo, Perch! 👋'));
      const received: string[] = [];
      const deadline = Date.now() + 10_000;
      const expected = chunkReply(`You said: Hallo, Perch! 👋\n\n${long}`);
      while (received.length < expected.length && Date.now() < deadline) {
        const updates = await client.getUpdates();
        for (const update of updates.result) received.push(update.message.text);
      }
      expect(received).toEqual(expected);
      expect(expected.length).toBeGreaterThan(1);
    } finally {
      await bot.stop();
    }
  });
});
