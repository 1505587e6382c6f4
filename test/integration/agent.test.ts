import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../main/core';
import { startTestCore, TEST_TOKEN } from '../helpers/core';
import { tempDataDir } from '../helpers/data-dir';
import { RpcSocket } from '../helpers/rpc-socket';
import { freePort, spawnServe, waitForStart } from '../helpers/serve-process';
import { writeTinyGguf } from '../helpers/tiny-gguf';

// The agent through the gateway with a real model: node-llama-cpp loading a generated GGUF.
// The tiny model never stops early, so every reply runs to its token limit: allow for that.
const GEN = 60_000;

let modelFile: string;
beforeAll(() => {
  modelFile = path.join(tempDataDir(), 'tiny.gguf');
  // Its vocabulary is mostly byte tokens (about one token per character), so it needs room.
  // A token per character: the four tools' documentation alone takes about 1,500 tokens.
  writeTinyGguf(modelFile, { contextLength: 4096 });
});

describe('chat with a local llama model', () => {
  let core: Core;
  let ws: RpcSocket;
  beforeAll(async () => {
    core = await startTestCore({ PERCH_MODEL: `llama:${modelFile}` });
    ws = await RpcSocket.open(core.gateway.url, { Authorization: `Bearer ${TEST_TOKEN}` });
    await ws.request('events.subscribe', { events: ['agent.delta'] });
    // Short replies keep the suite quick; recall has tests of its own and would only crowd the window.
    await ws.request('settings.update', { patch: { agent: { maxReplyTokens: 256 }, memory: { recallLimit: 0 } } });
  });
  afterAll(async () => {
    ws.close();
    await core.stop();
  });

  it('answers chat.send with streamed agent.delta events and stores both sides', async () => {
    const reply = await ws.request('chat.send', { text: 'hello there' }, GEN);
    expect(reply.error).toBeUndefined();
    const { conversationId, messageId, text } = reply.result;
    expect(text.length).toBeGreaterThan(0);
    const deltas = ws.frames.filter((f: any) => f.method === 'agent.delta' && f.params.conversationId === conversationId);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.map((d: any) => d.params.text).join('')).toBe(text);

    const list = (await ws.request('conversations.list', {})).result;
    expect(list.items).toHaveLength(1);
    // A dashboard conversation's peer is its own id (the dashboard holds many).
    expect(list.items[0]).toMatchObject({ id: conversationId, channel: 'dashboard', peer: conversationId, title: 'hello there', messageCount: 2 });
    const messages = (await ws.request('conversations.messages', { conversationId })).result.items;
    expect(messages.map((m: any) => m.role)).toEqual(['user', 'assistant']);
    expect(messages[1]).toMatchObject({ id: messageId, text, provider: 'llama', model: 'tiny.gguf', promptVersion: 0 });
    expect(messages[1].tokensOut).toBeGreaterThan(0);
    expect(messages[1].tokensIn).toBeGreaterThan(0);
  });

  it('reports the loaded model in system.status and answers /model and /usage without generating', async () => {
    expect((await ws.request('system.status')).result.domains.inference).toEqual({ status: 'ok', detail: 'llama:tiny.gguf' });
    expect((await ws.request('chat.send', { text: '/model' })).result.text).toMatch(/^Answering with llama:tiny\.gguf \(context 4096 tokens\)/);
    expect((await ws.request('chat.send', { text: '/usage' })).result.text).toMatch(/This conversation: \d+ tokens in, \d+ out/);
    expect((await ws.request('chat.send', { text: '/help' })).result.text).toContain('/reset');
  });

  it('summarizes older turns when the history outgrows the window, and keeps every message', { timeout: 120_000 }, async () => {
    const long = 'Please remember this detail about the garden, the roses and the old apple tree near the fence. '.repeat(6);
    let conversationId: string | undefined;
    for (let i = 0; i < 5; i++) {
      const reply = await ws.request('chat.send', { text: `${i}: ${long}`, ...(conversationId ? { conversationId } : {}) }, GEN);
      expect(reply.error?.message).toBeUndefined();
      conversationId = reply.result.conversationId;
    }
    const row = core.db.prepare('SELECT summary, summary_until FROM conversations WHERE id = ?').get(conversationId) as { summary: string; summary_until: number };
    expect(row.summary_until).toBeGreaterThan(0);
    expect(row.summary.length).toBeGreaterThan(0);
    const all = (await ws.request('conversations.messages', { conversationId, limit: 500 })).result.items;
    const mine = all.filter((m: any) => m.role === 'user' && m.text.includes('old apple tree'));
    expect(mine.map((m: any) => m.text.split(':')[0])).toEqual(['0', '1', '2', '3', '4']);
    expect(all.filter((m: any) => m.role === 'assistant').length).toBe(all.filter((m: any) => m.role === 'user').length);
  });

  it('refuses a message that cannot fit the window, and keeps it', async () => {
    const huge = 'x'.repeat(5000); // about one token per character in this vocabulary
    const reply = await ws.request('chat.send', { text: huge }, GEN);
    expect(reply.error).toMatchObject({ code: -32012, data: { code: 'message_too_long' } });
    expect(reply.error.message).toMatch(/too long for the model's context window of 4096 tokens/);
    // Kept in the new conversation it started.
    const convo = (await ws.request('conversations.list', {})).result.items.find((c: any) => c.channel === 'dashboard');
    const stored = (await ws.request('conversations.messages', { conversationId: convo.id })).result.items;
    expect(stored).toMatchObject([{ role: 'user', text: huge }]);
  });

  it('pages through conversations and messages', async () => {
    // Other channels' conversations (a command needs no model time).
    for (const peer of ['alice', 'bob']) await core.agent.handle({ channel: 'telegram', peer, text: '/help' });
    const page1 = (await ws.request('conversations.list', { limit: 1 })).result;
    expect(page1.items).toHaveLength(1);
    const page2 = (await ws.request('conversations.list', { limit: 1, cursor: page1.nextCursor })).result;
    expect(page2.items).toHaveLength(1);
    expect(page2.items[0].id).not.toBe(page1.items[0].id);
    // The dashboard conversation with the most messages (each chat.send without an id started its own).
    const dashboard = (await ws.request('conversations.list', { limit: 10 })).result.items.filter((c: any) => c.channel === 'dashboard');
    const convo = dashboard.sort((a: any, b: any) => b.messageCount - a.messageCount)[0].id;
    expect(dashboard.length).toBeGreaterThan(2);
    const newest = (await ws.request('conversations.messages', { conversationId: convo, limit: 4 })).result;
    const older = (await ws.request('conversations.messages', { conversationId: convo, limit: 4, cursor: newest.nextCursor })).result;
    expect(older.items.at(-1).id).toBeLessThan(newest.items[0].id);
    expect((await ws.request('conversations.messages', { conversationId: convo, cursor: 'garbage!' })).error.code).toBe(-32602);
    expect((await ws.request('conversations.messages', { conversationId: 'nope' })).error.data.code).toBe('not_found');
    expect((await ws.request('chat.send', { text: 'hi', conversationId: 'nope' })).error.data.code).toBe('not_found');
  });

  it('answers ten concurrent messages to one conversation in order', { timeout: 180_000 }, async () => {
    const first = (await ws.request('chat.send', { text: 'start' }, GEN)).result.conversationId;
    ws.send(Array.from({ length: 10 }, (_, i) => ({ jsonrpc: '2.0', id: `o${i}`, method: 'chat.send', params: { text: `message ${i}`, conversationId: first } })));
    const replies = await ws.waitFor((f) => Array.isArray(f) && f[0]?.id === 'o0', 120_000);
    expect(replies.every((r: any) => r.result)).toBe(true);
    const items = (await ws.request('conversations.messages', { conversationId: first, limit: 500 })).result.items;
    const users = items.filter((m: any) => m.role === 'user').map((m: any) => m.text);
    expect(users).toEqual(['start', ...Array.from({ length: 10 }, (_, i) => `message ${i}`)]);
    const roles = items.map((m: any) => m.role).join(',');
    expect(roles).toBe(Array(11).fill('user,assistant').join(',')); // each answered before the next began
  });
});

