import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { sqliteOptions } from './database';

// One Perch per data directory. The lock is an exclusive SQLite lock on a small side file, held
// for the life of the process: the operating system drops it when the process dies, so a crash
// never leaves a stale lock behind (unlike a pid file), and it works the same on every OS.

export class AlreadyRunningError extends Error {
  constructor(dataDir: string, pid: string | undefined) {
    super(
      `Another Perch${pid ? ` (pid ${pid})` : ''} is already running with the data directory ${dataDir}. ` +
        'Quit it first, or set PERCH_DATA_DIR to another directory.',
    );
    this.name = 'AlreadyRunningError';
  }
}

export interface InstanceLock {
  release(): void;
}

/** nativeBinding: as for openDatabase (the desktop's better-sqlite3 built for Electron). */
export function acquireInstanceLock(dataDir: string, nativeBinding?: string | null): InstanceLock {
  const lockFile = path.join(dataDir, 'perch.lock');
  const pidFile = path.join(dataDir, 'perch.pid');
  const db = new Database(lockFile, sqliteOptions(nativeBinding));
  db.pragma('busy_timeout = 0');
  db.pragma('locking_mode = EXCLUSIVE');
  try {
    db.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code === 'SQLITE_BUSY') {
      throw new AlreadyRunningError(dataDir, readPid(pidFile));
    }
    throw error;
  }
  fs.writeFileSync(pidFile, String(process.pid), { mode: 0o600 });
  return {
    release() {
      if (!db.open) return;
      if (readPid(pidFile) === String(process.pid)) fs.rmSync(pidFile, { force: true });
      db.close();
    },
  };
}

function readPid(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
