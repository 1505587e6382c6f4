import fs from 'node:fs';
import type { LogLevel } from './logger';

// The end of the log file for the dashboard's viewer: the last lines at or above a level, read
// from the file's tail (a long-running Perch's log is never read whole).

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, verbose: 3, debug: 4 };
/** The most of the file's end that is read (and so, about, the largest reply). */
export const LOG_TAIL_BYTES = 512 * 1024;
/** A reply carries each line re-keyed (`message`, `fields`): a few bytes more than the line read. */
const PER_LINE_OVERHEAD = 16;

export interface LogEntry {
  time: string;
  level: LogLevel;
  message: string;
  fields: Record<string, unknown>;
}

/**
 * The last `count` lines at or above a level, newest kept first while `items` as JSON stays within
 * `maxBytes` (about: `bytes` is the estimate, what a reply carrying them costs).
 */
export function readLogTail(file: string | null, count: number, atLeast: LogLevel = 'debug', maxBytes = LOG_TAIL_BYTES): { items: LogEntry[]; bytes: number } {
  if (!file || !fs.existsSync(file)) return { items: [], bytes: 2 };
  const fd = fs.openSync(file, 'r');
  let text: string;
  try {
    const size = fs.fstatSync(fd).size;
    const start = Math.max(0, size - Math.min(LOG_TAIL_BYTES, Math.max(0, Math.floor(maxBytes))));
    const buffer = Buffer.alloc(size - start);
    fs.readSync(fd, buffer, 0, buffer.length, start);
    text = buffer.toString('utf8');
    if (start > 0) text = text.slice(text.indexOf('\n') + 1); // the first line may be cut
  } finally {
    fs.closeSync(fd);
  }
  const items: LogEntry[] = [];
  let bytes = 2;
  for (const line of text.split('\n').reverse()) {
    if (items.length >= count) break;
    if (!line.trim()) continue;
    try {
      const { time, level, msg, ...fields } = JSON.parse(line) as { time: string; level: LogLevel; msg: string } & Record<string, unknown>;
      if ((RANK[level] ?? 4) > RANK[atLeast]) continue;
      const cost = Buffer.byteLength(line) + PER_LINE_OVERHEAD;
      if (bytes + cost > maxBytes) break;
      items.push({ time, level, message: msg, fields });
      bytes += cost;
    } catch {
      // A line that is not JSON (cut by a crash mid-write) is skipped.
    }
  }
  return { items: items.reverse(), bytes };
}
