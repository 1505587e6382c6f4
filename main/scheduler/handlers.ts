import { appError } from '../contract/errors';
import type { Handlers } from '../gateway/router';
import { InvalidSchedule } from './schedule';
import type { Job, ScheduleStore } from './schedule-store';
import type { Scheduler } from './scheduler';

/** A job as the contract shows it (its anchor stays inside). */
const view = ({ anchorAt: _anchor, ...job }: Job) => job;

function guard<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof InvalidSchedule) throw appError('invalid_schedule', error.message);
    throw error;
  }
}

export function scheduleHandlers(scheduler: Scheduler, store: ScheduleStore): Handlers {
  const notFound = (id: string) => appError('not_found', `No scheduled job with id ${id}.`);
  return {
    'schedules.create': (params) => ({ job: view(guard(() => scheduler.create(params))) }),
    'schedules.list': () => ({ items: store.jobs().map(view) }),
    'schedules.update': ({ id, ...change }) => {
      const job = guard(() => scheduler.update(id, change));
      if (!job) throw notFound(id);
      return { job: view(job) };
    },
    'schedules.delete': ({ id }) => ({ deleted: scheduler.delete(id) }),
    'schedules.runNow': ({ id }) => {
      const run = scheduler.runNow(id);
      if (!run) throw notFound(id);
      return { run };
    },
    'schedules.runs': ({ jobId, cursor, limit }) => store.runs(jobId, cursor, limit),
    'schedules.preview': ({ schedule, count }) => ({ runs: guard(() => scheduler.preview(schedule, count)).map((d) => d.toISOString()) }),
  };
}
