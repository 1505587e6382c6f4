import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../main/core';
import { partialDownload } from '../../main/inference/partial-download';
import { startCatalogServer, type CatalogServer } from '../helpers/catalog-server';
import { startTestCore, TEST_TOKEN } from '../helpers/core';
import { tempDataDir } from '../helpers/data-dir';
import { startOllamaServer } from '../helpers/model-servers';
import { RpcSocket } from '../helpers/rpc-socket';
import { freePort } from '../helpers/serve-process';
import { writeTinyGguf } from '../helpers/tiny-gguf';

// First-run model setup against a local model host (the catalog server): the catalog with fit
// marks, a download that loses its connection, is retried, paused and resumed (the host's Range
// headers prove what was asked for), then verified and used, and models.test on each kind.

const MiB = 1024 * 1024;
/** Big enough for several of the downloader's 5 MiB chunks, so some are complete when it pauses. */
const CHAT_SIZE = 27 * MiB;
const THROTTLE = 8 * MiB; // bytes per second, all connections together: the download takes ~3.4 s
const NAME = 'Qwen2.5 1.5B Instruct';

let server: CatalogServer;
beforeAll(async () => {
  server = await startCatalogServer({
    models: [
      { id: 'chat-small', name: NAME, description: 'A generated model standing in for the real one.', kind: 'chat', padToBytes: CHAT_SIZE },
      { id: 'embed-small', name: 'Tiny embedder', kind: 'embed' },
    ],
  });
});
afterAll(() => server.close());

async function open(core: Core) {
  const ws = await RpcSocket.open(core.gateway.url, { Authorization: `Bearer ${TEST_TOKEN}` });
  await ws.request('events.subscribe', { events: ['model.progress', 'settings.changed'] });
  return ws;
}

const progressOf = (f: { method: string; params?: any }) => f.method === 'model.progress' && f.params.id === 'chat-small';

/** The downloader's chunk size, and which chunks its temporary file has complete (its progress is JSON at the end). */
const CHUNK = 5 * MiB;
function completeChunks(temp: string): number[] {
  const text = fs.readFileSync(temp).subarray(-4096).toString('latin1');
  const meta = JSON.parse(text.slice(text.lastIndexOf('{"part"'))) as { chunks: number[]; chunkSize: number };
  expect(meta.chunkSize).toBe(CHUNK);
  return meta.chunks.flatMap((state, i) => (state === 2 ? [i] : []));
}

/** A frame received after `mark` (a count of frames) that satisfies the predicate; waitFor alone also finds earlier ones. */
function after(ws: RpcSocket, mark: number, predicate: (frame: any) => boolean, timeoutMs: number) {
  return ws.waitFor((f) => ws.frames.indexOf(f) >= mark && predicate(f), timeoutMs);
}

describe('models.catalog', () => {
  it('lists the catalog with sizes, fit marks from the GGUF header, download state and the machine', async () => {
    const core = await startTestCore({ PERCH_MODEL_CATALOG: server.catalogUrl });
    const ws = await open(core);
    const { items, machine } = (await ws.request('models.catalog')).result;
    expect(items.map((i: any) => [i.id, i.name, i.kind, i.state, i.receivedBytes])).toEqual([
      ['chat-small', NAME, 'chat', 'absent', 0],
      ['embed-small', 'Tiny embedder', 'embed', 'absent', 0],
    ]);
    expect(items[0].sizeBytes).toBe(CHAT_SIZE);
    for (const item of items) {
      expect(item.fits).toBe('yes'); // a tiny model on a 24 GB machine
      expect(item.fitDetail).toMatch(/^Fits: it needs about [\d.]+ GB of memory with a [\d,]+-token context; [\d.]+ GB of [\d.]+ GB is free\.$/);
    }
    expect(machine.ramBytes).toBeGreaterThan(machine.freeRamBytes);
    expect(machine).toMatchObject({ gpu: null, vramBytes: null }); // the providers run llama.cpp on the CPU
    // The header was read over the network, with a ranged request.
    expect(server.fileRequests('chat-small').some((r) => r.range?.startsWith('bytes=0-'))).toBe(true);
    expect((await ws.request('models.status')).result).toEqual({
      configured: null,
      state: 'none',
      detail: 'No chat model yet: download a recommended model, choose a .gguf file, or connect Ollama or an OpenAI-compatible service.',
    });
    ws.close();
    await core.stop();
  });

  it('falls back to the built-in list when the catalog is not valid, and says why', async () => {
    server.catalogOverride = JSON.stringify({ models: [{ id: 'x', name: 'No URL', kind: 'chat', file: 'x.gguf' }] });
    try {
      const core = await startTestCore({ PERCH_MODEL_CATALOG: server.catalogUrl });
      const ids = (await core.downloads.catalog.entries()).map((e) => e.id);
      expect(ids).toContain('qwen2.5-1.5b-instruct');
      expect(ids).toContain('nomic-embed-text-v1.5');
      const problem = 'The model catalog set by PERCH_MODEL_CATALOG could not be used (at models.0.url: Invalid input: expected string, received undefined), so the built-in list of recommended models is shown.';
      expect(core.downloads.catalog.problem()).toBe(problem);
      expect(core.status().domains.inference).toMatchObject({ status: 'degraded', detail: problem });
      await core.stop();
    } finally {
      server.catalogOverride = null;
    }
  });
});

