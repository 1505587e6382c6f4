import fs from 'node:fs';
import path from 'node:path';

// Writing an export archive into <data dir>/exports without ever writing through a link: a link
// in place of the folder is refused, and the file is written through the opened folder itself
// (Linux's /proc/self/fd, an openat by path), so swapping the folder for a link meanwhile changes
// nothing. Where /proc is missing, the folder is checked to still be the opened one before and
// after. The temporary file is created exclusively (a link there makes it fail) and renamed into
// place, which replaces a link at the archive's name instead of following it.

export class ExportRefused extends Error {}

const DIR_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_DIRECTORY ?? 0) | (fs.constants.O_NOFOLLOW ?? 0);

/** Writes `content` as `name` in `dir` (made 0700 if missing); returns the file's path. */
export function writeExport(dir: string, name: string, content: string): string {
  if (name !== path.basename(name) || name.startsWith('.')) throw new ExportRefused(`Not a file name: ${name}`);
  fs.mkdirSync(path.dirname(dir), { recursive: true, mode: 0o700 });
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const refused = () => new ExportRefused(`Not exported: ${dir} is a symbolic link or not a folder. Nothing was written through it; remove it (Perch makes the folder again) and export again.`);
  const before = fs.lstatSync(dir);
  if (before.isSymbolicLink() || !before.isDirectory()) throw refused();
  let fd: number;
  try {
    fd = fs.openSync(dir, DIR_FLAGS);
  } catch {
    throw refused(); // swapped for a link since the check
  }
  try {
    const opened = fs.fstatSync(fd);
    const same = () => {
      const now = fs.lstatSync(dir, { throwIfNoEntry: false });
      return !!now && now.isDirectory() && !now.isSymbolicLink() && now.dev === opened.dev && now.ino === opened.ino;
    };
    if (!same()) throw refused();
    const base = viaFd(fd) ?? dir;
    const tmp = path.join(base, `.${name}.${process.pid}.tmp`);
    fs.rmSync(tmp, { force: true }); // a leftover (or a planted link) goes; a link is removed, not followed
    fs.writeFileSync(tmp, content, { flag: 'wx', mode: 0o600 });
    if (base === dir && !same()) {
      fs.rmSync(tmp, { force: true });
      throw refused();
    }
    fs.renameSync(tmp, path.join(base, name));
    return path.join(dir, name);
  } finally {
    fs.closeSync(fd);
  }
}

/** A path that names the open folder itself, where the system has one. */
function viaFd(fd: number): string | null {
  const link = `/proc/self/fd/${fd}`;
  try {
    return fs.statSync(link).isDirectory() ? link : null;
  } catch {
    return null;
  }
}
