import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../main/core';
import { methodNames } from '../../main/contract/methods';
import { NO_MODEL_SERVER_HINT } from '../../main/inference/provider';
import { startTestCore, TEST_TOKEN } from '../helpers/core';
import { RpcSocket } from '../helpers/rpc-socket';

let core: Core;
let url: string;
let origin: string;

beforeAll(async () => {
  core = await startTestCore({}, { authTimeoutMs: 400 });
  url = core.gateway.url;
  origin = `http://127.0.0.1:${core.gateway.port}`;
});
afterAll(() => core.stop());

const authed = () => RpcSocket.open(url, { Authorization: `Bearer ${TEST_TOKEN}` });

function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    http
      .get(`${origin}${path}`, { headers }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
      })
      .on('error', reject);
  });
}

describe('authentication', () => {
  it('accepts the token as a bearer header on the upgrade', async () => {
    const ws = await authed();
    const reply = await ws.request('system.ping');
    expect(reply.result.pong).toBe(true);
    ws.close();
  });

  it('answers every method with -32001 before authentication, then works after auth.token', async () => {
    const ws = await RpcSocket.open(url);
    // In one batch: before sign-in a connection may send only a few frames (its sign-in budget).
    const calls = [...methodNames.filter((m) => !m.startsWith('auth.')), 'no.such.method'];
    ws.send(calls.map((method, id) => ({ jsonrpc: '2.0', id, method, params: {} })));
    const replies = await ws.waitFor((f) => Array.isArray(f));
    expect(replies).toHaveLength(calls.length);
    for (const reply of replies) {
      expect(reply.error.code, calls[reply.id]).toBe(-32001);
      expect(reply.error.data.code).toBe('unauthorized');
    }
    expect((await ws.request('auth.token', { token: TEST_TOKEN })).result).toEqual({ authenticated: true, via: 'token' });
    expect((await ws.request('system.ping')).result.pong).toBe(true);
    ws.close();
  });

  it('refuses a wrong bearer header with 401', async () => {
    await expect(RpcSocket.open(url, { Authorization: 'Bearer wrong-token-wrong-token-wrong' })).rejects.toMatchObject({ status: 401 });
  });

  it('closes the socket after 5 bad tokens', async () => {
    const ws = await RpcSocket.open(url);
    for (let i = 1; i <= 4; i++) {
      const reply = await ws.request('auth.token', { token: `bad-${i}` });
      expect(reply.error.code).toBe(-32001);
      expect(reply.error.data.attemptsLeft).toBe(5 - i);
    }
    ws.send({ jsonrpc: '2.0', id: 5, method: 'auth.token', params: { token: 'bad-5' } });
    const closed = await ws.waitClosed();
    expect(closed.code).toBe(1008);
    expect(closed.reason).toMatch(/too many invalid credentials/);
  });

  it('closes an unauthenticated socket after the auth timeout (10 s by default)', async () => {
    const { AUTH_TIMEOUT_MS } = await import('../../main/gateway/server');
    expect(AUTH_TIMEOUT_MS).toBe(10_000);
    const ws = await RpcSocket.open(url);
    const closed = await ws.waitClosed();
    expect(closed).toEqual({ code: 1008, reason: 'authentication timeout' });
  });

  it('keeps an authenticated socket open past the auth timeout', async () => {
    const ws = await RpcSocket.open(url);
    await ws.request('auth.token', { token: TEST_TOKEN });
    await new Promise((r) => setTimeout(r, 700));
    expect(ws.closed).toBeNull();
    expect((await ws.request('system.ping')).result.pong).toBe(true);
    ws.close();
  });

  it('exchanges a one-time login code for a session, exactly once', async () => {
    const link = core.issueLoginLink();
    const code = new URL(link.url).hash.replace('#login=', '');
    expect(link.url).not.toContain(TEST_TOKEN);
    const first = await RpcSocket.open(url);
    const login = await first.request('auth.login', { code });
    expect(login.result.session).toMatch(/^[\w-]{40,}$/);
    expect((await first.request('system.ping')).result.pong).toBe(true);

    const second = await RpcSocket.open(url);
    const again = await second.request('auth.login', { code });
    expect(again.error.data.code).toBe('login_code_invalid');

    // The session itself authenticates a new connection, like a reloaded dashboard.
    expect((await second.request('auth.token', { token: login.result.session })).result.via).toBe('session');
    first.close();
    second.close();
  });
});

