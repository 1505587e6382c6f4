import Database from 'better-sqlite3';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import TelegramServer from 'telegram-test-api';
import { afterEach, describe, expect, it } from 'vitest';
import type { Core } from '../../main/core';
import { startTestCore, TEST_TOKEN } from '../helpers/core';
import { tempDataDir } from '../helpers/data-dir';
import { startOllamaServer, startOpenAIServer, type ModelServer } from '../helpers/model-servers';
import { RpcSocket } from '../helpers/rpc-socket';
import { fakeWhatsApp } from '../helpers/fake-whatsapp';
import { freePort } from '../helpers/serve-process';
import { offsetProxy } from '../helpers/telegram-proxy';

// Faults from outside the core, against the real core (real SQLite, real gateway, real channel
// and model clients): the model provider hanging, erroring and flapping; the Telegram Bot API going
// away and returning, again and again; the disk under the data folder full; a corrupt settings row.
// Each scenario prints one summary line ({"suite":"resilience","metric":...}) with its figures.
// No timing is asserted here (speed belongs in the benchmarks): waits poll with generous deadlines.

const APOLOGY = /^Sorry, I can't reach my model right now \(/;
/** The per-call model deadline for these tests (the product's is 120 s). */
const CALL_TIMEOUT_MS = 3_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => T | Promise<T>, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

