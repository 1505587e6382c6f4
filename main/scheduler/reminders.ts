import { z } from 'zod';
import type { ReminderCommands } from '../agent/commands';
import { defineTool } from '../tools/registry';
import { InvalidSchedule } from './schedule';
import type { ScheduleStore } from './schedule-store';
import type { Scheduler, Target } from './scheduler';

// "Remind me …" in a chat: the agent's schedule_reminder tool makes a one-shot job that delivers
// back to the same chat, and /reminders lists and cancels that chat's pending ones.

/** The chat a conversation happens in, as a delivery target. */
export type ChatOf = (conversationId: string) => Target | null;

const PREFIX = '⏰ Reminder: ';

export function reminderTool(scheduler: Scheduler, chatOf: ChatOf, now: () => Date) {
  return defineTool({
    name: 'schedule_reminder',
    description:
      'Remind the person later, in this same chat. Give either "at" (an ISO time with its UTC offset, e.g. 2026-11-24T09:00:00+01:00; ask get_time for the current time first) or "inMinutes".',
    schema: z
      .strictObject({
        text: z.string().trim().min(1).max(1_000),
        at: z.iso.datetime({ offset: true }).optional(),
        inMinutes: z.number().int().min(1).max(366 * 24 * 60).optional(),
      })
      .refine((a) => (a.at === undefined) !== (a.inMinutes === undefined), 'give either "at" or "inMinutes", not both'),
    danger: false,
    forContacts: true,
    timeoutMs: 10_000,
    async run({ text, at, inMinutes }, ctx) {
      const target = ctx.conversationId ? chatOf(ctx.conversationId) : null;
      if (!target) return 'Error: reminders can only be set from a chat.';
      const when = at ? new Date(at) : new Date(now().getTime() + inMinutes! * 60_000);
      try {
        const job = scheduler.create({
          name: `Reminder: ${text.slice(0, 80)}`,
          schedule: { kind: 'at', at: when.toISOString() },
          payload: { kind: 'message', text: `${PREFIX}${text}` },
          target,
          enabled: true,
        });
        return `Reminder set for ${when.toISOString()} (job ${job.id}).`;
      } catch (error) {
        if (error instanceof InvalidSchedule) return `Error: ${error.message}`;
        throw error;
      }
    },
  });
}

export function reminderCommands(store: ScheduleStore, chatOf: ChatOf): ReminderCommands {
  const mine = (conversationId: string) => {
    const chat = chatOf(conversationId);
    if (!chat) return [];
    return store
      .jobs()
      .filter((j) => j.schedule.kind === 'at' && j.enabled && j.nextRunAt !== null && j.target.channel === chat.channel && (j.target.peer ?? null) === (chat.peer ?? null) && j.payload.kind === 'message')
      .map((j) => ({ id: j.id, at: j.nextRunAt!, text: j.payload.kind === 'message' ? j.payload.text.replace(PREFIX, '') : '' }));
  };
  return {
    list: mine,
    cancel: (conversationId, id) => mine(conversationId).some((r) => r.id === id) && store.delete(id),
  };
}