describe('origin and host checks', () => {
  it('refuses an upgrade from a foreign Origin with 403', async () => {
    await expect(RpcSocket.open(url, { Origin: 'http://evil.example', Authorization: `Bearer ${TEST_TOKEN}` })).rejects.toMatchObject({ status: 403 });
  });

  it("accepts the gateway's own origin", async () => {
    const ws = await RpcSocket.open(url, { Origin: origin });
    expect((await ws.request('auth.token', { token: TEST_TOKEN })).result.authenticated).toBe(true);
    ws.close();
  });

  it('refuses a rebinding Host header', async () => {
    await expect(RpcSocket.open(url, { Host: `evil.example:${core.gateway.port}`, Origin: `http://evil.example:${core.gateway.port}` })).rejects.toMatchObject({ status: 403 });
    expect((await get('/health', { Host: 'evil.example' })).status).toBe(403);
  });
});

describe('JSON-RPC 2.0', () => {
  let ws: RpcSocket;
  beforeAll(async () => {
    ws = await authed();
  });
  afterAll(() => ws.close());

  it('keeps string and number ids', async () => {
    ws.send({ jsonrpc: '2.0', id: 42, method: 'system.ping' });
    ws.send({ jsonrpc: '2.0', id: 'abc', method: 'system.ping' });
    expect((await ws.waitFor((f) => f.id === 42)).result.pong).toBe(true);
    expect((await ws.waitFor((f) => f.id === 'abc')).result.pong).toBe(true);
  });

  it('answers a batch with an array in request order, leaving out notifications', async () => {
    ws.send([
      { jsonrpc: '2.0', id: 'b1', method: 'system.ping' },
      { jsonrpc: '2.0', method: 'system.ping' },
      { jsonrpc: '2.0', id: 'b2', method: 'nope' },
      { foo: 1 },
      { jsonrpc: '2.0', id: 'b3', method: 'settings.get' },
    ]);
    const batch = await ws.waitFor((f) => Array.isArray(f) && f[0]?.id === 'b1');
    expect(batch).toHaveLength(4);
    expect(batch.map((r: any) => r.id)).toEqual(['b1', 'b2', null, 'b3']);
    expect(batch[1].error.code).toBe(-32601);
    expect(batch[2].error.code).toBe(-32600);
    expect(batch[3].result.settings.logLevel).toBe('info');
  });

  it('sends nothing for notifications, nor for a batch of notifications', async () => {
    const before = ws.frames.length;
    ws.send({ jsonrpc: '2.0', method: 'system.ping' });
    ws.send([{ jsonrpc: '2.0', method: 'system.ping' }, { jsonrpc: '2.0', method: 'nope' }]);
    await ws.request('system.ping');
    expect(ws.frames.length).toBe(before + 1);
  });

  it.each([
    ['malformed JSON', '{"jsonrpc": "2.0", "method": ', -32700, null],
    ['an empty batch', '[]', -32600, null],
    ['a wrong jsonrpc value', JSON.stringify({ jsonrpc: '1.0', id: 'v', method: 'system.ping' }), -32600, 'v'],
    ['a missing method', JSON.stringify({ jsonrpc: '2.0', id: 'm' }), -32600, 'm'],
    ['an object id', JSON.stringify({ jsonrpc: '2.0', id: { a: 1 }, method: 'system.ping' }), -32600, null],
    ['scalar params', JSON.stringify({ jsonrpc: '2.0', id: 's', method: 'system.ping', params: 3 }), -32600, 's'],
    ['a number', '7', -32600, null],
    ['an unknown method', JSON.stringify({ jsonrpc: '2.0', id: 'u', method: 'system.reboot' }), -32601, 'u'],
    ['positional params', JSON.stringify({ jsonrpc: '2.0', id: 'p', method: 'system.ping', params: [1] }), -32602, 'p'],
  ])('answers %s with %i', async (_label, text, code, id) => {
    const before = ws.frames.length;
    ws.send(text);
    const reply = await ws.waitFor((f) => ws.frames.indexOf(f) >= before);
    expect(reply).toMatchObject({ jsonrpc: '2.0', id, error: { code } });
    expect(typeof reply.error.message).toBe('string');
  });

  it('names the invalid field in -32602', async () => {
    const reply = await ws.request('settings.update', { patch: { gateway: { rateLimit: { perSecond: 'fast' } } } });
    expect(reply.error.code).toBe(-32602);
    expect(reply.error.message).toContain('patch.gateway.rateLimit.perSecond');
    expect(reply.error.data.issues[0].path).toBe('patch.gateway.rateLimit.perSecond');
    const unknownKey = await ws.request('system.ping', { extra: true });
    expect(unknownKey.error.code).toBe(-32602);
    expect(unknownKey.error.message).toContain('extra');
  });

  it('answers frames over 1 MiB with an error and keeps the connection usable', async () => {
    const before = ws.frames.length;
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 'big', method: 'system.ping', params: { pad: 'x'.repeat(1024 * 1024) } }));
    const reply = await ws.waitFor((f) => ws.frames.indexOf(f) >= before);
    expect(reply.error).toMatchObject({ code: -32003, data: { code: 'payload_too_large' } });
    expect((await ws.request('system.ping')).result.pong).toBe(true);
  });

  it('answers binary frames and invalid UTF-8 with errors and stays usable', async () => {
    let before = ws.frames.length;
    ws.send(Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 'bin', method: 'system.ping' })), true);
    expect((await ws.waitFor((f) => ws.frames.indexOf(f) >= before)).error.data.code).toBe('binary_frame');
    before = ws.frames.length;
    ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), false);
    expect((await ws.waitFor((f) => ws.frames.indexOf(f) >= before)).error.code).toBe(-32700);
    expect((await ws.request('system.ping')).result.pong).toBe(true);
  });

  it('refuses a batch over 100 requests', async () => {
    const before = ws.frames.length;
    ws.send(Array.from({ length: 101 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'system.ping' })));
    expect((await ws.waitFor((f) => ws.frames.indexOf(f) >= before)).error.data.code).toBe('batch_too_large');
  });
});

