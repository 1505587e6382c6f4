// Numbers, money and days as the Usage page shows them. The summary counts by UTC day.

export const DAY_MS = 86_400_000;
export const nf = new Intl.NumberFormat();
export const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });
export const money = (n: number | null) => (n === null ? '—' : n.toLocaleString(undefined, { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: n < 1 ? 4 : 2 }));

/** The UTC days the summary covers (the server counts from now minus `days`, by UTC day), oldest first. */
export function utcDays(days: number, now = Date.now()): string[] {
  const out: string[] = [];
  const first = Date.parse(new Date(now - days * DAY_MS).toISOString().slice(0, 10));
  for (let t = first; t <= now; t += DAY_MS) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

export const dayLabel = (day: string, long = false) =>
  new Date(`${day}T00:00:00Z`).toLocaleDateString(undefined, { timeZone: 'UTC', month: 'short', day: 'numeric', ...(long ? { weekday: 'short', year: 'numeric' } : {}) });

/** A round axis maximum at or above `max`: 1, 2, 2.5 or 5 times a power of ten. */
export function niceCeil(max: number): number {
  if (max <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * power >= max) return m * power;
  return 10 * power;
}
