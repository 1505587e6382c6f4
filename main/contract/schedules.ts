import { z } from 'zod';

// Scheduled jobs as every surface sees them: when (cron with a time zone, a one-shot instant, or an
// interval), what (a fixed message or an agent prompt) and where to (a chat or the dashboard).
// Whether a cron expression or time zone is valid is checked by the scheduler (it parses them);
// these schemas give the shapes.

export const scheduleSpecSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('cron'),
    /** 5 fields (minute hour day month weekday) or 6 (with seconds first). */
    expr: z.string().trim().min(1, 'the cron expression is empty, e.g. "0 9 * * 1-5" (09:00 on weekdays)').max(200),
    /** IANA time zone, e.g. Europe/Berlin; default: this computer's. */
    tz: z.string().min(1).max(64).optional(),
  }),
  z.strictObject({ kind: z.literal('at'), at: z.iso.datetime({ offset: true, message: 'expected an ISO time such as 2026-12-24T18:00:00+01:00' }) }),
  z.strictObject({
    kind: z.literal('every'),
    everyMs: z.number().int('whole milliseconds').positive('the interval must be more than 0 ms, e.g. 3600000 for hourly').max(366 * 24 * 3_600_000),
  }),
]);

export const schedulePayloadSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('message'), text: z.string().trim().min(1, 'the message is empty').max(4_000) }),
  z.strictObject({
    kind: z.literal('agent'),
    prompt: z.string().trim().min(1, 'the prompt is empty').max(8_000),
    /** Only these tools may be used (default: all). */
    tools: z.array(z.string().min(1).max(64)).max(50).optional(),
  }),
]);

export const scheduleTargetSchema = z.strictObject({
  channel: z.enum(['dashboard', 'telegram', 'whatsapp']),
  /** The chat; default: the channel's owner (on the dashboard: the owner's own chat). */
  peer: z.string().min(1).max(128).optional(),
});

export const scheduleJobSchema = z.object({
  id: z.string(),
  name: z.string(),
  schedule: scheduleSpecSchema,
  payload: schedulePayloadSchema,
  target: scheduleTargetSchema,
  enabled: z.boolean(),
  /** null once a one-shot job has run (or while disabled). */
  nextRunAt: z.string().nullable(),
  lastRunAt: z.string().nullable(),
  lastStatus: z.string().nullable(),
  lastError: z.string().nullable(),
  consecutiveFailures: z.number().int(),
  createdAt: z.string(),
});

export const runOutcomeSchema = z.enum(['running', 'ok', 'retrying', 'failed', 'missed']);

export const scheduleRunSchema = z.object({
  id: z.number().int(),
  jobId: z.string(),
  jobName: z.string(),
  /** The occurrence this run is for (for "run now": when it was asked). */
  scheduledFor: z.string(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  status: runOutcomeSchema,
  attempts: z.number().int(),
  error: z.string().nullable(),
  /** What was (or is to be) delivered. */
  output: z.string().nullable(),
  manual: z.boolean(),
});

export const scheduleFiredSchema = z.object({
  jobId: z.string(),
  name: z.string(),
  runId: z.number().int(),
  outcome: runOutcomeSchema,
  error: z.string().optional(),
});
