import fs from 'node:fs';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../main/core';
import { AppErrors } from '../../main/contract/errors';
import { MAX_BATCH } from '../../main/gateway/jsonrpc';
import { CONNECTION_LIMITS, MAX_FRAME_BYTES } from '../../main/gateway/server';
import { SIGN_IN_LIMITS } from '../../main/gateway/sign-in-lane';
import { startTestCore, TEST_TOKEN } from '../helpers/core';
import { tempDataDir } from '../helpers/data-dir';
import { startOpenAIServer, type ModelServer } from '../helpers/model-servers';
import { RpcSocket } from '../helpers/rpc-socket';
import { freePort, spawnServe, waitForStart, type ServeProcess } from '../helpers/serve-process';

// What another local process can do to the gateway without the token (issue 16, part 6), and what
// one signed-in batch can cost (part 7). Behaviour only: latency under each flood is measured by
// `npm run bench -- abuse`.

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const report = (metric: string, value: number, extra: Record<string, unknown> = {}) => console.log(JSON.stringify({ suite: 'resilience', metric, value, ...extra }));

/** A raw client for floods: counts what it is answered and how it was closed. */
class Flooder {
  replies = 0;
  closed: { code: number; reason: string } | null = null;
  constructor(readonly ws: WebSocket) {
    ws.on('message', () => void this.replies++);
    ws.on('close', (code, reason) => (this.closed = { code, reason: String(reason) }));
    ws.on('error', () => undefined);
  }
  static open(url: string, headers: Record<string, string> = {}): Promise<Flooder> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers, perMessageDeflate: false });
      const flooder = new Flooder(ws);
      ws.once('open', () => resolve(flooder));
      ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
      ws.once('error', reject);
    });
  }
  /** Sends frames as fast as the socket takes them until told to stop or closed. */
  flood(frame: () => string, stop: () => boolean): Promise<number> {
    return new Promise((resolve) => {
      let sent = 0;
      const pump = () => {
        if (stop() || this.closed || this.ws.readyState !== WebSocket.OPEN) return resolve(sent);
        for (let i = 0; i < 200 && this.ws.bufferedAmount < 256 * 1024; i++, sent++) this.ws.send(frame());
        setImmediate(pump);
      };
      pump();
    });
  }
  async untilClosed(ms = 10_000): Promise<{ code: number; reason: string }> {
    for (const end = Date.now() + ms; !this.closed; await sleep(10)) if (Date.now() > end) throw new Error('not closed');
    return this.closed;
  }
}

/** Runs `flood` on `count` clients (each reopened when the gateway closes it) while `during` runs. */
async function whileFlooding<T>(count: number, flood: (stop: () => boolean) => Promise<unknown>, during: () => Promise<T>): Promise<T> {
  let stopped = false;
  const loops = Array.from({ length: count }, async () => {
    while (!stopped) await flood(() => stopped).catch(() => sleep(5));
  });
  try {
    await sleep(150); // the flood is under way
    return await during();
  } finally {
    stopped = true;
    await Promise.all(loops);
  }
}

