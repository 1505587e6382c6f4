import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import type { Result } from '../../../main/contract/methods';
import { Badge, Card, Empty, ErrorText, When } from '../components/ui';
import { call, messageOf } from '../stores/session';
import { useAction, useQuery } from '../use-query';
import './schedules.css';

// Scheduled jobs: the list with each job's next and last run, what to do with one (run now,
// enable/disable, edit, delete, its history), and a form with a schedule builder that previews the
// next runs as it is filled in (the server is the judge of what is valid and says why not).

type Job = Result<'schedules.list'>['items'][number];
type Spec = Job['schedule'];
type Payload = Job['payload'];
type Target = Job['target'];
type Channel = Target['channel'];

const CHANNELS: { value: Channel; label: string }[] = [
  { value: 'dashboard', label: 'Dashboard chat' },
  { value: 'telegram', label: 'Telegram' },
  { value: 'whatsapp', label: 'WhatsApp' },
];

const CRON_PRESETS = [
  { label: 'Weekdays 09:00', expr: '0 9 * * 1-5' },
  { label: 'Every hour', expr: '0 * * * *' },
  { label: 'Daily 08:00', expr: '0 8 * * *' },
  { label: 'Every 15 minutes', expr: '*/15 * * * *' },
];

const UNITS = { seconds: 1_000, minutes: 60_000, hours: 3_600_000 } as const;
type Unit = keyof typeof UNITS;

const localZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;

const zones = (() => {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return [] as string[];
  }
})();

/** The message a failed call gives for its first invalid field, else its own message. */
function reasonOf(error: unknown): string {
  const issue = (error as { data?: { issues?: { message?: unknown }[] } } | null)?.data?.issues?.[0]?.message;
  if (typeof issue === 'string' && issue) return issue.charAt(0).toUpperCase() + issue.slice(1);
  return messageOf(error);
}

// ---- Time formatting -------------------------------------------------------------------------

const pad = (n: number, width = 2) => String(Math.trunc(Math.abs(n))).padStart(width, '0');

