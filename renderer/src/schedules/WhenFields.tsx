import type { FormState } from './form-state';
import { CRON_PRESETS } from './form-state';
import { localZone, zones } from './time';
import type { PreviewState } from './use-preview';
import { Moment, type Unit } from './words';

// The "When" part of the schedule form: a cron expression with presets and a time zone, one
// date and time, or an interval; each with the next runs the server previews, and its reason
// right under the field when the schedule is not valid.

type Set = <K extends keyof FormState>(key: K, value: FormState[K]) => void;

export function WhenFields({ form, set, preview }: { form: FormState; set: Set; preview: PreviewState }) {
  const error = preview.error;
  const invalid = error ? true : undefined;
  const errorLine = error ? (
    <p id="schedule-spec-error" className="error" role="alert" data-testid="schedule-error">
      {error}
    </p>
  ) : null;
  const describedBy = error ? 'schedule-spec-error' : undefined;
  return (
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
                aria-invalid={invalid}
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
        <>
          <div className="form-row">
            <label>
              Date and time ({localZone()})
              <input data-testid="schedule-at" type="datetime-local" value={form.at} onChange={(e) => set('at', e.target.value)} aria-invalid={invalid} aria-describedby={describedBy} />
            </label>
          </div>
          {errorLine}
        </>
      ) : null}
      {form.kind === 'every' ? (
        <>
          <div className="form-row">
            <label>
              Every
              <input data-testid="schedule-every-value" type="number" min="0" step="any" value={form.everyValue} onChange={(e) => set('everyValue', e.target.value)} aria-invalid={invalid} aria-describedby={describedBy} />
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
          {errorLine}
        </>
      ) : null}
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
  );
}