describe('unauthenticated local clients cannot lock the owner out', () => {
  let core: Core;
  let url: string;
  let origin: string;
  beforeAll(async () => {
    core = await startTestCore();
    url = core.gateway.url;
    origin = `http://127.0.0.1:${core.gateway.port}`;
  });
  afterAll(() => core.stop());

  const signIn = async (headers: Record<string, string> = {}) => {
    const ws = await RpcSocket.open(url, headers);
    const reply = await ws.request('auth.token', { token: TEST_TOKEN });
    ws.close();
    return reply.result?.authenticated === true;
  };

  it('accepts the right token every time during a bad-token flood from several sockets', async () => {
    let wrongAnswers = 0;
    let cutOff = 0;
    const outcomes = await whileFlooding(
      8,
      async (stop) => {
        // In-band guesses until the gateway closes the connection, and wrong bearer headers (401).
        const f = await Flooder.open(url);
        let n = 0;
        await f.flood(() => JSON.stringify({ jsonrpc: '2.0', id: ++n, method: 'auth.token', params: { token: `wrong-${n}-${'x'.repeat(30)}` } }), stop);
        if ((await f.untilClosed()).code === 1008) cutOff++;
        wrongAnswers += f.replies;
        await Flooder.open(url, { Authorization: `Bearer wrong-${Math.random()}-${'y'.repeat(30)}` }).catch(() => undefined);
      },
      async () => {
        const results: boolean[] = [];
        for (let i = 0; i < 10; i++) {
          results.push(await signIn());
          results.push(await RpcSocket.open(url, { Authorization: `Bearer ${TEST_TOKEN}` }).then((ws) => (ws.close(), true), () => false));
        }
        return results;
      },
    );
    report('abuse_bad_token_flood_right_token_ok', outcomes.filter(Boolean).length, { of: outcomes.length, wrongAnswers, cutOff });
    expect(outcomes).toEqual(Array(20).fill(true));
    // Each guessing connection was closed after a handful of answers.
    expect(cutOff).toBeGreaterThan(0);
  });

  it('refuses an unauthenticated call flood past a small budget per connection, and closes it', async () => {
    const f = await Flooder.open(url);
    let n = 0;
    // 10,000 calls as fast as they go (until the gateway stops reading).
    const sent = await f.flood(() => `{"jsonrpc":"2.0","id":${n++},"method":"system.ping"}`, () => n >= 10_000);
    expect(await f.untilClosed()).toEqual({ code: 1008, reason: 'too many frames before signing in' });
    report('abuse_unauthenticated_flood_answered', f.replies, { sent });
    // The burst and a little refill; nothing like 10,000.
    expect(f.replies).toBeGreaterThanOrEqual(SIGN_IN_LIMITS.burst);
    expect(f.replies).toBeLessThan(SIGN_IN_LIMITS.burst + 20);
    expect(await signIn()).toBe(true);
  });

  it('refuses frames too large for a connection that has not signed in, without parsing them', async () => {
    const ws = await RpcSocket.open(url);
    ws.send(`{"jsonrpc":"2.0","id":1,"method":"auth.token","params":{"token":"${'a'.repeat(SIGN_IN_LIMITS.maxFrameBytes)}"}}`);
    const reply = await ws.waitFor(() => true);
    expect(reply).toMatchObject({ id: null, error: { code: AppErrors.payload_too_large, data: { code: 'payload_too_large', limit: SIGN_IN_LIMITS.maxFrameBytes } } });
    // The connection may still sign in (within its budget).
    expect((await ws.request('auth.token', { token: TEST_TOKEN })).result.authenticated).toBe(true);
    ws.close();
  });

  it('closes an idle unauthenticated socket after a few seconds, and a signed-in one never', async () => {
    const idle = await RpcSocket.open(url);
    const signedIn = await RpcSocket.open(url, { Authorization: `Bearer ${TEST_TOKEN}` });
    expect(await idle.waitClosed(SIGN_IN_LIMITS.idleMs + 5_000)).toEqual({ code: 1008, reason: 'idle before signing in' });
    expect(signedIn.closed).toBeNull();
    expect((await signedIn.request('system.ping')).result.pong).toBe(true);
    signedIn.close();
  });

  it('lets the dashboard log in while 40 idle unauthenticated sockets are kept open', async () => {
    const idle: RpcSocket[] = [];
    const evicted: number[] = [];
    let stop = false;
    // Another process keeps 40 idle sockets open, reopening each one the gateway closes.
    const keeper = (async () => {
      while (!stop) {
        for (let i = 0; i < idle.length; i++) {
          if (!idle[i]!.closed) continue;
          evicted.push(idle[i]!.closed!.code);
          idle[i] = await RpcSocket.open(url);
        }
        while (idle.length < 40) idle.push(await RpcSocket.open(url));
        await sleep(20);
      }
    })();
    try {
      // Past the lane's places, the oldest waiting sockets are closed to make room.
      while (evicted.length < 40 - CONNECTION_LIMITS.unauthenticated) await sleep(10);
      expect(new Set(evicted)).toEqual(new Set([1013]));
      // Exactly what the browser dashboard does: connect from its own origin, then redeem the link's code.
      for (let i = 0; i < 5; i++) {
        const code = new URL(core.issueLoginLink().url).hash.replace('#login=', '');
        const dashboard = await RpcSocket.open(url, { Origin: origin });
        const login = await dashboard.request('auth.login', { code });
        expect(login.result?.session, JSON.stringify(login)).toMatch(/^[\w-]{40,}$/);
        expect((await dashboard.request('system.ping')).result.pong).toBe(true);
        // Reloaded: the session signs a new connection in.
        const reloaded = await RpcSocket.open(url, { Origin: origin });
        expect((await reloaded.request('auth.token', { token: login.result.session })).result.via).toBe('session');
        dashboard.close();
        reloaded.close();
      }
    } finally {
      stop = true;
      await keeper;
      for (const s of idle) s.close();
    }
  });

  it('keeps answering a signed-in client during a small-frame flood, and cuts the flooders off', async () => {
    const signedIn = await RpcSocket.open(url, { Authorization: `Bearer ${TEST_TOKEN}` });
    const closes: string[] = [];
    const frames = ['{}', 'x', '[]', '1', ' ', '{"jsonrpc":"2.0"}'];
    let n = 0;
    const answered = await whileFlooding(
      8,
      async (stop) => {
        const f = await Flooder.open(url);
        await f.flood(() => frames[n++ % frames.length]!, stop);
        closes.push((await f.untilClosed()).reason);
      },
      async () => {
        let ok = 0;
        for (let i = 0; i < 300; i++) if ((await signedIn.request('system.ping', undefined, 10_000)).result?.pong) ok++;
        return ok;
      },
    );
    report('abuse_small_frame_flood_pings_answered', answered, { flooders_cut_off: closes.length });
    expect(answered).toBe(300);
    expect(closes.length).toBeGreaterThan(0);
    expect(new Set(closes)).toEqual(new Set(['too many frames before signing in']));
    signedIn.close();
  });

  it('never charges a signed-in connection the sign-in budget', async () => {
    const viaHeader = await Flooder.open(url, { Authorization: `Bearer ${TEST_TOKEN}` });
    const inBand = await RpcSocket.open(url);
    expect((await inBand.request('auth.token', { token: TEST_TOKEN })).result.authenticated).toBe(true);
    for (let i = 0; i < 500; i++) viaHeader.ws.send(`{"jsonrpc":"2.0","id":${i},"method":"system.ping"}`);
    for (let i = 0; i < 500; i++) inBand.send({ jsonrpc: '2.0', id: `p${i}`, method: 'system.ping' });
    await inBand.waitFor((f) => f.id === 'p499');
    for (const end = Date.now() + 5_000; viaHeader.replies < 500 && Date.now() < end; ) await sleep(10);
    expect(viaHeader.replies).toBe(500);
    expect(viaHeader.closed).toBeNull();
    expect(inBand.closed).toBeNull();
    viaHeader.ws.close();
    inBand.close();
  });
});