/** A local date as ISO 8601 with this computer's offset, e.g. 2026-12-24T18:00:00+01:00. */
function isoWithOffset(date: Date): string {
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}` +
    `${sign}${pad(offset / 60)}:${pad(offset % 60)}`
  );
}

/** An ISO time as the value of a datetime-local input (local time, to the minute). */
function toLocalInput(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A time to the second (runs of a short interval are seconds apart). */
function Moment({ at }: { at: string | null | undefined }) {
  if (!at) return <span className="muted">—</span>;
  const date = new Date(at);
  return (
    <time dateTime={at} title={date.toISOString()}>
      {date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' })}
    </time>
  );
}

// ---- Schedules in words ----------------------------------------------------------------------

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

function intervalInWords(ms: number): string {
  if (ms % UNITS.hours === 0) return ms === UNITS.hours ? 'Every hour' : `Every ${plural(ms / UNITS.hours, 'hour')}`;
  if (ms % UNITS.minutes === 0) return ms === UNITS.minutes ? 'Every minute' : `Every ${plural(ms / UNITS.minutes, 'minute')}`;
  if (ms % UNITS.seconds === 0) return ms === UNITS.seconds ? 'Every second' : `Every ${plural(ms / UNITS.seconds, 'second')}`;
  return `Every ${ms} ms`;
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** Words for the common shapes of a 5-field cron expression; null for anything else. */
function cronInWords(expr: string): string | null {
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

function ScheduleWords({ spec }: { spec: Spec }): ReactNode {
  if (spec.kind === 'at') {
    return (
      <>
        Once at <When at={spec.at} />
      </>
    );
  }
  if (spec.kind === 'every') return intervalInWords(spec.everyMs);
  const words = cronInWords(spec.expr);
  return (
    <>
      {words ? <>{words} </> : null}
      <code>{spec.expr}</code> <span className="muted">{spec.tz ?? 'local time'}</span>
    </>
  );
}

function targetInWords(target: Target): string {
  const channel = CHANNELS.find((c) => c.value === target.channel)?.label ?? target.channel;
  return target.peer ? `${channel} → ${target.peer}` : target.channel === 'dashboard' ? channel : `${channel} (owner)`;
}

// ---- The form and its schedule builder -------------------------------------------------------

interface FormState {
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

function blankForm(): FormState {
  return {
    name: '',
    kind: 'cron',
    expr: '0 9 * * 1-5',
    tz: localZone(),
    at: '',
    everyValue: '15',
    everyUnit: 'minutes',
    payloadKind: 'message',
    text: '',
    tools: '',
    channel: 'dashboard',
    peer: '',
  };
}

function formOf(job: Job): FormState {
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

/** The schedule the form describes, or what is missing before it can be asked about. */
function specOf(form: FormState): { spec: Spec } | { problem: string } {
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

function payloadOf(form: FormState): Payload {
  if (form.payloadKind === 'message') return { kind: 'message', text: form.text };
  const tools = form.tools
    .split(/[\s,]+/)
    .map((t) => t.trim())
    .filter(Boolean);
  return { kind: 'agent', prompt: form.text, ...(tools.length ? { tools } : {}) };
}

/** The next runs of the schedule being built: asked for 300 ms after the last change. */
interface PreviewState {
  kind: Spec['kind'];
  runs: string[] | null;
  error: string | null;
  pending: boolean;
}

function usePreview(kind: Spec['kind'], built: { spec: Spec } | { problem: string }): PreviewState {
  const [state, setState] = useState<PreviewState>({ kind, runs: null, error: null, pending: true });
  const key = JSON.stringify(built);
  useEffect(() => {
    const current = JSON.parse(key) as { spec: Spec } | { problem: string };
    if ('problem' in current) {
      setState({ kind, runs: null, error: current.problem, pending: false });
      return;
    }
    let cancelled = false;
    // While typing, the last answer stays until the next one; another kind of schedule starts afresh.
    setState((s) => (s.kind === kind ? { ...s, pending: true } : { kind, runs: null, error: null, pending: true }));
    const timer = setTimeout(() => {
      call('schedules.preview', { schedule: current.spec, count: 5 }).then(
        ({ runs }) => !cancelled && setState({ kind, runs, error: null, pending: false }),
        (error: unknown) => !cancelled && setState({ kind, runs: null, error: reasonOf(error), pending: false }),
      );
    }, 300);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [kind, key]);
  return state;
}

function ScheduleForm({ job, onSaved, onCancel }: { job: Job | null; onSaved: () => void; onCancel: () => void }) {
  const [form, setForm] = useState<FormState>(() => (job ? formOf(job) : blankForm()));
  const set = <K extends keyof FormState>(key: K, value: FormState[K]) => setForm((f) => ({ ...f, [key]: value }));
  const built = specOf(form);
  const preview = usePreview(form.kind, built);
  const action = useAction();
  const [saved, setSaved] = useState<string | null>(null);
  const nameRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (job) nameRef.current?.focus();
  }, [job]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaved(null);
    const ok = await action.run(async () => {
      if ('problem' in built) throw new Error(built.problem);
      const fields = {
        name: form.name,
        schedule: built.spec,
        payload: payloadOf(form),
        target: { channel: form.channel, ...(form.peer.trim() ? { peer: form.peer.trim() } : {}) },
      };
      try {
        if (job) await call('schedules.update', { id: job.id, ...fields });
        else await call('schedules.create', fields);
      } catch (error) {
        throw new Error(reasonOf(error));
      }
    });
    if (!ok) return;
    if (!job) {
      setSaved(`Created “${form.name.trim()}”.`);
      setForm((f) => ({ ...f, name: '', text: '' }));
    }
    onSaved();
  };

  const scheduleError = preview.error;
  const describedBy = scheduleError ? 'schedule-spec-error' : undefined;
  // The server's reason an invalid schedule is refused, right under its field.
  const errorLine = scheduleError ? (
    <p id="schedule-spec-error" className="error" role="alert" data-testid="schedule-error">
      {scheduleError}
    </p>
  ) : null;

  return (
    <Card title={job ? `Edit “${job.name}”` : 'New scheduled job'} testId="schedule-editor">
      <form className="form" data-testid="schedule-form" onSubmit={(e) => void submit(e)} aria-label={job ? `Edit ${job.name}` : 'New scheduled job'}>
        <div className="form-row">
          <label>
            Name
            <input ref={nameRef} data-testid="schedule-name" value={form.name} onChange={(e) => set('name', e.target.value)} placeholder="Morning briefing" required maxLength={200} />
          </label>
          <label className="sched-narrow">
            Runs
            <select data-testid="schedule-kind" value={form.kind} onChange={(e) => set('kind', e.target.value as Spec['kind'])}>
              <option value="cron">On a calendar (cron)</option>
              <option value="at">Once, at a time</option>
              <option value="every">Every so often</option>
            </select>
          </label>
        </div>

        <fieldset className="sched-builder">
          <legend>When</legend>
          {form.kind === 'cron' ? (
            <>
              <div className="form-row">
                <label>
                  Cron expression
                  <input
                    data-testid="schedule-cron"
                    className="mono"
                    value={form.expr}
                    onChange={(e) => set('expr', e.target.value)}
                    placeholder="0 9 * * 1-5"
                    spellCheck={false}
                    autoComplete="off"
                    aria-invalid={scheduleError ? true : undefined}
                    aria-describedby={describedBy ? `${describedBy} schedule-cron-help` : 'schedule-cron-help'}
                  />
                </label>
                <label>
                  Time zone
                  <input data-testid="schedule-tz" list="schedule-tz-list" value={form.tz} onChange={(e) => set('tz', e.target.value)} placeholder={localZone()} spellCheck={false} autoComplete="off" />
                </label>
                <datalist id="schedule-tz-list">
                  {zones.map((z) => (
                    <option key={z} value={z} />
                  ))}
                </datalist>
              </div>
              {errorLine}
              <p id="schedule-cron-help" className="muted sched-help">
                Minute, hour, day of month, month, weekday (0 or 7 = Sunday); an optional seconds field may come first.
              </p>
              <div className="sched-presets" role="group" aria-label="Cron presets">
                {CRON_PRESETS.map((p) => (
                  <button key={p.expr} type="button" className="secondary" aria-pressed={form.expr.trim() === p.expr} onClick={() => set('expr', p.expr)}>
                    {p.label}
                  </button>
                ))}
              </div>
            </>
          ) : null}
          {form.kind === 'at' ? (
            <div className="form-row">
              <label>
                Date and time ({localZone()})
                <input
                  data-testid="schedule-at"
                  type="datetime-local"
                  value={form.at}
                  onChange={(e) => set('at', e.target.value)}
                  aria-invalid={scheduleError ? true : undefined}
                  aria-describedby={describedBy}
                />
              </label>
            </div>
          ) : null}
          {form.kind === 'at' ? errorLine : null}
          {form.kind === 'every' ? (
            <div className="form-row">
              <label>
                Every
                <input
                  data-testid="schedule-every-value"
                  type="number"
                  min="0"
                  step="any"
                  value={form.everyValue}
                  onChange={(e) => set('everyValue', e.target.value)}
                  aria-invalid={scheduleError ? true : undefined}
                  aria-describedby={describedBy}
                />
              </label>
              <label>
                Unit
                <select data-testid="schedule-every-unit" value={form.everyUnit} onChange={(e) => set('everyUnit', e.target.value as Unit)}>
                  <option value="seconds">seconds</option>
                  <option value="minutes">minutes</option>
                  <option value="hours">hours</option>
                </select>
              </label>
            </div>
          ) : null}
          {form.kind === 'every' ? errorLine : null}
          <div className="sched-preview" aria-live="polite">
            <span className="muted">{preview.pending ? 'Next runs (checking…)' : preview.runs ? 'Next runs' : 'No next runs until the schedule is valid.'}</span>
            <ol data-testid="schedule-preview" aria-label="Next runs" aria-busy={preview.pending}>
              {(preview.runs ?? []).map((r) => (
                <li key={r}>
                  <Moment at={r} />
                </li>
              ))}
            </ol>
            {preview.runs && preview.runs.length === 0 ? <p className="muted">This schedule never runs again.</p> : null}
            {form.kind === 'every' ? <p className="muted sched-help">Intervals count from when the job is created.</p> : null}
          </div>
        </fieldset>

        <fieldset className="sched-builder">
          <legend>What</legend>
          <div className="form-row">
            <label className="sched-narrow">
              Do
              <select data-testid="schedule-payload-kind" value={form.payloadKind} onChange={(e) => set('payloadKind', e.target.value as Payload['kind'])}>
                <option value="message">Send a message</option>
                <option value="agent">Ask the assistant</option>
              </select>
            </label>
            {form.payloadKind === 'agent' ? (
              <label>
                Allowed tools (optional, comma-separated; empty = all)
                <input data-testid="schedule-tools" value={form.tools} onChange={(e) => set('tools', e.target.value)} placeholder="memory_search, web_fetch" spellCheck={false} />
              </label>
            ) : null}
          </div>
          <label>
            {form.payloadKind === 'message' ? 'Message' : 'Prompt for the assistant'}
            <textarea
              data-testid="schedule-text"
              value={form.text}
              onChange={(e) => set('text', e.target.value)}
              placeholder={form.payloadKind === 'message' ? 'Stand up and stretch!' : 'Summarise my unread notes from yesterday.'}
              required
            />
          </label>
        </fieldset>

        <fieldset className="sched-builder">
          <legend>Where to</legend>
          <div className="form-row">
            <label>
              Channel
              <select data-testid="schedule-channel" value={form.channel} onChange={(e) => set('channel', e.target.value as Channel)}>
                {CHANNELS.map((c) => (
                  <option key={c.value} value={c.value}>
                    {c.label}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Chat (optional; default: the owner)
              <input data-testid="schedule-peer" value={form.peer} onChange={(e) => set('peer', e.target.value)} placeholder={form.channel === 'dashboard' ? 'your own chat' : 'chat id or phone number'} autoComplete="off" />
            </label>
          </div>
        </fieldset>

        <div className="actions">
          <button type="submit" data-testid="schedule-submit" disabled={action.busy}>
            {job ? 'Save changes' : 'Create job'}
          </button>
          {job ? (
            <button type="button" className="secondary" onClick={onCancel}>
              Discard changes
            </button>
          ) : null}
          {saved ? (
            <span className="muted" role="status">
              {saved}
            </span>
          ) : null}
        </div>
        <ErrorText error={action.error} />
      </form>
    </Card>
  );
}

// ---- The list --------------------------------------------------------------------------------

function History({ job }: { job: Job }) {
  const runs = useQuery('schedules.runs', { jobId: job.id, limit: 20 }, ['schedule.fired']);
  const items = runs.data?.items ?? [];
  return (
    <div className="sched-history" data-testid="schedule-runs" aria-label={`Run history of ${job.name}`}>
      <ErrorText error={runs.error} />
      {runs.data && items.length === 0 ? <Empty title="No runs yet">Runs appear here once the job fires, or after “Run now”.</Empty> : null}
      {items.length ? (
        <table className="grid">
          <thead>
            <tr>
              <th scope="col">Scheduled for</th>
              <th scope="col">Status</th>
              <th scope="col">Attempts</th>
              <th scope="col">Error / output</th>
            </tr>
          </thead>
          <tbody>
            {items.map((r) => (
              <tr key={r.id} data-testid={`schedule-run-${r.id}`}>
                <td>
                  <Moment at={r.scheduledFor} />
                  {r.manual ? <div className="muted">run by hand</div> : null}
                </td>
                <td>
                  <Badge state={r.status} />
                </td>
                <td>{r.attempts}</td>
                <td className="sched-output">
                  {r.error ? <p className="error">{r.error}</p> : null}
                  {r.output ? <pre className="output">{r.output}</pre> : null}
                  {!r.error && !r.output ? <span className="muted">—</span> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {runs.data?.nextCursor ? <p className="muted">Showing the latest {items.length} runs.</p> : null}
    </div>
  );
}

function JobRows({ job, onEdit, onChanged }: { job: Job; onEdit: (job: Job) => void; onChanged: () => Promise<void> }) {
  const action = useAction();
  const [confirming, setConfirming] = useState(false);
  const [showHistory, setShowHistory] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  const act = async (what: () => Promise<unknown>) => {
    setNote(null);
    await action.run(async () => {
      try {
        await what();
      } finally {
        await onChanged();
      }
    });
  };
  const historyId = `schedule-history-${job.id}`;
  return (
    <tbody data-testid={`schedule-row-${job.name}`} className={job.enabled ? undefined : 'sched-disabled'}>
      <tr>
        <th scope="row">{job.name}</th>
        <td>
          <ScheduleWords spec={job.schedule} />
        </td>
        <td>{targetInWords(job.target)}</td>
        <td>{job.enabled ? <Badge state="ok" label="Enabled" /> : <Badge state="stopped" label="Disabled" />}</td>
        <td>
          <When at={job.nextRunAt} />
        </td>
        <td data-testid="schedule-last-run">
          <When at={job.lastRunAt} /> {job.lastStatus ? <Badge state={job.lastStatus} /> : null}
          {job.lastError ? <div className="error sched-last-error">{job.lastError}</div> : null}
          {job.consecutiveFailures > 1 ? <div className="muted">{job.consecutiveFailures} failures in a row</div> : null}
        </td>
        <td>
          <div className="sched-actions">
            <button
              type="button"
              disabled={action.busy}
              onClick={() =>
                void act(async () => {
                  const { run } = await call('schedules.runNow', { id: job.id });
                  setNote(`Run #${run.id} started.`);
                })
              }
            >
              Run now
            </button>
            <button type="button" className="secondary" disabled={action.busy} onClick={() => void act(() => call('schedules.update', { id: job.id, enabled: !job.enabled }))}>
              {job.enabled ? 'Disable' : 'Enable'}
            </button>
            <button type="button" className="secondary" onClick={() => onEdit(job)}>
              Edit
            </button>
            <button type="button" className="secondary" aria-expanded={showHistory} aria-controls={showHistory ? historyId : undefined} onClick={() => setShowHistory((v) => !v)}>
              History
            </button>
            {confirming ? null : (
              <button type="button" className="danger" disabled={action.busy} onClick={() => setConfirming(true)}>
                Delete
              </button>
            )}
          </div>
          {confirming ? (
            <div className="sched-confirm" role="group" aria-label={`Delete ${job.name}?`}>
              <span>Delete “{job.name}” and its history?</span>
              <button
                type="button"
                className="danger"
                disabled={action.busy}
                autoFocus
                onClick={() => void act(() => call('schedules.delete', { id: job.id })).then(() => setConfirming(false))}
              >
                Confirm
              </button>
              <button type="button" className="secondary" onClick={() => setConfirming(false)}>
                Cancel
              </button>
            </div>
          ) : null}
        </td>
      </tr>
      {action.error || note ? (
        <tr className="sched-subrow">
          <td colSpan={7}>
            <ErrorText error={action.error} />
            {note && !action.error ? (
              <span className="muted" role="status">
                {note}
              </span>
            ) : null}
          </td>
        </tr>
      ) : null}
      {showHistory ? (
        <tr className="sched-subrow" id={historyId}>
          <td colSpan={7}>
            <History job={job} />
          </td>
        </tr>
      ) : null}
    </tbody>
  );
}

