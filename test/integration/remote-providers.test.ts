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
    expect(deltas).toEqual(['You ', 'said: ', 'hello']);
    const messages = (await ws.request('conversations.messages', { conversationId: reply.conversationId })).result.items;
    expect(messages[1]).toMatchObject({ role: 'assistant', provider: kind, model, tokensIn: 42, tokensOut: 7 });
    const request = server.requests.at(-1)!;
    expect(request.body.stream).toBe(true);
    expect(request.body.messages[0].role).toBe('system');
    expect(request.body.tools[0].function.name).toBe('get_time');
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

  it('turns a server error into a clear model_unavailable error and keeps the message', async () => {
    server.failing = true;
    try {
      const reply = await ws.request('chat.send', { text: 'are you there?' });
      expect(reply.error.data.code).toBe('model_unavailable');
      expect(reply.error.message).toMatch(kind === 'ollama' ? /Ollama failed/ : /failed: 500/);
    } finally {
      server.failing = false;
    }
    const convo = (await ws.request('conversations.list', {})).result.items[0];
    const last = (await ws.request('conversations.messages', { conversationId: convo.id, limit: 1 })).result.items[0];
    expect(last).toMatchObject({ role: 'user', text: 'are you there?' });
  });

  it('sends the API key only to OpenAI-compatible endpoints, and never logs it', async () => {
    const auth = server.requests.find((r) => r.path.includes('chat'))!.headers.authorization;
    if (kind === 'openai') expect(auth).toBe(`Bearer ${API_KEY}`);
    else expect(auth).toBeUndefined();
    expect(fs.readFileSync(core.log.file!, 'utf8')).not.toContain(API_KEY);
  });
});

describe('unreachable or unknown remote models', () => {
  it.each([
    ['an unreachable Ollama', 'ollama:tiny:1b@http://127.0.0.1:9', /Cannot reach Ollama at http:\/\/127\.0\.0\.1:9/],
    ['an unreachable OpenAI-compatible server', 'openai:gpt-test@http://127.0.0.1:9/v1', /The model endpoint http:\/\/127\.0\.0\.1:9\/v1 failed: Connection error/],
  ])('%s gives a clear error', async (_label, model, message) => {
    const core = await startTestCore({ PERCH_MODEL: model });
    const ws = await RpcSocket.open(core.gateway.url, { Authorization: `Bearer ${TEST_TOKEN}` });
    const reply = await ws.request('chat.send', { text: 'hello' }, 20_000);
    expect(reply.error.data.code).toBe('model_unavailable');
    expect(reply.error.message).toMatch(message);
    ws.close();
    await core.stop();
  });

  it('an Ollama without the model says how to get it', async () => {
    const server = await startOllamaServer();
    const core = await startTestCore({ PERCH_MODEL: `ollama:qwen9:70b@${server.url}` });
    const ws = await RpcSocket.open(core.gateway.url, { Authorization: `Bearer ${TEST_TOKEN}` });
    const reply = await ws.request('chat.send', { text: 'hello' });
    expect(reply.error.message).toBe(`Ollama at ${server.url} has no model "qwen9:70b". Run: ollama pull qwen9:70b`);
    ws.close();
    await core.stop();
    await server.close();
  });
});
