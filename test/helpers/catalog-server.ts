import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { tempDataDir } from './data-dir';
import { writeTinyGguf } from './tiny-gguf';

// A local model host for the first-run setup tests: serves a catalog JSON (the shape
// PERCH_MODEL_CATALOG reads) and generated GGUF files the way Hugging Face does (HEAD, ranges with
// 206 + Content-Range, the sha256 as ETag). A throttle makes a download take seconds so it can be
// paused part-way; cutNext() drops the connection mid-transfer; offline(true) stops listening so
// connections are refused, as with no network. stats records what was asked for and sent, so a
// test can prove that a resume asked for the rest and not the start.

export interface CatalogServerModel {
  id: string;
  name?: string;
  description?: string;
  kind?: 'chat' | 'embed';
  /** File name in the catalog (and on disk after the download); default `<id>.gguf`. */
  file?: string;
  /** Pad the tiny GGUF with trailing zeros up to this size (the downloader saves progress per 5 MiB). */
  padToBytes?: number;
  /** The size the catalog states; default the real one. */
  sizeBytes?: number;
  /** The sha256 the catalog states; default null (the server still sends it as ETag). */
  sha256?: string | null;
  seed?: number;
  /** The model's context length (default 4096, room for Perch's prompt and tools). */
  contextLength?: number;
}

export interface ServedRequest {
  method: string;
  path: string;
  /** The Range header as sent, or null. */
  range: string | null;
  /** Where the range starts (0 without one). */
  start: number;
  /** Body bytes sent for this request so far. */
  sent: number;
  /** True when the server cut this response on purpose. */
  cut: boolean;
  /** When it arrived (Date.now()). */
  at: number;
}

export interface CatalogServer {
  url: string;
  catalogUrl: string;
  /** The catalog JSON as served (change it, e.g. to serve a bad one: it is read per request). */
  catalog: { models: Array<Record<string, unknown>> };
  /** Serve this raw text instead of the catalog JSON, until set back to null. */
  catalogOverride: string | null;
  fileUrl(id: string): string;
  /** The exact bytes served for a model. */
  bytes(id: string): Buffer;
  sha256(id: string): string;
  /** Bytes per second for file bodies, all connections together; null = as fast as possible. */
  setThrottle(bytesPerSecond: number | null): void;
  /** The next ranged file GET sends `afterBytes` body bytes (default 1 MiB) and then the connection is destroyed. */
  cutNext(afterBytes?: number): void;
  /** true: stop listening and drop every connection (connections are refused); false: listen again on the same port. */
  offline(on: boolean): Promise<void>;
  stats: { bytesServed: number; requests: ServedRequest[] };
  /** File requests (GET/HEAD of a model file) since `from` (an index into stats.requests). */
  fileRequests(id: string, from?: number): ServedRequest[];
  close(): Promise<void>;
}

const WRITE_SLICE = 16 * 1024;