describe('a download from the catalog', () => {
  it('survives a lost connection (Retry), pauses and resumes with ranges for the rest, is verified, and then the chat answers', async () => {
    const dataDir = tempDataDir();
    const core = await startTestCore({ PERCH_DATA_DIR: dataDir, PERCH_MODEL_CATALOG: server.catalogUrl }, { downloadStallMs: 1_500 });
    const ws = await open(core);
    const file = path.join(dataDir, 'models', 'chat-small.gguf');
    server.setThrottle(THROTTLE);
    try {
      // 1. The connection goes away part-way: reported as such, with what is kept.
      const t0 = Date.now();
      const m0 = ws.frames.length;
      expect((await ws.request('models.download', { id: 'chat-small' })).result).toEqual({ id: 'chat-small', file, state: 'started' });
      const moving = await after(ws, m0, (f) => progressOf(f) && f.params.receivedBytes >= 12 * MiB, 15_000);
      expect(moving.params).toMatchObject({ name: NAME, file, totalBytes: CHAT_SIZE, done: false });
      const throughput = moving.params.receivedBytes / ((Date.now() - t0) / 1000);
      const m1 = ws.frames.length;
      await server.offline(true);
      const lost = await after(ws, m1, (f) => progressOf(f) && f.params.done, 30_000);
      expect(lost.params.error).toMatch(new RegExp(`^Could not download ${NAME}: the connection was lost part-way \\(\\d+% is kept\\)\\. Check your connection and press Retry to continue where it stopped\\.$`));
      expect(fs.existsSync(`${file}.ipull`)).toBe(true);
      const afterLoss = (await ws.request('models.catalog')).result.items[0];
      expect(afterLoss).toMatchObject({ state: 'partial', receivedBytes: lost.params.receivedBytes });
      expect(afterLoss.receivedBytes).toBeGreaterThan(0);

      // 2. Retry, with the first transfer cut short (the downloader fetches that range again by itself), then Pause.
      await server.offline(false);
      const retryFrom = server.stats.requests.length;
      server.cutNext(256 * 1024);
      const retryAt = Date.now();
      const m2 = ws.frames.length;
      expect((await ws.request('models.download', { id: 'chat-small' })).result.state).toBe('started');
      await after(ws, m2, (f) => progressOf(f) && !f.params.done, 10_000);
      // Pause once one more chunk is complete in the downloader's temporary file.
      for (let i = 0; (partialDownload(file)?.receivedBytes ?? 0) <= afterLoss.receivedBytes; i++) {
        if (i > 400) throw new Error('no chunk completed after the retry');
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(server.fileRequests('chat-small', retryFrom).some((r) => r.cut)).toBe(true);
      // Measured at the host: from Retry to the first ranged request of the resumed transfer.
      const resumeLatencyMs = server.fileRequests('chat-small', retryFrom).find((r) => r.range)!.at - retryAt;
      const m3 = ws.frames.length;
      expect((await ws.request('models.pause', { id: 'chat-small' })).result).toEqual({ paused: true });
      const paused = await after(ws, m3, (f) => progressOf(f) && f.params.paused, 10_000);
      expect(paused.params).toMatchObject({ name: NAME, done: false, paused: true });
      const kept = paused.params.receivedBytes;
      const completeAtPause = completeChunks(`${file}.ipull`);
      expect(completeAtPause.length).toBeGreaterThan(1);
      expect(kept).toBeGreaterThan(afterLoss.receivedBytes);
      expect((await ws.request('models.pause', { id: 'chat-small' })).result).toEqual({ paused: false }); // nothing runs now
      expect((await ws.request('models.catalog')).result.items[0]).toMatchObject({ state: 'partial', receivedBytes: kept });

      // 3. Resume: only the missing bytes are asked for.
      const resumeFrom = server.stats.requests.length;
      const m4 = ws.frames.length;
      expect((await ws.request('models.download', { id: 'chat-small' })).result.state).toBe('started');
      const done = await after(ws, m4, (f) => progressOf(f) && f.params.done, 30_000);
      expect(done.params).toEqual({ id: 'chat-small', name: NAME, file, receivedBytes: CHAT_SIZE, totalBytes: CHAT_SIZE, done: true });
      const transfers = server.fileRequests('chat-small', resumeFrom).filter((r) => r.method === 'GET' && r.range);
      expect(transfers.length).toBeGreaterThan(0);
      // None starts in a chunk the temporary file had complete.
      expect(transfers.filter((r) => completeAtPause.includes(Math.floor(r.start / CHUNK)))).toEqual([]);
      // What was missing, give or take what was in flight when a connection was closed (the
      // downloader closes a stream that reaches a chunk another one completed).
      const asked = transfers.reduce((n, r) => n + r.sent, 0);
      expect(asked).toBeGreaterThanOrEqual(CHAT_SIZE - kept);
      expect(asked).toBeLessThan(CHAT_SIZE - kept + MiB);
      // Verified: the bytes are the host's (whose ETag names their sha256, which the download checks).
      expect(fs.readFileSync(file).equals(server.bytes('chat-small'))).toBe(true);
      expect(fs.existsSync(`${file}.ipull`)).toBe(false);
      console.log(
        `download: ${(throughput / MiB).toFixed(1)} MiB/s through the ${THROTTLE / MiB} MiB/s throttle; Retry to the first ranged request at the host in ${resumeLatencyMs} ms; ` +
          `resume fetched ${(asked / MiB).toFixed(1)} of ${CHAT_SIZE / MiB} MiB (${(kept / MiB).toFixed(1)} MiB kept)`,
      );

      // 4. It became the chat model, loads, and answers.
      const changed = await after(ws, m4, (f) => f.method === 'settings.changed' && f.params.changed.includes('models.chat'), 10_000);
      expect(changed.params.settings.models.chat).toBe(`llama:${file}`);
      expect((await ws.request('models.catalog')).result.items[0]).toMatchObject({ state: 'present', receivedBytes: CHAT_SIZE, sizeBytes: CHAT_SIZE });
      const states: string[] = [];
      for (let i = 0; i < 200; i++) {
        const status = (await ws.request('models.status')).result;
        states.push(status.state);
        if (status.state !== 'loading') break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect((await ws.request('models.status')).result).toEqual({ configured: `llama:${file}`, state: 'ready', detail: 'Ready: answering with chat-small.gguf.' });
      const answer = await ws.request('chat.send', { text: 'hello' }, 60_000);
      expect(answer.error).toBeUndefined();
      const reply = answer.result;
      expect(reply.text.length).toBeGreaterThan(0);
      expect(reply.text).not.toMatch(/No model/);
    } catch (e) {
      console.log('FAILED', (e as Error).message, '\n', fs.readFileSync(core.log.file!, 'utf8').split('\n').filter((l) => !l.includes('"rpc"')).slice(-40).join('\n'));
      console.log(server.stats.requests.map((r) => `${r.method} ${r.path} ${r.range} ${r.sent} ${r.cut}`).join('\n'));
      throw e;
    } finally {
      server.setThrottle(null);
      ws.close();
      await core.stop();
    }
  }, 90_000);

  it('offline: the error names the model and says what to do', async () => {
    const core = await startTestCore({ PERCH_MODEL_CATALOG: server.catalogUrl });
    const ws = await open(core);
    await ws.request('models.catalog'); // read while the host is up
    await server.offline(true);
    try {
      const m = ws.frames.length;
      await ws.request('models.download', { id: 'chat-small' });
      const failed = await after(ws, m, (f) => progressOf(f) && f.params.done, 30_000);
      expect(failed.params.error).toBe(`Could not download ${NAME}: no network connection. Check your connection and press Retry, or choose a .gguf file you already have.`);
      expect((await ws.request('models.status')).result.state).toBe('none');
    } finally {
      await server.offline(false);
      ws.close();
      await core.stop();
    }
  });

  it('refuses an id that is not in the catalog', async () => {
    const core = await startTestCore({ PERCH_MODEL_CATALOG: server.catalogUrl });
    const ws = await open(core);
    const answer = await ws.request('models.download', { id: 'no-such-model' });
    expect(answer.error).toMatchObject({ message: 'There is no model "no-such-model" in the catalog of recommended models.', data: { code: 'not_found' } });
    ws.close();
    await core.stop();
  });
});

/** An OpenAI-compatible /v1/models that wants one key. */
async function startKeyedModelsServer(key: string): Promise<{ url: string; close(): Promise<void> }> {
  const s = http.createServer((req, res) => {
    if (req.url !== '/v1/models') return res.writeHead(404).end();
    if (req.headers.authorization !== `Bearer ${key}`) {
      res.writeHead(401, { 'Content-Type': 'application/json' });
      return res.end(JSON.stringify({ error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } }));
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ object: 'list', data: [{ id: 'gpt-test', object: 'model' }, { id: 'gpt-other', object: 'model' }] }));
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  return { url: `http://127.0.0.1:${(s.address() as { port: number }).port}/v1`, close: () => new Promise((resolve) => s.close(() => resolve())) };
}

describe('models.test', () => {
  let core: Core;
  let ws: RpcSocket;
  beforeAll(async () => {
    core = await startTestCore({ PERCH_MODEL_CATALOG: server.catalogUrl, PERCH_OPENAI_API_KEY: 'sk-stored-key-1' });
    ws = await RpcSocket.open(core.gateway.url, { Authorization: `Bearer ${TEST_TOKEN}` });
  });
  afterAll(async () => {
    ws.close();
    await core.stop();
  });
  const test = async (spec: string, apiKey?: string) => (await ws.request('models.test', { spec, ...(apiKey ? { apiKey } : {}) })).result;

  it('checks a .gguf path', async () => {
    const dir = tempDataDir();
    expect(await test(`llama:${dir}/missing.gguf`)).toEqual({ ok: false, detail: 'There is no file at that path. Check the spelling, or pick the file from the models folder list.', models: [] });
    fs.writeFileSync(path.join(dir, 'junk.gguf'), 'not a model');
    expect((await test(`llama:${dir}/junk.gguf`)).detail).toBe('That file is not a GGUF model file. Download one, or choose another file.');
    expect((await test('llama:models/relative.gguf')).detail).toBe('Enter the full path of the file, e.g. /home/me/models/model.gguf.');
    writeTinyGguf(path.join(dir, 'tiny.gguf'));
    expect(await test(`llama:${dir}/tiny.gguf`)).toEqual({ ok: true, detail: 'tiny-test-llama (llama architecture, 535 KB): Perch can use it.', models: [] });
  });

  it('asks Ollama for its models', async () => {
    const ollama = await startOllamaServer({ 'tiny:1b': 4096, 'other:7b': 4096 });
    try {
      expect(await test(`ollama:tiny:1b@${ollama.url}`)).toEqual({ ok: true, detail: `Ollama at ${ollama.url} has tiny:1b: Perch can use it.`, models: ['tiny:1b', 'other:7b'] });
      expect(await test(`ollama:absent@${ollama.url}`)).toEqual({
        ok: false,
        detail: `Ollama at ${ollama.url} does not have absent. Get it with "ollama pull absent", or choose one it has: tiny:1b, other:7b.`,
        models: ['tiny:1b', 'other:7b'],
      });
    } finally {
      await ollama.close();
    }
    const port = await freePort();
    expect((await test(`ollama:tiny:1b@http://127.0.0.1:${port}`)).detail).toBe(`Ollama does not answer at http://127.0.0.1:${port}. Start Ollama (run "ollama serve"), or check the address.`);
  });

  it('asks an OpenAI-compatible service for its models, with the key given or the stored one', async () => {
    const openai = await startKeyedModelsServer('sk-right-key-1');
    try {
      expect(await test(`openai:gpt-test@${openai.url}`, 'sk-wrong-key-1')).toEqual({ ok: false, detail: `The service at ${openai.url} refused the API key. Check the key and enter it again.`, models: [] });
      expect(await test(`openai:gpt-test@${openai.url}`)).toMatchObject({ ok: false }); // the stored key is not this one
      expect(await test(`openai:gpt-test@${openai.url}`, 'sk-right-key-1')).toEqual({ ok: true, detail: `The service at ${openai.url} offers gpt-test: Perch can use it.`, models: ['gpt-test', 'gpt-other'] });
      expect((await test(`openai:gpt-absent@${openai.url}`, 'sk-right-key-1')).detail).toBe(`The service at ${openai.url} does not offer gpt-absent. Choose one it has: gpt-test, gpt-other.`);
    } finally {
      await openai.close();
    }
  });
});
