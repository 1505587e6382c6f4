import { describe, expect, it } from 'vitest';
import { startCore } from '../../main/core';
import { startTestCore, TEST_TOKEN } from '../helpers/core';
import { tempDataDir } from '../helpers/data-dir';
import { startOpenAIServer } from '../helpers/model-servers';
import { RpcSocket } from '../helpers/rpc-socket';

// What the Settings page needs beyond settings: the log viewer, gateway token rotation and an API
// key entered once and kept as a secret.

describe('settings beyond settings', () => {
  it('shows the end of the log, filtered by level', async () => {
    const core = await startTestCore();
    const ws = await RpcSocket.open(core.gateway.url, { Authorization: `Bearer ${TEST_TOKEN}` });
    try {
      const all = (await ws.request('system.logs', { lines: 50 })).result;
      expect(all.file).toBe(core.log.file);
      expect(all.items.some((e: { message: string }) => e.message === 'Perch started')).toBe(true);
      const warnings = (await ws.request('system.logs', { level: 'warn' })).result.items as Array<{ level: string }>;
      expect(warnings.length).toBeGreaterThan(0); // the keychain fallback
      expect(warnings.every((e) => e.level === 'warn' || e.level === 'error')).toBe(true);
      expect((await ws.request('system.logs', { lines: 0 })).error).toMatchObject({ code: -32602 });
    } finally {
      ws.close();
      await core.stop();
    }
  });

  it('rotates the gateway token: the new one works, the old one and every session stop', async () => {
    const dataDir = tempDataDir();
    const start = () => startCore({ mode: 'headless', env: { PERCH_DATA_DIR: dataDir, PERCH_GATEWAY_PORT: '0' }, consoleLog: false, staticDir: null, loadKeytar: () => Promise.reject(new Error('no keychain')) });
    let core = await start();
    try {
      const old = await core.secrets.get('gateway-token');
      const ws = await RpcSocket.open(core.gateway.url, { Authorization: `Bearer ${old}` });
      const { token, sessionsEnded } = (await ws.request('auth.rotateToken')).result;
      expect(token).not.toBe(old);
      expect(sessionsEnded).toBe(0);
      ws.close();
      await expect(RpcSocket.open(core.gateway.url, { Authorization: `Bearer ${old}` })).rejects.toThrow();
      const fresh = await RpcSocket.open(core.gateway.url, { Authorization: `Bearer ${token}` });
      expect((await fresh.request('system.ping')).result.pong).toBe(true);
      expect((await fresh.request('audit.list', {})).result.items[0]).toMatchObject({ action: 'gateway.token.rotated', surface: 'dashboard' });
      fresh.close();
      await core.stop();
      core = await start(); // kept across a restart
      const again = await RpcSocket.open(core.gateway.url, { Authorization: `Bearer ${token}` });
      expect((await again.request('system.ping')).result.pong).toBe(true);
      again.close();
    } finally {
      await core.stop();
    }
    // A token set in the environment is the environment's to change.
    const envCore = await startTestCore();
    const ws = await RpcSocket.open(envCore.gateway.url, { Authorization: `Bearer ${TEST_TOKEN}` });
    expect((await ws.request('auth.rotateToken')).error.message).toMatch(/PERCH_GATEWAY_TOKEN/);
    ws.close();
    await envCore.stop();
  });

  it('keeps an API key entered in the dashboard as a secret and uses it at once', async () => {
    const model = await startOpenAIServer();
    const core = await startTestCore({ PERCH_MODEL: `openai:gpt-test@${model.url}/v1` });
    const ws = await RpcSocket.open(core.gateway.url, { Authorization: `Bearer ${TEST_TOKEN}` });
    try {
      await ws.request('chat.send', { text: 'before' });
      expect(model.requests.at(-1)!.headers.authorization).toBe('Bearer not-needed');
      expect((await ws.request('secrets.set', { name: 'openai-api-key', value: 'sk-perch-test-0123456789' })).result).toEqual({ stored: true, backend: 'file' });
      await ws.request('chat.send', { text: 'after' });
      expect(model.requests.at(-1)!.headers.authorization).toBe('Bearer sk-perch-test-0123456789');
      expect(JSON.stringify((await ws.request('settings.get')).result)).not.toContain('sk-perch-test');
      expect((await ws.request('secrets.set', { name: 'gateway-token', value: 'x' })).error).toMatchObject({ code: -32602 });
      expect((await ws.request('audit.list', {})).result.items[0]).toMatchObject({ action: 'secret.set', subject: 'secret:openai-api-key', details: {} });
    } finally {
      ws.close();
      await core.stop();
      await model.close();
    }
  });
});
