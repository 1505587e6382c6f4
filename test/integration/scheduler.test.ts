import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Settings } from '../../main/contract/settings';
import { EventBus } from '../../main/events/bus';
import { createLogger } from '../../main/log/logger';
import { InvalidSchedule } from '../../main/scheduler/schedule';
import { scheduleMigrations, ScheduleStore, type JobInput } from '../../main/scheduler/schedule-store';
import { Scheduler, type Target } from '../../main/scheduler/scheduler';
import { openDatabase, type Db } from '../../main/store/database';
import { migrate } from '../../main/store/migrations';
import { tempDataDir } from '../helpers/data-dir';

// The scheduler on a real SQLite file with a controllable clock (vitest's fake timers move both
// Date and the timers): DST in a non-UTC zone, catching up after the computer was off, the
// concurrency limit, delivery retries and the final-failure notice, and bad schedules.

type Delivered = { target: Target; text: string; at: string };

function setup(options: { db?: Db; scheduler?: Partial<Settings['scheduler']>; failing?: (target: Target) => string | null; agent?: (prompt: string) => Promise<string> } = {}) {
  let db = options.db;
  if (!db) {
    const file = path.join(tempDataDir(), 'perch.db');
    db = openDatabase(file);
    migrate(db, file, scheduleMigrations, '0.0.0');
  }
  const delivered: Delivered[] = [];
  const bus = new EventBus();
  const fired: Array<{ name: string; outcome: string; error?: string }> = [];
  bus.subscribe((event, payload) => {
    if (event === 'schedule.fired') fired.push(payload as (typeof fired)[number]);
  });
  const store = new ScheduleStore(db, () => new Date());
  const scheduler = new Scheduler({
    store,
    now: () => new Date(),
    settings: () => ({ maxConcurrentRuns: 2, catchUpGraceMinutes: 60, deliveryAttempts: 3, failureChat: null, ...options.scheduler }),
    checkTarget: (target) => {
      if (target.channel === 'whatsapp') throw new InvalidSchedule('Cannot deliver to whatsapp: No channel named whatsapp is set up.');
    },
    deliver: (target, text) => {
      const failure = options.failing?.(target);
      if (failure) throw new Error(failure);
      delivered.push({ target, text, at: new Date().toISOString() });
      return () => undefined;
    },
    agent: async (_jobId, prompt) => (options.agent ? options.agent(prompt) : `agent says: ${prompt}`),
    bus,
    log: createLogger({ dir: null, level: 'error', console: false }),
    retry: { baseMs: 60_000, capMs: 600_000, random: () => 1 },
  });
  return { db, store, scheduler, delivered, fired };
}

const message = (name: string, schedule: JobInput['schedule'], channel: Target['channel'] = 'dashboard'): JobInput => ({
  name,
  schedule,
  payload: { kind: 'message', text: `${name}!` },
  target: { channel },
  enabled: true,
});

