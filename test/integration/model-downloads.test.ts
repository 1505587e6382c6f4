import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogEntry } from '../../main/inference/downloads';
import { startTestCore, TEST_TOKEN } from '../helpers/core';
import { tempDataDir } from '../helpers/data-dir';
import { RpcSocket } from '../helpers/rpc-socket';
import { writeTinyGguf } from '../helpers/tiny-gguf';

// Downloads from a local server that speaks HTTP ranges, as a model host does.

let server: http.Server;
let base: string;
let model: Buffer;
/** A model big enough for the downloader to save progress (it does so per 5 MiB chunk). */
let big: Buffer;
/** Every ranged GET for big.gguf: where it started, and how many bytes went out. */
const bigRequests: Array<{ start: number; sent: number }> = [];
/** While true, ranged GETs of big.gguf past its first 5 MiB send 1 MiB and then hang. */
let stalling = false;
/** The sha256 the redirecting path states for tiny.gguf. */
let linkedEtag = '';
/** The downloader fetches and records its progress in chunks of this size. */
const CHUNK = 5 * 1024 * 1024;

beforeAll(async () => {
  const file = path.join(tempDataDir(), 'tiny.gguf');
  writeTinyGguf(file);
  model = fs.readFileSync(file);
  big = Buffer.concat([model, Buffer.alloc(12 * 1024 * 1024 - model.length, 7)]);
  server = http.createServer((req, res) => {
    if (req.url === '/resolve/tiny.gguf') {
      // As Hugging Face does: a redirect to the file's storage, naming its sha256.
      res.writeHead(302, { Location: '/tiny.gguf', 'X-Linked-Etag': `"${linkedEtag}"`, 'X-Linked-Size': String(model.length) });
      return res.end();
    }
    const served = req.url === '/big.gguf' ? big : model;
    const match = /bytes=(\d+)-(\d*)/.exec(req.headers.range ?? '');
    const start = match ? Number(match[1]) : 0;
    const end = match && match[2] ? Number(match[2]) : served.length - 1;
    const body = served.subarray(start, end + 1);
    res.writeHead(match ? 206 : 200, {
      'Content-Length': body.length,
      'Accept-Ranges': 'bytes',
      'Content-Type': 'application/octet-stream',
      ...(match ? { 'Content-Range': `bytes ${start}-${end}/${served.length}` } : {}),
    });
    if (req.method === 'HEAD') return res.end();
    // Unranged GETs only probe the file (the downloader reads the headers and hangs up).
    if (served !== big || !match) return res.end(body);
    const record = { start, sent: 0 };
    bigRequests.push(record);
    if (!stalling || start < CHUNK) {
      record.sent = body.length;
      return res.end(body);
    }
    record.sent = Math.min(body.length, 1024 * 1024);
    res.write(body.subarray(0, record.sent)); // and nothing more: a connection that died without closing
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => {
  server.closeAllConnections(); // including the ones left hanging on purpose
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

const catalog = (overrides: Partial<CatalogEntry> = {}): CatalogEntry[] => [
  { id: 'tiny', name: 'Tiny test model', description: 'For tests.', kind: 'chat', url: `${base}/tiny.gguf`, file: 'tiny-chat.gguf', sizeBytes: model.length, sha256: createHash('sha256').update(model).digest('hex'), ...overrides },
];

async function downloadVia(core: Awaited<ReturnType<typeof startTestCore>>) {
  const ws = await RpcSocket.open(core.gateway.url, { Authorization: `Bearer ${TEST_TOKEN}` });
  await ws.request('events.subscribe', { events: ['model.progress', 'settings.changed'] });
  const started = (await ws.request('models.download', { id: 'tiny' })).result;
  const last = await ws.waitFor((f) => f.method === 'model.progress' && f.params.done, 30_000);
  return { ws, started, last: last.params };
}

describe('models.download', () => {
  it('downloads, checks and reports progress, then uses the model when none was set', async () => {
    const core = await startTestCore({}, { modelCatalog: catalog() });
    const { ws, started, last } = await downloadVia(core);
    const file = path.join(core.config.dataDir, 'models', 'tiny-chat.gguf');
    expect(started).toEqual({ id: 'tiny', file, state: 'started' });
    expect(last).toEqual({ id: 'tiny', name: 'Tiny test model', file, receivedBytes: model.length, totalBytes: model.length, done: true });
    expect(fs.readFileSync(file).equals(model)).toBe(true);
    const changed = await ws.waitFor((f) => f.method === 'settings.changed');
    expect(changed.params.settings.models.chat).toBe(`llama:${file}`);
    expect((await ws.request('models.download', { id: 'tiny' })).result.state).toBe('present');
    // And the downloaded model answers.
    expect((await ws.request('chat.send', { text: '/model' })).result.text).toMatch(/^Answering with llama:tiny-chat\.gguf/);
    ws.close();
    await core.stop();
  });

  it('removes a file whose checksum does not match, and says so', async () => {
    const core = await startTestCore({}, { modelCatalog: catalog({ sha256: '0'.repeat(64) }) });
    const { ws, last } = await downloadVia(core);
    expect(last.error).toBe('Could not use the downloaded Tiny test model: the file is damaged (its checksum does not match) and was removed. Press Retry to download it again.');
    expect(fs.existsSync(last.file)).toBe(false);
    expect(core.settings.get().models.chat).toBeNull();
    ws.close();
    await core.stop();
  });

  it('checks the sha256 the host states when the catalog has none', async () => {
    linkedEtag = createHash('sha256').update(model).digest('hex');
    const good = await startTestCore({}, { modelCatalog: catalog({ url: `${base}/resolve/tiny.gguf`, sha256: null }) });
    const ok = await downloadVia(good);
    expect(ok.last.error).toBeUndefined();
    expect(fs.readFileSync(ok.last.file).equals(model)).toBe(true);
    ok.ws.close();
    await good.stop();

    linkedEtag = 'f'.repeat(64);
    const bad = await startTestCore({}, { modelCatalog: catalog({ url: `${base}/resolve/tiny.gguf`, sha256: null }) });
    const refused = await downloadVia(bad);
    expect(refused.last.error).toMatch(/^Could not use the downloaded Tiny test model: the file is damaged \(its checksum does not match\)/);
    expect(fs.existsSync(refused.last.file)).toBe(false);
    refused.ws.close();
    await bad.stop();
  });

  it('says "no network connection" with the model\'s name when the host cannot be reached, and the rest keeps working', async () => {
    const core = await startTestCore({}, { modelCatalog: catalog({ url: 'http://perch-no-such-host.invalid/tiny.gguf' }) });
    const { ws, last } = await downloadVia(core);
    expect(last.error).toBe('Could not download Tiny test model: no network connection. Check your connection and press Retry, or choose a .gguf file you already have.');
    expect((await ws.request('system.ping')).result.pong).toBe(true);
    ws.close();
    await core.stop();
  });

  it('resumes an interrupted download after a restart instead of starting over', async () => {
    const dataDir = tempDataDir();
    const bigCatalog = catalog({ url: `${base}/big.gguf`, file: 'big.gguf', sha256: createHash('sha256').update(big).digest('hex') });
    stalling = true;
    const first = await startTestCore({ PERCH_DATA_DIR: dataDir }, { modelCatalog: bigCatalog });
    const ws = await RpcSocket.open(first.gateway.url, { Authorization: `Bearer ${TEST_TOKEN}` });
    await ws.request('events.subscribe', { events: ['model.progress'] });
    await ws.request('models.download', { id: 'tiny' });
    // The first chunk arrives whole; the rest stalls part-way.
    await ws.waitFor((f) => f.method === 'model.progress' && f.params.receivedBytes >= CHUNK + 2 * 1024 * 1024, 30_000);
    ws.close();
    await first.stop(); // Perch quits mid-download
    const before = bigRequests.length;
    expect(fs.readdirSync(path.join(dataDir, 'models'))).toEqual(['big.gguf.ipull']);

    stalling = false;
    const second = await startTestCore({ PERCH_DATA_DIR: dataDir }, { modelCatalog: bigCatalog });
    const { ws: ws2, last } = await downloadVia(second);
    expect(last).toMatchObject({ receivedBytes: big.length, totalBytes: big.length, done: true });
    expect(last.error).toBeUndefined(); // the checksum matched
    const resumed = bigRequests.slice(before);
    expect(resumed.length).toBeGreaterThan(0);
    expect(resumed.every((r) => r.start >= CHUNK)).toBe(true); // the first chunk was not fetched again
    expect(resumed.reduce((n, r) => n + r.sent, 0)).toBe(big.length - CHUNK);
    ws2.close();
    await second.stop();
  });
});
