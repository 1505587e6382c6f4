import fs from 'node:fs';
import path from 'node:path';

// Reads the log files Perch wrote under a data dir and returns every line that gives away what a
// log must never hold: a phone number, an email address, a token or key, or words people wrote.

const LEAKS: Array<[string, RegExp]> = [
  ['email', /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z]{2,}/],
  ['phone', /\+\d[\d ()-]{6,18}\d/],
  ['whatsapp id', /\d{7,15}@(s\.whatsapp\.net|c\.us|lid)/],
  ['bearer', /Bearer\s+(?!\[redacted\])\S+/i],
  ['api key', /\bsk-[A-Za-z0-9_-]{16,}/],
  ['bot token', /\b\d{6,12}:[A-Za-z0-9_-]{30,}/],
];

export interface LogScan {
  files: string[];
  lines: number;
  leaks: Array<{ file: string; line: string; what: string }>;
}

/** Scans <dataDir>/logs/*.log for the patterns above and for each `forbidden` string (message texts, secrets). */
export function scanLogs(dataDir: string, forbidden: string[]): LogScan {
  const dir = path.join(dataDir, 'logs');
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.log')).map((f) => path.join(dir, f)) : [];
  const scan: LogScan = { files, lines: 0, leaks: [] };
  for (const file of files) {
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      if (!line) continue;
      scan.lines++;
      const what = LEAKS.find(([, pattern]) => pattern.test(line))?.[0] ?? forbidden.find((text) => line.includes(text));
      if (what) scan.leaks.push({ file: path.basename(file), line, what });
    }
  }
  return scan;
}
