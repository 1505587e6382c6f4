import type { Result } from '../../../main/contract/methods';
import { utcDays } from './format';

// The summary regrouped: totals per day (every day of the range, empty ones too) and per model.

export type Summary = Result<'usage.summary'>;

export interface DayTotal {
  day: string;
  tokensIn: number;
  tokensOut: number;
  calls: number;
}

export function perDay(summary: Summary, days: number): DayTotal[] {
  const byDay = new Map<string, DayTotal>();
  for (const r of summary.byDay) {
    const d = byDay.get(r.day) ?? { day: r.day, tokensIn: 0, tokensOut: 0, calls: 0 };
    d.tokensIn += r.tokensIn;
    d.tokensOut += r.tokensOut;
    d.calls += r.calls;
    byDay.set(r.day, d);
  }
  // A day the server has but this clock does not (a skewed clock) is still shown.
  const all = [...new Set([...utcDays(days), ...byDay.keys()])].sort();
  return all.map((day) => byDay.get(day) ?? { day, tokensIn: 0, tokensOut: 0, calls: 0 });
}

export interface ModelTotal {
  key: string;
  calls: number;
  tokensIn: number;
  tokensOut: number;
  cost: number | null;
}

export function byModel(summary: Summary): ModelTotal[] {
  const rows = new Map<string, ModelTotal>();
  for (const r of summary.byDay) {
    const key = `${r.provider}:${r.model}`;
    const row = rows.get(key) ?? { key, calls: 0, tokensIn: 0, tokensOut: 0, cost: null };
    row.calls += r.calls;
    row.tokensIn += r.tokensIn;
    row.tokensOut += r.tokensOut;
    if (r.cost !== null) row.cost = (row.cost ?? 0) + r.cost;
    rows.set(key, row);
  }
  return [...rows.values()].sort((a, b) => b.tokensIn + b.tokensOut - (a.tokensIn + a.tokensOut));
}
