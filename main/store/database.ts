import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';

export type Db = Database.Database;

/** Opens (or creates) the one Perch database with the pragmas every domain relies on. */
export function openDatabase(file: string): Db {
  const db = new Database(file);
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
