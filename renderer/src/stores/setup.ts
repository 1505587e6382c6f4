import { create } from 'zustand';
import type { EventPayload } from '../../../main/contract/events';
import type { Result } from '../../../main/contract/methods';
import { call, listen, problemOf, type Problem } from './session';

// Model downloads as the setup screen shows them: seeded from models.catalog (so a reload finds a
// download where it was), then moved on by model.progress events. The speed is measured here
// from the last few seconds of progress, since the events carry only byte counts.

export type CatalogItem = Result<'models.catalog'>['items'][number];

export interface DownloadView {
  phase: 'idle' | 'starting' | 'running' | 'paused' | 'failed' | 'done';
  receivedBytes: number;
  totalBytes: number | null;
  /** Bytes a second over the last few seconds; null until there is enough to tell. */
  bytesPerSecond: number | null;
  /** The server's sentence for a failed download. */
  error: string | null;
  /** A refused start or pause (the call itself failed). */
  problem: Problem | null;
}

interface Sample {
  at: number;
  bytes: number;
}

const SPEED_WINDOW_MS = 5_000;
const samples = new Map<string, Sample[]>();

function speedOf(id: string, bytes: number, at: number): number | null {
  const list = (samples.get(id) ?? []).filter((s) => at - s.at <= SPEED_WINDOW_MS && s.bytes <= bytes);
  list.push({ at, bytes });
  samples.set(id, list);
  const first = list[0]!;
  const seconds = (at - first.at) / 1000;
  return seconds >= 0.5 ? (bytes - first.bytes) / seconds : null;
}

const idle = (item?: CatalogItem): DownloadView => ({
  phase: item?.state === 'present' ? 'done' : item?.state === 'downloading' ? 'running' : item?.state === 'partial' ? 'paused' : 'idle',
  receivedBytes: item?.state === 'present' ? (item.sizeBytes ?? item.receivedBytes) : (item?.receivedBytes ?? 0),
  totalBytes: item?.sizeBytes ?? null,
  bytesPerSecond: null,
  error: null,
  problem: null,
});

interface SetupState {
  downloads: Record<string, DownloadView>;
  /** Takes what models.catalog says, keeping what live events already told for running ones. */
  seed(items: CatalogItem[]): void;
  progress(event: EventPayload<'model.progress'>): void;
  start(id: string): Promise<void>;
  pause(id: string): Promise<void>;
}

export const useSetup = create<SetupState>((set, get) => ({
  downloads: {},
  seed(items) {
    const next: Record<string, DownloadView> = {};
    for (const item of items) {
      const known = get().downloads[item.id];
      const fromCatalog = idle(item);
      // A live event is newer than a catalog answer that crossed it; a failure stays until retried.
      next[item.id] = known && (known.phase === 'failed' || (known.phase === 'running' && fromCatalog.phase === 'running') || known.phase === 'starting') ? known : fromCatalog;
    }
    set({ downloads: next });
  },
  progress(event) {
    const now = performance.now();
    const phase: DownloadView['phase'] = event.error ? 'failed' : event.done ? 'done' : event.paused ? 'paused' : 'running';
    if (phase !== 'running') samples.delete(event.id);
    set((s) => ({
      downloads: {
        ...s.downloads,
        [event.id]: {
          phase,
          receivedBytes: event.receivedBytes,
          totalBytes: event.totalBytes ?? s.downloads[event.id]?.totalBytes ?? null,
          bytesPerSecond: phase === 'running' ? speedOf(event.id, event.receivedBytes, now) : null,
          error: event.error ?? null,
          problem: null,
        },
      },
    }));
  },
  async start(id) {
    const before = get().downloads[id] ?? idle();
    samples.delete(id);
    set((s) => ({ downloads: { ...s.downloads, [id]: { ...before, phase: 'starting', error: null, problem: null, bytesPerSecond: null } } }));
    try {
      const { state } = await call('models.download', { id });
      if (state === 'present') set((s) => ({ downloads: { ...s.downloads, [id]: { ...s.downloads[id]!, phase: 'done' } } }));
    } catch (error) {
      set((s) => ({ downloads: { ...s.downloads, [id]: { ...before, phase: before.phase === 'failed' ? 'failed' : before.phase, problem: problemOf(error) } } }));
    }
  },
  async pause(id) {
    try {
      await call('models.pause', { id });
    } catch (error) {
      set((s) => ({ downloads: { ...s.downloads, [id]: { ...(s.downloads[id] ?? idle()), problem: problemOf(error) } } }));
    }
  },
}));

/** Feeds model.progress events into the store while the setup screen is shown. */
export function followDownloads(): () => void {
  return listen('model.progress', (event) => useSetup.getState().progress(event));
}
