import type { z } from 'zod';
import type { scheduleTargetSchema } from '../contract/schedules';
import type { Settings } from '../contract/settings';
import type { EventBus } from '../events/bus';
import type { Logger } from '../log/logger';
import { backoffMs, type Backoff } from '../system/backoff';
import { latestOccurrence, nextOccurrence, upcoming, validateSchedule, stepper } from './schedule';
import type { Job, JobInput, Run, ScheduleStore } from './schedule-store';

// Runs the jobs. It wakes when something is due (and at least once a minute, so a clock that jumped
// or a computer that slept is noticed), claims each due occurrence once, runs at most
// `maxConcurrentRuns` at a time, and delivers into durable storage (a channel's outbound queue or
// the dashboard conversation) in the same transaction that marks the run done. A delivery that
// fails is tried again with backoff; the last failure is reported to the owner. Runs missed while
// Perch was off are caught up once if they are within the grace window, else recorded as missed.

export type Target = z.output<typeof scheduleTargetSchema>;

/** Never sleeps longer than this: wall-clock jumps and sleeps are noticed within a minute. */
const MAX_SLEEP_MS = 60_000;
/** A run this late (or later) says so in what it delivers. */
const LATE_MS = 60_000;

export interface SchedulerDeps {
  store: ScheduleStore;
  now: () => Date;
  settings: () => Settings['scheduler'];
  /** Checks that a target can be delivered to (the channel is set up, it has an owner when no peer is given). */
  checkTarget(target: Target): void;
  /** Stores a message for delivery, inside the caller's transaction; returns what to do once it is committed (send it). */
  deliver(target: Target, text: string): () => void;
  /** Runs an agent prompt in the job's own conversation; returns the reply. */
  agent(jobId: string, prompt: string, tools: string[] | undefined): Promise<string>;
  bus: EventBus;
  log: Logger;
  retry?: Backoff;
}

const DEFAULT_RETRY: Backoff = { baseMs: 30_000, capMs: 30 * 60_000, random: Math.random };

export class Scheduler {
  private timer: NodeJS.Timeout | null = null;
  private stopped = true;
  private readonly waiting: number[] = [];
  private readonly busy = new Set<number>();
  private readonly active = new Set<Promise<void>>();

  constructor(private readonly deps: SchedulerDeps) {}

  start(): void {
    this.stopped = false;
    // Under way when Perch stopped: run again (nothing of theirs was delivered, or they would be done).
    for (const run of this.deps.store.open()) if (run.status === 'running') this.queue(run.id);
    this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await Promise.allSettled([...this.active]);
  }

  create(input: JobInput): Job {
    const now = this.deps.now();
    validateSchedule(input.schedule, now);
    this.deps.checkTarget(input.target);
    const job = this.deps.store.create(input, input.enabled ? nextOccurrence(input.schedule, now, now) : null);
    this.rearm();
    return job;
  }

  update(id: string, change: Partial<JobInput>): Job | null {
    const job = this.deps.store.job(id);
    if (!job) return null;
    const now = this.deps.now();
    const input: JobInput = { name: job.name, schedule: job.schedule, payload: job.payload, target: job.target, enabled: job.enabled, ...change };
    const rescheduled = change.schedule !== undefined;
    if (rescheduled) validateSchedule(input.schedule, now);
    if (change.target) this.deps.checkTarget(input.target);
    const anchor = rescheduled ? now : new Date(job.anchorAt);
    // Re-enabled or rescheduled: from now on (what fell due while disabled is not caught up).
    const next = !input.enabled ? null : rescheduled || !job.enabled || job.nextRunAt === null ? nextOccurrence(input.schedule, anchor, now) : new Date(job.nextRunAt);
    const updated = this.deps.store.update(id, input, next, rescheduled);
    this.rearm();
    return updated;
  }

  delete(id: string): boolean {
    return this.deps.store.delete(id);
  }

  runNow(id: string): Run | null {
    if (!this.deps.store.job(id)) return null;
    const run = this.deps.store.manual(id);
    this.queue(run.id);
    return run;
  }

  preview(schedule: JobInput['schedule'], count: number): Date[] {
    const now = this.deps.now();
    validateSchedule(schedule, now);
    return upcoming(schedule, now, now, count);
  }

  private rearm(): void {
    if (!this.stopped) this.arm();
  }

  /** Claims what is due, then sleeps until the next thing is (at most a minute). */
  private tick(): void {
    if (this.stopped) return;
    const now = this.deps.now();
    for (const job of this.deps.store.due(now)) {
      try {
        this.fire(job, now);
      } catch (error) {
        // A job that cannot be computed (say, a time zone this system no longer knows) must not stop the others.
        this.deps.log.error('a scheduled job could not be fired', { jobId: job.id, error: (error as Error).message });
      }
    }
    for (const run of this.deps.store.open()) {
      if (run.status === 'retrying' && run.nextAttemptAt && new Date(run.nextAttemptAt).getTime() <= now.getTime()) this.queue(run.id);
    }
    this.arm();
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    const next = this.deps.store.nextWake();
    const wait = next ? Math.min(MAX_SLEEP_MS, Math.max(0, next.getTime() - this.deps.now().getTime())) : MAX_SLEEP_MS;
    this.timer = setTimeout(() => this.tick(), wait);
    this.timer.unref?.();
  }