function figure(metric: string, values: Record<string, number | boolean>): void {
  console.log(JSON.stringify({ suite: 'resilience', metric, ...values }));
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function connect(core: Core): Promise<RpcSocket> {
  const ws = await RpcSocket.open(core.gateway.url, { Authorization: `Bearer ${TEST_TOKEN}` });
  cleanups.push(() => ws.close());
  return ws;
}

async function coreWith(env: Record<string, string>, extra: Parameters<typeof startTestCore>[1] = {}): Promise<Core> {
  const core = await startTestCore(env, extra);
  cleanups.push(() => core.stop());
  return core;
}

// ---------------------------------------------------------------------------------------------
// A model server's connection with faults in it: every request passes through to the real
// (scripted) server while `mode` is "up"; otherwise it is answered with HTTP 500 ("error"), its
// connection is reset before any answer ("reset"), the answer is cut off after its first two
// streamed events ("cut"), or it is accepted and never answered ("hang").

type FaultMode = 'up' | 'error' | 'reset' | 'cut' | 'hang';

interface FaultyModel {
  url: string;
  mode: FaultMode;
  /** Requests received, by the mode they met. */
  seen: Record<FaultMode, number>;
  /** Connections open right now (a hung request whose caller gave up is closed by the caller). */
  openConnections(): number;
  close(): Promise<void>;
}

async function startFaultyModel(target: string): Promise<FaultyModel> {
  const sockets = new Set<net.Socket>();
  const state: FaultyModel = {
    url: '',
    mode: 'up',
    seen: { up: 0, error: 0, reset: 0, cut: 0, hang: 0 },
    openConnections: () => [...sockets].filter((s) => !s.destroyed).length,
    close: async () => undefined,
  };
  const server = http.createServer((req, res) => {
    const mode = state.mode;
    state.seen[mode]++;
    const body: Buffer[] = [];
    req.on('data', (chunk: Buffer) => body.push(chunk));
    req.on('end', () => {
      if (mode === 'hang') return;
      if (mode === 'reset') return req.socket.destroy();
      if (mode === 'error') {
        res.writeHead(500, { 'Content-Type': 'application/json' });
        return res.end(JSON.stringify({ error: { message: 'the model crashed' } }));
      }
      const upstream = http.request(`${target}${req.url}`, { method: req.method, headers: { ...req.headers, host: new URL(target).host } }, (answer) => {
        if (mode === 'up') {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          return;
        }
        // "cut": the stream starts (the person may already see the first words), then the connection drops.
        const parts: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => parts.push(chunk));
        answer.on('end', () => {
          const whole = Buffer.concat(parts).toString('utf8');
          const separator = whole.includes('\n\n') ? '\n\n' : '\n';
          const kept = `${whole.split(separator).slice(0, 2).join(separator)}${separator}`;
          const { 'content-length': _length, ...headers } = answer.headers;
          res.writeHead(answer.statusCode ?? 502, headers);
          res.write(kept, () => setTimeout(() => req.socket.destroy(), 20));
        });
      });
      upstream.on('error', () => req.socket.destroy());
      upstream.end(Buffer.concat(body));
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

async function startModel(kind: 'openai' | 'ollama'): Promise<ModelServer> {
  const model = kind === 'openai' ? await startOpenAIServer() : await startOllamaServer();
  cleanups.push(() => model.close());
  return model;
}

async function faultyModel(target: string): Promise<FaultyModel> {
  const proxy = await startFaultyModel(target);
  cleanups.push(() => proxy.close());
  return proxy;
}

interface Turn {
  role: string;
  text: string;
  provider: string | null;
}

async function transcript(ws: RpcSocket, conversationId: string): Promise<Turn[]> {
  const { result } = await ws.request('conversations.messages', { conversationId, limit: 500 });
  return result.items.map((m: Turn) => ({ role: m.role, text: m.text, provider: m.provider }));
}

/** Each message asked is stored once and followed by exactly one answer; returns how many were answered. */
function expectEachAnsweredOnce(turns: Turn[], asked: string[]): number {
  const users = turns.filter((t) => t.role === 'user').map((t) => t.text);
  expect(users).toEqual(asked); // none lost, none doubled, in order
  let answered = 0;
  turns.forEach((turn, i) => {
    if (turn.role !== 'user') return;
    expect(turns[i + 1]?.role, `the answer to "${turn.text}"`).toBe('assistant');
    answered++;
  });
  expect(turns.filter((t) => t.role === 'assistant')).toHaveLength(asked.length);
  return answered;
}

// ---------------------------------------------------------------------------------------------

describe('the model provider hanging', () => {
  it('a hung primary is given up on within its share of the time and the fallback answers; its breaker opens; nothing is lost', async () => {
    const ollama = await startModel('ollama');
    const primary = await faultyModel(ollama.url);
    const fallback = await startModel('openai');
    const core = await coreWith({ PERCH_MODEL: `ollama:tiny:1b@${primary.url}` }, { breaker: { volumeThreshold: 2, resetTimeoutMs: 3_000 }, modelCallTimeoutMs: CALL_TIMEOUT_MS });
    core.settings.update({ models: { fallback: [`openai:gpt-test@${fallback.url}/v1`] } });
    const ws = await connect(core);
    const asked: string[] = [];
    let conversationId: string | undefined; // one conversation throughout (chat.send without an id starts a new one)
    const ask = async (text: string) => {
      asked.push(text);
      const reply = await ws.request('chat.send', { text, ...(conversationId ? { conversationId } : {}) }, 30_000);
      expect(reply.error).toBeUndefined();
      conversationId = reply.result.conversationId;
      return reply.result as { conversationId: string; text: string };
    };

    const first = await ask('before the hang');
    expect(first.text).toBe('You said: before the hang');

    primary.mode = 'hang';
    const pending = ws.request('chat.send', { text: 'are you stuck?', conversationId }, 30_000);
    asked.push('are you stuck?');
    // While the model hangs, the message is already stored and the rest of Perch answers.
    await until('the hung message to be stored', async () => (await transcript(ws, first.conversationId)).some((t) => t.text === 'are you stuck?'));
    expect((await ws.request('system.status')).result.domains.store.status).toBe('ok');
    // The primary had half of the deadline; the fallback answers within the other half.
    expect((await pending).result.text).toBe('You said: are you stuck?');
    expect((await transcript(ws, first.conversationId)).at(-1)!.provider).toBe('openai');
    expect(fs.readFileSync(core.log.file!, 'utf8')).toMatch(/no answer within its share of the time/);
    // The hung request was given up for real: its connection is closed, not left waiting.
    await until('the hung connection to close', () => primary.openConnections() === 0);

    expect((await ask('still there?')).text).toBe('You said: still there?'); // the second timeout opens the primary's breaker
    const hungRequests = primary.seen.hang;
    expect((await ask('and now?')).text).toBe('You said: and now?');
    expect(primary.seen.hang).toBe(hungRequests); // the paused primary was not asked
    expect((await ws.request('system.status')).result.domains.inference.status).toBe('ok');

    // The primary answers again: after the breaker's pause one trial call closes it.
    primary.mode = 'up';
    await sleep(3_500);
    expect((await ask('back to normal?')).text).toBe('You said: back to normal?');
    const turns = await transcript(ws, first.conversationId);
    expect(turns.at(-1)!.provider).toBe('ollama');
    const answered = expectEachAnsweredOnce(turns, asked);
    const apologies = turns.filter((t) => t.role === 'assistant' && APOLOGY.test(t.text)).length;
    expect(apologies).toBe(0);
    const viaFallback = turns.filter((t) => t.role === 'assistant' && t.provider === 'openai').length;
    expect(viaFallback).toBe(3);
    figure('faults_model_hang', { messages: asked.length, answered, apologies, viaFallback, lost: asked.length - answered });
  });

  it('an Ollama that accepts the connection and never answers is given up on, and works once it answers', async () => {
    const ollama = await startModel('ollama');
    const server = await faultyModel(ollama.url);
    server.mode = 'hang';
    const core = await coreWith({ PERCH_MODEL: `ollama:tiny:1b@${server.url}` });
    const ws = await connect(core);
    // The model is asked about before anything is stored: one that never answers means no working
    // model, so the message is refused with why (the dashboard keeps it in the composer).
    const refused = (await ws.request('chat.send', { text: 'hello?' }, 40_000)).error;
    expect(refused).toMatchObject({ data: { code: 'model_unavailable' } });
    expect(refused.message).toContain(`Cannot reach Ollama at ${server.url}: no answer in 10 s`);
    expect((await ws.request('conversations.list', {})).result.items).toEqual([]);
    await until('the hung connection to close', () => server.openConnections() === 0);
    server.mode = 'up';
    const reply = (await ws.request('chat.send', { text: 'hello again' }, 20_000)).result;
    expect(reply.text).toBe('You said: hello again');
    const turns = await transcript(ws, reply.conversationId);
    const answered = expectEachAnsweredOnce(turns, ['hello again']);
    figure('faults_model_hang_connect', { messages: 2, refused: 1, answered, lost: 1 - answered });
  });
});

describe('the model provider erroring and flapping', () => {
  it('answers every message once, with the reply or an apology, and health follows the model', async () => {
    const upstream = await startModel('openai');
    const model = await faultyModel(upstream.url);
    const core = await coreWith({ PERCH_MODEL: `openai:gpt-test@${model.url}/v1` }, { breaker: { volumeThreshold: 2, resetTimeoutMs: 400 }, modelCallTimeoutMs: CALL_TIMEOUT_MS });
    const ws = await connect(core);

    // Up and down, with a different way of being down each time; three messages per phase, sent at once.
    const phases: FaultMode[] = ['up', 'error', 'up', 'reset', 'up', 'cut', 'up', 'hang', 'up', 'error', 'up'];
    const asked: string[] = [];
    let conversationId = '';
    let real = 0;
    let apologies = 0;
    for (const [p, mode] of phases.entries()) {
      model.mode = mode;
      if (mode === 'up') await sleep(500); // past the breaker's pause: its trial call finds the model back
      const texts = [1, 2, 3].map((i) => `phase ${p} (${mode}) message ${i}`);
      asked.push(...texts);
      // One conversation throughout: the first message starts it, the others go to it.
      const replies = conversationId ? [] : [await ws.request('chat.send', { text: texts[0] }, 30_000)];
      conversationId ||= replies[0]!.result.conversationId;
      replies.push(...(await Promise.all(texts.slice(replies.length).map((text) => ws.request('chat.send', { text, conversationId }, 30_000)))));
      for (const [i, reply] of replies.entries()) {
        expect(reply.error).toBeUndefined();
        conversationId = reply.result.conversationId;
        if (mode === 'up') {
          expect(reply.result.text).toBe(`You said: ${texts[i]}`);
          real++;
        } else {
          expect(reply.result.text).toMatch(APOLOGY);
          apologies++;
        }
      }
      const inference = (await ws.request('system.status')).result.domains.inference;
      if (mode === 'up') expect(inference).toMatchObject({ status: 'ok' });
      else expect(inference).toMatchObject({ status: 'degraded', detail: expect.stringMatching(/failed|did not answer in time|paused after repeated failures/) });
    }
    // Every stored answer is the whole reply or an apology: a reply cut off mid-stream is not kept as if it were the answer.
    const turns = await transcript(ws, conversationId);
    turns.forEach((turn, i) => {
      if (turn.role === 'assistant') expect([`You said: ${turns[i - 1]!.text}`, 'an apology']).toContain(APOLOGY.test(turn.text) ? 'an apology' : turn.text);
    });
    expect(model.seen.cut).toBeGreaterThan(0);
    const answered = expectEachAnsweredOnce(turns, asked);
    expect(real + apologies).toBe(asked.length);
    figure('faults_model_flap', { messages: asked.length, answered, real, apologies, lost: asked.length - answered, doubled: turns.filter((t) => t.role === 'assistant').length - answered });
  });
});

// ---------------------------------------------------------------------------------------------
// The Bot API away and back: a gate on the TCP path between Perch and the emulator closes (every
// connection dropped, new ones refused) and opens again; once, the emulator itself stops and starts.
// Telegram keeps what people send meanwhile, as the real one does.

interface Gate {
  port: number;
  open(): Promise<void>;
  close(): Promise<void>;
}

async function startGate(targetPort: number): Promise<Gate> {
  const port = await freePort();
  const sockets = new Set<net.Socket>();
  let server: net.Server | null = null;
  const gate: Gate = {
    port,
    open: () =>
      new Promise<void>((resolve, reject) => {
        server = net.createServer((client) => {
          const upstream = net.connect(targetPort, '127.0.0.1');
          for (const s of [client, upstream]) {
            sockets.add(s);
            s.on('close', () => sockets.delete(s));
            s.on('error', () => undefined);
          }
          client.pipe(upstream).pipe(client);
          client.on('close', () => upstream.destroy());
          upstream.on('close', () => client.destroy());
        });
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => resolve());
      }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        if (!server) return resolve();
        server.close(() => resolve());
        server = null;
      }),
  };
  await gate.open();
  return gate;
}

describe('the Telegram Bot API going away and coming back', () => {
  const BOT_TOKEN = '123456:perch-test-token-abcdefghijkl';
  const OWNER = 1001;
  const FRIEND = 3003;

  it('answers every message sent before, during and after each outage exactly once', async () => {
    const emulatorPort = await freePort();
    const emulator = new TelegramServer({ port: emulatorPort, host: '127.0.0.1', storeTimeout: 600 });
    await emulator.start();
    cleanups.push(() => emulator.stop());
    const gate = await startGate(emulatorPort);
    cleanups.push(() => gate.close());
    const model = await startModel('openai');
    const core = await coreWith({
      PERCH_TELEGRAM_TOKEN: BOT_TOKEN,
      PERCH_TELEGRAM_API_ROOT: `http://127.0.0.1:${gate.port}`,
      PERCH_TELEGRAM_ALLOW_FROM: `${OWNER},${FRIEND}`,
      PERCH_MODEL: `openai:gpt-test@${model.url}/v1`,
    });
    // More messages than one person's flood limit within a minute: not what is tested here.
    core.settings.update({ limits: { senderBurst: 100, senderPerMinute: 1_000 } });
    const ws = await connect(core);
    const state = async () => (await ws.request('channels.list')).result.items[0]?.state as string | undefined;
    await until('Telegram to connect', async () => (await state()) === 'connected');

    // What the bot sent, kept across emulator restarts (a restart empties its store).
    const archived: Array<{ chat: string; text: string }> = [];
    const current = () => (emulator.storage.botMessages as any[]).map((u) => ({ chat: String(u.message.chat_id), text: String(u.message.text) }));
    const sent = () => [...archived, ...current()];
    const repliesTo = (text: string) => sent().filter((m) => m.text === `You said: ${text}`).length;
    const asked: Array<{ from: number; text: string }> = [];
    const say = async (from: number, text: string) => {
      asked.push({ from, text });
      const client = emulator.getClient(BOT_TOKEN, { userId: from, chatId: from });
      await client.sendMessage(client.makeMessage(text));
    };
    const received = (text: string) => core.db.prepare('SELECT 1 FROM inbound_messages WHERE text = ?').get(text);

    const CYCLES = 4;
    for (let cycle = 1; cycle <= CYCLES; cycle++) {
      const restart = cycle === CYCLES; // the last outage: the emulator itself goes away
      await say(OWNER, `cycle ${cycle}: before`);
      await until('the reply before the outage', () => repliesTo(`cycle ${cycle}: before`) === 1);

      // A message Perch is still answering when the API goes away: its reply waits for the return.
      model.delayMs = 1_000;
      const inFlight = `cycle ${cycle}: in flight`;
      await say(OWNER, inFlight);
      await until('the in-flight message to reach the model', () => model.requests.some((r) => JSON.stringify(r.body).includes(inFlight)));
      if (restart) {
        archived.push(...current());
        await emulator.stop();
      } else await gate.close();
      await until('Telegram to be seen as unreachable', async () => (await state()) === 'connecting');
      if (!restart) {
        // People keep writing meanwhile; Telegram holds it.
        await say(FRIEND, `cycle ${cycle}: while away 1`);
        await say(OWNER, `cycle ${cycle}: while away 2`);
      }
      await until('the in-flight reply to be made and queued', () =>
        core.db.prepare("SELECT 1 FROM outbound_messages WHERE text = ? AND status = 'pending'").get(`You said: ${inFlight}`),
      );
      expect(repliesTo(inFlight)).toBe(0);
      model.delayMs = 0;
      if (restart) await emulator.start();
      else await gate.open();
      await until('Telegram to reconnect', async () => (await state()) === 'connected', 30_000);
      await until('the replies held during the outage', () => asked.every((m) => repliesTo(m.text) >= 1), 20_000);
      await say(OWNER, `cycle ${cycle}: after`);
      await until('the reply after the outage', () => repliesTo(`cycle ${cycle}: after`) === 1);
    }
    await sleep(500); // anything doubled would have arrived by now
    for (const { from, text } of asked) {
      expect(sent().filter((m) => m.text === `You said: ${text}`), text).toEqual([{ chat: String(from), text: `You said: ${text}` }]);
      expect(received(text), text).toBeTruthy();
    }
    const stored = core.db.prepare('SELECT status, count(*) AS n FROM inbound_messages GROUP BY status').all();
    expect(stored).toEqual([{ status: 'answered', n: asked.length }]);
    expect(sent().filter((m) => m.text.startsWith('You said: '))).toHaveLength(asked.length);
    figure('faults_telegram_away', { outages: CYCLES, messages: asked.length, answered: asked.filter((m) => repliesTo(m.text) === 1).length, lost: asked.filter((m) => repliesTo(m.text) === 0).length, doubled: asked.filter((m) => repliesTo(m.text) > 1).length });
  });
});

// ---------------------------------------------------------------------------------------------

describe('the disk under the data folder full', () => {
  it('refuses writes with a clear error, keeps what was saved, serves reads, and works again once space is back', async () => {
    const model = await startModel('openai');
    const core = await coreWith({ PERCH_MODEL: `openai:gpt-test@${model.url}/v1` });
    const ws = await connect(core);
    const before = (await ws.request('chat.send', { text: 'the spare key is under the blue pot' })).result;
    await ws.request('prompt.update', { text: 'You are a careful assistant.' });
    const saved = await transcript(ws, before.conversationId);

    // Simulated: SQLite may not grow the file past its current size, exactly as when the disk has no
    // room left (it answers SQLITE_FULL, "database or disk is full").
    const pages = core.db.pragma('page_count', { simple: true }) as number;
    core.db.pragma(`max_page_count = ${pages}`);
    let refused = 0;
    try {
      const long = `Please remember all of this: ${'a long note about the garden. '.repeat(300)}The end.`;
      for (const [method, params] of [
        ['chat.send', { text: long }],
        ['prompt.update', { text: `You are a careful assistant. ${'Be brief. '.repeat(1_000)}` }],
      ] as const) {
        const { error } = await ws.request(method, params);
        expect(error, method).toMatchObject({ code: -32016, message: expect.stringMatching(/disk .*is full/), data: { code: 'disk_full' } });
        refused++;
      }
      // Reads go on; nothing saved before is lost, and nothing was half saved.
      let reads = 0;
      const read = async (method: string, params?: unknown) => {
        const { result, error } = await ws.request(method, params);
        expect(error, method).toBeUndefined();
        reads++;
        return result;
      };
      expect((await read('conversations.messages', { conversationId: before.conversationId, limit: 500 })).items.map((m: Turn) => m.text)).toEqual(saved.map((t) => t.text));
      expect((await read('prompt.get')).text).toBe('You are a careful assistant.');
      expect((await read('conversations.list', {})).items).toHaveLength(1); // the refused New chat left no empty conversation behind
      expect((await read('settings.get')).settings.models.chat).toContain('gpt-test');
      expect(Object.values((await read('system.status')).domains).filter((d: any) => d.status === 'down')).toEqual([]);
      expect(fs.readFileSync(core.log.file!, 'utf8')).toContain('the disk is full');

      // Space is back.
      core.db.pragma('max_page_count = 4294967294');
      expect((await ws.request('chat.send', { text: long, conversationId: before.conversationId })).result.text).toBe(`You said: ${long}`);
      expect((await ws.request('prompt.update', { text: 'You are brief.' })).error).toBeUndefined();
      const after = await transcript(ws, before.conversationId);
      expect(after.slice(0, saved.length)).toEqual(saved);
      expectEachAnsweredOnce(after, ['the spare key is under the blue pot', long]);
      figure('faults_disk_full', { writesRefused: refused, readsServed: reads, lost: saved.length - after.slice(0, saved.length).length, recovered: true });
    } finally {
      core.db.pragma('max_page_count = 4294967294');
    }
  });

  it('keeps chat messages that arrive while the disk is full, and answers each once when space is back', async () => {
    const BOT = '246810:perch-diskfull-token-abcdefghijkl';
    const OWNER_TG = 8101;
    const OWNER_WA = '+4915100000001';
    const emulator = new TelegramServer({ port: await freePort(), host: '127.0.0.1', storeTimeout: 60 });
    await emulator.start();
    cleanups.push(() => emulator.stop());
    // The real Bot API keeps an update until a later poll confirms it; the proxy does the same.
    const proxy = await offsetProxy(emulator.config.apiURL);
    cleanups.push(() => proxy.close());
    const model = await startModel('openai');
    const wa = fakeWhatsApp();
    const core = await coreWith(
      {
        PERCH_MODEL: `openai:gpt-test@${model.url}/v1`,
        PERCH_TELEGRAM_TOKEN: BOT,
        PERCH_TELEGRAM_API_ROOT: proxy.url,
        PERCH_TELEGRAM_ALLOW_FROM: String(OWNER_TG),
        PERCH_WHATSAPP: '1',
        PERCH_WHATSAPP_ALLOW_FROM: OWNER_WA,
      },
      { whatsappSocket: wa.factory },
    );
    const ws = await connect(core);
    const state = async (channel: string) => (await ws.request('channels.list')).result.items.find((c: { channel: string }) => c.channel === channel);
    await until('Telegram connected', async () => (await state('telegram'))?.state === 'connected');
    await until('a WhatsApp socket', async () => wa.sockets.length > 0);
    wa.latest().open();
    await until('WhatsApp connected', async () => (await state('whatsapp'))?.state === 'connected');
    // Long enough to need pages the full database cannot add (so the reply comes in two parts: only the first is looked at).
    const tgText = `sent to Telegram while the disk is full: ${'words that take room. '.repeat(200)}`;
    const waText = `sent to WhatsApp while the disk is full: ${'words that take room. '.repeat(200)}`;
    const tgReplies = () => (emulator.storage.botMessages as any[]).filter((u) => String(u.message.chat_id) === String(OWNER_TG)).map((u) => u.message.text as string);
    const waReplies = () => wa.sockets.flatMap((socket) => socket.sent).map((m) => m.text);

    const pages = core.db.pragma('page_count', { simple: true }) as number;
    core.db.pragma(`max_page_count = ${pages}`);
    try {
      const client = emulator.getClient(BOT, { userId: OWNER_TG, chatId: OWNER_TG });
      await client.sendMessage(client.makeMessage(tgText));
      wa.latest().message(OWNER_WA, waText, 'WA-FULL-1');
      // Telegram stops polling without confirming the update, and says why.
      await until('Telegram to report the full disk', async () => /could not store an incoming message/.test((await state('telegram'))?.detail ?? ''));
      expect(core.db.prepare('SELECT count(*) AS n FROM inbound_messages').get()).toEqual({ n: 0 });
      expect(tgReplies()).toEqual([]);
    } finally {
      core.db.pragma('max_page_count = 4294967294');
    }
    // Space is back: Telegram hands the update over again at the next reconnect; WhatsApp's is kept in memory and stored.
    await until('both answered', async () => tgReplies().some((t) => t.startsWith('You said: sent to Telegram')) && waReplies().some((t) => t.startsWith('You said: sent to WhatsApp')), 30_000);
    await sleep(500);
    expect(tgReplies().filter((t) => t.startsWith('You said: '))).toHaveLength(1);
    expect(waReplies().filter((t) => t.startsWith('You said: sent to WhatsApp'))).toHaveLength(1);
    expect(core.db.prepare("SELECT channel, status FROM inbound_messages ORDER BY channel").all()).toEqual([
      { channel: 'telegram', status: 'answered' },
      { channel: 'whatsapp', status: 'answered' },
    ]);
    figure('faults_disk_full_inbound', { messages: 2, answered: 2, lost: 0, doubled: 0 });
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------

describe('a corrupt settings row', () => {
  const MODEL = 'openai:gpt-test@http://127.0.0.1:9/v1';

  /** A data folder with settings, a prompt and a conversation, three settings rows then damaged while Perch is stopped, and Perch started on it again. */
  async function startOnCorruptSettings() {
    const dataDir = tempDataDir();
    const first = await startTestCore({ PERCH_DATA_DIR: dataDir });
    const ws1 = await RpcSocket.open(first.gateway.url, { Authorization: `Bearer ${TEST_TOKEN}` });
    const patch = {
      exec: { timeoutSeconds: 45, maxOutputBytes: 4096 },
      agent: { maxReplyTokens: 300 },
      approvals: { policy: 'deny', expirySeconds: 120 },
      memory: { recallLimit: 2 },
      models: { chat: MODEL },
    };
    expect((await ws1.request('settings.update', { patch })).error).toBeUndefined();
    await ws1.request('prompt.update', { text: 'You are a careful assistant.' });
    const help = (await ws1.request('chat.send', { text: '/help' })).result;
    ws1.close();
    await first.stop();

    const damaged = {
      exec: '{"timeoutSeconds": 45, "maxOut', // not JSON any more (a torn write)
      agent: JSON.stringify({ maxReplyTokens: -7 }), // out of range
      approvals: JSON.stringify({ policy: 'deny', expirySeconds: 0 }), // one field of two out of range
    };
    const raw = new Database(path.join(dataDir, 'perch.db'));
    for (const [section, value] of Object.entries(damaged)) raw.prepare('UPDATE settings SET value = ? WHERE section = ?').run(value, section);
    raw.close();

    const core = await coreWith({ PERCH_DATA_DIR: dataDir });
    const ws = await connect(core);
    return { core, ws, damaged, conversationId: help.conversationId as string };
  }

  it('starts with the defaults for what is unreadable and keeps everything else', async () => {
    const { core, ws, damaged, conversationId } = await startOnCorruptSettings();
    const { settings } = (await ws.request('settings.get')).result;
    expect(settings.exec).toEqual({ timeoutSeconds: 60, maxOutputBytes: 65536 }); // the defaults
    expect(settings.agent).toEqual({ maxReplyTokens: 1024 });
    expect(settings.approvals.expirySeconds).toBe(600);
    expect(settings.memory.recallLimit).toBe(2); // everything else as it was
    expect(settings.models.chat).toBe(MODEL);
    expect((await ws.request('prompt.get')).result.text).toBe('You are a careful assistant.');
    expect((await transcript(ws, conversationId)).map((t) => t.role)).toEqual(['user', 'assistant']);
    // Warned in the log; the rows themselves are left as they were until set again.
    expect(fs.readFileSync(core.log.file!, 'utf8')).toMatch(/"level":"warn","msg":"ignoring an unreadable stored setting; using its default".*"section":"agent"/);
    const rows = core.db.prepare("SELECT section, value FROM settings WHERE section IN ('exec', 'agent', 'approvals')").all() as Array<{ section: string; value: string }>;
    expect(Object.fromEntries(rows.map((r) => [r.section, r.value]))).toEqual(damaged);
    // Setting a section again mends it.
    const mended = (await ws.request('settings.update', { patch: { agent: { maxReplyTokens: 512 }, exec: { timeoutSeconds: 30 } } })).result.settings;
    expect(mended.agent).toEqual({ maxReplyTokens: 512 });
    expect(mended.exec).toEqual({ timeoutSeconds: 30, maxOutputBytes: 65536 });
    expect(JSON.parse((core.db.prepare("SELECT value FROM settings WHERE section = 'exec'").get() as { value: string }).value)).toEqual(mended.exec);
    figure('faults_corrupt_setting', { corruptRows: 3, started: true, sectionsKept: 2, lost: 0 });
  });

  // A row that is not JSON is not taken for an absent one, health says which rows are unreadable,
  // and one bad field does not throw away the valid fields beside it.
  it('says which rows it could not read, in the log and in system.status, until they are set again', async () => {
    const { core, ws } = await startOnCorruptSettings();
    const log = fs.readFileSync(core.log.file!, 'utf8');
    for (const section of ['exec', 'agent', 'approvals']) expect(log).toMatch(new RegExp(`"msg":"ignoring an unreadable stored setting; using its default".*"section":"${section}"`));
    const health = (await ws.request('system.status')).result.domains.settings;
    expect(health.status).toBe('degraded');
    for (const section of ['exec', 'agent', 'approvals']) expect(health.detail).toContain(section);
    await ws.request('settings.update', { patch: { exec: { timeoutSeconds: 30 }, agent: { maxReplyTokens: 512 }, approvals: { expirySeconds: 300 } } });
    expect((await ws.request('system.status')).result.domains.settings).toMatchObject({ status: 'ok' });
  });

  it('keeps the readable fields of a section that has one bad field', async () => {
    const { ws } = await startOnCorruptSettings();
    expect((await ws.request('settings.get')).result.settings.approvals).toEqual({ policy: 'deny', expirySeconds: 600 });
  });
});
