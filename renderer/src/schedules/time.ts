// Times for the schedule form: this computer's zone, the zones to pick from, and the two ways a
// local date is written (ISO with this computer's offset for the server, datetime-local inputs).

export const localZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;

export const zones = (() => {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return [] as string[];
  }
})();

export const pad = (n: number, width = 2) => String(Math.trunc(Math.abs(n))).padStart(width, '0');

/** A local date as ISO 8601 with this computer's offset, e.g. 2026-12-24T18:00:00+01:00. */
export function isoWithOffset(date: Date): string {
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}${sign}${pad(offset / 60)}:${pad(offset % 60)}`;
}

/** An ISO time as the value of a datetime-local input (local time, to the minute). */
export function toLocalInput(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
