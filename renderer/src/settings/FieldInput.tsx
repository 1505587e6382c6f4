import type { ReactNode } from 'react';
import { Badge, ErrorText } from '../components/ui';
import type { Problem } from '../problems';
import { hintOf, type Draft, type Field, type TargetDraft } from './fields';
import { boundsOf } from './paths';

// One setting: its label, its input, its hint (help, bounds, default), the variable that forces
// it if one does, and the sentence about what to fix when a save was refused for it.

interface Props {
  id: string;
  field: Field;
  draft: Draft;
  variable: string | null;
  problem: Problem | null;
  onChange: (draft: Draft) => void;
}

function TargetInput({ id, field, draft, variable, describedBy, onChange }: Omit<Props, 'problem'> & { describedBy: string }) {
  const t = draft as TargetDraft;
  return (
    <fieldset className="settings-target" aria-describedby={describedBy} data-testid={`setting-${field.path}`}>
      <legend>{field.label}</legend>
      <div className="form-row">
        <div className="setting">
          <label htmlFor={`${id}-channel`}>Channel</label>
          <select id={`${id}-channel`} value={t.channel} disabled={Boolean(variable)} onChange={(e) => onChange({ ...t, channel: e.target.value as TargetDraft['channel'] })}>
            <option value="">Nowhere else (dashboard only)</option>
            <option value="dashboard">Dashboard chat</option>
            <option value="telegram">Telegram</option>
            <option value="whatsapp">WhatsApp</option>
          </select>
        </div>
        <div className="setting">
          <label htmlFor={`${id}-peer`}>Chat (empty: the channel’s owner)</label>
          <input id={`${id}-peer`} value={t.peer} disabled={!t.channel || Boolean(variable)} onChange={(e) => onChange({ ...t, peer: e.target.value })} placeholder="e.g. 123456789 or +4915112345678" autoComplete="off" />
        </div>
      </div>
    </fieldset>
  );
}

export function FieldInput(props: Props) {
  const { id, field, draft, variable, problem, onChange } = props;
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const bounds = field.kind === 'number' ? boundsOf(field.path) : null;
  const describedBy = [hintId, problem ? errorId : null, variable ? `${id}-env` : null].filter(Boolean).join(' ');
  const common = {
    id,
    'aria-describedby': describedBy,
    'aria-invalid': problem ? true : undefined,
    readOnly: Boolean(variable),
    'data-testid': `setting-${field.path}`,
  } as const;
  const wide = field.wide || field.kind === 'list' || field.kind === 'target';

  let control: ReactNode;
  if (field.kind === 'boolean') {
    control = (
      <label className="check" htmlFor={id}>
        <input {...common} type="checkbox" checked={Boolean(draft)} disabled={Boolean(variable)} onChange={(e) => onChange(e.target.checked)} />
        {field.label}
      </label>
    );
  } else if (field.kind === 'target') {
    control = <TargetInput {...props} describedBy={describedBy} />;
  } else {
    let input: ReactNode;
    if (field.kind === 'select') {
      input = (
        <select {...common} value={String(draft)} disabled={Boolean(variable)} onChange={(e) => onChange(e.target.value)}>
          {field.options.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      );
    } else if (field.kind === 'list') {
      input = <textarea {...common} rows={3} value={String(draft)} placeholder={field.placeholder} onChange={(e) => onChange(e.target.value)} spellCheck={false} />;
    } else if (field.kind === 'number') {
      input = (
        <input
          {...common}
          type="number"
          inputMode={bounds?.int ? 'numeric' : 'decimal'}
          step={field.step ?? (bounds?.int ? 1 : 'any')}
          min={bounds?.min}
          max={bounds?.max}
          value={String(draft)}
          onChange={(e) => onChange(e.target.value)}
        />
      );
    } else {
      input = <input {...common} type="text" value={String(draft)} placeholder={field.placeholder} onChange={(e) => onChange(e.target.value)} spellCheck={false} autoComplete="off" />;
    }
    control = (
      <>
        <label htmlFor={id}>
          {field.label}
          {field.kind === 'number' && field.unit ? <span className="unit"> ({field.unit})</span> : null}
        </label>
        {input}
      </>
    );
  }

  return (
    <div className={`setting${wide ? ' wide' : ''}${variable ? ' locked' : ''}`}>
      {control}
      {variable ? (
        <p className="env-note" id={`${id}-env`} data-testid={`env-${field.path}`}>
          <Badge state="paused" label="environment" /> Set by <code>{variable}</code>, which wins over a saved value. Change the variable and restart Perch to change it.
        </p>
      ) : null}
      <p className="hint" id={hintId}>
        {hintOf(field, bounds)}
      </p>
      {problem ? (
        <div className="field-error" id={errorId} data-testid={`problem-${field.path}`}>
          <ErrorText error={problem} />
        </div>
      ) : null}
    </div>
  );
}