export function SchedulesPage() {
  const list = useQuery('schedules.list', undefined, ['schedule.fired']);
  const [editing, setEditing] = useState<Job | null>(null);
  const jobs = list.data?.items ?? [];
  const formRef = useRef<HTMLDivElement>(null);

  // A job deleted (or changed elsewhere) while being edited: stop editing it.
  const editingGone = editing !== null && list.data !== null && !jobs.some((j) => j.id === editing.id);
  useEffect(() => {
    if (editingGone) setEditing(null);
  }, [editingGone]);

  const edit = (job: Job) => {
    setEditing(job);
    formRef.current?.scrollIntoView({ behavior: 'smooth', block: 'start' });
  };

  return (
    <>
      <Card title={`Scheduled jobs${jobs.length ? ` (${jobs.length})` : ''}`} testId="schedules-list">
        <ErrorText error={list.error} />
        {list.data && jobs.length === 0 ? (
          <Empty title="No scheduled jobs yet">
            Create one with the form below — a reminder, a daily briefing, a check every hour — or ask in a chat: “remind me at 9 tomorrow to…”.
          </Empty>
        ) : null}
        {jobs.length ? (
          <div className="sched-table-wrap">
            <table className="grid sched-table">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Schedule</th>
                  <th scope="col">Target</th>
                  <th scope="col">State</th>
                  <th scope="col">Next run</th>
                  <th scope="col">Last run</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              {jobs.map((job) => (
                <JobRows key={job.id} job={job} onEdit={edit} onChanged={list.reload} />
              ))}
            </table>
          </div>
        ) : null}
      </Card>
      <div ref={formRef}>
        <ScheduleForm
          key={editing?.id ?? 'new'}
          job={editing}
          onSaved={() => {
            setEditing(null);
            void list.reload();
          }}
          onCancel={() => setEditing(null)}
        />
      </div>
    </>
  );
}