describe('rate limit', () => {
  it('answers with a clear application error when a connection exceeds its bucket', async () => {
    const ws = await authed();
    expect((await ws.request('settings.update', { patch: { gateway: { rateLimit: { perSecond: 1, burst: 5 } } } })).result).toBeDefined();
    try {
      ws.send(Array.from({ length: 10 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'system.ping' })));
      const batch = await ws.waitFor((f) => Array.isArray(f));
      const limited = batch.filter((r: any) => r.error?.code === -32002);
      expect(limited.length).toBeGreaterThanOrEqual(5);
      expect(limited[0].error.data).toMatchObject({ code: 'rate_limited' });
      expect(limited[0].error.data.retryAfterMs).toBeGreaterThan(0);
      expect(limited[0].error.message).toMatch(/Too many requests/);
    } finally {
      core.settings.update({ gateway: { rateLimit: { perSecond: 2000, burst: 4000 } } });
    }
    ws.close();
  });
});

describe('bad input does not hurt the process or other connections', () => {
  it('survives a fuzz of 1,000 random payloads', async () => {
    const bystander = await authed();
    const ws = await authed();
    let seed = 20261123;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pick = <T,>(items: T[]): T => items[Math.floor(rand() * items.length)]!;
    const randomValue = (depth = 0): unknown => {
      const kind = Math.floor(rand() * (depth > 2 ? 5 : 7));
      if (kind === 0) return null;
      if (kind === 1) return rand() > 0.5;
      if (kind === 2) return pick([0, -1, 1e308, NaN, 42, -32600, 2 ** 53]);
      if (kind === 3) return pick(['', '2.0', 'system.ping', 'auth.token', '\u0000', '𝕏'.repeat(10), '__proto__']);
      if (kind === 4) return 'x'.repeat(Math.floor(rand() * 100));
      if (kind === 5) return Array.from({ length: Math.floor(rand() * 4) }, () => randomValue(depth + 1));
      return Object.fromEntries(Array.from({ length: Math.floor(rand() * 4) }, () => [pick(['jsonrpc', 'id', 'method', 'params', 'constructor', 'x']), randomValue(depth + 1)]));
    };
    for (let i = 0; i < 1000; i++) {
      const mode = i % 4;
      if (mode === 0) ws.send(Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 64) }, () => Math.floor(rand() * 256))), rand() > 0.5);
      else if (mode === 1) ws.send(JSON.stringify(randomValue()));
      else if (mode === 2) ws.send({ jsonrpc: pick(['2.0', '2', 2, null]), id: pick([i, `f${i}`, null, {}]), method: pick([...methodNames, 'x', '']), params: randomValue() });
      else ws.send(JSON.stringify({ jsonrpc: '2.0', id: i, method: 'settings.update', params: { patch: randomValue() } }).slice(0, Math.floor(rand() * 80) + 10));
      if (i % 100 === 99) expect((await ws.request('system.ping')).result.pong).toBe(true);
    }
    expect(ws.closed).toBeNull();
    expect((await ws.request('system.ping')).result.pong).toBe(true);
    expect((await bystander.request('system.status')).result.version).toBe(core.version);
    // Fuzzed settings updates never stored anything invalid.
    expect((await bystander.request('settings.get')).result.settings.gateway.rateLimit.perSecond).toBeGreaterThan(0);
    ws.close();
    bystander.close();
  });
});

