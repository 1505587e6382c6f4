import type { ReactNode } from 'react';
import type { Result } from '../../../main/contract/methods';
import { ErrorText, When } from '../components/ui';
import { plural } from '../words';
import { pad } from './time';

// Schedules, targets, times and run errors in words.

export type Job = Result<'schedules.list'>['items'][number];
export type Spec = Job['schedule'];
export type Payload = Job['payload'];
export type Target = Job['target'];
export type Channel = Target['channel'];

export const CHANNELS: { value: Channel; label: string }[] = [
  { value: 'dashboard', label: 'Dashboard chat' },
  { value: 'telegram', label: 'Telegram' },
  { value: 'whatsapp', label: 'WhatsApp' },
];

export const UNITS = { seconds: 1_000, minutes: 60_000, hours: 3_600_000 } as const;
export type Unit = keyof typeof UNITS;


function intervalInWords(ms: number): string {
  if (ms % UNITS.hours === 0) return ms === UNITS.hours ? 'Every hour' : `Every ${plural(ms / UNITS.hours, 'hour')}`;
  if (ms % UNITS.minutes === 0) return ms === UNITS.minutes ? 'Every minute' : `Every ${plural(ms / UNITS.minutes, 'minute')}`;
  if (ms % UNITS.seconds === 0) return ms === UNITS.seconds ? 'Every second' : `Every ${plural(ms / UNITS.seconds, 'second')}`;
  return `Every ${(ms / 1000).toLocaleString()} seconds`;
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** Words for the common shapes of a 5-field cron expression; null for anything else. */
export function cronInWords(expr: string): string | null {
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== 5) return null;
  const [minute, hour, dom, month, dow] = fields as [string, string, string, string, string];
  const num = (s: string) => /^\d{1,2}$/.test(s);
  if (dom !== '*' || month !== '*') return null;
  if (num(minute) && num(hour)) {
    const time = `${pad(Number(hour))}:${pad(Number(minute))}`;
    if (dow === '*') return `Every day at ${time}`;
    if (dow === '1-5') return `Every weekday at ${time}`;
    if (dow === '0,6' || dow === '6,0') return `Weekends at ${time}`;
    if (/^[0-7]$/.test(dow)) return `Every ${WEEKDAYS[Number(dow)]} at ${time}`;
    return null;
  }
  if (dow !== '*') return null;
  if (num(minute) && hour === '*') return Number(minute) === 0 ? 'Every hour, on the hour' : `Every hour at :${pad(Number(minute))}`;
  if (minute === '*' && hour === '*') return 'Every minute';
  const step = /^\*\/(\d+)$/.exec(minute);
  if (step && hour === '*') return `Every ${plural(Number(step[1]), 'minute')}`;
  return null;
}

export function ScheduleWords({ spec }: { spec: Spec }): ReactNode {
  if (spec.kind === 'at')
    return (
      <>
        Once at <When at={spec.at} />
      </>
    );
  if (spec.kind === 'every') return intervalInWords(spec.everyMs);
  const words = cronInWords(spec.expr);
  return (
    <>
      {words ? <>{words} </> : null}
      <code>{spec.expr}</code> <span className="muted">{spec.tz ?? 'local time'}</span>
    </>
  );
}

export function targetInWords(target: Target): string {
  const channel = CHANNELS.find((c) => c.value === target.channel)?.label ?? target.channel;
  return target.peer ? `${channel} → ${target.peer}` : target.channel === 'dashboard' ? channel : `${channel} (owner)`;
}

/** A time to the second (runs of a short interval are seconds apart). */
export function Moment({ at }: { at: string | null | undefined }) {
  if (!at) return <span className="muted">—</span>;
  const date = new Date(at);
  return <time dateTime={at}>{date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' })}</time>;
}

/** A run's error: its first words as a sentence, the whole (often technical) text under Details. */
export function RunError({ error }: { error: string }) {
  const head = error.split(/\s\(|:\s/)[0]!.trim();
  const text = `${head.charAt(0).toUpperCase()}${head.slice(1)}${/[.!?]$/.test(head) ? '' : '.'}`;
  return <ErrorText error={{ text, details: head === error.trim() ? null : error, field: null }} />;
}
