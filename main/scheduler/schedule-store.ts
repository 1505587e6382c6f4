import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { schedulePayloadSchema, scheduleRunSchema, scheduleJobSchema, scheduleTargetSchema } from '../contract/schedules';
import { decodeCursor, encodeCursor } from '../store/cursor';
import type { Db } from '../store/database';
import type { Migration } from '../store/migrations';
import { prepared, transactor, type Prepared } from '../store/prepared';
import type { ScheduleSpec } from './schedule';

// Jobs and their runs. A run is claimed for one occurrence in the same transaction that moves the
// job's next run on, and (job, occurrence) is unique: however often the runner wakes, restarts or
// sees the clock jump, an occurrence runs at most once. A run's text is kept once made, so a
// delivery retried later sends the same words without running the agent again.

export const scheduleMigrations: Migration[] = [
  {
    domain: 'scheduler',
    version: 1,
    name: 'jobs and runs',
    up: (db) =>
      db.exec(`
        CREATE TABLE schedule_jobs (
          id TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          schedule TEXT NOT NULL,
          payload TEXT NOT NULL,
          target TEXT NOT NULL,
          enabled INTEGER NOT NULL,
          anchor_at TEXT NOT NULL,
          next_run_at TEXT,
          last_run_at TEXT,
          last_status TEXT,
          last_error TEXT,
          consecutive_failures INTEGER NOT NULL DEFAULT 0,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL) STRICT;
        CREATE INDEX schedule_jobs_due ON schedule_jobs (next_run_at) WHERE enabled = 1 AND next_run_at IS NOT NULL;
        CREATE TABLE schedule_runs (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          job_id TEXT NOT NULL REFERENCES schedule_jobs (id) ON DELETE CASCADE,
          scheduled_for TEXT NOT NULL,
          manual INTEGER NOT NULL DEFAULT 0,
          started_at TEXT NOT NULL,
          finished_at TEXT,
          status TEXT NOT NULL CHECK (status IN ('running', 'ok', 'retrying', 'failed', 'missed')),
          attempts INTEGER NOT NULL DEFAULT 0,
          next_attempt_at TEXT,
          error TEXT,
          output TEXT,
          UNIQUE (job_id, scheduled_for, manual)) STRICT;
        CREATE INDEX schedule_runs_open ON schedule_runs (status, next_attempt_at) WHERE status IN ('running', 'retrying');
        CREATE INDEX schedule_runs_job ON schedule_runs (job_id, id);
      `),
  },
];

export type Job = z.output<typeof scheduleJobSchema> & { anchorAt: string };
export type Run = z.output<typeof scheduleRunSchema>;
export type JobInput = { name: string; schedule: ScheduleSpec; payload: z.output<typeof schedulePayloadSchema>; target: z.output<typeof scheduleTargetSchema>; enabled: boolean };

interface JobRow {
  id: string;
  name: string;
  schedule: string;
  payload: string;
  target: string;
  enabled: number;
  anchor_at: string;
  next_run_at: string | null;
  last_run_at: string | null;
  last_status: string | null;
  last_error: string | null;
  consecutive_failures: number;
  created_at: string;
}

const toJob = (r: JobRow): Job => ({
  id: r.id,
  name: r.name,
  schedule: JSON.parse(r.schedule),
  payload: JSON.parse(r.payload),
  target: JSON.parse(r.target),
  enabled: r.enabled === 1,
  anchorAt: r.anchor_at,
  nextRunAt: r.next_run_at,
  lastRunAt: r.last_run_at,
  lastStatus: r.last_status,
  lastError: r.last_error,
  consecutiveFailures: r.consecutive_failures,
  createdAt: r.created_at,
});

const RUN_COLUMNS = `r.id, r.job_id AS jobId, j.name AS jobName, r.scheduled_for AS scheduledFor, r.started_at AS startedAt, r.finished_at AS finishedAt,
  r.status, r.attempts, r.error, r.output, r.manual`;

const toRun = (r: Omit<Run, 'manual'> & { manual: number }): Run => ({ ...r, manual: r.manual === 1 });

export class ScheduleStore {
  private readonly sql: Prepared;
  private readonly transaction: <T>(fn: () => T) => T;

