import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ModelDownloader } from 'node-llama-cpp';
import { appError } from '../contract/errors';
import type { EventBus } from '../events/bus';
import type { Logger } from '../log/logger';
import type { CatalogEntry, ModelCatalog } from './catalog';
import { downloadProblem, DownloadStalled } from './download-errors';
import { partialDownload, tempFileOf } from './partial-download';
import { checkGgufFile } from './llama/gguf-file';

export type { CatalogEntry } from './catalog';

// Catalog models, fetched into <data dir>/models with node-llama-cpp's downloader (ranged requests
// on 3 connections, progress kept per 5 MiB chunk in its temporary file), then checked: GGUF header,
// and sha256 where the catalog knows it or the host states it. Pausing cancels the downloader but
// keeps the temporary file, so the next start asks only for the chunks still missing. The
// downloader retries a dropped connection by itself, forever: a download that receives nothing for
// stallMs is stopped (file kept) and reported, and Retry resumes it.

const PROGRESS_INTERVAL_MS = 250;
const PREFLIGHT_TIMEOUT_MS = 10_000;
export const DEFAULT_STALL_MS = 30_000;

interface Job {
  entry: CatalogEntry;
  file: string;
  downloader: ModelDownloader | null;
  /** Why it is being stopped, when it is. */
  stopping: 'pause' | 'stall' | 'close' | null;
  receivedBytes: number;
  totalBytes: number | null;
  done: Promise<void>;
  /** Ends the wait for the downloader: cancelling it while it retries a refused connection does not end its download(). */
  release: () => void;
}

export type StartResult = { id: string; file: string; state: 'started' | 'running' | 'present' };

export class ModelDownloads {
  private readonly jobs = new Map<string, Job>();
  private closed = false;

  constructor(
    private readonly dir: string,
    private readonly bus: EventBus,
    private readonly log: Logger,
    readonly catalog: ModelCatalog,
    /** Called with the finished file (to make it the configured model when none is set). */
    private readonly onDone: (entry: CatalogEntry, file: string) => void,
    private readonly stallMs = DEFAULT_STALL_MS,
  ) {}

  fileOf(entry: CatalogEntry): string {
    return path.join(this.dir, entry.file);
  }

  async start(id: string): Promise<StartResult> {
    const entry = await this.catalog.find(id);
    if (!entry) throw appError('not_found', `There is no model "${id}" in the catalog of recommended models.`);
    if (this.closed) throw appError('shutting_down', 'Perch is shutting down; the download resumes after the next start.');
    const file = this.fileOf(entry);
    if (this.jobs.has(id)) return { id, file, state: 'running' };
    if (fs.existsSync(file)) return { id, file, state: 'present' };
    const job: Job = { entry, file, downloader: null, stopping: null, receivedBytes: partialDownload(file)?.receivedBytes ?? 0, totalBytes: entry.sizeBytes, done: Promise.resolve(), release: () => undefined };
    job.done = this.download(job).finally(() => this.jobs.delete(id));
    this.jobs.set(id, job);
    return { id, file, state: 'started' };
  }

  /** Stops a running download, keeping what it fetched; false when none was running. */
  async pause(id: string): Promise<{ paused: boolean }> {
    const job = this.jobs.get(id);
    if (!job) return { paused: false };
    await this.halt(job, 'pause');
    return { paused: true };
  }

  /** How far a running download is, or null. */
  running(id: string): { receivedBytes: number; totalBytes: number | null } | null {
    const job = this.jobs.get(id);
    return job ? { receivedBytes: job.receivedBytes, totalBytes: job.totalBytes } : null;
  }

  /** Resolves when the download of `id` (if any) has finished, successfully or not. */
  async settled(id: string): Promise<void> {
    await this.jobs.get(id)?.done;
  }