// ---------------------------------------------------------------------------------------------

/** The log file's path, from a system.logs reply. */
async function logFileOf(ws: RpcSocket): Promise<string> {
  return (await ws.request('system.logs', { lines: 1 })).result.file;
}

/** Pings in batches at debug level until the log file holds `bytes` (each call logs a line). */
async function fillLog(ws: RpcSocket, bytes: number): Promise<void> {
  const file = await logFileOf(ws);
  let id = 0;
  while (!fs.existsSync(file) || fs.statSync(file).size < bytes) {
    ws.send(Array.from({ length: MAX_BATCH }, () => ({ jsonrpc: '2.0', id: `fill-${++id}`, method: 'system.ping' })));
    await ws.waitFor((f) => Array.isArray(f) && f.some((r: any) => r.id === `fill-${id}`), 10_000);
    ws.frames.length = 0;
  }
}

const logsBatch = (tag: string) => Array.from({ length: MAX_BATCH }, (_, i) => ({ jsonrpc: '2.0', id: `${tag}-${i}`, method: 'system.logs', params: { lines: 2_000 } }));

/** Sends a batch and returns the raw reply frame's size and its parsed entries. */
function rawBatch(url: string, headers: Record<string, string>, batches: Array<unknown[]>): Promise<Array<{ bytes: number; replies: any[] }>> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, maxPayload: 64 * 1024 * 1024, perMessageDeflate: false });
    const out: Array<{ bytes: number; replies: any[] }> = [];
    ws.on('message', (data: Buffer) => {
      out.push({ bytes: data.length, replies: JSON.parse(String(data)) });
      if (out.length < batches.length) return;
      ws.close();
      resolve(out);
    });
    ws.once('open', () => batches.forEach((b) => ws.send(JSON.stringify(b))));
    ws.once('error', reject);
  });
}

function checkBoundedBatch(frame: { bytes: number; replies: any[] }, tag: string): { results: number; refused: number } {
  expect(frame.bytes).toBeLessThanOrEqual(MAX_FRAME_BYTES);
  expect(frame.replies.map((r) => r.id)).toEqual(logsBatch(tag).map((r) => r.id));
  const results = frame.replies.filter((r) => r.result);
  const refused = frame.replies.filter((r) => r.error);
  for (const r of refused) {
    expect(r.error).toMatchObject({ code: AppErrors.reply_too_large, data: { code: 'reply_too_large', limit: MAX_FRAME_BYTES } });
    expect(r.error.message).toMatch(/would not fit in the 1048576-byte reply frame/);
  }
  return { results: results.length, refused: refused.length };
}