  constructor(
    db: Db,
    private readonly now: () => Date,
  ) {
    this.sql = prepared(db);
    this.transaction = transactor(db);
  }

  /** Deletes finished runs that started before `cutoff`, except each job's latest; returns how many. */
  pruneRuns(cutoff: string): number {
    return this.sql(
      `DELETE FROM schedule_runs WHERE started_at < ? AND status IN ('ok', 'failed', 'missed')
         AND id NOT IN (SELECT max(id) FROM schedule_runs GROUP BY job_id)`,
    ).run(cutoff).changes;
  }

  create(input: JobInput, nextRunAt: Date | null): Job {
    const id = randomUUID().slice(0, 8);
    const at = this.now().toISOString();
    this.sql(
      `INSERT INTO schedule_jobs (id, name, schedule, payload, target, enabled, anchor_at, next_run_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(id, input.name, JSON.stringify(input.schedule), JSON.stringify(input.payload), JSON.stringify(input.target), input.enabled ? 1 : 0, at, nextRunAt?.toISOString() ?? null, at, at);
    return this.job(id)!;
  }

  /** Replaces a job's definition (a new schedule starts counting from now). */
  update(id: string, input: JobInput, nextRunAt: Date | null, newAnchor: boolean): Job | null {
    const at = this.now().toISOString();
    const { changes } = this.sql(
      `UPDATE schedule_jobs SET name = ?, schedule = ?, payload = ?, target = ?, enabled = ?, next_run_at = ?, updated_at = ?,
         anchor_at = CASE WHEN ? THEN ? ELSE anchor_at END WHERE id = ?`,
    ).run(input.name, JSON.stringify(input.schedule), JSON.stringify(input.payload), JSON.stringify(input.target), input.enabled ? 1 : 0, nextRunAt?.toISOString() ?? null, at, newAnchor ? 1 : 0, at, id);
    return changes === 1 ? this.job(id) : null;
  }

  delete(id: string): boolean {
    return this.sql('DELETE FROM schedule_jobs WHERE id = ?').run(id).changes === 1;
  }

  job(id: string): Job | null {
    const row = this.sql('SELECT * FROM schedule_jobs WHERE id = ?').get(id) as JobRow | undefined;
    return row ? toJob(row) : null;
  }

  jobs(): Job[] {
    return (this.sql('SELECT * FROM schedule_jobs ORDER BY next_run_at IS NULL, next_run_at, created_at').all() as JobRow[]).map(toJob);
  }

  due(now: Date): Job[] {
    return (this.sql('SELECT * FROM schedule_jobs WHERE enabled = 1 AND next_run_at IS NOT NULL AND next_run_at <= ? ORDER BY next_run_at').all(now.toISOString()) as JobRow[]).map(toJob);
  }

  /**
   * Claims one occurrence of a job and moves its next run on, together. Returns the run, or null
   * when the occurrence was claimed already (or the job moved on meanwhile).
   */
  claim(job: Job, occurrence: Date, next: Date | null, status: 'running' | 'missed', note: string | null): Run | null {
    const at = this.now().toISOString();
    return this.transaction(() => {
      const moved = this.sql('UPDATE schedule_jobs SET next_run_at = ? WHERE id = ? AND next_run_at = ?').run(next?.toISOString() ?? null, job.id, job.nextRunAt);
      if (moved.changes === 0) return null;
      const inserted = this.sql(
        `INSERT OR IGNORE INTO schedule_runs (job_id, scheduled_for, started_at, status, error, finished_at) VALUES (?, ?, ?, ?, ?, ?)`,
      ).run(job.id, occurrence.toISOString(), at, status, note, status === 'missed' ? at : null);
      if (inserted.changes === 0) return null;
      if (status === 'missed') this.sql("UPDATE schedule_jobs SET last_run_at = ?, last_status = 'missed', last_error = ? WHERE id = ?").run(at, note, job.id);
      return this.run(Number(inserted.lastInsertRowid));
    });
  }

  /** A run asked for by hand, outside the schedule. */
  manual(jobId: string): Run {
    const at = this.now().toISOString();
    const { lastInsertRowid } = this.sql("INSERT INTO schedule_runs (job_id, scheduled_for, manual, started_at, status) VALUES (?, ?, 1, ?, 'running')").run(jobId, at, at);
    return this.run(Number(lastInsertRowid))!;
  }

  run(id: number): Run | null {
    const row = this.sql(`SELECT ${RUN_COLUMNS} FROM schedule_runs r JOIN schedule_jobs j ON j.id = r.job_id WHERE r.id = ?`).get(id) as Parameters<typeof toRun>[0] | undefined;
    return row ? toRun(row) : null;
  }

  runs(jobId: string | undefined, cursor: string | undefined, limit: number): { items: Run[]; nextCursor: string | null } {
    const [before] = cursor ? decodeCursor(cursor, 1) : [String(Number.MAX_SAFE_INTEGER)];
    const rows = this.sql(
      `SELECT ${RUN_COLUMNS} FROM schedule_runs r JOIN schedule_jobs j ON j.id = r.job_id
       WHERE (? IS NULL OR r.job_id = ?) AND r.id < ? ORDER BY r.id DESC LIMIT ?`,
    ).all(jobId ?? null, jobId ?? null, Number(before), limit + 1) as Parameters<typeof toRun>[0][];
    const items = rows.slice(0, limit).map(toRun);
    return { items, nextCursor: rows.length > limit ? encodeCursor([String(items.at(-1)!.id)]) : null };
  }

  /** Runs that were under way when Perch stopped, and deliveries waiting to be tried again. */
  open(): Array<Run & { nextAttemptAt: string | null }> {
    return (
      this.sql(`SELECT ${RUN_COLUMNS}, r.next_attempt_at AS nextAttemptAt FROM schedule_runs r JOIN schedule_jobs j ON j.id = r.job_id WHERE r.status IN ('running', 'retrying') ORDER BY r.id`).all() as Array<
        Parameters<typeof toRun>[0] & { nextAttemptAt: string | null }
      >
    ).map((r) => ({ ...toRun(r), nextAttemptAt: r.nextAttemptAt }));
  }

  /** Keeps what a run made, so a retried delivery sends the same text. */
  setOutput(runId: number, output: string): void {
    this.sql('UPDATE schedule_runs SET output = ? WHERE id = ?').run(output, runId);
  }

  /** Ends a run (ok or failed) or schedules its next delivery attempt, and updates its job; `alongside` runs in the same transaction (the delivery itself). */
  settle(runId: number, outcome: { status: 'ok' | 'failed' | 'retrying'; error?: string; nextAttemptAt?: Date }, alongside: () => void = () => undefined): Run | null {
    const at = this.now().toISOString();
    return this.transaction(() => {
      const run = this.run(runId);
      if (!run || (run.status !== 'running' && run.status !== 'retrying')) return null;
      alongside();
      const finished = outcome.status === 'retrying' ? null : at;
      this.sql('UPDATE schedule_runs SET status = ?, attempts = attempts + 1, error = ?, next_attempt_at = ?, finished_at = ? WHERE id = ?').run(
        outcome.status,
        outcome.error ?? null,
        outcome.nextAttemptAt?.toISOString() ?? null,
        finished,
        runId,
      );
      if (outcome.status !== 'retrying') {
        this.sql(
          `UPDATE schedule_jobs SET last_run_at = ?, last_status = ?, last_error = ?,
             consecutive_failures = CASE WHEN ? = 'ok' THEN 0 ELSE consecutive_failures + 1 END WHERE id = ?`,
        ).run(at, outcome.status, outcome.error ?? null, outcome.status, run.jobId);
      }
      return this.run(runId);
    });
  }

  /** When something is next due: a job's run or a delivery retry. */
  nextWake(): Date | null {
    const row = this.sql(
      `SELECT min(at) AS at FROM (
         SELECT min(next_run_at) AS at FROM schedule_jobs WHERE enabled = 1 AND next_run_at IS NOT NULL
         UNION ALL SELECT min(next_attempt_at) FROM schedule_runs WHERE status = 'retrying')`,
    ).get() as { at: string | null };
    return row.at ? new Date(row.at) : null;
  }
}
