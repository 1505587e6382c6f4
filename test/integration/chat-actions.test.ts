import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConversationStore } from '../../main/agent/conversation-store';
import type { Core } from '../../main/core';
import { startTestCore, TEST_TOKEN } from '../helpers/core';
import { tempDataDir } from '../helpers/data-dir';
import { slowChunk, startOpenAIServer, type ModelServer } from '../helpers/model-servers';
import { RpcSocket } from '../helpers/rpc-socket';
import { writeTinyGguf } from '../helpers/tiny-gguf';

// The dashboard chat's actions through the gateway, on real SQLite: New chat, Stop, Regenerate,
// Edit, Rename, and what happens with no model. The model is the scripted OpenAI-compatible
// server (its "slow: N" reply streams a chunk every 20 ms and records when the client went away),
// and for Stop also the generated GGUF through node-llama-cpp.

const deltasOf = (ws: RpcSocket, conversationId: string) =>
  ws.frames
    .filter((f: any) => f.method === 'agent.delta' && f.params.conversationId === conversationId)
    .map((f: any) => f.params.text as string)
    .join('');

/** The streamed text of the one conversation being answered right now (its id is not known before the reply). */
const streamedSince = (ws: RpcSocket, from: number) =>
  ws.frames
    .slice(from)
    .filter((f: any) => f.method === 'agent.delta')
    .map((f: any) => f.params.text as string)
    .join('');

/** The conversation the first agent.delta after frame `from` belongs to. */
const streamingIn = (ws: RpcSocket, from: number): string => (ws.frames.slice(from).find((f: any) => f.method === 'agent.delta') as any).params.conversationId;

const messagesOf = async (ws: RpcSocket, conversationId: string) => (await ws.request('conversations.messages', { conversationId, limit: 500 })).result.items as any[];

