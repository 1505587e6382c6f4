import type { Statement } from 'better-sqlite3';
import type { Db } from './database';

/** SQL text → its statement, compiled on first use: the stores run the same few statements a lot. */
export interface Prepared {
  (text: string): Statement;
  /** Forgets every statement (after a schema change they refer to). */
  clear(): void;
}

export function prepared(db: Db): Prepared {
  const cache = new Map<string, Statement>();
  const get = ((text: string) => {
    let statement = cache.get(text);
    if (!statement) cache.set(text, (statement = db.prepare(text)));
    return statement;
  }) as Prepared;
  get.clear = () => cache.clear();
  return get;
}

/**
 * Runs a function in one transaction (nested calls become savepoints). The wrapper is built once:
 * building it prepares statements.
 */
export function transactor(db: Db): <T>(fn: () => T) => T {
  const run = db.transaction((fn: () => unknown) => fn());
  return <T>(fn: () => T) => run(fn) as T;
}