  /** Stops running downloads; their partial files stay, so the next start resumes them. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(
      [...this.jobs.values()].map((job) => this.halt(job, 'close')),
    );
  }

  private async halt(job: Job, why: NonNullable<Job['stopping']>): Promise<void> {
    job.stopping ??= why;
    job.release();
    await job.downloader?.cancel({ deleteTempFile: false }).catch((error: Error) => this.log.debug('cancelling a download failed', { error: error.message }));
    await job.done;
  }

  private publish(job: Job, extra: { done: boolean; paused?: boolean; error?: string }): void {
    const { entry, file, receivedBytes, totalBytes } = job;
    this.bus.publish('model.progress', { id: entry.id, name: entry.name, file, receivedBytes, totalBytes, ...extra });
  }

  private async download(job: Job): Promise<void> {
    const { entry, file } = job;
    fs.mkdirSync(this.dir, { recursive: true });
    // At most one event per interval, and always the latest numbers.
    let timer: NodeJS.Timeout | null = null;
    let lastMovedAt = Date.now();
    const report = (status: { downloadedSize: number; totalSize: number }) => {
      if (status.downloadedSize !== job.receivedBytes) lastMovedAt = Date.now();
      job.receivedBytes = status.downloadedSize;
      job.totalBytes = status.totalSize || job.totalBytes;
      timer ??= setTimeout(() => {
        timer = null;
        if (!job.stopping) this.publish(job, { done: false });
      }, PROGRESS_INTERVAL_MS);
    };
    const watchdog = setInterval(() => {
      if (Date.now() - lastMovedAt < this.stallMs || job.stopping) return;
      this.log.info('model download stalled; stopping it', { model: entry.name, receivedBytes: job.receivedBytes, quietMs: Date.now() - lastMovedAt });
      void this.halt(job, 'stall');
    }, Math.min(1_000, this.stallMs / 4));
    try {
      this.publish(job, { done: false });
      // A quick look first: offline, the downloader would keep retrying instead of saying so.
      // Not following the redirect: Hugging Face names the file's sha256 on it (X-Linked-Etag).
      const head = await fetch(entry.url, { method: 'HEAD', redirect: 'manual', signal: AbortSignal.timeout(PREFLIGHT_TIMEOUT_MS) });
      if (head.status >= 400) throw Object.assign(new Error(`HTTP ${head.status} for ${entry.url}`), { httpStatus: head.status });
      const sha256 = entry.sha256 ?? announcedSha256(head.headers);
      const { createModelDownloader } = await import('node-llama-cpp');
      lastMovedAt = Date.now();
      job.downloader = await createModelDownloader({
        modelUrl: entry.url,
        dirPath: this.dir,
        fileName: entry.file,
        showCliProgress: false,
        deleteTempFileOnCancel: false, // a later start resumes where this one stopped
        onProgress: report,
      });
      if (job.stopping) throw new Error('stopped before the transfer began');
      const before = job.downloader.downloadedSize;
      if (before > 0) this.log.info('model download resuming', { model: entry.name, keptBytes: before });
      const released = new Promise<null>((resolve) => (job.release = () => resolve(null)));
      const downloading = job.downloader.download();
      downloading.catch(() => undefined); // after a release nobody waits for it; it ends at its next retry
      const saved = await Promise.race([downloading, released]);
      // A cancelled download resolves as if it had finished: what stopped it says what happened.
      if (job.stopping) throw job.stopping === 'stall' ? new DownloadStalled() : new Error('stopped');
      if (!saved) throw new Error('released');
      await this.verify(entry, saved, sha256);
      const size = fs.statSync(saved).size;
      job.receivedBytes = size;
      job.totalBytes = size;
      this.log.info('model downloaded', { model: entry.name, file: saved, bytes: size });
      this.onDone(entry, saved);
      this.publish(job, { done: true });
    } catch (error) {
      job.receivedBytes = partialDownload(file)?.receivedBytes ?? 0;
      if (job.stopping === 'pause' || job.stopping === 'close') {
        this.log.info(job.stopping === 'pause' ? 'model download paused' : 'model download paused until the next start', { model: entry.name, keptBytes: job.receivedBytes });
        this.publish(job, { done: false, paused: true });
        return;
      }
      const message = downloadProblem(entry, error as Error, job);
      this.log.warn('model download failed', { model: entry.name, error: (error as Error).message, code: codeOf(error as Error), keptBytes: job.receivedBytes });
      this.publish(job, { done: true, error: message });
    } finally {
      clearInterval(watchdog);
      if (timer) clearTimeout(timer);
    }
  }

  private async verify(entry: CatalogEntry, file: string, sha256: string | null): Promise<void> {
    try {
      await checkGgufFile(file);
      if (sha256) {
        const actual = await fileSha256(file);
        if (actual !== sha256) throw Object.assign(new Error(`checksum mismatch (expected ${sha256}, got ${actual})`), { checksum: true });
      }
    } catch (error) {
      fs.rmSync(file, { force: true }); // never leave a bad file where it would be listed and loaded
      fs.rmSync(tempFileOf(file), { force: true });
      this.log.warn('downloaded model failed its check and was removed', { model: entry.name, error: (error as Error).message });
      throw Object.assign(new Error(`the downloaded file failed its check and was removed: ${(error as Error).message}`, { cause: error }), { failedCheck: true });
    }
  }
}

const codeOf = (error: Error) => (error as { code?: string }).code ?? ((error.cause as { code?: string } | undefined)?.code ?? null);

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
