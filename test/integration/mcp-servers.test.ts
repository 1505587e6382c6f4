import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../main/core';
import { startTestCore, TEST_TOKEN } from '../helpers/core';
import { scanLogs } from '../helpers/log-scan';
import { startOpenAIServer, type ModelServer } from '../helpers/model-servers';
import { RpcSocket } from '../helpers/rpc-socket';
import { freePort } from '../helpers/serve-process';

// MCP servers supervised by the core, against the real reference server (server-everything) over
// stdio and over Streamable HTTP: listed tools, a killed process restarted, a server that never
// answers the handshake marked failed (while chat goes on), and an mcpServers import whose env
// secret reaches the server's process but neither the database nor the logs.

const auth = { Authorization: `Bearer ${TEST_TOKEN}` };
const EVERYTHING = path.resolve(__dirname, '../../node_modules/@modelcontextprotocol/server-everything/dist/index.js');
const SECRET = 's3cret-value-123';
const HANDSHAKE_MS = 5_000;

async function until<T>(check: () => Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('MCP servers', () => {
  let model: ModelServer;
  let core: Core;
  let ws: RpcSocket;
  let httpServer: ChildProcess | null = null;

  const server = async (id: string) => ((await ws.request('mcp.servers.list', {})).result.items as any[]).find((s) => s.id === id);
  const ready = (id: string, timeoutMs = 30_000) => until(async () => ((await server(id))?.state === 'ready' ? server(id) : undefined), timeoutMs, `${id} to be ready`);
  const echo = (id: string, message: string) => core.mcp.hub.call(`${id}__echo`, { message }, { signal: new AbortController().signal, timeoutMs: 10_000 });

  beforeAll(async () => {
    model = await startOpenAIServer();
    core = await startTestCore({ PERCH_MODEL: `openai:gpt-test@${model.url}/v1`, PERCH_MCP_HANDSHAKE_MS: String(HANDSHAKE_MS), PERCH_MCP_RESTART_BASE_MS: '200' });
    ws = await RpcSocket.open(core.gateway.url, auth);
    await ws.request('events.subscribe', { events: ['mcp.server.status', 'mcp.tools.changed'] });
  }, 30_000);

  afterAll(async () => {
    ws?.close();
    await core?.stop();
    await model?.close();
    httpServer?.kill('SIGKILL');
  });

  it('runs server-everything over stdio and lists its tools', async () => {
    const added = await ws.request('mcp.servers.add', { name: 'Everything', transport: 'stdio', command: process.execPath, args: [EVERYTHING] });
    expect(added.error, JSON.stringify(added.error)).toBeUndefined();
    expect(added.result).toMatchObject({ id: 'everything', name: 'Everything', transport: 'stdio', envKeys: [], enabled: true, rule: 'ask' });
    const view = await ready('everything');
    expect(view.toolCount).toBeGreaterThan(5);
    const tools = (await ws.request('mcp.tools.list', { server: 'everything' })).result.items as any[];
    const byName = new Map(tools.map((t) => [t.name, t]));
    expect(byName.get('echo')).toMatchObject({ qualifiedName: 'everything__echo', server: 'everything', rule: null, effective: 'ask' });
    expect(byName.get('get-env')?.annotations.readOnlyHint).toBe(true);
    expect((await echo('everything', 'hi there')).text).toContain('hi there');
    const health = (await ws.request('system.status', {})).result.domains.mcp;
    expect(health).toMatchObject({ status: 'ok' });
    expect(health.detail).toContain('Everything: ready');
    console.log(`[mcp] stdio handshake + tools/list: ${core.mcp.runtime('everything').startMs} ms (${view.toolCount} tools)`);

    // The same name again (any case) is refused, and so is an unknown id.
    const again = await ws.request('mcp.servers.add', { name: 'everything', transport: 'stdio', command: 'node' });
    expect(again.error.data.code).toBe('invalid_mcp_server');
    expect(again.error.message).toMatch(/already set up/);
    expect((await ws.request('mcp.servers.restart', { id: 'nope' })).error.data.code).toBe('not_found');
    expect((await ws.request('mcp.servers.update', { id: 'everything', patch: { url: 'http://127.0.0.1:1/mcp' } })).error.message).toMatch(/stdio/);
  }, 60_000);

  it('gives a hung call a deadline, cancels it on abort, and logs the server\'s stderr', async () => {
    const long = { duration: 20, steps: 4 };
    const started = performance.now();
    await expect(core.mcp.hub.call('everything__trigger-long-running-operation', long, { signal: new AbortController().signal, timeoutMs: 1_000 })).rejects.toThrow(
      /did not answer within 1 s; the call was cancelled/,
    );
    const deadlineMs = Math.round(performance.now() - started);
    const abort = new AbortController();
    setTimeout(() => abort.abort(new Error('stopped by the owner')), 300);
    await expect(core.mcp.hub.call('everything__trigger-long-running-operation', long, { signal: abort.signal })).rejects.toThrow(/was cancelled/);
    await expect(core.mcp.hub.call('everything__no-such-tool', {}, { signal: abort.signal })).rejects.toThrow(/has no tool named no-such-tool/);
    // The server still answers after two cancelled calls.
    expect((await echo('everything', 'after cancel')).text).toContain('after cancel');
    console.log(`[mcp] a 20 s call with a 1 s deadline was cancelled after ${deadlineMs} ms`);
    const log = fs.readFileSync(core.log.file!, 'utf8');
    expect(log).toMatch(/mcp server stderr.*Starting default \(STDIO\) server/);
  }, 30_000);

  it('sets per-tool rules and a server rule', async () => {
    const updated = await ws.request('mcp.servers.update', { id: 'everything', patch: { rule: 'allow', tools: { echo: 'block' } } });
    expect(updated.result.rule).toBe('allow');
    const tools = new Map(((await ws.request('mcp.tools.list', { server: 'everything' })).result.items as any[]).map((t) => [t.name, t]));
    expect(tools.get('echo')).toMatchObject({ rule: 'block', effective: 'block' });
    expect(tools.get('get-env')).toMatchObject({ rule: null, effective: 'allow' }); // read-only follows the server's allow
    expect(core.mcp.hub.server('everything')).toEqual({ id: 'everything', rule: 'allow', contacts: false, toolRules: { echo: 'block' } });
    await ws.request('mcp.servers.update', { id: 'everything', patch: { rule: 'ask', tools: { echo: null } } });
    expect(core.mcp.hub.server('everything')?.toolRules).toEqual({});
  });

  it('runs the same server over Streamable HTTP on 127.0.0.1', async () => {
    const port = await freePort();
    httpServer = spawn(process.execPath, [EVERYTHING, 'streamableHttp'], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
    let said = '';
    httpServer.stderr!.on('data', (chunk) => (said += String(chunk)));
    await until(async () => said.includes('listening'), 15_000, 'the HTTP server to listen');
    const added = await ws.request('mcp.servers.add', { name: 'everything-http', transport: 'http', url: `http://127.0.0.1:${port}/mcp`, headers: { 'X-Test': 'header-value-42' } });
    expect(added.error, JSON.stringify(added.error)).toBeUndefined();
    expect(added.result).toMatchObject({ transport: 'http', url: `http://127.0.0.1:${port}/mcp`, headerKeys: ['X-Test'] });
    const view = await ready('everything-http');
    expect(view.toolCount).toBeGreaterThan(5);
    expect((await echo('everything-http', 'over http')).text).toContain('over http');
    console.log(`[mcp] Streamable HTTP handshake + tools/list: ${core.mcp.runtime('everything-http').startMs} ms (${view.toolCount} tools)`);
  }, 60_000);

  it('restarts a stdio server whose process was killed, and the next call works', async () => {
    const { pid } = core.mcp.runtime('everything');
    expect(pid).toBeGreaterThan(0);
    const seen = ws.frames.length;
    const killedAt = performance.now();
    process.kill(pid!, 'SIGKILL');
    const states = () => ws.frames.slice(seen).filter((f: any) => f.method === 'mcp.server.status' && f.params.id === 'everything').map((f: any) => f.params.state);
    await until(async () => states().includes('restarting'), 10_000, 'restarting');
    const during = (await server('everything')) as any;
    await until(async () => states().includes('ready'), 30_000, 'ready again');
    const recoveredMs = Math.round(performance.now() - killedAt);
    expect(states().indexOf('restarting')).toBeLessThan(states().lastIndexOf('ready'));
    expect(core.mcp.runtime('everything').pid).not.toBe(pid);
    expect((await echo('everything', 'back again')).text).toContain('back again');
    console.log(`[mcp] killed → ready again in ${recoveredMs} ms (states ${states().join(' → ')}; retry was due at ${during.nextRetryAt ?? 'n/a'})`);
  }, 60_000);

  it('marks a server that never answers the handshake failed, and chat keeps working', async () => {
    const started = performance.now();
    const added = await ws.request('mcp.servers.add', { name: 'silent', transport: 'stdio', command: process.execPath, args: ['-e', 'setInterval(() => {}, 1e9)'] });
    expect(added.error).toBeUndefined();
    const view = await until(async () => ((await server('silent'))?.state === 'failed' ? server('silent') : undefined), HANDSHAKE_MS + 10_000, 'failed');
    console.log(`[mcp] silent server marked failed after ${Math.round(performance.now() - started)} ms (deadline ${HANDSHAKE_MS} ms): ${view.detail}`);
    expect(view.detail).toMatch(/did not answer the MCP handshake within 5 s/);
    expect(view.toolCount).toBe(0);
    const status = (await ws.request('system.status', {})).result.domains.mcp;
    expect(status.status).toBe('degraded');
    expect(status.detail).toContain('silent');
    await expect(core.mcp.hub.call('silent__anything', {}, { signal: new AbortController().signal })).rejects.toThrow(/not ready \(failed/);
    const reply = await ws.request('chat.send', { text: 'still talking' }, 30_000);
    expect(reply.error, JSON.stringify(reply.error)).toBeUndefined();
    expect(reply.result.text).toContain('still talking');
    const missing = await ws.request('mcp.servers.add', { name: 'missing', transport: 'stdio', command: 'perch-no-such-command-here' });
    expect(missing.error).toBeUndefined();
    const gone = await until(async () => ((await server('missing'))?.state === 'failed' ? server('missing') : undefined), 10_000, 'missing failed');
    expect(gone.detail).toBe('The command "perch-no-such-command-here" was not found: check the command (and PATH).');
    await ws.request('mcp.servers.remove', { id: 'missing' });
    await ws.request('mcp.servers.remove', { id: 'silent' });
    expect(await server('silent')).toBeUndefined();
  }, 60_000);

  it('imports mcpServers JSON with an env secret that reaches the process but not the database or logs', async () => {
    // A bad entry names the server and the reason, and nothing of the file is added.
    const bad = await ws.request('mcp.servers.import', { json: JSON.stringify({ mcpServers: { fine: { command: 'node' }, broken: { url: 'ftp://example.org' } } }) });
    expect(bad.error.data.code).toBe('invalid_mcp_server');
    expect(bad.error.message).toMatch(/^Server "broken": .*http/);
    expect(await server('fine')).toBeUndefined();
    expect((await ws.request('mcp.servers.import', { json: '{"mcpServers": ' })).error.message).toMatch(/not valid JSON/);

    const json = JSON.stringify({ mcpServers: { imported: { command: process.execPath, args: [EVERYTHING], env: { API_KEY: SECRET } }, Everything: { command: 'node' } } });
    const result = (await ws.request('mcp.servers.import', { json })).result;
    expect(result).toEqual({ added: ['imported'], skipped: [{ name: 'Everything', reason: expect.stringMatching(/already set up/) }] });
    const view = await ready('imported');
    expect(view.envKeys).toEqual(['API_KEY']);
    expect(JSON.stringify(view)).not.toContain(SECRET);
    const env = await core.mcp.hub.call('imported__get-env', {}, { signal: new AbortController().signal, timeoutMs: 10_000 });
    const printed = JSON.parse(env.text) as Record<string, string>;
    expect(printed.API_KEY).toBe(SECRET);
    expect(printed.PERCH_GATEWAY_TOKEN).toBeUndefined(); // Perch's own environment stays out

    // An update that changes the secret restarts the server with the new value.
    await ws.request('mcp.servers.update', { id: 'imported', patch: { env: { API_KEY: 'other-secret-456' } } });
    await until(async () => {
      const text = (await core.mcp.hub.call('imported__get-env', {}, { signal: new AbortController().signal }).catch(() => ({ text: '{}' }))).text;
      return (JSON.parse(text) as Record<string, string>).API_KEY === 'other-secret-456';
    }, 30_000, 'the new env value');

    core.db.pragma('wal_checkpoint(PASSIVE)');
    const dbFile = path.join(core.config.dataDir, 'perch.db');
    for (const file of [dbFile, `${dbFile}-wal`]) {
      if (!fs.existsSync(file)) continue;
      const bytes = fs.readFileSync(file);
      expect(bytes.includes(SECRET), file).toBe(false);
      expect(bytes.includes('other-secret-456'), file).toBe(false);
      expect(bytes.includes('header-value-42'), file).toBe(false);
    }
    const scan = scanLogs(core.config.dataDir, [SECRET, 'other-secret-456', 'header-value-42']);
    expect(scan.lines).toBeGreaterThan(0);
    expect(scan.leaks).toEqual([]);
  }, 90_000);

  it('stops every server process when the core stops (no orphans)', async () => {
    const pids = ['everything', 'imported'].map((id) => core.mcp.runtime(id).pid);
    expect(pids.every((pid) => pid !== null && pid > 0)).toBe(true);
    const started = performance.now();
    await core.stop();
    console.log(`[mcp] core stopped with its MCP servers in ${Math.round(performance.now() - started)} ms`);
    for (const pid of pids) expect(() => process.kill(pid!, 0), `process ${pid}`).toThrow();
  }, 30_000);
});