describe('the scheduler', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs a daily 02:30 Europe/Berlin job once a day across both DST changes', async () => {
    for (const [from, days, expected] of [
      // Spring: 02:00 → 03:00 on 29 March; 02:30 does not exist that day: it runs once, at 03:00 CEST when the gap ends.
      ['2026-03-27T12:00:00Z', 4, ['2026-03-28T01:30:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z', '2026-03-31T00:30:00.000Z']],
      // Autumn: 03:00 → 02:00 on 25 October; 02:30 happens twice that day and runs once.
      ['2026-10-23T12:00:00Z', 4, ['2026-10-24T00:30:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z', '2026-10-27T01:30:00.000Z']],
    ] as const) {
      vi.useFakeTimers({ now: new Date(from) });
      const { scheduler, delivered, store } = setup();
      scheduler.start();
      scheduler.create(message('water the plants', { kind: 'cron', expr: '30 2 * * *', tz: 'Europe/Berlin' }));
      await vi.advanceTimersByTimeAsync(days * 24 * 3_600_000);
      expect(delivered.map((d) => d.at)).toEqual(expected);
      expect(store.runs(undefined, undefined, 50).items.map((r) => r.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
      await scheduler.stop();
      vi.useRealTimers();
    }
  });

  it('counts `every` from its creation and does not drift or double when the wall clock jumps back', async () => {
    vi.useFakeTimers({ now: new Date('2026-11-23T10:00:00Z') });
    const { scheduler, delivered } = setup();
    scheduler.start();
    scheduler.create(message('tick', { kind: 'every', everyMs: 10 * 60_000 }));
    await vi.advanceTimersByTimeAsync(30 * 60_000);
    expect(delivered.map((d) => d.at)).toEqual(['2026-11-23T10:10:00.000Z', '2026-11-23T10:20:00.000Z', '2026-11-23T10:30:00.000Z']);
    vi.setSystemTime(new Date('2026-11-23T10:05:00Z')); // the clock is set back 25 minutes
    await vi.advanceTimersByTimeAsync(20 * 60_000);
    expect(delivered).toHaveLength(3); // 10:10, 10:20 and 10:30 are not run again
    await vi.advanceTimersByTimeAsync(15 * 60_000);
    expect(delivered.map((d) => d.at).slice(3)).toEqual(['2026-11-23T10:40:00.000Z']);
    await scheduler.stop();
  });

  it('after the computer was off, catches up once within the grace window, records a miss beyond it, and then keeps its schedule', async () => {
    vi.useFakeTimers({ now: new Date('2026-11-23T06:30:00Z') });
    const first = setup();
    first.scheduler.start();
    first.scheduler.create(message('hourly', { kind: 'every', everyMs: 3_600_000 }));
    first.scheduler.create(message('daily 08:00', { kind: 'cron', expr: '0 8 * * *', tz: 'UTC' }));
    first.scheduler.create(message('reminder', { kind: 'at', at: '2026-11-23T09:00:00Z' }));
    await first.scheduler.stop(); // the computer sleeps from 06:30 to 11:45
    vi.setSystemTime(new Date('2026-11-23T11:45:00Z'));
    const second = setup({ db: first.db });
    second.scheduler.start();
    await vi.advanceTimersByTimeAsync(0);
    // Hourly: 07:30 … 11:30 were missed; the latest (15 min late) runs once, not five times.
    // Daily 08:00: 3 h 45 late, beyond the 60-minute grace: recorded as missed, not run.
    // Both say they are late.
    expect(second.delivered.map((d) => d.text)).toEqual(['hourly!\n\n(Late: this was due at 2026-11-23 11:30 UTC, while Perch was not running.)', 'reminder!\n\n(Late: this was due at 2026-11-23 09:00 UTC, while Perch was not running.)']);
    expect(second.fired.map((f) => [f.name, f.outcome])).toEqual([
      ['daily 08:00', 'missed'],
      ['hourly', 'ok'],
      ['reminder', 'ok'],
    ]);
    expect(second.fired[0]!.error).toMatch(/Missed: Perch was not running at 2026-11-23T08:00:00.000Z; too late to catch up/);
    const jobs = Object.fromEntries(second.store.jobs().map((j) => [j.name, j.nextRunAt]));
    expect(jobs).toEqual({ hourly: '2026-11-23T12:30:00.000Z', 'daily 08:00': '2026-11-24T08:00:00.000Z', reminder: null });
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    expect(second.delivered.map((d) => d.at).slice(2)).toEqual(['2026-11-23T12:30:00.000Z']);
    await second.scheduler.stop();
  });

  it('never runs more jobs at once than the limit, and runs them all', async () => {
    vi.useFakeTimers({ now: new Date('2026-11-23T10:00:00Z') });
    let running = 0;
    let most = 0;
    const { scheduler, delivered } = setup({
      agent: async (prompt) => {
        most = Math.max(most, ++running);
        await new Promise((r) => setTimeout(r, 5_000));
        running--;
        return `done: ${prompt}`;
      },
    });
    scheduler.start();
    for (let i = 0; i < 5; i++) scheduler.create({ name: `job ${i}`, schedule: { kind: 'at', at: '2026-11-23T10:01:00Z' }, payload: { kind: 'agent', prompt: `task ${i}` }, target: { channel: 'dashboard' }, enabled: true });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(running).toBe(2);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(most).toBe(2);
    expect(delivered.map((d) => d.text).sort()).toEqual([0, 1, 2, 3, 4].map((i) => `done: task ${i}`));
    await scheduler.stop();
  });

  it('retries a failed delivery with backoff, then reports the final failure to the owner (dashboard and chat)', async () => {
    vi.useFakeTimers({ now: new Date('2026-11-23T10:00:00Z') });
    const { scheduler, delivered, fired, store } = setup({
      scheduler: { failureChat: { channel: 'telegram', peer: '1001' } },
      failing: (target) => (target.channel === 'telegram' && target.peer === '42' ? 'telegram is logged-out' : null),
    });
    scheduler.start();
    const job = scheduler.create({ ...message('to a friend', { kind: 'at', at: '2026-11-23T10:00:30Z' }), target: { channel: 'telegram', peer: '42' } });
    await vi.advanceTimersByTimeAsync(30_000);
    expect(fired.map((f) => f.outcome)).toEqual(['retrying']);
    await vi.advanceTimersByTimeAsync(59_000);
    expect(fired).toHaveLength(1); // the second attempt waits 60 s
    await vi.advanceTimersByTimeAsync(1_000 + 120_000); // then 120 s
    expect(fired.map((f) => f.outcome)).toEqual(['retrying', 'retrying', 'failed']);
    expect(delivered.map((d) => [d.target, d.text])).toEqual([
      [{ channel: 'dashboard' }, 'Scheduled job "to a friend" could not be delivered to telegram (42) after 3 attempts: telegram is logged-out'],
      [{ channel: 'telegram', peer: '1001' }, 'Scheduled job "to a friend" could not be delivered to telegram (42) after 3 attempts: telegram is logged-out'],
    ]);
    expect(store.job(job.id)).toMatchObject({ lastStatus: 'failed', consecutiveFailures: 1, lastError: 'telegram is logged-out' });
    expect(store.runs(job.id, undefined, 10).items).toEqual([expect.objectContaining({ status: 'failed', attempts: 3, output: 'to a friend!' })]);
    await scheduler.stop();
  });

  it('runs an occurrence once even when two runners share the database', async () => {
    vi.useFakeTimers({ now: new Date('2026-11-23T10:00:00Z') });
    const a = setup();
    const b = setup({ db: a.db });
    a.scheduler.start();
    b.scheduler.start();
    a.scheduler.create(message('once', { kind: 'every', everyMs: 60_000 }));
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(a.delivered.length + b.delivered.length).toBe(5);
    await a.scheduler.stop();
    await b.scheduler.stop();
  });

  it('refuses bad schedules and targets at creation with what is wrong and an example', () => {
    vi.useFakeTimers({ now: new Date('2026-11-23T10:00:00Z') });
    const { scheduler } = setup();
    const refused = (schedule: JobInput['schedule'], channel: Target['channel'] = 'dashboard') => {
      try {
        scheduler.create(message('bad', schedule, channel));
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidSchedule);
        return (error as Error).message;
      }
      throw new Error('accepted');
    };
    expect(refused({ kind: 'cron', expr: '61 * * * *' })).toBe('"61 * * * *" is not a valid cron expression (Invalid value for minute: 61), e.g. "0 9 * * 1-5" (09:00 on weekdays) or "*/15 * * * *" (every 15 minutes).');
    expect(refused({ kind: 'cron', expr: '* * * *' })).toMatch(/has 4 fields; a cron expression has 5/);
    expect(refused({ kind: 'cron', expr: '0 9 * * *', tz: 'Mars/Olympus_Mons' })).toMatch(/"Mars\/Olympus_Mons" is not a time zone: use an IANA name such as Europe\/Berlin/);
    expect(refused({ kind: 'at', at: '2026-11-23T09:59:00Z' })).toMatch(/has already passed/);
    expect(refused({ kind: 'every', everyMs: 10 })).toMatch(/too short/);
    expect(refused({ kind: 'every', everyMs: 60_000 }, 'whatsapp')).toMatch(/Cannot deliver to whatsapp/);
    expect(scheduler.preview({ kind: 'cron', expr: '0 9 * * 1-5', tz: 'UTC' }, 3).map((d) => d.toISOString())).toEqual(['2026-11-24T09:00:00.000Z', '2026-11-25T09:00:00.000Z', '2026-11-26T09:00:00.000Z']);
  });
});