/** Writes raw bytes to the gateway port and returns what came back before the socket ended. */
function raw(request: string, opts: { reset?: boolean } = {}): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(core.gateway.port, '127.0.0.1', () => {
      socket.write(request);
      if (opts.reset) socket.resetAndDestroy();
    });
    let got = '';
    socket.on('data', (d) => (got += d));
    socket.on('error', () => resolve(got));
    socket.on('close', () => resolve(got));
    setTimeout(() => (socket.destroy(), resolve(got)), 2000);
  });
}

const upgradeRequest = (path: string, headers = '') =>
  `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${core.gateway.port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
  `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${headers}\r\n`;

describe('hostile requests do not take the process down', () => {
  it('answers unparseable request targets with 400, over HTTP and on upgrade', async () => {
    expect(await raw(`GET //: HTTP/1.1\r\nHost: 127.0.0.1:${core.gateway.port}\r\nConnection: close\r\n\r\n`)).toMatch(/^HTTP\/1\.1 400/);
    expect(await raw(upgradeRequest('//:'))).toMatch(/^HTTP\/1\.1 404/);
    expect((await get('/health')).status).toBe(200);
  });

  it('survives a peer resetting the connection while its upgrade is refused', async () => {
    for (let i = 0; i < 20; i++) await raw(upgradeRequest('/rpc', 'Origin: http://evil.example\r\n'), { reset: true });
    expect((await get('/health')).status).toBe(200);
  });

  it('stops checking credentials after 5 bad ones, even inside one batch', async () => {
    const ws = await RpcSocket.open(url);
    const batch = [
      ...Array.from({ length: 5 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'auth.token', params: { token: `guess-${i}` } })),
      { jsonrpc: '2.0', id: 'right', method: 'auth.token', params: { token: TEST_TOKEN } },
      { jsonrpc: '2.0', id: 'after', method: 'system.ping' },
    ];
    ws.send(batch);
    const replies = await ws.waitFor((f) => Array.isArray(f));
    expect(replies.find((r: any) => r.id === 'right').error).toMatchObject({ code: -32001, message: 'Too many invalid credentials on this connection' });
    expect(replies.find((r: any) => r.id === 'after').error.code).toBe(-32001);
    ws.send({ jsonrpc: '2.0', id: 'late', method: 'auth.token', params: { token: TEST_TOKEN } });
    expect((await ws.waitClosed()).code).toBe(1008);
    expect(ws.frames.some((f: any) => f.id === 'late')).toBe(false);
  });

  it('caps unauthenticated connections: a newcomer past the cap closes the oldest one, never a signed-in one', async () => {
    const { CONNECTION_LIMITS } = await import('../../main/gateway/server');
    const signedIn = await authed();
    const open: RpcSocket[] = [];
    for (let i = 0; i < CONNECTION_LIMITS.unauthenticated + 1; i++) open.push(await RpcSocket.open(url));
    // The first one made room for the last; the last can sign in, the signed-in one is untouched.
    expect(await open[0]!.waitClosed()).toEqual({ code: 1013, reason: 'too many connections waiting to sign in' });
    expect(open.slice(1).every((ws) => ws.closed === null)).toBe(true);
    expect((await open.at(-1)!.request('auth.token', { token: TEST_TOKEN })).result.authenticated).toBe(true);
    expect((await signedIn.request('system.ping')).result.pong).toBe(true);
    for (const ws of [...open, signedIn]) ws.close();
    await Promise.all(open.map((ws) => ws.waitClosed()));
  });

  it('answers an unauthenticated caller with -32001 even when its bucket is empty', async () => {
    const ws = await RpcSocket.open(url);
    ws.send(Array.from({ length: 100 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'system.ping' })));
    const replies = await ws.waitFor((f) => Array.isArray(f));
    expect(new Set(replies.map((r: any) => r.error.code))).toEqual(new Set([-32001]));
    ws.close();
  });
});

