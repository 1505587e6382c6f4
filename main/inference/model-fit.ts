import os from 'node:os';
import type { Llama } from 'node-llama-cpp';
import type { Logger } from '../log/logger';
import type { CatalogEntry } from './catalog';
import { pickThreads } from './llama/gguf-file';

// Whether a model fits this machine, from node-llama-cpp's own insights: the GGUF header (read from
// the local file, or over the network with a short deadline) gives GgufInsights, whose resolver
// scores the configuration against this machine's RAM (and VRAM). The providers run llama.cpp
// CPU-only (gpu: false), so that is the configuration judged. Without a header the download size
// gives a rougher answer. Results are cached per source.

export type Fit = 'yes' | 'maybe' | 'no';

export interface Machine {
  ramBytes: number;
  freeRamBytes: number;
  gpu: string | null;
  vramBytes: number | null;
}

const HEADER_TIMEOUT_MS = 4_000;
/** A failed header read is tried again after this long (the network may be back). */
const RETRY_AFTER_MS = 5 * 60_000;

const GB = 1e9;
const gb = (bytes: number) => `${(bytes / GB).toFixed(bytes < 10 * GB ? 1 : 0)} GB`;

export class FitJudge {
  private llama: Promise<Llama> | null = null;
  private readonly cache = new Map<string, { at: number; fit: Fit | null; detail: string | null; fromHeader: boolean }>();

  constructor(private readonly log: Logger) {}

  private getLlama(): Promise<Llama> {
    this.llama ??= import('node-llama-cpp').then(({ getLlama, LlamaLogLevel }) =>
      // The same build the providers load; never downloads or compiles anything.
      getLlama({ gpu: false, build: 'never', skipDownload: true, usePrebuiltBinaries: true, logLevel: LlamaLogLevel.error, maxThreads: pickThreads() }),
    );
    return this.llama;
  }

  async machine(): Promise<Machine> {
    const base = { ramBytes: os.totalmem(), freeRamBytes: os.freemem() };
    try {
      const llama = await this.getLlama();
      if (!llama.gpu) return { ...base, gpu: null, vramBytes: null };
      return { ...base, gpu: llama.gpu, vramBytes: (await llama.getVramState()).total };
    } catch (error) {
      this.log.debug('llama.cpp unavailable for machine insights', { error: (error as Error).message });
      return { ...base, gpu: null, vramBytes: null };
    }
  }

  /** source: the local file when present, else the entry's URL. */
  async judge(entry: CatalogEntry, source: string): Promise<{ fits: Fit | null; fitDetail: string | null }> {
    const cached = this.cache.get(source);
    if (cached && (cached.fromHeader || Date.now() - cached.at < RETRY_AFTER_MS)) return { fits: cached.fit, fitDetail: cached.detail };
    const fromHeader = await this.fromInsights(entry, source).catch((error: Error) => {
      this.log.debug('cannot read the GGUF header for a fit judgement', { model: entry.name, error: error.message });
      return null;
    });
    const judged = fromHeader ?? this.fromSize(entry);
    this.cache.set(source, { at: Date.now(), fit: judged.fits, detail: judged.fitDetail, fromHeader: fromHeader !== null });
    return judged;
  }

  private async fromInsights(entry: CatalogEntry, source: string): Promise<{ fits: Fit; fitDetail: string }> {
    const { readGgufFileInfo, GgufInsights } = await import('node-llama-cpp');
    const llama = await this.getLlama();
    const info = await readGgufFileInfo(source, {
      signal: AbortSignal.timeout(HEADER_TIMEOUT_MS),
      logWarnings: false,
      fetchRetryOptions: { retries: 0 },
    });
    const insights = await GgufInsights.from(info, llama);
    const { compatibilityScore, resolvedValues } = await insights.configurationResolver.resolveAndScoreConfig({ embeddingContext: entry.kind === 'embed' });
    const need = resolvedValues.totalRamUsage + resolvedValues.totalVramUsage;
    const ram = os.totalmem();
    const free = os.freemem();
    const context = `a ${resolvedValues.contextSize.toLocaleString('en-US')}-token context`;
    if (compatibilityScore === 0 || need > ram) {
      return { fits: 'no', fitDetail: `Too big for this computer: it needs about ${gb(need)} of memory with ${context}, and this computer has ${gb(ram)}.` };
    }
    if (need > free) {
      return { fits: 'maybe', fitDetail: `Might be slow: it needs about ${gb(need)} of memory and ${gb(free)} of ${gb(ram)} is free now. Closing other apps helps.` };
    }
    return { fits: 'yes', fitDetail: `Fits: it needs about ${gb(need)} of memory with ${context}; ${gb(free)} of ${gb(ram)} is free.` };
  }

  /** Rough: the weights plus a context and llama.cpp's buffers. */
  private fromSize(entry: CatalogEntry): { fits: Fit | null; fitDetail: string | null } {
    if (!entry.sizeBytes) return { fits: null, fitDetail: null };
    const need = entry.sizeBytes * 1.2 + 0.3 * GB;
    const ram = os.totalmem();
    const free = os.freemem();
    const estimate = `about ${gb(need)} of memory (estimated from the download size)`;
    if (need > ram * 0.9) return { fits: 'no', fitDetail: `Too big for this computer: it needs ${estimate}, and this computer has ${gb(ram)}.` };
    if (need > free) return { fits: 'maybe', fitDetail: `Might be slow: it needs ${estimate} and ${gb(free)} of ${gb(ram)} is free now.` };
    return { fits: 'yes', fitDetail: `Fits: it needs ${estimate}; ${gb(free)} of ${gb(ram)} is free.` };
  }

  async close(): Promise<void> {
    const llama = this.llama;
    this.llama = null;
    await llama?.then((l) => l.dispose()).catch(() => undefined);
  }
}
