import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../main/core';
import { startTestCore, TEST_TOKEN } from '../helpers/core';
import { startOpenAIServer, type ModelServer } from '../helpers/model-servers';
import { RpcSocket } from '../helpers/rpc-socket';
import { freePort } from '../helpers/serve-process';

// The real Baileys with no WhatsApp to reach (its WebSocket address points at a closed loopback
// port, as a machine without network fails): a clear error with the next retry time, an idle CPU
// while it waits, and the rest of Perch unaffected.

describe('WhatsApp with no network', () => {
  let model: ModelServer;
  let core: Core;
  let ws: RpcSocket;
  beforeAll(async () => {
    model = await startOpenAIServer();
    core = await startTestCore({ PERCH_WHATSAPP: '1', PERCH_WHATSAPP_WS_URL: `ws://127.0.0.1:${await freePort()}/ws/chat`, PERCH_MODEL: `openai:gpt-test@${model.url}/v1` });
    ws = await RpcSocket.open(core.gateway.url, { Authorization: `Bearer ${TEST_TOKEN}` });
  });
  afterAll(async () => {
    ws.close();
    await core.stop();
    await model.close();
  });

  it('shows a clear error with the next retry, stays idle between retries, and Perch keeps working', async () => {
    let view: { state: string; detail: string | null; nextRetryAt: string | null } | undefined;
    for (let i = 0; i < 200; i++) {
      view = (await ws.request('channels.list')).result.items.find((c: { channel: string }) => c.channel === 'whatsapp');
      if (view?.state === 'error') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(view).toMatchObject({ state: 'error', detail: expect.stringMatching(/cannot reach WhatsApp/) });
    const retryIn = new Date(view!.nextRetryAt!).getTime() - Date.now();
    expect(retryIn).toBeGreaterThan(0);
    expect(retryIn).toBeLessThanOrEqual(2_000);
    // Read while the error stands: once the retry starts the state is "connecting" again.
    const status = (await ws.request('system.status')).result.domains.channels;
    expect(status).toMatchObject({ status: 'degraded', detail: expect.stringContaining('whatsapp: error (cannot reach WhatsApp') });

    // Waiting for the retry costs (next to) nothing: no polling, no spinning.
    const cpu = process.cpuUsage();
    const wall = performance.now();
    await new Promise((r) => setTimeout(r, Math.max(0, retryIn - 100)));
    const used = process.cpuUsage(cpu);
    const share = (used.user + used.system) / 1000 / (performance.now() - wall);
    expect(share).toBeLessThan(0.1);

    expect((await ws.request('system.ping')).result).toBeDefined();
    expect((await ws.request('chat.send', { text: 'are you still there?' }, 10_000)).result.text).toBe('You said: are you still there?');

    // The retries back off: the second wait is longer than the first could be.
    let second: typeof view;
    for (let i = 0; i < 100; i++) {
      second = (await ws.request('channels.list')).result.items.find((c: { channel: string }) => c.channel === 'whatsapp');
      if (second?.nextRetryAt && second.nextRetryAt !== view!.nextRetryAt) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(new Date(second!.nextRetryAt!).getTime() - Date.now()).toBeGreaterThan(1_500);
  });
});
