import { defaultSettings, type Settings } from '../../../main/contract/settings';
import { nf, valueAt, type NullableTextPath, type PathWhere, type SettingPath, type Target, type ValueAt } from './paths';

// The fields a settings form is made of, and how each turns a stored value into what its input
// holds (a draft) and back.

interface FieldBase<P extends SettingPath> {
  path: P;
  label: string;
  help?: string;
  /** Takes a whole row of the form. */
  wide?: boolean;
  /** Saving it empty is refused (the chat model: an empty field must never clear it). */
  required?: string;
}

export type Field =
  | (FieldBase<PathWhere<number>> & { kind: 'number'; step?: number; unit?: string })
  | (FieldBase<PathWhere<string>> & { kind: 'select'; options: Array<[string, string]> })
  | (FieldBase<PathWhere<boolean>> & { kind: 'boolean' })
  | (FieldBase<PathWhere<string[]>> & { kind: 'list'; placeholder?: string })
  | (FieldBase<NullableTextPath> & { kind: 'text'; placeholder?: string })
  | (FieldBase<'scheduler.failureChat'> & { kind: 'target' });

export interface FieldGroup {
  legend?: string;
  fields: Field[];
}

export type TargetDraft = { channel: '' | Target['channel']; peer: string };
export type Draft = string | boolean | TargetDraft;

export const num = (path: PathWhere<number>, label: string, help?: string, extra: { step?: number; unit?: string } = {}): Field => ({ kind: 'number', path, label, ...(help ? { help } : {}), ...extra });

/** A choice whose options must name every value the schema allows. */
export function select<P extends PathWhere<string>>(path: P, label: string, options: Record<ValueAt<Settings, P> & string, string>, help?: string): Field {
  return { kind: 'select', path, label, options: Object.entries(options) as Array<[string, string]>, ...(help ? { help } : {}) };
}

export const DEFAULTS = defaultSettings();

export function describeValue(field: Field, value: unknown): string {
  if (value === null || value === undefined || (Array.isArray(value) && value.length === 0)) return 'none';
  if (field.kind === 'boolean') return value ? 'on' : 'off';
  if (field.kind === 'select') return field.options.find(([v]) => v === value)?.[1] ?? String(value);
  if (field.kind === 'number') return `${nf.format(value as number)}${field.unit ? ` ${field.unit}` : ''}`;
  if (field.kind === 'target') {
    const t = value as Target;
    return `${t.channel}${t.peer ? ` ${t.peer}` : ''}`;
  }
  return Array.isArray(value) ? value.join(', ') : String(value);
}

export function toDraft(field: Field, value: unknown): Draft {
  switch (field.kind) {
    case 'boolean':
      return Boolean(value);
    case 'list':
      return ((value as string[] | undefined) ?? []).join('\n');
    case 'text':
      return (value as string | null) ?? '';
    case 'target': {
      const t = value as Target | null;
      return t ? { channel: t.channel, peer: t.peer ?? '' } : { channel: '', peer: '' };
    }
    default:
      return value === null || value === undefined ? '' : String(value);
  }
}

export function fromDraft(field: Field, draft: Draft): { value: unknown } | { error: string } {
  switch (field.kind) {
    case 'number': {
      const text = String(draft).trim();
      const n = Number(text);
      return text === '' || !Number.isFinite(n) ? { error: 'Enter a number.' } : { value: n };
    }
    case 'boolean':
      return { value: Boolean(draft) };
    case 'list':
      return {
        value: String(draft)
          .split(/[\n,]/)
          .map((s) => s.trim())
          .filter(Boolean),
      };
    case 'text': {
      const text = String(draft).trim();
      if (!text && field.required) return { error: field.required };
      return { value: text || null };
    }
    case 'target': {
      const t = draft as TargetDraft;
      if (!t.channel) return { value: null };
      return { value: { channel: t.channel, ...(t.peer.trim() ? { peer: t.peer.trim() } : {}) } };
    }
    default:
      return { value: String(draft) };
  }
}

/** The hint under a field: its help, its bounds and its default. */
export function hintOf(field: Field, bounds: { min?: number; max?: number } | null): string {
  const { min, max } = bounds ?? {};
  const range =
    min !== undefined && max !== undefined ? `${nf.format(min)} to ${nf.format(max)}` : min !== undefined ? `at least ${nf.format(min)}` : max !== undefined ? `at most ${nf.format(max)}` : null;
  return [field.help, range, `Default: ${describeValue(field, valueAt(DEFAULTS, field.path))}`].filter(Boolean).join(' · ');
}