describe('when the model is missing or wrong', () => {
  it('without a model, chat.send says how to set one up and stores nothing', async () => {
    const core = await startTestCore();
    const ws = await RpcSocket.open(core.gateway.url, { Authorization: `Bearer ${TEST_TOKEN}` });
    const reply = await ws.request('chat.send', { text: 'is anyone there?' });
    expect(reply.error).toMatchObject({ code: -32010, data: { code: 'no_model' } });
    expect(reply.error.message).toMatch(/^No model is set up yet\. Choose one in Setup/);
    expect((await ws.request('conversations.list', {})).result.items).toEqual([]);
    expect((await ws.request('chat.send', { text: '/help' })).result.text).toContain('/usage'); // commands still work
    ws.close();
    await core.stop();
  });

  it.each([
    ['a missing file', () => '/nonexistent/model.gguf', /does not exist or cannot be read/],
    ['a file that is not GGUF', () => { const f = path.join(tempDataDir(), 'fake.gguf'); fs.writeFileSync(f, 'not a model at all'); return f; }, /is not a GGUF model file/],
    ['a corrupt GGUF', () => { const f = path.join(tempDataDir(), 'broken.gguf'); fs.writeFileSync(f, fs.readFileSync(modelFile).subarray(0, 4096)); return f; }, /Cannot load .*broken\.gguf/],
  ])('with %s, chat.send explains, stores nothing, and system.status shows why', async (_label, make, message) => {
    const core = await startTestCore({ PERCH_MODEL: `llama:${make()}` });
    const ws = await RpcSocket.open(core.gateway.url, { Authorization: `Bearer ${TEST_TOKEN}` });
    const { error } = await ws.request('chat.send', { text: 'hello' });
    expect(error).toMatchObject({ code: -32011, data: { code: 'model_unavailable' } });
    expect(error.message).toMatch(/^Perch cannot use its model right now \(llama:/);
    expect(error.message).toMatch(new RegExp(message.source.replace(/^\^/, '')));
    expect((await ws.request('conversations.list', {})).result.items).toEqual([]);
    const inference = (await ws.request('system.status')).result.domains.inference;
    expect(inference.status).toBe('degraded');
    expect(inference.detail).toMatch(message);
    ws.close();
    await core.stop();
  });
});

describe('npm run serve with PERCH_MODEL=llama:…', () => {
  it('answers chat.send over the gateway and still lists the conversation after a restart', { timeout: 120_000 }, async () => {
    const env = { PERCH_DATA_DIR: tempDataDir(), PERCH_GATEWAY_PORT: String(await freePort()), PERCH_GATEWAY_TOKEN: TEST_TOKEN, PERCH_MODEL: `llama:${modelFile}` };
    let app = spawnServe(env);
    let ws = await RpcSocket.open((await waitForStart(app)).gateway, { Authorization: `Bearer ${TEST_TOKEN}` });
    await ws.request('events.subscribe', { events: ['agent.delta'] });
    const reply = (await ws.request('chat.send', { text: 'remember me' }, GEN)).result;
    expect(reply.text.length).toBeGreaterThan(0);
    expect(ws.frames.some((f: any) => f.method === 'agent.delta')).toBe(true);
    app.child.kill('SIGTERM');
    expect(await app.exited).toBe(0);

    app = spawnServe(env);
    ws = await RpcSocket.open((await waitForStart(app)).gateway, { Authorization: `Bearer ${TEST_TOKEN}` });
    const list = (await ws.request('conversations.list', {})).result.items;
    expect(list.map((c: any) => c.id)).toEqual([reply.conversationId]);
    const messages = (await ws.request('conversations.messages', { conversationId: reply.conversationId })).result.items;
    expect(messages.map((m: any) => [m.role, m.text])).toEqual([['user', 'remember me'], ['assistant', reply.text]]);
    app.child.kill('SIGTERM');
    expect(await app.exited).toBe(0);
  });
});
