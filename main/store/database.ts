import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';

export type Db = Database.Database;

const requireNative = createRequire(import.meta.url);

/**
 * better-sqlite3's options for a native binding built elsewhere (the desktop passes one built for
 * Electron's ABI); none: the one npm built for this Node. Loaded here first so that a missing or
 * mismatched file is named in the error instead of surfacing as a bare dlopen message.
 */
export function sqliteOptions(nativeBinding?: string | null): Database.Options {
  if (!nativeBinding) return {};
  const file = path.resolve(nativeBinding);
  if (!fs.existsSync(file)) throw new Error(`cannot load the SQLite module: ${file} does not exist`);
  try {
    requireNative(file);
  } catch (error) {
    const reason = (error as Error).message.split('\n')[0];
    throw new Error(`cannot load the SQLite module ${file}: ${reason}`, { cause: error });
  }
  return { nativeBinding: file };
}

/** Opens (or creates) the one Perch database with the pragmas every domain relies on. */
export function openDatabase(file: string, nativeBinding?: string | null): Db {
  const db = new Database(file, sqliteOptions(nativeBinding));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL'); // safe with WAL: a crash can lose the last commits, never corrupt
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    sqliteVec.load(db);
    // Reading the schema now turns a corrupt or non-database file into a clear error at start.
    db.prepare('SELECT count(*) FROM sqlite_master').get();
  } catch (error) {
    db.close();
    throw new Error(`cannot open the database ${file}: ${(error as Error).message}`, { cause: error });
  }
  return db;
}

/** Folds the WAL back into the database file and closes it (clean shutdown). */
export function closeDatabase(db: Db): void {
  if (!db.open) return;
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

/** A write refused for lack of space: SQLite's "database or disk is full", or a file write's ENOSPC. */
export function isDiskFull(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_FULL' || code === 'ENOSPC';
}

export function sqliteVecVersion(db: Db): string {
  return (db.prepare('SELECT vec_version() AS v').get() as { v: string }).v;
}
