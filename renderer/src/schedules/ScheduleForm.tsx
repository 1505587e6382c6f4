import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Card, ErrorText } from '../components/ui';
import type { Problem } from '../problems';
import { problemsFor } from '../settings/field-problems';
import { call } from '../stores/session';
import { blankForm, formOf, payloadOf, specOf, type FormState } from './form-state';
import { usePreview } from './use-preview';
import { WhenFields } from './WhenFields';
import { CHANNELS, type Channel, type Job, type Payload, type Spec } from './words';

// A new job, or one being edited: its name, when (WhenFields), what and where to. A refused save
// is shown beside the field it is about, once; the form keeps what was typed.

type Field = 'name' | 'schedule' | 'payload' | 'target';
const FIELDS: Field[] = ['name', 'schedule', 'payload', 'target'];

const Beside = ({ problem, id }: { problem: Problem | undefined; id: string }) =>
  problem ? (
    <div id={id} className="field-error">
      <ErrorText error={problem} />
    </div>
  ) : null;

export function ScheduleForm({ job, onSaved, onCancel }: { job: Job | null; onSaved: () => void; onCancel: () => void }) {
  const [form, setForm] = useState<FormState>(() => (job ? formOf(job) : blankForm()));
  const [problems, setProblems] = useState<{ byField: Partial<Record<Field, Problem>>; form: Problem | null }>({ byField: {}, form: null });
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);
  const set = <K extends keyof FormState>(key: K, value: FormState[K]) => setForm((f) => ({ ...f, [key]: value }));
  const built = specOf(form);
  const preview = usePreview(form.kind, built);
  const nameRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (job) nameRef.current?.focus();
  }, [job]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaved(null);
    setProblems({ byField: {}, form: null });
    if ('problem' in built) return; // already said under the schedule
    const fields = { name: form.name, schedule: built.spec, payload: payloadOf(form), target: { channel: form.channel, ...(form.peer.trim() ? { peer: form.peer.trim() } : {}) } };
    setBusy(true);
    try {
      if (job) await call('schedules.update', { id: job.id, ...fields });
      else await call('schedules.create', fields);
    } catch (error) {
      setProblems(problemsFor(error, FIELDS));
      return;
    } finally {
      setBusy(false);
    }
    if (!job) {
      setSaved(`Created “${form.name.trim()}”.`);
      setForm((f) => ({ ...f, name: '', text: '' }));
    }
    onSaved();
  };

  const p = problems.byField;
  // The preview says why a schedule is invalid; a refused save says it only when the preview does not.
  const scheduleProblem = preview.error ? undefined : p.schedule;

  return (
    <Card title={job ? `Edit “${job.name}”` : 'New scheduled job'} testId="schedule-editor">
      <form className="form" data-testid="schedule-form" onSubmit={(e) => void submit(e)} aria-label={job ? `Edit ${job.name}` : 'New scheduled job'}>
        <div className="form-row">
          <label>
            Name
            <input ref={nameRef} data-testid="schedule-name" value={form.name} onChange={(e) => set('name', e.target.value)} placeholder="Morning briefing" required maxLength={200} aria-invalid={p.name ? true : undefined} aria-describedby={p.name ? 'schedule-name-error' : undefined} />
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
        <Beside problem={p.name} id="schedule-name-error" />

        <WhenFields form={form} set={set} preview={preview} />
        <Beside problem={scheduleProblem} id="schedule-when-error" />

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
              aria-invalid={p.payload ? true : undefined}
              aria-describedby={p.payload ? 'schedule-text-error' : undefined}
            />
          </label>
          <Beside problem={p.payload} id="schedule-text-error" />
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
              <input data-testid="schedule-peer" value={form.peer} onChange={(e) => set('peer', e.target.value)} placeholder={form.channel === 'dashboard' ? 'your own chat' : 'chat id or phone number'} autoComplete="off" aria-invalid={p.target ? true : undefined} />
            </label>
          </div>
          <Beside problem={p.target} id="schedule-target-error" />
        </fieldset>

        <div className="actions">
          <button type="submit" data-testid="schedule-submit" disabled={busy}>
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
        <ErrorText error={problems.form} />
      </form>
    </Card>
  );
}
