import fs from 'node:fs';

/** Write-then-rename: a crash mid-write leaves the old file or the new one, never a truncated one. */
export function writeFileAtomic(file: string, content: string, mode?: number): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, content, mode === undefined ? {} : { mode });
  fs.renameSync(tmp, file);
}
