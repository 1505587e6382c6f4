import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createClient } from '../../main/contract/client';
import { RpcError } from '../../main/contract/errors';
import { events, eventNames } from '../../main/contract/events';
import { methodNames, methods } from '../../main/contract/methods';
import { modelSpecSchema, settingsPatchSchema } from '../../main/contract/settings';
import { createLocalTransport } from '../../main/gateway/local-transport';
import { createSession } from '../../main/gateway/session';
import { startTestCore } from '../helpers/core';

describe('the contract', () => {
  it('declares params and result schemas for every method and a payload for every event', () => {
    for (const name of methodNames) {
      expect(name).toMatch(/^[a-z]+(\.[a-z]+)?\.[a-zA-Z]+$/); // domain.action, or domain.part.action (approvals.rules.add)
      expect(methods[name].params).toBeInstanceOf(z.ZodType);
      expect(methods[name].result).toBeInstanceOf(z.ZodType);
    }
    for (const name of eventNames) expect(events[name]).toBeInstanceOf(z.ZodType);
  });

  it('accepts the documented model forms and rejects others', () => {
    for (const ok of ['llama:/m/model.gguf', 'ollama:llama3.2', 'ollama:qwen@http://127.0.0.1:11434', 'openai:gpt-4o@https://api.example.com/v1']) {
      expect(modelSpecSchema.safeParse(ok).success, ok).toBe(true);
    }
    for (const bad of ['gpt-4o', 'llama:/m/model.bin', 'openai:gpt-4o', 'openai:@http://x', 'ollama:x@ftp://y']) {
      expect(modelSpecSchema.safeParse(bad).success, bad).toBe(false);
    }
  });

  it('makes settings patches deep-partial and strict', () => {
    expect(settingsPatchSchema.safeParse({ gateway: { rateLimit: { burst: 10 } } }).success).toBe(true);
    const misspelt = settingsPatchSchema.safeParse({ gateway: { rateLimt: {} } });
    expect(misspelt.success).toBe(false);
  });
});

describe('the typed client', () => {
  it('calls the router and receives events through an in-process transport', async () => {
    const core = await startTestCore();
    try {
      const session = createSession('local', () => ({ perSecond: 100, burst: 100 }));
      session.authenticated = true;
      const transport = createLocalTransport(core.router, core.bus, session);
      const client = createClient(transport);
      expect((await client.call('system.ping')).pong).toBe(true);

      const seen: string[][] = [];
      const off = client.on('settings.changed', (payload) => seen.push(payload.changed));
      await new Promise((r) => setTimeout(r, 10)); // the subscribe call is in flight
      await client.call('settings.update', { patch: { logLevel: 'verbose' } });
      expect(seen).toEqual([['logLevel']]);
      off();
      await new Promise((r) => setTimeout(r, 10));
      expect(session.subscriptions.size).toBe(0);
      await client.call('settings.update', { patch: { logLevel: 'info' } });
      expect(seen).toHaveLength(1);

      await expect(client.call('settings.update', { patch: { logLevel: 'loud' as 'info' } })).rejects.toMatchObject({ code: -32602 });
      await expect(client.call('settings.update', { patch: { logLevel: 'loud' as 'info' } })).rejects.toBeInstanceOf(RpcError);
      transport.close();
    } finally {
      await core.stop();
    }
  });
});
