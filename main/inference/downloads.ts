import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { EventBus } from '../events/bus';
import type { Logger } from '../log/logger';
import { checkGgufFile } from './llama/gguf-file';

// Recommended models, fetched into <data dir>/models with node-llama-cpp's downloader (ranged
// requests; it keeps its temporary file between attempts), then checked: GGUF header, and sha256
// where the catalog knows it or the host states it. Progress is published as model.progress
// events; offline it fails at once with a clear "no network" message.

export interface CatalogEntry {
  id: 'chat' | 'embed';
  name: string;
  url: string;
  file: string;
  /** Expected sha256 of the file, when known (else the host's stated one); the header check always runs. */
  sha256: string | null;
}

export const RECOMMENDED_MODELS: CatalogEntry[] = [
  {
    id: 'chat',
    name: 'Qwen2.5 1.5B Instruct (Q4_K_M)',
    url: 'https://huggingface.co/Qwen/Qwen2.5-1.5B-Instruct-GGUF/resolve/main/qwen2.5-1.5b-instruct-q4_k_m.gguf',
    file: 'qwen2.5-1.5b-instruct-q4_k_m.gguf',
    sha256: null,
  },
  {
    id: 'embed',
    name: 'nomic-embed-text v1.5 (Q8_0)',
    url: 'https://huggingface.co/nomic-ai/nomic-embed-text-v1.5-GGUF/resolve/main/nomic-embed-text-v1.5.Q8_0.gguf',
    file: 'nomic-embed-text-v1.5.Q8_0.gguf',
    sha256: null,
  },
];

const PROGRESS_INTERVAL_MS = 250;
const PREFLIGHT_TIMEOUT_MS = 10_000;

export class ModelDownloads {
  private readonly running = new Map<string, Promise<void>>();
  /** Cancels each running download, keeping what it fetched. */
  private readonly cancels = new Set<() => Promise<void>>();
  private closed = false;

  constructor(
    private readonly dir: string,
    private readonly bus: EventBus,
    private readonly log: Logger,
    /** Called with the finished file (to make it the configured model when none is set). */
    private readonly onDone: (entry: CatalogEntry, file: string) => void,
    private readonly catalog: CatalogEntry[] = RECOMMENDED_MODELS,
  ) {}

  start(id: CatalogEntry['id']): { id: string; file: string; state: 'started' | 'running' | 'present' } {
    const entry = this.catalog.find((e) => e.id === id)!;
    const file = path.join(this.dir, entry.file);
    if (this.closed) throw new Error('downloads are closed');
    if (this.running.has(id)) return { id, file, state: 'running' };
    if (fs.existsSync(file)) return { id, file, state: 'present' };
    const job = this.download(entry, file).finally(() => this.running.delete(id));
    this.running.set(id, job);
    return { id, file, state: 'started' };
  }

  /** Resolves when the download of `id` (if any) has finished, successfully or not. */
  async settled(id: string): Promise<void> {
    await this.running.get(id);
  }

  /** Stops running downloads; their partial files stay, so the next start resumes them. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.cancels].map((cancel) => cancel()));
    await Promise.all(this.running.values());
  }

  private async download(entry: CatalogEntry, file: string): Promise<void> {
    fs.mkdirSync(this.dir, { recursive: true });
    const progress = (receivedBytes: number, totalBytes: number | null, done = false, error?: string) =>
      this.bus.publish('model.progress', { id: entry.id, file, receivedBytes, totalBytes, done, ...(error ? { error } : {}) });
    // At most one event per interval, and always the latest numbers: a stalled download still
    // shows how far it got.
    let latest: { downloadedSize: number; totalSize: number } | null = null;
    let timer: NodeJS.Timeout | null = null;
    const report = (status: { downloadedSize: number; totalSize: number }) => {
      latest = status;
      timer ??= setTimeout(() => {
        timer = null;
        if (latest) progress(latest.downloadedSize, latest.totalSize || null);
      }, PROGRESS_INTERVAL_MS);
    };
    try {
      // A quick look first: offline, the downloader would keep retrying instead of saying so.
      // Not following the redirect: Hugging Face names the file's sha256 on it (X-Linked-Etag).
      const head = await fetch(entry.url, { method: 'HEAD', redirect: 'manual', signal: AbortSignal.timeout(PREFLIGHT_TIMEOUT_MS) });
      if (head.status >= 400) throw new Error(`the server answered HTTP ${head.status} for ${entry.url}`);
      const sha256 = entry.sha256 ?? announcedSha256(head.headers);
      const { createModelDownloader } = await import('node-llama-cpp');
      const downloader = await createModelDownloader({
        modelUrl: entry.url,
        dirPath: this.dir,
        fileName: entry.file,
        showCliProgress: false,
        deleteTempFileOnCancel: false, // a later start resumes where this one stopped
        onProgress: report,
      });
      if (this.closed) throw new Error('Perch is shutting down');
      const cancel = () => downloader.cancel({ deleteTempFile: false });
      this.cancels.add(cancel);
      let saved: string;
      try {
        saved = await downloader.download();
      } finally {
        this.cancels.delete(cancel);
        if (timer) clearTimeout(timer);
      }
      await this.verify(saved, sha256);
      const size = fs.statSync(saved).size;
      progress(size, size, true);
      this.log.info('model downloaded', { model: entry.name, file: saved, bytes: size });
      this.onDone(entry, saved);
    } catch (error) {
      if (this.closed) {
        this.log.info('model download paused until the next start', { model: entry.name });
        return;
      }
      const message = explain(entry, this.dir, error as Error);
      this.log.warn('model download failed', { model: entry.name, error: message });
      progress(0, null, true, message);
    }
  }

  private async verify(file: string, sha256: string | null): Promise<void> {
    try {
      await checkGgufFile(file);
      if (sha256) {
        const actual = await fileSha256(file);
        if (actual !== sha256) throw new Error(`checksum mismatch (expected ${sha256}, got ${actual})`);
      }
    } catch (error) {
      fs.rmSync(file, { force: true }); // never leave a bad file where it would be listed and loaded
      throw new Error(`the downloaded file failed its check and was removed: ${(error as Error).message}`, { cause: error });
    }
  }
}

/** The sha256 a model host states for the file: Hugging Face's X-Linked-Etag, or an ETag that is one. */
function announcedSha256(headers: Headers): string | null {
  for (const name of ['x-linked-etag', 'etag']) {
    const value = headers.get(name)?.replace(/^W\//, '').replace(/"/g, '').toLowerCase();
    if (value && /^[0-9a-f]{64}$/.test(value)) return value;
  }
  return null;
}

/** Streamed: model files are gigabytes. */
async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function explain(entry: CatalogEntry, dir: string, error: Error): string {
  const codes = [error, error.cause as Error | undefined].map((e) => (e as { code?: string } | undefined)?.code ?? '');
  const text = `${error.message} ${(error.cause as Error | undefined)?.message ?? ''}`;
  if (codes.some((c) => ['ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'ECONNREFUSED', 'ETIMEDOUT'].includes(c)) || /ENOTFOUND|EAI_AGAIN|ENETUNREACH|fetch failed/i.test(text)) {
    return `No network: cannot download ${entry.name} from ${new URL(entry.url).host}. Check the connection, or put a .gguf file in ${dir}.`;
  }
  return `Downloading ${entry.name} failed: ${error.message}`;
}
