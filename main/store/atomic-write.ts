import fs from 'node:fs';

/**
 * Write-then-rename: a crash mid-write leaves the old file or the new one, never a truncated one.
 * The temporary file is made afresh and exclusively, so a link planted at its name is removed or
 * makes the write fail, never written through; the rename replaces a link at `file` likewise.
 */
export function writeFileAtomic(file: string, content: string, mode?: number): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.rmSync(tmp, { force: true });
  fs.writeFileSync(tmp, content, mode === undefined ? { flag: 'wx' } : { flag: 'wx', mode });
  fs.renameSync(tmp, file);
}
