// Counts, sizes, speeds and times as people read them ("3 notes", "1.1 GB", "4.2 MB/s",
// "about 3 min left"), for every page.

/** "1 note", "3 notes", "1,204 replies". */
export const plural = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString()} ${n === 1 ? one : many}`;

const UNITS = ['bytes', 'KB', 'MB', 'GB', 'TB'];

export function humanBytes(bytes: number): string {
  if (bytes < 1000) return `${Math.round(bytes)} ${bytes === 1 ? 'byte' : 'bytes'}`;
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value >= 100 ? Math.round(value) : value.toFixed(1)} ${UNITS[unit]}`;
}

export const humanSpeed = (bytesPerSecond: number): string => `${humanBytes(bytesPerSecond)}/s`;

export function timeLeft(seconds: number): string {
  if (!Number.isFinite(seconds)) return '';
  if (seconds < 5) return 'a few seconds left';
  if (seconds < 60) return `${Math.round(seconds)} s left`;
  if (seconds < 3600) return `about ${Math.round(seconds / 60)} min left`;
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.round((seconds % 3600) / 60);
  return `about ${hours} h ${minutes} min left`;
}

export const percentOf = (received: number, total: number | null): number | null => (total ? Math.min(100, Math.floor((received / total) * 100)) : null);
