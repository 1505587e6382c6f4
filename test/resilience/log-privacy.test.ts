import TelegramServer from 'telegram-test-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../main/core';
import { startTestCore, TEST_TOKEN } from '../helpers/core';
import { tempDataDir } from '../helpers/data-dir';
import { fakeWhatsApp } from '../helpers/fake-whatsapp';
import { scanLogs } from '../helpers/log-scan';
import { startOpenAIServer, type ModelServer } from '../helpers/model-servers';
import { RpcSocket } from '../helpers/rpc-socket';
import { freePort } from '../helpers/serve-process';

// The log file after a busy session full of personal data: messages on Telegram, WhatsApp and
// the dashboard carrying phone numbers, email addresses and secrets; strangers, pairing, approvals,
// a failing model, refused fetches, bad sign-ins and bad settings. Run at the default level and
// again at debug: no line may hold a phone number, an email, a token or key, or message text.

const BOT_TOKEN = '987654:perch-logscan-token-abcdefghijklmnop';
const API_KEY = 'sk-logscan-0123456789abcdefghij';
const OWNER_TG = 7101;
const STRANGER_TG = 7202;
const OWNER_WA = '+4915155501234';
const STRANGER_WA = '+4917655506789';
/** Words only people wrote: none may reach the log. */
const SAID = ['marmalade-pangolin', 'quokka-umbrella', 'zeppelin-tangerine', 'walrus-accordion', 'narwhal-teapot'];
const PERSONAL = [`call me on +49 151 5550 1234 or mail ana.lopez@example.org`, `my card pin is 8812 and my key is ${API_KEY}`];

describe('what the log holds', () => {
  let emulator: TelegramServer;
  let model: ModelServer;
  const dataDir = tempDataDir();
  const wa = fakeWhatsApp();
  beforeAll(async () => {
    emulator = new TelegramServer({ port: await freePort(), host: '127.0.0.1', storeTimeout: 60 });
    await emulator.start();
    model = await startOpenAIServer();
  });
  afterAll(async () => {
    await model.close();
    await emulator.stop();
  });

  async function session(level: 'info' | 'debug'): Promise<void> {
    const core: Core = await startTestCore(
      {
        PERCH_DATA_DIR: dataDir,
        PERCH_LOG_LEVEL: level,
        PERCH_TELEGRAM_TOKEN: BOT_TOKEN,
        PERCH_TELEGRAM_API_ROOT: emulator.config.apiURL,
        PERCH_TELEGRAM_ALLOW_FROM: String(OWNER_TG),
        PERCH_WHATSAPP: '1',
        PERCH_WHATSAPP_ALLOW_FROM: OWNER_WA,
        PERCH_MODEL: `openai:gpt-test@${model.url}/v1`,
        PERCH_OPENAI_API_KEY: API_KEY,
      },
      { whatsappSocket: wa.factory },
    );
    const ws = await RpcSocket.open(core.gateway.url, { Authorization: `Bearer ${TEST_TOKEN}` });
    const until = async (check: () => boolean, ms = 8_000) => {
      for (const end = Date.now() + ms; !check() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 20));
    };
    try {
      await ws.request('settings.update', { patch: { telegram: { dmPolicy: 'pairing' }, whatsapp: { dmPolicy: 'pairing' } } });
      for (let i = 0; i < 100 && !(await ws.request('channels.list')).result.items.some((c: { state: string }) => c.state === 'connected'); i++) await new Promise((r) => setTimeout(r, 50));
      await until(() => wa.sockets.length > 0);
      wa.latest().open('4915100009999');
      const texts = [...SAID.map((w) => `${w} ${PERSONAL[0]}`), PERSONAL[1]!];
      // The dashboard.
      for (const text of texts.slice(0, 2)) await ws.request('chat.send', { text });
      // Telegram: the owner, and a stranger who is offered a pairing code.
      for (const [id, text] of [[OWNER_TG, texts[2]!], [STRANGER_TG, texts[3]!]] as const) {
        const c = emulator.getClient(BOT_TOKEN, { userId: id, chatId: id });
        await c.sendMessage(c.makeMessage(text));
      }
      // WhatsApp: the owner and a stranger.
      wa.latest().message(OWNER_WA, texts[4]!, `LOG-${level}-1`);
      wa.latest().message(STRANGER_WA, texts[5]!, `LOG-${level}-2`);
      const socket = wa.latest();
      await until(() => (emulator.storage.botMessages as any[]).some((u) => u.message.text === `You said: ${texts[2]}`) && socket.sent.some((m) => m.text === `You said: ${texts[4]}`));
      // A command that needs approval, denied; a fetch refused; bad settings; a bad sign-in.
      await ws.request('events.subscribe', { events: ['approval.requested'] });
      const run = ws.request('tools.invoke', { name: 'exec', args: { command: `echo ${SAID[0]} ana.lopez@example.org` } }, 15_000);
      const { params: approval } = await ws.waitFor((f) => f.method === 'approval.requested');
      await ws.request('approvals.resolve', { id: approval.id, decision: 'deny' });
      await run;
      await ws.request('tools.invoke', { name: 'web_fetch', args: { url: `http://127.0.0.1:9/${SAID[1]}?mail=ana.lopez@example.org` } });
      await ws.request('settings.update', { patch: { telegram: { allowFrom: [`${SAID[2]}@example.org +49 151 5550 1234`] } } });
      const intruder = await RpcSocket.open(core.gateway.url, { Authorization: `Bearer ${API_KEY}` }).catch(() => null);
      intruder?.close();
      // The model failing: the error is logged, the words are not.
      model.failing = true;
      await ws.request('chat.send', { text: `${SAID[3]} while the model is down` });
      model.failing = false;
      // Memory and a wipe.
      await ws.request('chat.send', { text: `/remember ${SAID[4]} lives at ana.lopez@example.org` });
      const conversations = (await ws.request('conversations.list', {})).result.items as Array<{ id: string }>;
      await ws.request('conversations.wipe', { conversationId: conversations[0]!.id });
    } finally {
      ws.close();
      await core.stop();
    }
  }

  it('has no phone number, email, token, key or message text, at the default level and at debug', async () => {
    await session('info');
    const atInfo = scanLogs(dataDir, [...SAID, BOT_TOKEN, API_KEY, TEST_TOKEN, '8812']);
    await session('debug');
    const scan = scanLogs(dataDir, [...SAID, BOT_TOKEN, API_KEY, TEST_TOKEN, '8812']);
    console.log(JSON.stringify({ suite: 'resilience', metric: 'log_scan', files: scan.files.length, lines: scan.lines, linesAtInfo: atInfo.lines, leaks: scan.leaks.length }));
    expect(scan.lines).toBeGreaterThan(atInfo.lines); // the debug session did write
    expect(atInfo.lines).toBeGreaterThan(5);
    expect(scan.leaks).toEqual([]);
  });
});
