import { Cron } from 'croner';
import type { z } from 'zod';
import type { scheduleSpecSchema } from '../contract/schedules';

// When a job's occurrences fall. Cron expressions (5 or 6 fields) are parsed by croner in the
// job's IANA time zone, so DST is the library's: a daily 02:30 runs once on the day the clocks
// skip 02:00–03:00 (at 03:30) and once on the day 02:00–03:00 happens twice. `every` counts from
// the job's anchor (its creation), so restarts do not shift it.

export type ScheduleSpec = z.output<typeof scheduleSpecSchema>;

export class InvalidSchedule extends Error {}

const CRON_EXAMPLE = 'e.g. "0 9 * * 1-5" (09:00 on weekdays) or "*/15 * * * *" (every 15 minutes)';

/** Checks a schedule; throws InvalidSchedule saying what is wrong and how it should look. */
export function validateSchedule(spec: ScheduleSpec, now: Date): void {
  if (spec.kind === 'cron') {
    cron(spec);
    return;
  }
  if (spec.kind === 'at' && new Date(spec.at).getTime() <= now.getTime()) {
    throw new InvalidSchedule(`The time ${spec.at} has already passed (it is now ${now.toISOString()}): choose a time in the future.`);
  }
  if (spec.kind === 'every' && spec.everyMs < 1_000) throw new InvalidSchedule(`An interval of ${spec.everyMs} ms is too short: the shortest is 1000 ms (1 second).`);
}

function cron(spec: Extract<ScheduleSpec, { kind: 'cron' }>): Cron {
  const fields = spec.expr.trim().split(/\s+/).length;
  if (fields !== 5 && fields !== 6) throw new InvalidSchedule(`"${spec.expr}" has ${fields} field${fields === 1 ? '' : 's'}; a cron expression has 5 (minute hour day month weekday) or 6 (seconds first), ${CRON_EXAMPLE}.`);
  if (spec.tz !== undefined && !validTimeZone(spec.tz)) throw new InvalidSchedule(`"${spec.tz}" is not a time zone: use an IANA name such as Europe/Berlin, America/New_York or UTC.`);
  try {
    return new Cron(spec.expr, { paused: true, ...(spec.tz ? { timezone: spec.tz } : {}) });
  } catch (error) {
    const reason = (error as Error).message.replace(/^CronPattern: /, '');
    throw new InvalidSchedule(`"${spec.expr}" is not a valid cron expression (${reason}), ${CRON_EXAMPLE}.`);
  }
}

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** A function giving the first occurrence strictly after a time, or null when there is none (a one-shot that passed). */
export function stepper(spec: ScheduleSpec, anchor: Date): (after: Date) => Date | null {
  switch (spec.kind) {
    case 'at': {
      const at = new Date(spec.at);
      return (after) => (at.getTime() > after.getTime() ? at : null);
    }
    case 'every':
      return (after) => {
        const elapsed = after.getTime() - anchor.getTime();
        const steps = elapsed < 0 ? 0 : Math.floor(elapsed / spec.everyMs) + 1;
        return new Date(anchor.getTime() + steps * spec.everyMs);
      };
    case 'cron': {
      const parsed = cron(spec);
      return (after) => parsed.nextRun(after);
    }
  }
}

export const nextOccurrence = (spec: ScheduleSpec, anchor: Date, after: Date): Date | null => stepper(spec, anchor)(after);

/** The latest occurrence at or before `now`, starting from a due one, and how many were passed over (after a sleep). */
export function latestOccurrence(spec: ScheduleSpec, anchor: Date, due: Date, now: Date): { latest: Date; skipped: number } {
  if (spec.kind === 'every') {
    const steps = Math.max(0, Math.floor((now.getTime() - due.getTime()) / spec.everyMs));
    return { latest: new Date(due.getTime() + steps * spec.everyMs), skipped: steps };
  }
  const next = stepper(spec, anchor);
  let latest = due;
  let skipped = 0;
  // Bounded: a minutely cron missed for a week is about 10,000 steps.
  for (let step = next(latest); step && step.getTime() <= now.getTime() && skipped < 100_000; step = next(latest)) {
    latest = step;
    skipped++;
  }
  return { latest, skipped };
}

/** The next `count` occurrences after `from` (for previews). */
export function upcoming(spec: ScheduleSpec, anchor: Date, from: Date, count: number): Date[] {
  const next = stepper(spec, anchor);
  const out: Date[] = [];
  for (let step = next(from); step && out.length < count; step = next(step)) out.push(step);
  return out;
}
