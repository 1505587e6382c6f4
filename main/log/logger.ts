import path from 'node:path';
import logNode from 'electron-log/node';
import { redactValue } from './redact';

// Structured logging through electron-log (its Node entry, so headless and desktop write the
// same files): JSON lines in <data dir>/logs/perch.log with rotation, and readable console lines.
// Every line is redacted before any transport sees it.

export type LogLevel = 'error' | 'warn' | 'info' | 'verbose' | 'debug';
export type Fields = Record<string, unknown>;

export interface Logger {
  error(message: string, fields?: Fields): void;
  warn(message: string, fields?: Fields): void;
  info(message: string, fields?: Fields): void;
  verbose(message: string, fields?: Fields): void;
  debug(message: string, fields?: Fields): void;
  /** A logger that adds these fields (a scope, a correlation id…) to every line. */
  child(fields: Fields): Logger;
  setLevel(level: LogLevel): void;
  /** Whether a line at this level would be written anywhere (to skip building costly fields). */
  enabled(level: LogLevel): boolean;
  /** The current log file (for the dashboard's log viewer and for tests). */
  readonly file: string | null;
}

export interface LoggerOptions {
  /** Directory for perch.log; null writes to the console only. */
  dir: string | null;
  level: LogLevel;
  console?: boolean;
  maxFileBytes?: number;
}

let instances = 0;
const rank: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, verbose: 3, debug: 4 };

export function createLogger(options: LoggerOptions): Logger {
  const log = logNode.create({ logId: `perch-${++instances}` });
  const file = options.dir ? path.join(options.dir, 'perch.log') : null;

  log.hooks.push((message) => {
    message.data = message.data.map((item) => redactValue(item));
    return message;
  });

  if (file) {
    log.transports.file.resolvePathFn = () => file;
    log.transports.file.maxSize = options.maxFileBytes ?? 5 * 1024 * 1024;
    log.transports.file.format = ({ message }) => {
      const [text, fields] = message.data as [string, Fields | undefined];
      return [JSON.stringify({ time: message.date.toISOString(), level: message.level, msg: text, ...fields })];
    };
    log.transports.file.level = options.level;
  } else {
    log.transports.file.level = false;
  }

  if (options.console === false) {
    log.transports.console.level = false;
  } else {
    log.transports.console.level = options.level;
    log.transports.console.format = ({ message }) => {
      const [text, fields] = message.data as [string, Fields | undefined];
      const extra = fields
        ? Object.entries(fields)
            .filter(([, v]) => v !== undefined)
            .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
            .join(' ')
        : '';
      const time = message.date.toISOString().slice(11, 23);
      return [`${time} ${message.level.padEnd(5)} ${text}${extra ? ` ${extra}` : ''}`];
    };
  }

  let current = options.level;
  const make = (base: Fields): Logger => {
    const write = (level: LogLevel) => (message: string, fields?: Fields) => {
      // Checked here: electron-log would build, redact and only then drop the message.
      if (rank[level] > rank[current]) return;
      log[level](message, fields || Object.keys(base).length ? { ...base, ...fields } : undefined);
    };
    return {
      error: write('error'),
      warn: write('warn'),
      info: write('info'),
      verbose: write('verbose'),
      debug: write('debug'),
      child: (fields) => make({ ...base, ...fields }),
      setLevel(level) {
        current = level;
        if (log.transports.file.level !== false) log.transports.file.level = level;
        if (log.transports.console.level !== false) log.transports.console.level = level;
      },
      enabled: (level) => rank[level] <= rank[current],
      file,
    };
  };
  return make({});
}
