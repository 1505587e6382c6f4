import { isoWithOffset, localZone, toLocalInput } from './time';
import { UNITS, type Channel, type Job, type Payload, type Spec, type Unit } from './words';

// What the schedule form holds, from a job or blank, and the schedule and payload it describes.

export interface FormState {
  name: string;
  kind: Spec['kind'];
  expr: string;
  tz: string;
  at: string;
  everyValue: string;
  everyUnit: Unit;
  payloadKind: Payload['kind'];
  text: string;
  tools: string;
  channel: Channel;
  peer: string;
}

export const CRON_PRESETS = [
  { label: 'Weekdays 09:00', expr: '0 9 * * 1-5' },
  { label: 'Every hour', expr: '0 * * * *' },
  { label: 'Daily 08:00', expr: '0 8 * * *' },
  { label: 'Every 15 minutes', expr: '*/15 * * * *' },
];

export function blankForm(): FormState {
  return { name: '', kind: 'cron', expr: '0 9 * * 1-5', tz: localZone(), at: '', everyValue: '15', everyUnit: 'minutes', payloadKind: 'message', text: '', tools: '', channel: 'dashboard', peer: '' };
}

export function formOf(job: Job): FormState {
  const form = { ...blankForm(), name: job.name, kind: job.schedule.kind, channel: job.target.channel, peer: job.target.peer ?? '' };
  const s = job.schedule;
  if (s.kind === 'cron') Object.assign(form, { expr: s.expr, tz: s.tz ?? '' });
  if (s.kind === 'at') form.at = toLocalInput(s.at);
  if (s.kind === 'every') {
    const unit: Unit = s.everyMs % UNITS.hours === 0 ? 'hours' : s.everyMs % UNITS.minutes === 0 ? 'minutes' : 'seconds';
    Object.assign(form, { everyUnit: unit, everyValue: String(s.everyMs / UNITS[unit]) });
  }
  const p = job.payload;
  if (p.kind === 'message') Object.assign(form, { payloadKind: 'message', text: p.text });
  else Object.assign(form, { payloadKind: 'agent', text: p.prompt, tools: (p.tools ?? []).join(', ') });
  return form;
}

export type Built = { spec: Spec } | { problem: string };

/** The schedule the form describes, or what is missing before it can be asked about. */
export function specOf(form: FormState): Built {
  if (form.kind === 'cron') return { spec: { kind: 'cron', expr: form.expr, ...(form.tz.trim() ? { tz: form.tz.trim() } : {}) } };
  if (form.kind === 'at') {
    if (!form.at) return { problem: 'Pick the date and time to run at.' };
    const date = new Date(form.at);
    if (Number.isNaN(date.getTime())) return { problem: 'That is not a date and time.' };
    return { spec: { kind: 'at', at: isoWithOffset(date) } };
  }
  const value = Number(form.everyValue);
  if (!form.everyValue.trim() || !Number.isFinite(value) || value <= 0) return { problem: `Enter how often to run, e.g. 15 ${form.everyUnit}.` };
  return { spec: { kind: 'every', everyMs: Math.round(value * UNITS[form.everyUnit]) } };
}

export function payloadOf(form: FormState): Payload {
  if (form.payloadKind === 'message') return { kind: 'message', text: form.text };
  const tools = form.tools
    .split(/[\s,]+/)
    .map((t) => t.trim())
    .filter(Boolean);
  return { kind: 'agent', prompt: form.text, ...(tools.length ? { tools } : {}) };
}

/** A failed call's first invalid field as a sentence (the server's own words), else null. */
export function issueText(error: unknown): string | null {
  const issue = (error as { data?: { issues?: { message?: unknown }[] } } | null)?.data?.issues?.[0]?.message;
  return typeof issue === 'string' && issue ? issue.charAt(0).toUpperCase() + issue.slice(1) : null;
}