describe('one signed-in batch cannot take the memory', () => {
  let core: Core;
  beforeAll(async () => {
    core = await startTestCore({ PERCH_LOG_LEVEL: 'debug' });
  });
  afterAll(() => core.stop());

  it('answers 100 × system.logs within the frame limit, with a clear per-entry error for what does not fit', async () => {
    const ws = await RpcSocket.open(core.gateway.url, { Authorization: `Bearer ${TEST_TOKEN}` });
    await fillLog(ws, 1.5 * 2 ** 20);
    const [frame] = await rawBatch(core.gateway.url, { Authorization: `Bearer ${TEST_TOKEN}` }, [logsBatch('a')]);
    const { results, refused } = checkBoundedBatch(frame!, 'a');
    expect(results).toBeGreaterThanOrEqual(1);
    expect(refused).toBeGreaterThan(90);
    // On its own, the same call is answered in full (the newest lines first, up to its own limit).
    const alone = await ws.request('system.logs', { lines: 2_000 });
    expect(alone.result.items.length).toBeGreaterThan(100);
    expect(Buffer.byteLength(JSON.stringify(alone))).toBeLessThanOrEqual(MAX_FRAME_BYTES);
    // Small replies in a big batch are not affected.
    ws.send(Array.from({ length: MAX_BATCH }, (_, i) => ({ jsonrpc: '2.0', id: `ping-${i}`, method: 'system.ping' })));
    const pings = await ws.waitFor((f) => Array.isArray(f) && f[0]?.id === 'ping-0');
    expect(pings.every((r: any) => r.result?.pong)).toBe(true);
    ws.close();
  });
});

describe('a batch of calls whose results are each too large for a shared frame', () => {
  let core: Core;
  let model: ModelServer;
  beforeAll(async () => {
    model = await startOpenAIServer();
    core = await startTestCore({ PERCH_MODEL: `openai:gpt-test@${model.url}/v1` });
  });
  afterAll(async () => {
    await core.stop();
    await model.close();
  });

  it('answers each entry with reply_too_large (and a small frame), while the same call alone gets its page', { timeout: 60_000 }, async () => {
    const ws = await RpcSocket.open(core.gateway.url, { Authorization: `Bearer ${TEST_TOKEN}` });
    let conversationId: string | undefined;
    // 60 long messages and their echoing replies: a page of 200 messages holds about 1.6 MB.
    for (let i = 0; i < 60; i++) {
      const sent = await ws.request('chat.send', { text: `${i} ${'long '.repeat(3_200)}`, ...(conversationId ? { conversationId } : {}) }, 20_000);
      expect(sent.result, JSON.stringify(sent.error)).toBeDefined();
      conversationId = sent.result.conversationId;
      await ws.request('chat.send', { text: '/reset', conversationId }); // a fresh context each time: nothing is deleted
    }
    const page = { conversationId, limit: 200 };
    const [frame] = await rawBatch(core.gateway.url, { Authorization: `Bearer ${TEST_TOKEN}` }, [
      Array.from({ length: MAX_BATCH }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'conversations.messages', params: page })),
    ]);
    expect(frame!.bytes).toBeLessThanOrEqual(MAX_FRAME_BYTES);
    expect(frame!.replies).toHaveLength(MAX_BATCH);
    for (const reply of frame!.replies) expect(reply.error).toMatchObject({ code: AppErrors.reply_too_large, data: { code: 'reply_too_large' } });
    const alone = await ws.request('conversations.messages', page);
    expect(alone.result.items).toHaveLength(200);
    expect(Buffer.byteLength(JSON.stringify(alone))).toBeGreaterThan(MAX_FRAME_BYTES);
    ws.close();
  });
});

describe('the memory of a real serve process under batches of system.logs', () => {
  let proc: ServeProcess;
  let url: string;
  beforeAll(async () => {
    const port = await freePort();
    proc = spawnServe({ PERCH_DATA_DIR: tempDataDir(), PERCH_GATEWAY_PORT: String(port), PERCH_GATEWAY_TOKEN: TEST_TOKEN, PERCH_LOG_LEVEL: 'debug' });
    url = (await waitForStart(proc, 170_000)).gateway;
  }, 180_000);
  afterAll(async () => {
    proc.child.kill('SIGTERM');
    await proc.exited;
  });

  it('stays under 300 MB of RSS while 4 connections each send 5 batches of 100 × system.logs', { timeout: 120_000 }, async () => {
    const filler = await RpcSocket.open(url, { Authorization: `Bearer ${TEST_TOKEN}` });
    await fillLog(filler, 1.5 * 2 ** 20);
    filler.close();
    const status = () => fs.readFileSync(`/proc/${proc.child.pid}/status`, 'utf8');
    const mb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status())![1]) / 1024;
    const before = mb('VmRSS');
    const frames = (
      await Promise.all(Array.from({ length: 4 }, (_, c) => rawBatch(url, { Authorization: `Bearer ${TEST_TOKEN}` }, Array.from({ length: 5 }, (_, b) => logsBatch(`c${c}b${b}`)))))
    ).flat();
    expect(frames).toHaveLength(20);
    let results = 0;
    for (const [i, frame] of frames.entries()) results += checkBoundedBatch(frame, `c${Math.floor(i / 5)}b${i % 5}`).results;
    const peak = mb('VmHWM');
    report('batch_100_system_logs_peak_rss', Math.round(peak), { unit: 'MB', rssBefore: Math.round(before), results, replies: frames.length * MAX_BATCH });
    expect(peak).toBeLessThan(300);
  });
});
