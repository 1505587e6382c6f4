import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../main/core';
import { startTestCore, TEST_TOKEN } from '../helpers/core';
import { startOllamaServer, startOpenAIServer, type ModelServer } from '../helpers/model-servers';
import { RpcSocket } from '../helpers/rpc-socket';

const API_KEY = 'sk-test-0123456789abcdefghijklmnop';

describe.each([
  { kind: 'ollama', start: () => startOllamaServer(), spec: (url: string) => `ollama:tiny:1b@${url}`, model: 'tiny:1b' },
  { kind: 'openai', start: () => startOpenAIServer(), spec: (url: string) => `openai:gpt-test@${url}/v1`, model: 'gpt-test' },
])('$kind provider', ({ kind, start, spec, model }) => {
  let server: ModelServer;
  let core: Core;
  let ws: RpcSocket;
  beforeAll(async () => {
    server = await start();
    core = await startTestCore({ PERCH_MODEL: spec(server.url), PERCH_OPENAI_API_KEY: API_KEY });
    ws = await RpcSocket.open(core.gateway.url, { Authorization: `Bearer ${TEST_TOKEN}` });
    await ws.request('events.subscribe', { events: ['agent.delta'] });
  });
  afterAll(async () => {
    ws.close();
    await core.stop();
    await server.close();
  });

  it('streams a reply and records provider, model and token usage', async () => {
    const reply = (await ws.request('chat.send', { text: 'hello' })).result;
    expect(reply.text).toBe('You said: hello');
    const deltas = ws.frames.filter((f: any) => f.method === 'agent.delta').map((f: any) => f.params.text);
    expect(deltas[0]).toBe('You '); // the first chunk goes out at once; later ones are coalesced
    expect(deltas.join('')).toBe('You said: hello');
    const messages = (await ws.request('conversations.messages', { conversationId: reply.conversationId })).result.items;
    expect(messages[1]).toMatchObject({ role: 'assistant', provider: kind, model, tokensIn: 42, tokensOut: 7 });
    const request = server.requests.at(-1)!;
    expect(request.body.stream).toBe(true);
    expect(request.body.messages[0].role).toBe('system');
    expect(request.body.tools[0].function.name).toBe('get_time');
  });

  it('answers with an edited system prompt and records its version with the reply', async () => {
    const before = (await ws.request('prompt.get')).result;
    expect(before).toMatchObject({ isDefault: true });
    const edited = (await ws.request('prompt.update', { text: '  You are Perch. Be terse.  ' })).result;
    expect(edited).toMatchObject({ version: before.version + 1, text: 'You are Perch. Be terse.', isDefault: false, updatedAt: expect.any(String) });
    expect((await ws.request('prompt.update', { text: 'You are Perch. Be terse.' })).result.version).toBe(edited.version); // unchanged text
    const empty = await ws.request('prompt.update', { text: '   ' });
    expect(empty.error).toMatchObject({ code: -32602, message: expect.stringContaining('the system prompt cannot be empty') });

    const reply = (await ws.request('chat.send', { text: 'hello again' })).result;
    expect(server.requests.at(-1)!.body.messages[0]).toMatchObject({ role: 'system', content: 'You are Perch. Be terse.' });
    const messages = (await ws.request('conversations.messages', { conversationId: reply.conversationId })).result.items;
    expect(messages.at(-1)).toMatchObject({ id: reply.messageId, promptVersion: edited.version });

    const restored = (await ws.request('prompt.update', { text: null })).result;
    expect(restored).toMatchObject({ version: edited.version + 1, text: before.text, isDefault: true });
  });

  it('runs the tool loop: the call, the tool result back to the model, the final answer', async () => {
    const reply = (await ws.request('chat.send', { text: 'what time is it?' })).result;
    expect(reply.text).toMatch(/^The tool said: .*\(UTC; ISO \d{4}-\d\d-\d\dT/);
    const items = (await ws.request('conversations.messages', { conversationId: reply.conversationId })).result.items.slice(-4);
    expect(items.map((m: any) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    expect(items[1].toolCalls).toEqual([{ id: expect.any(String), name: 'get_time', args: { timezone: 'UTC' } }]);
    expect(items[2].toolCallId).toBe(items[1].toolCalls[0].id);
    // The second request carried the call and its result in the provider's own format.
    const sent = server.requests.at(-1)!.body.messages;
    const toolMessage = sent.at(-1);
    expect(toolMessage.role).toBe('tool');
    expect(toolMessage.content).toContain('UTC');
    if (kind === 'openai') expect(toolMessage.tool_call_id).toBe('call_1');
    if (kind === 'ollama') expect(toolMessage.tool_name).toBe('get_time');
  });

  it('gives the model the validation error of a tool call with invalid arguments', async () => {
    const reply = (await ws.request('chat.send', { text: 'bad args please' })).result;
    expect(reply.text).toContain('Error: Invalid arguments for get_time: timezone: expected an IANA time zone');
  });

  it('answers a server error with a short friendly reply that says why, and keeps the message', async () => {
    server.failing = true;
    try {
      const reply = (await ws.request('chat.send', { text: 'are you there?' })).result;
      expect(reply.text).toMatch(/^Sorry, I can't reach my model right now/);
      expect(reply.text).toMatch(kind === 'ollama' ? /Ollama failed/ : /failed: 500/);
      expect((await ws.request('system.status')).result.domains.inference).toMatchObject({ status: 'degraded' });
    } finally {
      server.failing = false;
    }
    const convo = (await ws.request('conversations.list', {})).result.items[0];
    const [asked, answered] = (await ws.request('conversations.messages', { conversationId: convo.id, limit: 2 })).result.items;
    expect(asked).toMatchObject({ role: 'user', text: 'are you there?' });
    expect(answered).toMatchObject({ role: 'assistant', provider: null });
  });

  it('sends the API key only to OpenAI-compatible endpoints, and never logs it', async () => {
    const auth = server.requests.find((r) => r.path.includes('chat'))!.headers.authorization;
    if (kind === 'openai') expect(auth).toBe(`Bearer ${API_KEY}`);
    else expect(auth).toBeUndefined();
    expect(fs.readFileSync(core.log.file!, 'utf8')).not.toContain(API_KEY);
  });
});

describe.each([
  { kind: 'ollama', start: () => startOllamaServer(), spec: (url: string) => `ollama:tiny:1b@${url}` },
  { kind: 'openai', start: () => startOpenAIServer(), spec: (url: string) => `openai:gpt-test@${url}/v1` },
])('$kind model without tool support', ({ start, spec }) => {
  it('answers without tools, stops offering them, and says so in /model and system.status', async () => {
    const server = await start();
    server.noTools = true;
    const core = await startTestCore({ PERCH_MODEL: spec(server.url) });
    const ws = await RpcSocket.open(core.gateway.url, { Authorization: `Bearer ${TEST_TOKEN}` });
    try {
      const first = await ws.request('chat.send', { text: 'what time is it?' });
      expect(first.result.text).toBe('You said: what time is it?');
      expect(server.requests.filter((r) => /chat/.test(r.path)).map((r) => Boolean(r.body.tools))).toEqual([true, false]);
      await ws.request('chat.send', { text: 'and now?' });
      expect(server.requests.at(-1)!.body.tools).toBeUndefined(); // not offered again
      expect((await ws.request('chat.send', { text: '/model' })).result.text).toContain('This model cannot use tools, so it answers without them.');
      expect((await ws.request('system.status')).result.domains.inference.detail).toMatch(/\(no tool support\)$/);
    } finally {
      ws.close();
      await core.stop();
      await server.close();
    }
  });
});

describe('unreachable or unknown remote models', () => {
  it.each([
    ['an unreachable Ollama', 'ollama:tiny:1b@http://127.0.0.1:9', /Cannot reach Ollama at http:\/\/127\.0\.0\.1:9/],
    ['an unreachable OpenAI-compatible server', 'openai:gpt-test@http://127.0.0.1:9/v1', /The model endpoint http:\/\/127\.0\.0\.1:9\/v1 failed: Connection error/],
  ])('%s gets an answer that says what is wrong', async (_label, model, message) => {
    const core = await startTestCore({ PERCH_MODEL: model });
    const ws = await RpcSocket.open(core.gateway.url, { Authorization: `Bearer ${TEST_TOKEN}` });
    const reply = await ws.request('chat.send', { text: 'hello' }, 20_000);
    // Ollama is asked about the model before anything is stored: with none that works, the
    // message is refused and nothing is kept. An OpenAI-compatible endpoint is only reached by
    // the call itself: its failure is the friendly reply.
    expect(reply.result?.text ?? reply.error.message).toMatch(message);
    if (model.startsWith('ollama:')) {
      expect(reply.error.data.code).toBe('model_unavailable');
      expect((await ws.request('conversations.list', {})).result.items).toEqual([]);
    }
    expect((await ws.request('system.status')).result.domains.inference.detail).toMatch(message);
    ws.close();
    await core.stop();
  });

  it('an Ollama without the model says how to get it', async () => {
    const server = await startOllamaServer();
    const core = await startTestCore({ PERCH_MODEL: `ollama:qwen9:70b@${server.url}` });
    const ws = await RpcSocket.open(core.gateway.url, { Authorization: `Bearer ${TEST_TOKEN}` });
    const reply = await ws.request('chat.send', { text: 'hello' });
    expect(reply.error).toMatchObject({ data: { code: 'model_unavailable' } });
    expect(reply.error.message).toContain(`Ollama at ${server.url} has no model "qwen9:70b". Run: ollama pull qwen9:70b`);
    ws.close();
    await core.stop();
    await server.close();
  });
});

describe('failover', () => {
  it('falls back when the primary fails, opens its breaker, and goes back once it recovers', async () => {
    const primary = await startOpenAIServer();
    const fallback = await startOllamaServer();
    const core = await startTestCore({ PERCH_MODEL: `openai:gpt-test@${primary.url}/v1` }, { breaker: { volumeThreshold: 2, resetTimeoutMs: 300 } });
    core.settings.update({ models: { fallback: [`ollama:tiny:1b@${fallback.url}`] } });
    const ws = await RpcSocket.open(core.gateway.url, { Authorization: `Bearer ${TEST_TOKEN}` });
    const ask = async (text: string) => (await ws.request('chat.send', { text })).result;
    const answeredBy = async () => {
      const convo = (await ws.request('conversations.list', {})).result.items[0];
      return (await ws.request('conversations.messages', { conversationId: convo.id, limit: 1 })).result.items[0].provider;
    };

    expect((await ask('one')).text).toBe('You said: one');
    expect(await answeredBy()).toBe('openai');

    primary.failing = true;
    for (const text of ['two', 'three']) {
      expect((await ask(text)).text).toBe(`You said: ${text}`); // the fallback answered
      expect(await answeredBy()).toBe('ollama');
    }
    // The breaker is open now: the primary is not even asked.
    const primaryCalls = primary.requests.length;
    expect((await ask('four')).text).toBe('You said: four');
    expect(primary.requests.length).toBe(primaryCalls);

    // Both down: a short friendly reply naming both.
    fallback.failing = true;
    const down = (await ask('five')).text;
    expect(down).toMatch(/^Sorry, I can't reach my model right now \(openai:.*paused after repeated failures; ollama:.*Ollama failed/);

    // The primary recovers; after the reset timeout one trial call closes its breaker again.
    primary.failing = false;
    fallback.failing = false;
    await new Promise((r) => setTimeout(r, 400));
    expect((await ask('six')).text).toBe('You said: six');
    expect(await answeredBy()).toBe('openai');
    expect((await ws.request('system.status')).result.domains.inference.status).toBe('ok');

    ws.close();
    await core.stop();
    await primary.close();
    await fallback.close();
  });
});

describe('models.list and a local Ollama', () => {
  it('lists GGUF files in the models folder and a detected Ollama, and offers it when no model is set', async () => {
    const ollama = await startOllamaServer({ 'llama3.2:3b': 8192, 'qwen2.5:7b': 32768 });
    const core = await startTestCore({}, { ollamaUrl: ollama.url });
    const dir = `${core.config.dataDir}/models`;
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(`${dir}/notes.gguf`, 'not really a model');
    fs.writeFileSync(`${dir}/real.gguf`, Buffer.concat([Buffer.from('GGUF'), Buffer.alloc(60)]));
    const ws = await RpcSocket.open(core.gateway.url, { Authorization: `Bearer ${TEST_TOKEN}` });
    const list = (await ws.request('models.list')).result;
    expect(list.dir).toBe(dir);
    expect(list.local.map((m: any) => [m.name, m.gguf])).toEqual([['notes.gguf', false], ['real.gguf', true]]);
    expect(list.ollama).toEqual({ url: ollama.url, models: ['llama3.2:3b', 'qwen2.5:7b'] });
    expect(list).toMatchObject({ chat: null, fallback: [], embed: null });
    await new Promise((r) => setTimeout(r, 600)); // the start-up probe runs shortly after ready
    const inference = (await ws.request('system.status')).result.domains.inference;
    expect(inference.detail).toBe(`Ollama found at ${ollama.url} with llama3.2:3b, qwen2.5:7b: set PERCH_MODEL=ollama:llama3.2:3b@${ollama.url} or choose it in Settings`);
    ws.close();
    await core.stop();
    await ollama.close();
  });
});

describe('usage.summary', () => {
  it('adds up tokens by day, provider, model and conversation, and prices what has a price', async () => {
    const server = await startOpenAIServer();
    const core = await startTestCore({ PERCH_MODEL: `openai:gpt-test@${server.url}/v1` });
    const ws = await RpcSocket.open(core.gateway.url, { Authorization: `Bearer ${TEST_TOKEN}` });
    const { conversationId } = (await ws.request('chat.send', { text: 'one' })).result;
    await ws.request('chat.send', { text: 'two', conversationId });
    await core.agent.handle({ channel: 'telegram', peer: 'dana', text: 'three' });
    let usage = (await ws.request('usage.summary', {})).result;
    expect(usage.byDay).toEqual([{ day: new Date().toISOString().slice(0, 10), provider: 'openai', model: 'gpt-test', calls: 3, tokensIn: 126, tokensOut: 21, cost: null }]);
    expect(usage.byConversation.map((c: any) => [c.title, c.tokensIn])).toEqual([['one', 84], ['three', 42]]);
    expect(usage.total).toEqual({ tokensIn: 126, tokensOut: 21, cost: null });

    await ws.request('settings.update', { patch: { usage: { prices: { 'openai:gpt-test': { input: 1, output: 4 } } } } });
    usage = (await ws.request('usage.summary', { days: 1 })).result;
    expect(usage.total.cost).toBeCloseTo((126 * 1 + 21 * 4) / 1e6, 12);
    ws.close();
    await core.stop();
    await server.close();
  });
});
