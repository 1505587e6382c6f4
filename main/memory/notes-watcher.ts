import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../log/logger';
import { classify, isNoteName, listNotes } from './note-files';

// Watches the notes folder and reports which note changed, once per burst: editors save with a
// temporary file and a rename, or in several writes, and each produces events. On Linux, Node's
// recursive watching misses the deletion of a file that was replaced by a rename, so there every
// folder gets a watcher of its own (inotify on a directory sees all of its entries). Which paths
// are notes and folders is decided by note-files (as for the start-up scan): links are not followed.

const DEBOUNCE_MS = 300;

export class NotesWatcher {
  private readonly watchers = new Map<string, fs.FSWatcher>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly dir: string,
    private readonly onChange: (file: string) => void,
    private readonly log: Logger,
    private readonly perDirectory = process.platform === 'linux',
  ) {}

  start(): void {
    if (this.perDirectory) this.watchTree('');
    else this.watch('', true);
  }

  stop(): void {
    this.stopped = true;
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private watchTree(rel: string): void {
    this.watch(rel, false);
    let names: string[] = [];
    try {
      names = fs.readdirSync(path.join(this.dir, rel));
    } catch {
      return;
    }
    for (const name of names) {
      const child = path.join(rel, name);
      if (classify(this.dir, child) === 'folder') this.watchTree(child);
    }
  }

  private watch(rel: string, recursive: boolean): void {
    if (this.stopped || this.watchers.has(rel)) return;
    try {
      const watcher = fs.watch(path.join(this.dir, rel), { recursive }, (_event, name) => {
        if (name) this.seen(path.join(rel, path.normalize(name.toString())));
      });
      watcher.on('error', () => {
        // The folder went away (or the watcher broke): forget it; a parent sees it come back.
        watcher.close();
        this.watchers.delete(rel);
      });
      this.watchers.set(rel, watcher);
    } catch (error) {
      this.log.warn('cannot watch a notes folder; its changes are picked up at the next start', { dir: path.join(this.dir, rel), error: (error as Error).message });
    }
  }

  private seen(rel: string): void {
    if (this.perDirectory && classify(this.dir, rel) === 'folder') {
      // A new (or moved-in) real folder: watch it, and report the notes it already holds.
      this.watchTree(rel);
      for (const file of listNotes(this.dir, rel)) this.debounce(file);
      return;
    }
    // Named like a note: indexing reads it only if it is one (a link in its place is dropped).
    if (isNoteName(rel)) this.debounce(rel);
  }

  private debounce(file: string): void {
    clearTimeout(this.timers.get(file));
    this.timers.set(
      file,
      setTimeout(() => {
        this.timers.delete(file);
        if (!this.stopped) this.onChange(file);
      }, DEBOUNCE_MS),
    );
  }
}
