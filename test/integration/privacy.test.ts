import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../main/core';
import { startTestCore, TEST_TOKEN } from '../helpers/core';
import { startOpenAIServer, type ModelServer } from '../helpers/model-servers';
import { RpcSocket } from '../helpers/rpc-socket';

// Taking the owner's data out and away: a JSON archive of a conversation or of everything, from
// the dashboard (RPC) and from a chat (/export), and wiping a conversation with its memory rows,
// from the dashboard and from a chat (/wipe confirm).

describe('export and wipe', () => {
  let model: ModelServer;
  let core: Core;
  let ws: RpcSocket;
  beforeAll(async () => {
    model = await startOpenAIServer();
    core = await startTestCore({ PERCH_MODEL: `openai:gpt-test@${model.url}/v1` });
    ws = await RpcSocket.open(core.gateway.url, { Authorization: `Bearer ${TEST_TOKEN}` });
  });
  afterAll(async () => {
    ws.close();
    await core.stop();
    await model.close();
  });

  it('exports a conversation and everything as JSON archives, from the dashboard and from the chat', async () => {
    const { conversationId } = (await ws.request('chat.send', { text: 'the blue door code is 4711' })).result;
    const one = (await ws.request('conversations.export', { conversationId })).result.archive;
    expect(one.conversations).toHaveLength(1);
    expect(one.conversations[0].messages.map((m: { role: string; text: string }) => [m.role, m.text])).toEqual([
      ['user', 'the blue door code is 4711'],
      ['assistant', 'You said: the blue door code is 4711'],
    ]);
    const reply = (await ws.request('chat.send', { text: '/export', conversationId })).result.text as string;
    const file = /to (\/.+\.json)\.$/.exec(reply)![1]!;
    expect(reply).toMatch(/^Exported this conversation \(3 messages\)/); // the /export itself is stored first
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).conversations[0].id).toBe(conversationId);
    expect((await ws.request('conversations.export', {})).result.archive.conversations.length).toBeGreaterThanOrEqual(1);
    expect((await ws.request('conversations.export', { conversationId: 'nope' })).error).toMatchObject({ data: { code: 'not_found' } });
  });

  it('wipes a conversation with its memory rows, from the dashboard', async () => {
    const { conversationId } = (await ws.request('chat.send', { text: 'my locker combination is zebra-9' })).result;
    await new Promise((r) => setTimeout(r, 1_200)); // the transcript is indexed shortly after
    expect((await ws.request('memory.search', { query: 'zebra locker' })).result.items.length).toBeGreaterThan(0);
    expect((await ws.request('conversations.wipe', { conversationId })).result).toEqual({ messages: 6, chatMessages: 0 }); // the owner's one dashboard chat, with the first test's messages
    expect((await ws.request('conversations.list', {})).result.items.some((c: { id: string }) => c.id === conversationId)).toBe(false);
    expect((await ws.request('memory.search', { query: 'zebra locker' })).result.items).toEqual([]);
    expect((await ws.request('conversations.wipe', { conversationId })).error).toMatchObject({ data: { code: 'not_found' } });
  });

  it('wipes from the chat only after a confirmation, and answers without storing', async () => {
    const { conversationId } = (await ws.request('chat.send', { text: 'remember nothing of this' })).result;
    expect((await ws.request('chat.send', { text: '/wipe', conversationId })).result.text).toMatch(/Send \/wipe confirm/);
    const done = (await ws.request('chat.send', { text: '/wipe confirm', conversationId })).result;
    expect(done.text).toMatch(/^Deleted this conversation \(5 messages\)/);
    expect(core.db.prepare('SELECT count(*) AS n FROM messages WHERE conversation_id = ?').get(conversationId)).toEqual({ n: 0 });
    // The next message starts afresh.
    expect((await ws.request('chat.send', { text: 'hello again' })).result.text).toBe('You said: hello again');
  });
});