export async function startCatalogServer(options: { models: CatalogServerModel[]; throttleBytesPerSecond?: number | null }): Promise<CatalogServer> {
  const dir = tempDataDir();
  const files = new Map<string, { model: CatalogServerModel; file: string; bytes: Buffer; sha256: string }>();
  for (const model of options.models) {
    const file = model.file ?? `${model.id}.gguf`;
    const tmp = path.join(dir, `${model.id}.src.gguf`);
    writeTinyGguf(tmp, { seed: model.seed ?? 42, contextLength: model.contextLength ?? 4096 });
    let bytes = fs.readFileSync(tmp);
    if (model.padToBytes && model.padToBytes > bytes.length) bytes = Buffer.concat([bytes, Buffer.alloc(model.padToBytes - bytes.length)]);
    files.set(file, { model, file, bytes, sha256: createHash('sha256').update(bytes).digest('hex') });
  }
  const byId = (id: string) => {
    const found = [...files.values()].find((f) => f.model.id === id);
    if (!found) throw new Error(`no model ${id} on the catalog server`);
    return found;
  };

  let throttle = options.throttleBytesPerSecond ?? null;
  let cutAfter: number | null = null;
  /** When the throttle lets the next slice out (shared by every response). */
  let nextFree = 0;
  const stats = { bytesServed: 0, requests: [] as ServedRequest[] };
  const sockets = new Set<Socket>();

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const record: ServedRequest = { method: req.method ?? 'GET', path: url.pathname, range: req.headers.range ?? null, start: 0, sent: 0, cut: false, at: Date.now() };
    stats.requests.push(record);
    if (url.pathname === '/catalog.json') {
      const body = api.catalogOverride ?? JSON.stringify(api.catalog);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      return res.end(body);
    }
    const served = url.pathname.startsWith('/files/') ? files.get(decodeURIComponent(url.pathname.slice('/files/'.length))) : undefined;
    if (!served) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      return res.end('not found');
    }
    const total = served.bytes.length;
    const match = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    const start = match ? Number(match[1]) : 0;
    const end = match && match[2] ? Math.min(Number(match[2]), total - 1) : total - 1;
    if (match && start >= total) {
      res.writeHead(416, { 'Content-Range': `bytes */${total}` });
      return res.end();
    }
    record.start = start;
    const body = served.bytes.subarray(start, end + 1);
    res.writeHead(match ? 206 : 200, {
      'Content-Length': body.length,
      'Accept-Ranges': 'bytes',
      'Content-Type': 'application/octet-stream',
      ETag: `"${served.sha256}"`,
      ...(match ? { 'Content-Range': `bytes ${start}-${end}/${total}` } : {}),
    });
    if (req.method === 'HEAD') return res.end();
    // Only transfers are cut: the downloader's unranged GET just reads the headers and hangs up.
    const cut = match ? cutAfter : null;
    if (match) cutAfter = null;
    void send(res, body, record, cut);
  });

  // Writes the body in slices, paced by the throttle; stops when the client goes away.
  async function send(res: http.ServerResponse, body: Buffer, record: ServedRequest, cut: number | null): Promise<void> {
    let offset = 0;
    while (offset < body.length) {
      if (res.destroyed) return;
      if (cut !== null && offset >= cut) {
        record.cut = true;
        res.socket?.destroy();
        return;
      }
      const limit = cut !== null ? Math.min(body.length, cut) : body.length;
      const slice = body.subarray(offset, Math.min(limit, offset + WRITE_SLICE));
      const ok = res.write(slice);
      offset += slice.length;
      record.sent += slice.length;
      stats.bytesServed += slice.length;
      if (!ok) await drained(res);
      if (throttle) {
        // One budget for all connections: the downloader fetches ranges in parallel.
        nextFree = Math.max(nextFree, Date.now()) + (slice.length / throttle) * 1000;
        const wait = nextFree - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
    if (cut !== null && offset >= cut && cut < body.length) {
      record.cut = true;
      res.socket?.destroy();
      return;
    }
    res.end();
  }

  const drained = (res: http.ServerResponse) =>
    new Promise<void>((resolve) => {
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });

  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const listen = (port: number) => new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  await listen(0);
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  let listening = true;
  const stopListening = () => new Promise<void>((resolve) => {
    for (const socket of sockets) socket.destroy();
    if (!listening) return resolve();
    listening = false;
    server.close(() => resolve());
  });

  const api: CatalogServer = {
    url,
    catalogUrl: `${url}/catalog.json`,
    catalog: {
      models: [...files.values()].map(({ model, file, bytes }) => ({
        id: model.id,
        name: model.name ?? `Test model ${model.id}`,
        description: model.description ?? 'A tiny generated model for tests.',
        kind: model.kind ?? 'chat',
        file,
        url: `${url}/files/${encodeURIComponent(file)}`,
        sizeBytes: model.sizeBytes ?? bytes.length,
        sha256: model.sha256 ?? null,
      })),
    },
    catalogOverride: null,
    fileUrl: (id) => `${url}/files/${encodeURIComponent(byId(id).file)}`,
    bytes: (id) => byId(id).bytes,
    sha256: (id) => byId(id).sha256,
    setThrottle: (bytesPerSecond) => {
      throttle = bytesPerSecond;
    },
    cutNext: (afterBytes = 1024 * 1024) => {
      cutAfter = afterBytes;
    },
    offline: async (on) => {
      if (on) return stopListening();
      if (listening) return;
      await listen(port);
      listening = true;
    },
    stats,
    fileRequests: (id, from = 0) => stats.requests.slice(from).filter((r) => r.path === `/files/${encodeURIComponent(byId(id).file)}`),
    close: () => stopListening(),
  };
  return api;
}