  /** One due job: its latest due occurrence runs once (caught up if within the grace window), the rest are passed over. */
  private fire(job: Job, now: Date): void {
    const anchor = new Date(job.anchorAt);
    const { latest, skipped } = latestOccurrence(job.schedule, anchor, new Date(job.nextRunAt!), now);
    const next = stepper(job.schedule, anchor)(latest);
    const lateMs = now.getTime() - latest.getTime();
    const graceMs = this.deps.settings().catchUpGraceMinutes * 60_000;
    // A one-shot is always delivered, however late: a late reminder beats a lost one.
    if (job.schedule.kind !== 'at' && lateMs > graceMs) {
      const note = `Missed: Perch was not running at ${latest.toISOString()}${skipped ? ` (nor for ${skipped} earlier occurrence${skipped === 1 ? '' : 's'})` : ''}; too late to catch up.`;
      const run = this.deps.store.claim(job, latest, next, 'missed', note);
      if (run) this.deps.bus.publish('schedule.fired', { jobId: job.id, name: job.name, runId: run.id, outcome: 'missed', error: note });
      return;
    }
    if (skipped > 0) this.deps.log.info('caught up once for missed occurrences', { jobId: job.id, skipped });
    const run = this.deps.store.claim(job, latest, next, 'running', null);
    if (run) this.queue(run.id);
  }

  private queue(runId: number): void {
    if (this.busy.has(runId) || this.waiting.includes(runId)) return;
    this.waiting.push(runId);
    this.pump();
  }

  /** Starts waiting runs while fewer than the limit are running. */
  private pump(): void {
    while (!this.stopped && this.busy.size < this.deps.settings().maxConcurrentRuns && this.waiting.length > 0) {
      const runId = this.waiting.shift()!;
      this.busy.add(runId);
      const work = this.execute(runId)
        .catch((error: Error) => this.deps.log.error('a scheduled run failed unexpectedly', { runId, error: error.message }))
        .finally(() => {
          this.busy.delete(runId);
          this.active.delete(work);
          this.pump();
        });
      this.active.add(work);
    }
  }

  private async execute(runId: number): Promise<void> {
    const { store, bus } = this.deps;
    const run = store.run(runId);
    const job = run && store.job(run.jobId);
    if (!run || !job) return; // deleted meanwhile
    const fired = (outcome: 'ok' | 'retrying' | 'failed', error?: string) =>
      bus.publish('schedule.fired', { jobId: job.id, name: job.name, runId, outcome, ...(error ? { error } : {}) });
    try {
      let text = run.output;
      if (text === null) {
        text = await this.make(job, run);
        store.setOutput(runId, text);
      }
      let send: () => void = () => undefined;
      const done = store.settle(runId, { status: 'ok' }, () => {
        send = this.deps.deliver(job.target, text!);
      });
      if (!done) return;
      send();
      fired('ok');
    } catch (error) {
      const message = (error as Error).message;
      const attempts = run.attempts + 1;
      if (attempts >= this.deps.settings().deliveryAttempts) {
        if (!store.settle(runId, { status: 'failed', error: message })) return;
        fired('failed', message);
        this.reportFailure(job, attempts, message);
        return;
      }
      const nextAttemptAt = new Date(this.deps.now().getTime() + backoffMs(attempts, this.deps.retry ?? DEFAULT_RETRY));
      if (!store.settle(runId, { status: 'retrying', error: message, nextAttemptAt })) return;
      this.deps.log.warn('a scheduled delivery failed; it will be tried again', { jobId: job.id, attempts, error: message });
      fired('retrying', message);
      this.rearm();
    }
  }

  /** What a run delivers: the fixed message, or the agent's answer to the prompt; late runs say so. */
  private async make(job: Job, run: Run): Promise<string> {
    const text = job.payload.kind === 'message' ? job.payload.text : await this.deps.agent(job.id, job.payload.prompt, job.payload.tools);
    const lateMs = new Date(run.startedAt).getTime() - new Date(run.scheduledFor).getTime();
    if (run.manual || lateMs < LATE_MS) return text;
    return `${text}\n\n(Late: this was due at ${run.scheduledFor.replace('T', ' ').slice(0, 16)} UTC, while Perch was not running.)`;
  }

  /** Tells the owner a job failed for good: in the dashboard, and in a chat if one is set. */
  private reportFailure(job: Job, attempts: number, error: string): void {
    const text = `Scheduled job "${job.name}" could not be delivered to ${job.target.channel}${job.target.peer ? ` (${job.target.peer})` : ''} after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${error}`;
    const chat = this.deps.settings().failureChat;
    for (const target of [{ channel: 'dashboard' as const }, ...(chat ? [chat] : [])]) {
      try {
        this.deps.deliver(target, text)();
      } catch (failure) {
        this.deps.log.warn('could not report a failed scheduled job', { jobId: job.id, channel: target.channel, error: (failure as Error).message });
      }
    }
  }
}
