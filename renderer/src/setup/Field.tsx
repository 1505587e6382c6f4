import { useId, type InputHTMLAttributes } from 'react';
import { ErrorText } from '../components/ui';
import type { Problem } from '../problems';

// A labelled field with its help and, beside it, the problem that belongs to it (announced, and
// tied to the field with aria-describedby so a screen reader reads it with the field).

interface FieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, 'onChange' | 'value'> {
  label: string;
  value: string;
  onValue(value: string): void;
  help?: string;
  problem?: Problem | null;
}

export function Field({ label, value, onValue, help, problem, ...input }: FieldProps) {
  const id = useId();
  const helpId = `${id}-help`;
  const errorId = `${id}-error`;
  const describedBy = [help ? helpId : null, problem ? errorId : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className="setup-field">
      <label htmlFor={id}>{label}</label>
      <input id={id} value={value} onChange={(e) => onValue(e.target.value)} aria-invalid={problem ? true : undefined} aria-describedby={describedBy} {...input} />
      {help ? (
        <p id={helpId} className="setup-help">
          {help}
        </p>
      ) : null}
      {problem ? (
        <div id={errorId}>
          <ErrorText error={problem} />
        </div>
      ) : null}
    </div>
  );
}
