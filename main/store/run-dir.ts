import fs from 'node:fs';
import path from 'node:path';

// Temporary files of this run live in <data dir>/tmp/run-<pid>: what an earlier run left there
// (it crashed, or was killed) is removed at start, and this run's at exit. Safe because only one
// Perch runs per data dir (the instance lock is held before this is called).

export interface RunDir {
  readonly dir: string;
  close(): void;
}

export function openRunDir(dataDir: string, warn: (message: string, fields: Record<string, unknown>) => void): RunDir {
  const root = path.join(dataDir, 'tmp');
  // Best effort: a file a leftover process still holds (Windows) must not keep Perch from starting.
  const clear = () => {
    try {
      fs.rmSync(root, { recursive: true, force: true });
    } catch (error) {
      warn('could not remove old temporary files', { dir: root, error: (error as Error).message });
    }
  };
  clear();
  const dir = path.join(root, `run-${process.pid}`);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  return { dir, close: clear };
}