describe('events', () => {
  it('delivers settings.changed as a notification only to subscribed connections', async () => {
    const subscriber = await authed();
    const other = await authed();
    expect((await subscriber.request('events.subscribe', { events: ['settings.changed'] })).result.subscribed).toEqual(['settings.changed']);
    const invalid = await subscriber.request('events.subscribe', { events: ['no.such.event'] });
    expect(invalid.error.code).toBe(-32602);
    await other.request('settings.update', { patch: { logLevel: 'debug' } });
    const note = await subscriber.waitFor((f) => f.method === 'settings.changed');
    expect(note).toMatchObject({ jsonrpc: '2.0', params: { changed: ['logLevel'], settings: { logLevel: 'debug' } } });
    expect(note.id).toBeUndefined();
    await other.request('system.ping');
    expect(other.frames.some((f: any) => f.method === 'settings.changed')).toBe(false);
    await other.request('settings.update', { patch: { logLevel: 'info' } });
    subscriber.close();
    other.close();
  });
});

describe('system', () => {
  it('reports version, uptime, data dir and the health of each domain', async () => {
    const ws = await authed();
    const { result } = await ws.request('system.status');
    expect(result).toMatchObject({ version: core.version, mode: 'headless', dataDir: core.config.dataDir, secrets: { backend: 'file' }, gatewayToken: { source: 'env' } });
    expect(result.uptimeMs).toBeGreaterThanOrEqual(0);
    expect(Object.keys(result.domains).sort()).toEqual(['audit', 'channels', 'gateway', 'inference', 'mcp', 'memory', 'privacy', 'scheduler', 'secrets', 'settings', 'store']);
    expect(result.domains.inference).toEqual({ status: 'degraded', detail: NO_MODEL_SERVER_HINT });
    expect(result.domains.store.detail).toMatch(/sqlite-vec v0\.1/);
    expect(result.domains.secrets.status).toBe('degraded');
    ws.close();
  });

  it('runs a tool through tools.invoke with the same validation as the agent', async () => {
    const ws = await authed();
    expect((await ws.request('tools.invoke', { name: 'get_time', args: { timezone: 'Asia/Tokyo' } })).result).toMatchObject({
      ok: true,
      output: expect.stringContaining('(Asia/Tokyo; ISO '),
    });
    expect((await ws.request('tools.invoke', { name: 'get_time', args: { timezone: 'Nowhere/Land' } })).result).toEqual({
      ok: false,
      error: 'Invalid arguments for get_time: timezone: expected an IANA time zone such as Europe/Berlin',
    });
    expect((await ws.request('tools.invoke', { name: 'rm_rf', args: {} })).result).toEqual({ ok: false, error: 'Unknown tool "rm_rf". Available: get_time, web_fetch, exec, memory_search, memory_write, schedule_reminder' });
    ws.close();
  });

  it('has a handler for every contract method', () => {
    expect(core.router.missing()).toEqual([]);
  });
});

