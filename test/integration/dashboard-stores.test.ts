import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../main/contract/client';
import type { Core } from '../../main/core';
import { createLocalTransport } from '../../main/gateway/local-transport';
import { createSession } from '../../main/gateway/session';
import { useApprovals } from '../../renderer/src/stores/approvals';
import { useChat } from '../../renderer/src/stores/chat';
import { call, useSession } from '../../renderer/src/stores/session';
import { startTestCore } from '../helpers/core';
import { startOpenAIServer, type ModelServer } from '../helpers/model-servers';

// The dashboard's stores against a real core through the same typed client the renderer uses
// (here over the in-process transport): approvals followed live and decided, the owner's chat
// streamed and stored, and errors kept where the page shows them.

const until = async (check: () => boolean, ms = 5_000) => {
  for (const end = Date.now() + ms; !check() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
};

describe('dashboard stores', () => {
  let model: ModelServer;
  let core: Core;
  beforeAll(async () => {
    model = await startOpenAIServer();
    core = await startTestCore({ PERCH_MODEL: `openai:gpt-test@${model.url}/v1` });
    const session = createSession('local', () => ({ perSecond: 1000, burst: 1000 }));
    session.authenticated = true;
    useSession.getState().useClient(createClient(createLocalTransport(core.router, core.bus, session)));
  });
  afterAll(async () => {
    await core.stop();
    await model.close();
  });

  it('follows approvals as they are requested and decided, and decides one', async () => {
    const stop = useApprovals.getState().follow();
    await useApprovals.getState().load();
    expect(useApprovals.getState().pending).toEqual([]);
    const approved = call('tools.invoke', { name: 'exec', args: { command: 'echo from-the-store' } });
    const denied = call('tools.invoke', { name: 'exec', args: { command: 'echo refused' } });
    await until(() => useApprovals.getState().pending.length === 2);
    const [second, first] = useApprovals.getState().pending;
    expect(first!.command).toBe('echo from-the-store');
    await useApprovals.getState().decide(first!.id, 'approve');
    expect(await approved).toEqual({ ok: true, output: 'from-the-store', exitCode: 0 });
    expect(useApprovals.getState().history[0]).toMatchObject({ id: first!.id, status: 'approved', run: { exitCode: 0, output: 'from-the-store' } });
    await useApprovals.getState().decide(second!.id, 'deny');
    expect(await denied).toMatchObject({ ok: false });
    expect(useApprovals.getState().pending).toEqual([]);
    // Deciding twice keeps the error where the page shows it.
    await useApprovals.getState().decide(second!.id, 'approve');
    expect(useApprovals.getState().deciding[second!.id]).toEqual({ error: expect.stringMatching(/already/) });
    stop();
  });

  it('sends the owner’s chat, streams the reply, opens the new conversation and lists it', async () => {
    const stop = useChat.getState().follow();
    await useChat.getState().select(null);
    const streamed: string[] = [];
    const unwatch = useChat.subscribe((s) => s.streaming && streamed.push(s.streaming));
    await useChat.getState().send('hello store');
    unwatch();
    const state = useChat.getState();
    expect(streamed.at(-1)).toBe('You said: hello store');
    expect(state.selected).toEqual(expect.any(String));
    expect(state.messages.map((m) => [m.role, m.text])).toEqual([
      ['user', 'hello store'],
      ['assistant', 'You said: hello store'],
    ]);
    expect(state.conversations[0]).toMatchObject({ id: state.selected, channel: 'dashboard', title: 'hello store' });
    stop();
  });

  it('keeps a failed send as an error, not as a reply', async () => {
    model.failing = true;
    try {
      await useChat.getState().send('are you there?');
    } finally {
      model.failing = false;
    }
    // Every model failing is answered with an apology (not an error): the chat shows it as the reply.
    expect(useChat.getState().messages.at(-1)!.text).toMatch(/can't reach my model/);
    await useChat.getState().send('x'.repeat(40_000));
    expect(useChat.getState().error?.text).toMatch(/32000|too long|at most/i);
  });
});
