import fs from 'node:fs';

// How much of an interrupted download is kept. node-llama-cpp's downloader (ipull) writes into
// `<file>.ipull`, sized to the whole file, and appends its progress as JSON: the state of each
// chunk (2 = complete) and the chunk size. Only complete chunks survive a restart, so those are
// what counts as received. Unreadable metadata counts as nothing kept.

const COMPLETE = 2;
const TAIL_BYTES = 64 * 1024;

export const tempFileOf = (file: string) => `${file}.ipull`;

export function partialDownload(file: string): { receivedBytes: number; totalBytes: number } | null {
  const temp = tempFileOf(file);
  let fd: number;
  try {
    fd = fs.openSync(temp, 'r');
  } catch {
    return null;
  }
  try {
    const size = fs.fstatSync(fd).size;
    const length = Math.min(size, TAIL_BYTES);
    const tail = Buffer.alloc(length);
    fs.readSync(fd, tail, 0, length, size - length);
    const at = tail.lastIndexOf('{"part"');
    if (at < 0) return { receivedBytes: 0, totalBytes: size };
    const meta = JSON.parse(tail.subarray(at).toString('utf8')) as { chunks?: unknown; chunkSize?: unknown };
    const totalBytes = size - (length - at);
    if (!Array.isArray(meta.chunks) || typeof meta.chunkSize !== 'number' || meta.chunkSize <= 0) return { receivedBytes: 0, totalBytes };
    const chunkSize = meta.chunkSize;
    let receivedBytes = 0;
    meta.chunks.forEach((state, i) => {
      if (state === COMPLETE) receivedBytes += Math.max(0, Math.min(chunkSize, totalBytes - i * chunkSize));
    });
    return { receivedBytes, totalBytes };
  } catch {
    return { receivedBytes: 0, totalBytes: 0 };
  } finally {
    fs.closeSync(fd);
  }
}
