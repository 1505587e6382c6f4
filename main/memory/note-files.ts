import fs from 'node:fs';
import path from 'node:path';

// Which paths under the notes folder are notes, and reading one without leaving the folder. The
// start-up scan, the watcher and every read go through here, so they always agree.
//
// A note is a regular file with a note extension, under no hidden part, reached through real
// folders only. Symbolic links under the folder are never followed, wherever they point (even
// inside notes/): a link is not a note, and a linked folder is not walked. Reads open the file with O_NOFOLLOW and
// then check where the open file really is, so a link swapped in after the check is refused too.

/** A note to write that holds nothing (once control characters are left out). */
export class EmptyNote extends Error {}
/** Today's note file is there but is not a text file Perch may append to. */
export class NoteNotText extends Error {}

export const NOTE_EXTENSIONS = new Set(['.md', '.markdown', '.txt']);

const hidden = (rel: string) => rel.split(path.sep).some((part) => part.startsWith('.'));
const inside = (rel: string) => rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);

/** Whether a path relative to the notes folder has a note's name (extension, nothing hidden). */
export function isNoteName(rel: string): boolean {
  return inside(rel) && !hidden(rel) && NOTE_EXTENSIONS.has(path.extname(rel).toLowerCase());
}

/** What a path under the notes folder is, looked at without following links. */
export function classify(root: string, rel: string): 'note' | 'folder' | 'other' {
  if (rel !== '' && (!inside(path.normalize(rel)) || hidden(rel))) return 'other';
  // The notes folder itself may be a link the owner made (to a synced folder); nothing under it may.
  const stat = (rel === '' ? fs.statSync : fs.lstatSync)(path.join(root, rel), { throwIfNoEntry: false });
  if (!stat || stat.isSymbolicLink()) return 'other';
  if (stat.isDirectory()) return 'folder';
  return stat.isFile() && isNoteName(rel) ? 'note' : 'other';
}

/** Note files under `root` (or under its folder `under`), relative to root, sorted. */
export function listNotes(root: string, under = ''): string[] {
  const notes: string[] = [];
  const walk = (rel: string) => {
    let names: string[];
    try {
      names = fs.readdirSync(path.join(root, rel));
    } catch {
      return; // gone, or not readable
    }
    for (const name of names) {
      const child = path.join(rel, name);
      const kind = classify(root, child);
      if (kind === 'folder') walk(child);
      else if (kind === 'note') notes.push(child);
    }
  };
  if (classify(root, under) === 'folder') walk(under);
  return notes.sort();
}

export type NoteRead =
  | { kind: 'note'; bytes: Buffer; size: number; mtime: Date }
  | { kind: 'too-big'; size: number }
  /** Missing, or not a note (a link, a folder, a device, outside the folder). */
  | { kind: 'absent'; reason: string };

const NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0;
// O_NONBLOCK: opening a FIFO named like a note must not hang; it is refused by its type below.
const OPEN_FLAGS = fs.constants.O_RDONLY | NOFOLLOW | (fs.constants.O_NONBLOCK ?? 0);

/** Reads a note (at most `maxBytes`) if `rel` is one, never through a link. */
export function readNote(root: string, rel: string, maxBytes: number): NoteRead {
  const norm = path.normalize(rel);
  if (!isNoteName(norm)) return { kind: 'absent', reason: 'not a note name' };
  // Every folder on the way must be a real folder (a linked subfolder is not walked either).
  const parts = norm.split(path.sep);
  for (let i = 1; i < parts.length; i++) {
    if (classify(root, parts.slice(0, i).join(path.sep)) !== 'folder') return { kind: 'absent', reason: 'not under a real folder' };
  }
  let fd: number;
  try {
    fd = fs.openSync(path.join(root, norm), OPEN_FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { kind: 'absent', reason: code === 'ELOOP' ? 'a symbolic link' : (code ?? 'cannot open') };
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) return { kind: 'absent', reason: 'not a regular file' };
    if (!openedInside(fd, root, norm, stat)) return { kind: 'absent', reason: 'outside the notes folder' };
    if (stat.size > maxBytes) return { kind: 'too-big', size: stat.size };
    const buffer = Buffer.alloc(Math.min(stat.size, maxBytes) + 1);
    let length = 0;
    while (length < buffer.length) {
      const n = fs.readSync(fd, buffer, length, buffer.length - length, length);
      if (n === 0) break;
      length += n;
    }
    // Grown past the cap since fstat: as big as that.
    if (length > maxBytes) return { kind: 'too-big', size: length };
    return { kind: 'note', bytes: buffer.subarray(0, length), size: length, mtime: stat.mtime };
  } finally {
    fs.closeSync(fd);
  }
}

/** Whether the open file really is `rel` under the notes folder (a folder swapped for a link meanwhile is caught). */
function openedInside(fd: number, root: string, rel: string, stat: fs.Stats): boolean {
  let realRoot: string;
  try {
    realRoot = fs.realpathSync(root);
  } catch {
    return false;
  }
  // Linux tells where an open file is; elsewhere the path is resolved again and must be the same file.
  let where: string | null = null;
  try {
    where = fs.readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    try {
      const real = fs.realpathSync(path.join(root, rel));
      const again = fs.statSync(real);
      if (again.dev === stat.dev && again.ino === stat.ino) where = real;
    } catch {
      where = null;
    }
  }
  return where !== null && path.relative(realRoot, where) === rel;
}