describe('HTTP', () => {
  it('answers /health and /ready', async () => {
    expect(await get('/health')).toMatchObject({ status: 200, body: '{"status":"ok"}' });
    expect(await get('/ready')).toMatchObject({ status: 200, body: '{"status":"ready"}' });
  });

  it('reports 503 with the failing checks when a domain is down', async () => {
    core.health.register('probe', () => ({ status: 'down', detail: 'test failure' }));
    try {
      const res = await get('/ready');
      expect(res.status).toBe(503);
      expect(JSON.parse(res.body).failing).toEqual([{ domain: 'probe', status: 'down', detail: 'test failure' }]);
    } finally {
      core.health.register('probe', () => ({ status: 'ok' }));
    }
  });

  it('requires the bearer token for /metrics', async () => {
    expect((await get('/metrics')).status).toBe(401);
    expect((await get('/metrics', { Authorization: 'Bearer nope' })).status).toBe(401);
    const res = await get('/metrics', { Authorization: `Bearer ${TEST_TOKEN}` });
    expect(res.status).toBe(200);
    expect(res.body).toContain('perch_rpc_requests_total{method="system.ping",outcome="ok"}');
    expect(res.body).toContain('perch_ws_connections');
    expect(res.body).not.toContain(TEST_TOKEN);
  });

  it('serves the dashboard with a CSP and never the token', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    expect(res.body).toContain('<div id="root">');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.body).not.toContain(TEST_TOKEN);
    expect((await get('/../../etc/passwd')).body).not.toContain('root:');
  });
});

describe('logs', () => {
  it('record each request with its correlation id at debug level', async () => {
    const fs = await import('node:fs');
    const ws = await authed();
    await ws.request('settings.update', { patch: { logLevel: 'debug' } });
    await ws.request('system.ping');
    await ws.request('settings.update', { patch: { logLevel: 'info' } });
    ws.close();
    const lines = fs.readFileSync(core.log.file!, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const ping = lines.find((l) => l.msg === 'rpc' && l.method === 'system.ping');
    expect(ping).toMatchObject({ level: 'debug', outcome: 'ok', correlationId: expect.stringMatching(/^ws\d+-\d+$/) });
    expect(ping.ms).toBeGreaterThanOrEqual(0);
  });

  it('never contain the token', async () => {
    const fs = await import('node:fs');
    const text = fs.readFileSync(core.log.file!, 'utf8');
    expect(text.length).toBeGreaterThan(0);
    expect(text).not.toContain(TEST_TOKEN);
    for (const line of text.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
  });
});
