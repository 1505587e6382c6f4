import fs from 'node:fs';
import type { LogLevel } from './logger';

// The end of the log file for the dashboard's viewer: the last lines at or above a level, read
// from the file's tail (a long-running Perch's log is never read whole).

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, verbose: 3, debug: 4 };
const TAIL_BYTES = 512 * 1024;

export interface LogEntry {
  time: string;
  level: LogLevel;
  message: string;
  fields: Record<string, unknown>;
}

export function readLogTail(file: string | null, count: number, atLeast: LogLevel = 'debug'): LogEntry[] {
  if (!file || !fs.existsSync(file)) return [];
  const fd = fs.openSync(file, 'r');
  let text: string;
  try {
    const size = fs.fstatSync(fd).size;
    const start = Math.max(0, size - TAIL_BYTES);
    const buffer = Buffer.alloc(size - start);
    fs.readSync(fd, buffer, 0, buffer.length, start);
    text = buffer.toString('utf8');
    if (start > 0) text = text.slice(text.indexOf('\n') + 1); // the first line may be cut
  } finally {
    fs.closeSync(fd);
  }
  const entries: LogEntry[] = [];
  for (const line of text.split('\n').reverse()) {
    if (entries.length >= count) break;
    if (!line.trim()) continue;
    try {
      const { time, level, msg, ...fields } = JSON.parse(line) as { time: string; level: LogLevel; msg: string } & Record<string, unknown>;
      if ((RANK[level] ?? 4) <= RANK[atLeast]) entries.push({ time, level, message: msg, fields });
    } catch {
      // A line that is not JSON (cut by a crash mid-write) is skipped.
    }
  }
  return entries.reverse();
}