describe('the dashboard chat with an OpenAI-compatible model', () => {
  let server: ModelServer;
  let core: Core;
  let ws: RpcSocket;
  beforeAll(async () => {
    server = await startOpenAIServer();
    core = await startTestCore({ PERCH_MODEL: `openai:gpt-test@${server.url}/v1`, PERCH_OPENAI_API_KEY: 'sk-test-0123456789abcdefghijklmnop' });
    ws = await RpcSocket.open(core.gateway.url, { Authorization: `Bearer ${TEST_TOKEN}` });
    await ws.request('events.subscribe', { events: ['agent.delta'] });
    await ws.request('settings.update', { patch: { memory: { recallLimit: 0 } } });
  });
  afterAll(async () => {
    ws.close();
    await core.stop();
    await server.close();
  });

  it('starts a new conversation for each chat.send without an id, each with its own history', async () => {
    const a = (await ws.request('chat.send', { text: 'apples are red' })).result;
    const b = (await ws.request('chat.send', { text: 'bananas are yellow' })).result;
    expect(a.conversationId).not.toBe(b.conversationId);
    expect(a).toMatchObject({ text: 'You said: apples are red', stopped: false });

    await ws.request('chat.send', { text: 'more about apples', conversationId: a.conversationId });
    // The model saw this conversation's history and nothing of the other one.
    const seen = JSON.stringify(server.requests.at(-1)!.body.messages);
    expect(seen).toContain('apples are red');
    expect(seen).not.toContain('bananas');
    await ws.request('chat.send', { text: 'more about bananas', conversationId: b.conversationId });

    expect((await messagesOf(ws, a.conversationId)).map((m) => m.text)).toEqual(['apples are red', 'You said: apples are red', 'more about apples', 'You said: more about apples']);
    expect((await messagesOf(ws, b.conversationId)).map((m) => m.text)).toEqual(['bananas are yellow', 'You said: bananas are yellow', 'more about bananas', 'You said: more about bananas']);
    const listed = (await ws.request('conversations.list', {})).result.items as any[];
    expect(listed.find((c) => c.id === a.conversationId)).toMatchObject({ channel: 'dashboard', title: 'apples are red', messageCount: 4 });
    expect(listed.find((c) => c.id === b.conversationId)).toMatchObject({ channel: 'dashboard', title: 'bananas are yellow', messageCount: 4 });
  });

  it('stops a slow reply on chat.cancel: the server sees the abort within 200 ms, the partial reply is kept and marked stopped', async () => {
    const from = ws.frames.length;
    const abandonedBefore = server.abandoned.length;
    const pending = ws.request('chat.send', { text: 'slow: 200' }, 30_000); // 200 chunks: 4 s if nobody stops it
    await ws.waitFor(() => streamedSince(ws, from).includes(slowChunk(5)), 10_000);

    const cancelAt = performance.now();
    const cancel = ws.request('chat.cancel', { conversationId: streamingIn(ws, from) });
    const deadline = Date.now() + 5_000;
    while (server.abandoned.length === abandonedBefore && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    const abort = server.abandoned.at(-1)!;
    expect(server.abandoned.length).toBe(abandonedBefore + 1);
    const latencyMs = abort.at - cancelAt;
    console.log(`chat.cancel → the model server saw the request aborted after ${latencyMs.toFixed(1)} ms (${abort.written} of ${abort.of} chunks written)`);
    // The bound: Stop stops the tokens within 200 ms, measured on the server.
    expect(latencyMs).toBeLessThan(200);
    expect(abort.written).toBeLessThan(abort.of);
    expect((await cancel).result).toEqual({ cancelled: true });

    const reply = (await pending).result;
    expect(reply.stopped).toBe(true);
    // What was generated until then, in order: a prefix of what the server wrote.
    const written = Array.from({ length: abort.written }, (_, i) => slowChunk(i)).join('');
    expect(reply.text.length).toBeGreaterThan(0);
    expect(written.startsWith(reply.text)).toBe(true);
    expect(reply.text.startsWith(`${slowChunk(0)}${slowChunk(1)}`)).toBe(true);
    const stored = await messagesOf(ws, reply.conversationId);
    expect(stored.map((m) => [m.role, m.text, m.stopped ?? false])).toEqual([
      ['user', 'slow: 200', false],
      ['assistant', reply.text, true],
    ]);
    expect(stored[1].id).toBe(reply.messageId);

    // No more tokens: nothing streams after the stop.
    const shown = deltasOf(ws, reply.conversationId);
    await new Promise((r) => setTimeout(r, 150));
    expect(deltasOf(ws, reply.conversationId)).toBe(shown);
    expect(shown).toBe(reply.text);
    // Idle now; and a Stop is no model failure.
    expect((await ws.request('chat.cancel', { conversationId: reply.conversationId })).result).toEqual({ cancelled: false });
    expect((await ws.request('system.status')).result.domains.inference.status).toBe('ok');

    // Regenerate replaces the stopped reply with a whole one.
    const again = (await ws.request('chat.regenerate', { conversationId: reply.conversationId }, 30_000)).result;
    expect(again).toMatchObject({ conversationId: reply.conversationId, stopped: false });
    expect(again.text).toBe(Array.from({ length: 200 }, (_, i) => slowChunk(i)).join(''));
    const after = await messagesOf(ws, reply.conversationId);
    expect(after.map((m) => [m.role, m.id, m.stopped ?? false])).toEqual([
      ['user', stored[0].id, false],
      ['assistant', again.messageId, false],
    ]);
    expect(after.some((m) => m.id === reply.messageId)).toBe(false);
  }, 60_000);

  it('regenerates the last reply: the old one and its tool steps are gone, the model answers the same message again', async () => {
    const { conversationId, messageId } = (await ws.request('chat.send', { text: 'what time is it?' })).result;
    const before = await messagesOf(ws, conversationId);
    expect(before.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant']); // a tool call, its result, the answer
    const asked = server.requests.length;

    const again = (await ws.request('chat.regenerate', { conversationId })).result;
    expect(again.messageId).not.toBe(messageId);
    expect(server.requests.length).toBe(asked + 2); // the tool call and the answer, asked for again
    // The model was asked without the old turn in its history.
    const first = server.requests[asked]!.body.messages as Array<{ role: string }>;
    expect(first.at(-1)).toMatchObject({ role: 'user', content: 'what time is it?' });
    expect(first.filter((m) => m.role === 'tool')).toEqual([]);
    const after = await messagesOf(ws, conversationId);
    expect(after.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    expect(after[0].id).toBe(before[0].id);
    expect(after.slice(1).every((m) => m.id > before.at(-1).id)).toBe(true);
    expect(after.at(-1)).toMatchObject({ id: again.messageId, text: again.text });
  });

  it('edits the last message and answers it again; only the last message can be edited', async () => {
    const first = (await ws.request('chat.send', { text: 'tell me about owls' })).result;
    const { conversationId } = first;
    await ws.request('chat.send', { text: 'and hawks', conversationId });
    const [oldest, , last] = await messagesOf(ws, conversationId);

    const refused = await ws.request('chat.edit', { conversationId, messageId: oldest.id, text: 'tell me about eagles' });
    expect(refused.error).toMatchObject({ code: -32019, data: { code: 'not_editable' } });
    expect(refused.error.message).toMatch(/Only your last message can be edited/);

    const edited = (await ws.request('chat.edit', { conversationId, messageId: last.id, text: 'and falcons' })).result;
    expect(edited).toMatchObject({ conversationId, text: 'You said: and falcons', stopped: false });
    expect((await messagesOf(ws, conversationId)).map((m) => [m.id === last.id, m.text])).toEqual([
      [false, 'tell me about owls'],
      [false, 'You said: tell me about owls'],
      [true, 'and falcons'],
      [false, 'You said: and falcons'],
    ]);
    expect(JSON.stringify(server.requests.at(-1)!.body.messages)).not.toContain('hawks');
  });

  it('titles a conversation from its first line, cut at a word, follows an edit of it, and keeps a title the owner gave', async () => {
    const text = '   Plan   the  summer trip to the mountains with the whole family and the dog, if possible\nsecond line';
    const { conversationId } = (await ws.request('chat.send', { text })).result;
    const title = async () => (await ws.request('conversations.list', {})).result.items.find((c: any) => c.id === conversationId).title as string;
    expect(await title()).toBe('Plan the summer trip to the mountains with the whole family…');

    const [message] = await messagesOf(ws, conversationId);
    await ws.request('chat.edit', { conversationId, messageId: message.id, text: 'Packing list' });
    expect(await title()).toBe('Packing list');

    const renamed = (await ws.request('conversations.rename', { conversationId, title: '  Holidays  ' })).result;
    expect(renamed.conversation).toMatchObject({ id: conversationId, title: 'Holidays' });
    const [again] = await messagesOf(ws, conversationId);
    await ws.request('chat.edit', { conversationId, messageId: again.id, text: 'Something else' });
    expect(await title()).toBe('Holidays');
    expect((await ws.request('conversations.rename', { conversationId: 'nope', title: 'x' })).error.data.code).toBe('not_found');
    expect((await ws.request('conversations.rename', { conversationId, title: '   ' })).error.code).toBe(-32602);
  });

  it('waits in the lane: a Regenerate sent during a reply replaces that reply once it is done', async () => {
    const from = ws.frames.length;
    const pending = ws.request('chat.send', { text: 'slow: 15' }, 10_000);
    await ws.waitFor(() => streamedSince(ws, from).length > 0, 5_000);
    const conversationId = streamingIn(ws, from);
    const regenerated = ws.request('chat.regenerate', { conversationId }, 10_000);
    const first = (await pending).result;
    const second = (await regenerated).result;
    expect(first.stopped).toBe(false);
    expect(second.messageId).toBeGreaterThan(first.messageId);
    expect((await messagesOf(ws, conversationId)).map((m) => [m.role, m.id])).toEqual([
      ['user', expect.any(Number)],
      ['assistant', second.messageId],
    ]);
  });

  it('answers wrong ids and other channels\u2019 conversations with clear errors, changing nothing', async () => {
    for (const [method, params] of [
      ['chat.send', { text: 'hi', conversationId: 'nope' }],
      ['chat.cancel', { conversationId: 'nope' }],
      ['chat.regenerate', { conversationId: 'nope' }],
      ['chat.edit', { conversationId: 'nope', messageId: 1, text: 'x' }],
    ] as const) {
      const reply = await ws.request(method, params);
      expect(reply.error, method).toMatchObject({ code: -32008, data: { code: 'not_found' } });
    }

    const telegram = (await core.agent.handle({ channel: 'telegram', peer: 'alice', text: 'hello from Telegram' })).conversationId;
    const stored = await messagesOf(ws, telegram);
    for (const [method, params] of [
      ['chat.send', { text: 'hi', conversationId: telegram }],
      ['chat.cancel', { conversationId: telegram }],
      ['chat.regenerate', { conversationId: telegram }],
      ['chat.edit', { conversationId: telegram, messageId: stored[0].id, text: 'x' }],
    ] as const) {
      const reply = await ws.request(method, params);
      expect(reply.error, method).toMatchObject({ code: -32018, data: { code: 'read_only', channel: 'telegram' } });
      expect(reply.error.message).toMatch(/with Telegram: answer it there/);
    }
    expect(await messagesOf(ws, telegram)).toEqual(stored);

    // A dashboard conversation with nothing the owner wrote (a scheduled message was delivered there).
    const conversations = new ConversationStore(core.db);
    const delivered = conversations.open('dashboard', 'owner');
    conversations.append(delivered.id, { role: 'assistant', text: 'Reminder: water the basil' });
    const nothing = await ws.request('chat.regenerate', { conversationId: delivered.id });
    expect(nothing.error).toMatchObject({ code: -32019, data: { code: 'not_editable' } });
    expect((await messagesOf(ws, delivered.id)).map((m) => m.text)).toEqual(['Reminder: water the basil']);
    // It can be written to: the owner's own dashboard chat.
    expect((await ws.request('chat.send', { text: 'thanks', conversationId: delivered.id })).result.text).toBe('You said: thanks');
  });
});

describe('the dashboard chat with no model', () => {
  it('stores nothing for a message only a model could answer, and says what to do; commands still work', async () => {
    const core = await startTestCore();
    const ws = await RpcSocket.open(core.gateway.url, { Authorization: `Bearer ${TEST_TOKEN}` });
    try {
      const count = () => (core.db.prepare('SELECT (SELECT count(*) FROM conversations) AS c, (SELECT count(*) FROM messages) AS m').get() as { c: number; m: number });
      const reply = await ws.request('chat.send', { text: 'is anyone there?' });
      expect(reply.error).toMatchObject({ code: -32010, data: { code: 'no_model' } });
      expect(reply.error.message).toBe(
        'No model is set up yet. Choose one in Setup (download a recommended model, pick a .gguf file, or connect Ollama or an OpenAI-compatible endpoint), then send your message again.',
      );
      expect(count()).toEqual({ c: 0, m: 0 });
      expect((await ws.request('conversations.list', {})).result.items).toEqual([]);

      const help = (await ws.request('chat.send', { text: '/help' })).result;
      expect(help.text).toContain('/usage');
      expect(count()).toEqual({ c: 1, m: 2 });
      const again = await ws.request('chat.send', { text: 'hello?', conversationId: help.conversationId });
      expect(again.error.data.code).toBe('no_model');
      const [user] = await messagesOf(ws, help.conversationId);
      expect((await ws.request('chat.edit', { conversationId: help.conversationId, messageId: user.id, text: 'a question' })).error.data.code).toBe('no_model');
      expect(count()).toEqual({ c: 1, m: 2 });
      expect((await messagesOf(ws, help.conversationId)).map((m) => m.text)).toEqual(['/help', help.text]);
    } finally {
      ws.close();
      await core.stop();
    }
  });
});

describe('Stop with a local llama model', () => {
  it('aborts node-llama-cpp generation of a long reply and keeps the partial text', { timeout: 120_000 }, async () => {
    const file = path.join(tempDataDir(), 'tiny.gguf');
    writeTinyGguf(file, { contextLength: 4096 }); // it never ends a reply on its own: each runs to its token limit
    // One thread on these machines (pickThreads: cores - 1), as the other llama tests run.
    const core = await startTestCore({ PERCH_MODEL: `llama:${file}` });
    const ws = await RpcSocket.open(core.gateway.url, { Authorization: `Bearer ${TEST_TOKEN}` });
    try {
      await ws.request('events.subscribe', { events: ['agent.delta'] });
      await ws.request('settings.update', { patch: { agent: { maxReplyTokens: 1024 }, memory: { recallLimit: 0 } } });
      // The full length first, for comparison (the tools' documentation takes ~1,500 tokens, so the reply gets 1,024).
      const whole = (await ws.request('chat.send', { text: 'hello' }, 60_000)).result;
      const wholeTokens = (await messagesOf(ws, whole.conversationId)).at(-1).tokensOut as number;
      expect(wholeTokens).toBe(1024);

      const from = ws.frames.length;
      const pending = ws.request('chat.send', { text: 'tell me a long story', conversationId: whole.conversationId }, 60_000);
      await ws.waitFor(() => streamedSince(ws, from).length >= 20, 30_000);
      const cancelAt = performance.now();
      expect((await ws.request('chat.cancel', { conversationId: whole.conversationId })).result).toEqual({ cancelled: true });
      const reply = (await pending).result;
      const resolvedMs = performance.now() - cancelAt;
      const stored = (await messagesOf(ws, whole.conversationId)).at(-1);
      console.log(`llama: chat.cancel → chat.send resolved after ${resolvedMs.toFixed(1)} ms; kept ${reply.text.length} characters, ${stored.tokensOut} of up to 1024 tokens`);

      expect(reply.stopped).toBe(true);
      expect(reply.text.length).toBeGreaterThanOrEqual(20);
      expect(stored).toMatchObject({ id: reply.messageId, role: 'assistant', text: reply.text, stopped: true, provider: 'llama' });
      expect(stored.tokensOut).toBeGreaterThan(0);
      expect(stored.tokensOut).toBeLessThan(wholeTokens);
      expect(streamedSince(ws, from)).toBe(reply.text); // what was shown is what was kept
      const shown = streamedSince(ws, from);
      await new Promise((r) => setTimeout(r, 150));
      expect(streamedSince(ws, from)).toBe(shown); // the tokens stopped

      // The model goes on answering afterwards.
      const next = (await ws.request('chat.send', { text: 'and then?', conversationId: whole.conversationId }, 60_000)).result;
      expect(next.stopped).toBe(false);
      expect(next.text.length).toBeGreaterThan(0);
    } finally {
      ws.close();
      await core.stop();
    }
  });
});
