import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { z } from 'zod';
import type { Result } from '../../../main/contract/methods';
import { defaultSettings, MODEL_SPEC_EXAMPLE, settingsSchema, type Settings, type SettingsPatch } from '../../../main/contract/settings';
import { Badge, Card, Empty, ErrorText, When } from '../components/ui';
import { call, listen, messageOf, useSession } from '../stores/session';
import { useAction, useQuery } from '../use-query';
import './settings.css';

// Everything the owner can change: the models (local files, recommended downloads, a local Ollama,
// an OpenAI-compatible endpoint), the system prompt, the approval policy, every other setting in
// a form typed by the settings schema, the gateway token and where the logs are. A setting forced
// by an environment variable is shown read-only with the variable's name.

type View = Result<'settings.get'>;
type Status = Result<'system.status'>;

// ---------------------------------------------------------------------------------------------
// Setting paths, typed by the schema: "memory.recallLimit", "gateway.rateLimit.burst" …

/** An object level of the settings (a record such as usage.prices, an array or a nullable value is a leaf). */
type Branch<T> = [T] extends [readonly unknown[]] ? false : null extends T ? false : [T] extends [object] ? (string extends keyof T ? false : true) : false;
type PathOf<T> = { [K in keyof T & string]: Branch<T[K]> extends true ? `${K}.${PathOf<T[K]>}` : K }[keyof T & string];
type SettingPath = PathOf<Settings>;
type ValueAt<T, P extends string> = P extends `${infer H}.${infer R}` ? (H extends keyof T ? ValueAt<T[H], R> : never) : P extends keyof T ? T[P] : never;
type PathWhere<V> = { [P in SettingPath]: [ValueAt<Settings, P>] extends [V] ? P : never }[SettingPath];
type NullableTextPath = { [P in SettingPath]: [ValueAt<Settings, P>] extends [string | null] ? (null extends ValueAt<Settings, P> ? P : never) : never }[SettingPath];
type Target = NonNullable<Settings['scheduler']['failureChat']>;

interface FieldBase<P extends SettingPath> {
  path: P;
  label: string;
  help?: string;
  /** Takes a whole row of the form. */
  wide?: boolean;
}

type Field =
  | (FieldBase<PathWhere<number>> & { kind: 'number'; step?: number; unit?: string })
  | (FieldBase<PathWhere<string>> & { kind: 'select'; options: Array<[string, string]> })
  | (FieldBase<PathWhere<boolean>> & { kind: 'boolean' })
  | (FieldBase<PathWhere<string[]>> & { kind: 'list'; placeholder?: string })
  | (FieldBase<NullableTextPath> & { kind: 'text'; placeholder?: string })
  | (FieldBase<'scheduler.failureChat'> & { kind: 'target' });

type TargetDraft = { channel: '' | Target['channel']; peer: string };
type Draft = string | boolean | TargetDraft;

const num = (path: PathWhere<number>, label: string, help?: string, extra: { step?: number; unit?: string } = {}): Field => ({ kind: 'number', path, label, ...(help ? { help } : {}), ...extra });

/** A choice whose options must name every value the schema allows. */
function select<P extends PathWhere<string>>(path: P, label: string, options: Record<ValueAt<Settings, P> & string, string>, help?: string): Field {
  return { kind: 'select', path, label, options: Object.entries(options) as Array<[string, string]>, ...(help ? { help } : {}) };
}

function valueAt(settings: Settings, path: string): unknown {
  return path.split('.').reduce<unknown>((at, key) => (at && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined), settings);
}

function setAt(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let at = target;
  for (const key of keys.slice(0, -1)) {
    at[key] ??= {};
    at = at[key] as Record<string, unknown>;
  }
  at[keys[keys.length - 1]!] = value;
}

function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let s = schema;
  while (s instanceof z.ZodDefault || s instanceof z.ZodPrefault || s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s.unwrap() as z.ZodType;
  return s;
}

/** The schema of one setting, to show its bounds. */
function schemaAt(path: string): z.ZodType | undefined {
  let s: z.ZodType | undefined = settingsSchema;
  for (const key of path.split('.')) {
    s = unwrap(s);
    s = s instanceof z.ZodObject ? (s.shape as Record<string, z.ZodType>)[key] : undefined;
  }
  return unwrap(s);
}

function boundsOf(path: string): { min?: number; max?: number; int: boolean } {
  const s = schemaAt(path);
  if (!(s instanceof z.ZodNumber)) return { int: false };
  const finite = (n: number | null) => (n !== null && Math.abs(n) < Number.MAX_SAFE_INTEGER ? n : undefined);
  const min = finite(s.minValue);
  const max = finite(s.maxValue);
  return { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}), int: Boolean(s.isInt) };
}

const DEFAULTS = defaultSettings();
const nf = new Intl.NumberFormat();

function describeValue(field: Field, value: unknown): string {
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

function toDraft(field: Field, value: unknown): Draft {
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

function fromDraft(field: Field, draft: Draft): { value: unknown } | { error: string } {
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
    case 'text':
      return { value: String(draft).trim() || null };
    case 'target': {
      const t = draft as TargetDraft;
      if (!t.channel) return { value: null };
      return { value: { channel: t.channel, ...(t.peer.trim() ? { peer: t.peer.trim() } : {}) } };
    }
    default:
      return { value: String(draft) };
  }
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The variable forcing this setting, if one does. */
function overriddenBy(view: View, path: string): string | null {
  return view.overridden.find((o) => o.path === path || path.startsWith(`${o.path}.`))?.variable ?? null;
}

/** Issues a validation error names ({path, message}), for showing each next to its field. */
function issuesOf(error: unknown): Array<{ path: string; message: string }> {
  const issues = (error as { data?: { issues?: unknown } } | null)?.data?.issues;
  if (!Array.isArray(issues)) return [];
  return issues
    .filter((i): i is { path: string; message: string } => typeof i?.path === 'string' && typeof i?.message === 'string')
    .map((i) => ({ path: i.path.replace(/^patch\./, ''), message: i.message }));
}

function saveSettings(patch: SettingsPatch): Promise<View> {
  return call('settings.update', { patch });
}

// ---------------------------------------------------------------------------------------------
// The generic form: fields of any section, saved together as one patch of what changed.

interface FieldGroup {
  legend?: string;
  fields: Field[];
}

function SettingsForm({ view, groups, onSaved, submitLabel = 'Save', testId }: { view: View; groups: FieldGroup[]; onSaved: () => void; submitLabel?: string; testId?: string }) {
  const formId = useId();
  const [edits, setEdits] = useState<Partial<Record<SettingPath, Draft>>>({});
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<SettingPath, string>>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);

  const fields = groups.flatMap((g) => g.fields);
  const current = (f: Field) => toDraft(f, valueAt(view.settings, f.path));
  const draftOf = (f: Field) => edits[f.path] ?? current(f);
  const changed = fields.filter((f) => edits[f.path] !== undefined && !overriddenBy(view, f.path) && !same(edits[f.path], current(f)));

  const edit = (path: SettingPath, draft: Draft) => {
    setEdits((e) => ({ ...e, [path]: draft }));
    setSaved(false);
    setFieldErrors((e) => ({ ...e, [path]: undefined }));
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const patch: Record<string, unknown> = {};
    const local: Partial<Record<SettingPath, string>> = {};
    let clearTarget = false;
    for (const f of changed) {
      const parsed = fromDraft(f, edits[f.path]!);
      if ('error' in parsed) local[f.path] = parsed.error;
      else {
        setAt(patch, f.path, parsed.value);
        // A patch merges objects, so a chat's peer left out would stay: clear the old target first.
        const before = valueAt(view.settings, f.path) as Target | null;
        if (f.kind === 'target' && before?.peer && parsed.value && !(parsed.value as Target).peer) clearTarget = true;
      }
    }
    setFieldErrors(local);
    if (Object.keys(local).length > 0) {
      setFormError('Some values need fixing (see above).');
      return;
    }
    setBusy(true);
    setFormError(null);
    try {
      if (clearTarget) await saveSettings({ scheduler: { failureChat: null } });
      await saveSettings(patch as SettingsPatch);
      setEdits({});
      setSaved(true);
      onSaved();
    } catch (error) {
      const byField: Partial<Record<SettingPath, string>> = {};
      for (const issue of issuesOf(error)) {
        const field = fields.find((f) => issue.path === f.path || issue.path.startsWith(`${f.path}.`));
        if (field) byField[field.path] ??= issue.message;
      }
      setFieldErrors(byField);
      setFormError(messageOf(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="settings-form" onSubmit={(e) => void submit(e)} noValidate data-testid={testId}>
      {groups.map((group, i) => {
        const body = (
          <div className="settings-grid">
            {group.fields.map((f) => (
              <FieldInput key={f.path} id={`${formId}-${f.path}`} field={f} draft={draftOf(f)} variable={overriddenBy(view, f.path)} error={fieldErrors[f.path] ?? null} onChange={(d) => edit(f.path, d)} />
            ))}
          </div>
        );
        return group.legend ? (
          <fieldset key={group.legend} className="settings-group">
            <legend>{group.legend}</legend>
            {body}
          </fieldset>
        ) : (
          <div key={i}>{body}</div>
        );
      })}
      <div className="actions">
        <button type="submit" disabled={busy || changed.length === 0}>
          {busy ? 'Saving…' : submitLabel}
        </button>
        {Object.keys(edits).length > 0 ? (
          <button
            type="button"
            className="secondary"
            disabled={busy}
            onClick={() => {
              setEdits({});
              setFieldErrors({});
              setFormError(null);
            }}
          >
            Discard changes
          </button>
        ) : null}
        <span className="muted" role="status">
          {saved ? 'Saved.' : changed.length > 0 ? `${changed.length} unsaved change${changed.length === 1 ? '' : 's'}` : ''}
        </span>
      </div>
      <ErrorText error={formError} />
    </form>
  );
}

function FieldInput({ id, field, draft, variable, error, onChange }: { id: string; field: Field; draft: Draft; variable: string | null; error: string | null; onChange: (draft: Draft) => void }) {
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const bounds = field.kind === 'number' ? boundsOf(field.path) : null;
  const range =
    bounds && (bounds.min !== undefined || bounds.max !== undefined)
      ? bounds.min !== undefined && bounds.max !== undefined
        ? `${nf.format(bounds.min)} to ${nf.format(bounds.max)}`
        : bounds.min !== undefined
          ? `at least ${nf.format(bounds.min)}`
          : `at most ${nf.format(bounds.max!)}`
      : null;
  const hint = [field.help, range, `Default: ${describeValue(field, valueAt(DEFAULTS, field.path))}`].filter(Boolean).join(' · ');
  const describedBy = [hintId, error ? errorId : null, variable ? `${id}-env` : null].filter(Boolean).join(' ');
  const common = {
    id,
    'aria-describedby': describedBy,
    'aria-invalid': error ? true : undefined,
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
    const t = draft as TargetDraft;
    control = (
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
            <input
              id={`${id}-peer`}
              value={t.peer}
              disabled={!t.channel || Boolean(variable)}
              onChange={(e) => onChange({ ...t, peer: e.target.value })}
              placeholder="e.g. 123456789 or +4915112345678"
              autoComplete="off"
            />
          </div>
        </div>
      </fieldset>
    );
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
        {hint}
      </p>
      {error ? (
        <p className="error field-error" id={errorId} role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}

// ---------------------------------------------------------------------------------------------
// Small pieces.

function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let n = bytes;
  let u = 0;
  while (n >= 1000 && u < units.length - 1) {
    n /= 1000;
    u += 1;
  }
  return `${u === 0 ? n : n.toFixed(n < 10 ? 1 : 0)} ${units[u]}`;
}

function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  return (
    <>
      <button
        type="button"
        className="secondary"
        onClick={() => {
          if (!navigator.clipboard) return setState('failed');
          navigator.clipboard.writeText(text).then(
            () => setState('copied'),
            () => setState('failed'),
          );
        }}
      >
        {state === 'copied' ? 'Copied' : label}
      </button>
      <span className="muted" role="status">
        {state === 'failed' ? 'Copying was refused: select the text and copy it by hand.' : ''}
      </span>
    </>
  );
}

function ProgressBar({ received, total, label }: { received: number; total: number | null; label: string }) {
  const pct = total ? Math.min(100, Math.round((received / total) * 100)) : null;
  const text = total ? `${formatBytes(received)} of ${formatBytes(total)} (${pct}%)` : `${formatBytes(received)} so far`;
  return (
    <div className="download-progress">
      <div className="progress" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct ?? undefined} aria-valuetext={text}>
        <div className={`progress-fill${pct === null ? ' indeterminate' : ''}`} style={{ width: pct === null ? '30%' : `${pct}%` }} />
      </div>
      <span className="muted">{text}</span>
    </div>
  );
}

// ---------------------------------------------------------------------------------------------
// Models.

type DownloadId = 'chat' | 'embed';
type DownloadState =
  | { phase: 'starting' }
  | { phase: 'running'; file: string; received: number; total: number | null }
  | { phase: 'done' | 'present'; file: string }
  | { phase: 'failed'; error: string };

/** Model downloads as model.progress reports them (from this page or any other client). */
function useDownloads(onFinished: () => void) {
  const client = useSession((s) => s.client);
  const epoch = useSession((s) => s.epoch);
  const [state, setState] = useState<Partial<Record<DownloadId, DownloadState>>>({});
  const finished = useRef(onFinished);
  useEffect(() => {
    finished.current = onFinished;
  }, [onFinished]);

  useEffect(() => {
    if (!client) return;
    return listen('model.progress', (p) => {
      if (p.id !== 'chat' && p.id !== 'embed') return;
      const next: DownloadState = p.error
        ? { phase: 'failed', error: p.error }
        : p.done
          ? { phase: 'done', file: p.file }
          : { phase: 'running', file: p.file, received: p.receivedBytes, total: p.totalBytes };
      setState((s) => ({ ...s, [p.id]: next }));
      if (p.done || p.error) finished.current();
    });
  }, [client, epoch]);

  const start = async (id: DownloadId) => {
    setState((s) => ({ ...s, [id]: { phase: 'starting' } }));
    try {
      const result = await call('models.download', { id });
      setState((s) => {
        if (result.state === 'present') return { ...s, [id]: { phase: 'present', file: result.file } };
        // Progress events may have come first (or already the end): keep what they said.
        return s[id]?.phase === 'starting' ? { ...s, [id]: { phase: 'running', file: result.file, received: 0, total: null } } : s;
      });
    } catch (error) {
      setState((s) => ({ ...s, [id]: { phase: 'failed', error: messageOf(error) } }));
    }
  };
  return { state, start };
}

const RECOMMENDED: Array<{ id: DownloadId; title: string; text: string }> = [
  { id: 'chat', title: 'Recommended chat model', text: 'A small instruction-tuned model that runs on this computer’s processor. Once downloaded it becomes the chat model if none is set.' },
  { id: 'embed', title: 'Recommended embedding model', text: 'Lets memory search find notes and conversations by meaning, not only by keywords.' },
];

type ModelUse = 'chat' | 'embed' | 'fallback';

function UseButtons({ spec, view, describedBy, busy, onUse }: { spec: string; view: View; describedBy: string; busy: boolean; onUse: (use: ModelUse, spec: string) => void }) {
  const m = view.settings.models;
  const chatLocked = Boolean(overriddenBy(view, 'models.chat'));
  const embedLocked = Boolean(overriddenBy(view, 'models.embed'));
  return (
    <div className="actions">
      <button type="button" className="secondary" aria-describedby={describedBy} disabled={busy || chatLocked || m.chat === spec} onClick={() => onUse('chat', spec)}>
        Use for chat
      </button>
      <button type="button" className="secondary" aria-describedby={describedBy} disabled={busy || embedLocked || m.embed === spec} onClick={() => onUse('embed', spec)}>
        Use for embeddings
      </button>
      <button type="button" className="secondary" aria-describedby={describedBy} disabled={busy || m.fallback.includes(spec) || m.chat === spec} onClick={() => onUse('fallback', spec)}>
        Add as fallback
      </button>
    </div>
  );
}

function InUse({ spec, view }: { spec: string; view: View }) {
  const m = view.settings.models;
  const uses = [m.chat === spec ? 'chat' : null, m.embed === spec ? 'embeddings' : null, m.fallback.includes(spec) ? `fallback ${m.fallback.indexOf(spec) + 1}` : null].filter(Boolean);
  return uses.length ? <Badge state="ok" label={`in use: ${uses.join(', ')}`} /> : null;
}

function LocalModelRow({ file, view, busy, onUse }: { file: Result<'models.list'>['local'][number]; view: View; busy: boolean; onUse: (use: ModelUse, spec: string) => void }) {
  const nameId = useId();
  const spec = `llama:${file.path}`;
  return (
    <tr>
      <td>
        <code id={nameId}>{file.name}</code> <InUse spec={spec} view={view} />
      </td>
      <td>{formatBytes(file.sizeBytes)}</td>
      <td>
        <When at={file.modifiedAt} />
      </td>
      <td>{file.gguf ? <Badge state="ok" label="GGUF" /> : <Badge state="error" label="not a valid GGUF file" />}</td>
      <td>{file.gguf ? <UseButtons spec={spec} view={view} describedBy={nameId} busy={busy} onUse={onUse} /> : <span className="muted">Incomplete or damaged: download it again.</span>}</td>
    </tr>
  );
}

function OllamaModelRow({ name, url, view, busy, onUse }: { name: string; url: string; view: View; busy: boolean; onUse: (use: ModelUse, spec: string) => void }) {
  const nameId = useId();
  const spec = `ollama:${name}@${url}`;
  return (
    <li>
      <span className="grow">
        <code id={nameId}>{name}</code>
      </span>
      <InUse spec={spec} view={view} />
      <UseButtons spec={spec} view={view} describedBy={nameId} busy={busy} onUse={onUse} />
    </li>
  );
}

function Download({ id, title, text, state, onStart }: { id: DownloadId; title: string; text: string; state: DownloadState | undefined; onStart: () => void }) {
  const titleId = useId();
  const active = state?.phase === 'starting' || state?.phase === 'running';
  return (
    <li className="download" data-testid={`download-${id}`}>
      <div className="grow">
        <strong id={titleId}>{title}</strong>
        <p className="muted">{text}</p>
        {state?.phase === 'starting' ? <ProgressBar received={0} total={null} label={`${title}: download progress`} /> : null}
        {state?.phase === 'running' ? <ProgressBar received={state.received} total={state.total} label={`${title}: download progress`} /> : null}
        {state?.phase === 'done' ? (
          <p role="status">
            <Badge state="ok" label="downloaded" /> <code>{state.file}</code>
          </p>
        ) : null}
        {state?.phase === 'present' ? (
          <p role="status">
            <Badge state="ok" label="already here" /> <code>{state.file}</code>
          </p>
        ) : null}
        {state?.phase === 'failed' ? <ErrorText error={`The download failed: ${state.error}`} /> : null}
      </div>
      {state?.phase === 'done' || state?.phase === 'present' ? null : (
        <button type="button" aria-describedby={titleId} disabled={active} onClick={onStart} data-testid={`download-${id}-button`}>
          {active ? 'Downloading…' : state?.phase === 'failed' ? 'Try again' : 'Download'}
        </button>
      )}
    </li>
  );
}

function OpenAIEndpoint({ view, busy, onUse }: { view: View; busy: boolean; onUse: (use: ModelUse, spec: string) => void }) {
  const id = useId();
  const [name, setName] = useState(() => {
    const chat = view.settings.models.chat;
    return chat?.startsWith('openai:') ? chat.slice(7, chat.indexOf('@') < 0 ? undefined : chat.indexOf('@')) : '';
  });
  const [url, setUrl] = useState(() => {
    const chat = view.settings.models.chat;
    return chat?.startsWith('openai:') && chat.includes('@') ? chat.slice(chat.indexOf('@') + 1) : '';
  });
  const spec = `openai:${name.trim()}@${url.trim()}`;
  const ready = Boolean(name.trim() && url.trim());
  const chatLocked = Boolean(overriddenBy(view, 'models.chat'));
  return (
    <form
      className="form"
      onSubmit={(e) => {
        e.preventDefault();
        if (ready) onUse('chat', spec);
      }}
      aria-label="OpenAI-compatible endpoint"
      data-testid="openai-endpoint"
    >
      <div className="form-row">
        <label>
          Model name
          <input value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. gpt-4o-mini" autoComplete="off" spellCheck={false} />
        </label>
        <label>
          Base URL
          <input type="url" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="e.g. https://api.openai.com/v1" autoComplete="off" spellCheck={false} />
        </label>
      </div>
      <ApiKey describedBy={`${id}-key`} />
      <div className="actions">
        <button type="submit" disabled={!ready || busy || chatLocked}>
          Use for chat
        </button>
        <button type="button" className="secondary" disabled={!ready || busy || Boolean(overriddenBy(view, 'models.embed'))} onClick={() => onUse('embed', spec)}>
          Use for embeddings
        </button>
        <button type="button" className="secondary" disabled={!ready || busy} onClick={() => onUse('fallback', spec)}>
          Add as fallback
        </button>
        {ready ? <code className="muted">{spec}</code> : null}
      </div>
    </form>
  );
}

function ModelsCard({ view, status, onSaved }: { view: View; status: Status | null; onSaved: () => void }) {
  const models = useQuery('models.list', undefined, ['settings.changed']);
  const downloads = useDownloads(() => void models.reload());
  const action = useAction();
  const use = (what: ModelUse, spec: string) =>
    void action.run(async () => {
      const m = view.settings.models;
      const patch: SettingsPatch = what === 'fallback' ? { models: { fallback: [...m.fallback.filter((s) => s !== spec), spec] } } : { models: { [what]: spec } };
      await saveSettings(patch);
      onSaved();
    });
  const list = models.data;
  const inference = status?.domains.inference;

  return (
    <Card
      title="Models"
      testId="settings-models"
      actions={
        <button type="button" className="secondary" onClick={() => void models.reload()}>
          Refresh
        </button>
      }
    >
      {inference && inference.status !== 'ok' ? (
        <p className="note" data-testid="model-status">
          <Badge state={inference.status} /> {inference.detail ?? 'The model is not ready.'}
        </p>
      ) : null}
      <SettingsForm
        view={view}
        onSaved={onSaved}
        submitLabel="Save models"
        testId="models-form"
        groups={[
          {
            fields: [
              { kind: 'text', path: 'models.chat', label: 'Chat model', placeholder: `e.g. ${MODEL_SPEC_EXAMPLE}`, help: 'llama:/path/model.gguf, ollama:NAME@http://host:port or openai:NAME@BASE_URL', wide: true },
              { kind: 'text', path: 'models.embed', label: 'Embedding model', placeholder: 'e.g. ollama:nomic-embed-text@http://127.0.0.1:11434', help: 'Without one, memory search uses keywords only', wide: true },
              { kind: 'list', path: 'models.fallback', label: 'Fallback models (one per line, tried in order)', placeholder: 'e.g. ollama:qwen2.5:1.5b@http://127.0.0.1:11434', help: 'Used when the chat model fails; at most 5' },
            ],
          },
        ]}
      />
      <ErrorText error={action.error ?? models.error} />

      <h3>Model files on this computer</h3>
      {list ? (
        <>
          <p className="muted">
            GGUF files in <code>{list.dir}</code>
          </p>
          {list.local.length === 0 ? (
            <Empty title="No model files yet">Download a recommended model below, or copy a .gguf file into the folder above and press Refresh.</Empty>
          ) : (
            <div className="table-wrap">
              <table className="grid" data-testid="local-models">
                <thead>
                  <tr>
                    <th scope="col">File</th>
                    <th scope="col">Size</th>
                    <th scope="col">Changed</th>
                    <th scope="col">Check</th>
                    <th scope="col">Use</th>
                  </tr>
                </thead>
                <tbody>
                  {list.local.map((file) => (
                    <LocalModelRow key={file.path} file={file} view={view} busy={action.busy} onUse={use} />
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      ) : (
        <p className="muted">{models.loading ? 'Looking for models…' : null}</p>
      )}

      <h3>Recommended downloads</h3>
      <ul className="rows">
        {RECOMMENDED.map((r) => (
          <Download key={r.id} id={r.id} title={r.title} text={r.text} state={downloads.state[r.id]} onStart={() => void downloads.start(r.id)} />
        ))}
      </ul>

      <h3>Ollama</h3>
      {list?.ollama ? (
        <div data-testid="ollama-found">
          <p>
            <Badge state="ok" label="found" /> Ollama answers at <code>{list.ollama.url}</code>
            {list.ollama.models.length ? `, with ${list.ollama.models.length} model${list.ollama.models.length === 1 ? '' : 's'}.` : ', but has no models yet.'}
          </p>
          {list.ollama.models.length === 0 ? (
            <Empty title="Ollama has no models">
              Pull one in a terminal, e.g. <code>ollama pull qwen2.5:1.5b</code>, then press Refresh.
            </Empty>
          ) : (
            <ul className="rows">
              {list.ollama.models.map((name) => (
                <OllamaModelRow key={name} name={name} url={list.ollama!.url} view={view} busy={action.busy} onUse={use} />
              ))}
            </ul>
          )}
        </div>
      ) : list ? (
        <Empty title="No local Ollama found">Perch looks for Ollama at 127.0.0.1:11434. Install it from ollama.com, pull a model, then press Refresh to use it here.</Empty>
      ) : null}

      <h3>OpenAI-compatible endpoint</h3>
      <OpenAIEndpoint view={view} busy={action.busy} onUse={use} />
    </Card>
  );
}

// ---------------------------------------------------------------------------------------------
// System prompt.

function PromptCard() {
  const prompt = useQuery('prompt.get', undefined);
  const action = useAction();
  const [edit, setEdit] = useState<string | null>(null);
  const p = prompt.data;
  const text = edit ?? p?.text ?? '';
  const dirty = edit !== null && p !== null && edit.trim() !== p.text.trim();
  const save = async (next: string | null) => {
    if (await action.run(() => call('prompt.update', { text: next }))) {
      setEdit(null);
      await prompt.reload();
    }
  };
  return (
    <Card title="System prompt" testId="settings-prompt">
      <ErrorText error={prompt.error} />
      {p ? (
        <form
          className="form"
          onSubmit={(e) => {
            e.preventDefault();
            void save(text);
          }}
        >
          <p className="muted" data-testid="prompt-version">
            {p.isDefault ? (
              <>
                <Badge state="muted" label="built-in default" /> Version {p.version}
              </>
            ) : (
              <>
                <Badge state="ok" label={`version ${p.version}`} /> saved <When at={p.updatedAt} />
              </>
            )}{' '}
            · each reply records the version it was written with.
          </p>
          <label>
            Instructions the assistant follows in every conversation
            <textarea className="prompt-text" value={text} onChange={(e) => setEdit(e.target.value)} rows={12} maxLength={16_000} spellCheck />
          </label>
          <p className="hint">{nf.format(text.length)} of 16,000 characters</p>
          <div className="actions">
            <button type="submit" disabled={!dirty || action.busy}>
              Save as a new version
            </button>
            {edit !== null ? (
              <button type="button" className="secondary" disabled={action.busy} onClick={() => setEdit(null)}>
                Discard changes
              </button>
            ) : null}
            <button type="button" className="secondary" disabled={p.isDefault || action.busy} onClick={() => void save(null)}>
              Restore the default
            </button>
          </div>
          <ErrorText error={action.error} />
        </form>
      ) : (
        <p className="muted">Loading…</p>
      )}
    </Card>
  );
}

// ---------------------------------------------------------------------------------------------
// Approvals, the other sections, prices.

function ApprovalsCard({ view, onSaved }: { view: View; onSaved: () => void }) {
  const rules = useQuery('approvals.rules.list', undefined, ['approval.resolved']);
  const n = rules.data?.items.length;
  return (
    <Card title="Approval policy" testId="settings-approvals">
      <SettingsForm
        view={view}
        onSaved={onSaved}
        submitLabel="Save approval policy"
        groups={[
          {
            legend: 'Commands',
            fields: [
              select('approvals.policy', 'When a command is not covered by a rule', {
                ask: 'Ask me (approve or deny)',
                allowlist: 'Run only what a rule allows, never ask',
                deny: 'Run nothing',
              }),
              num('approvals.expirySeconds', 'An unanswered request is denied after', undefined, { unit: 'seconds' }),
            ],
          },
          {
            legend: 'Limits for a command that runs',
            fields: [
              num('exec.timeoutSeconds', 'Stopped after', 'The whole process group is killed', { unit: 'seconds' }),
              num('exec.maxOutputBytes', 'Output kept per stream', 'More is counted and dropped', { unit: 'bytes' }),
            ],
          },
        ]}
      />
      <p className="muted">
        {n === undefined ? null : n === 0 ? 'No “always allow” rules yet. ' : `${n} “always allow” rule${n === 1 ? '' : 's'}. `}
        <a href="#/approvals">Manage rules and pending approvals on the Approvals page.</a>
      </p>
    </Card>
  );
}

const CHANNEL_FIELDS = (channel: 'telegram' | 'whatsapp'): Field[] => [
  { kind: 'list', path: `${channel}.allowFrom`, label: 'Allowed senders (one per line; the first is the owner)', placeholder: channel === 'telegram' ? 'e.g. 123456789' : 'e.g. +4915112345678' },
  select(`${channel}.dmPolicy`, 'Direct messages', {
    allowlist: 'Allowed senders only',
    pairing: 'Allowed senders, and strangers I let in with a pairing code',
    open: 'Anyone',
    off: 'No one',
  }),
  select(`${channel}.groupPolicy`, 'Groups', { off: 'Never answer', mention: 'Answer allowed senders who mention or reply to Perch' }),
  num(`${channel}.pairingTtlMinutes`, 'A pairing code stays valid for', undefined, { unit: 'minutes' }),
];

interface PriceRow {
  key: string;
  input: string;
  output: string;
  saved: boolean;
}

function PricesCard({ view, onSaved }: { view: View; onSaved: () => void }) {
  const action = useAction();
  const [rows, setRows] = useState<PriceRow[] | null>(null);
  const [local, setLocal] = useState<string | null>(null);
  const stored = Object.entries(view.settings.usage.prices).map(([key, p]) => ({ key, input: String(p.input), output: String(p.output), saved: true }));
  const shown = rows ?? stored;
  const change = (i: number, part: Partial<PriceRow>) => setRows(shown.map((r, j) => (j === i ? { ...r, ...part } : r)));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const prices: Record<string, { input: number; output: number }> = {};
    for (const r of shown) {
      const key = r.key.trim();
      if (!key && !r.input.trim() && !r.output.trim()) continue;
      const input = Number(r.input);
      const output = Number(r.output);
      if (!/^[^:\s]+:.+$/.test(key)) return setLocal(`“${key}” is not provider:model, e.g. openai:gpt-4o-mini.`);
      if (r.input.trim() === '' || r.output.trim() === '' || !Number.isFinite(input) || !Number.isFinite(output)) return setLocal(`Enter both prices for ${key} as numbers.`);
      if (prices[key]) return setLocal(`${key} is listed twice.`);
      prices[key] = { input, output };
    }
    setLocal(null);
    if (
      await action.run(async () => {
        await saveSettings({ usage: { prices } });
        onSaved();
      })
    )
      setRows(null);
  };

  return (
    <Card title="Usage prices" testId="settings-prices">
      <p className="muted">
        US dollars per million tokens, by provider and model as the Usage page lists them (e.g. <code>openai:gpt-4o-mini</code>). Usage without a price has no cost estimate.
      </p>
      <form className="form" onSubmit={(e) => void submit(e)} noValidate>
        {shown.length === 0 ? (
          <Empty title="No prices set">Local models cost nothing; add a price for a paid endpoint to see cost estimates.</Empty>
        ) : (
          <table className="grid">
            <thead>
              <tr>
                <th scope="col">Provider:model</th>
                <th scope="col">Input $ / M tokens</th>
                <th scope="col">Output $ / M tokens</th>
                <th scope="col">
                  <span className="visually-hidden">Remove</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {shown.map((r, i) => (
                <tr key={i}>
                  <td>
                    {r.saved ? (
                      <code>{r.key}</code>
                    ) : (
                      <input aria-label={`Provider and model, row ${i + 1}`} value={r.key} onChange={(e) => change(i, { key: e.target.value })} placeholder="openai:gpt-4o-mini" spellCheck={false} />
                    )}
                  </td>
                  <td>
                    <input aria-label={`Input price for ${r.key || `row ${i + 1}`}`} type="number" min={0} step="any" value={r.input} onChange={(e) => change(i, { input: e.target.value })} />
                  </td>
                  <td>
                    <input aria-label={`Output price for ${r.key || `row ${i + 1}`}`} type="number" min={0} step="any" value={r.output} onChange={(e) => change(i, { output: e.target.value })} />
                  </td>
                  <td>
                    {r.saved ? null : (
                      <button type="button" className="secondary" onClick={() => setRows(shown.filter((_, j) => j !== i))}>
                        Remove
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <div className="actions">
          <button type="button" className="secondary" onClick={() => setRows([...shown, { key: '', input: '', output: '', saved: false }])}>
            Add a price
          </button>
          <button type="submit" disabled={rows === null || action.busy}>
            Save prices
          </button>
          {rows !== null ? (
            <button type="button" className="secondary" onClick={() => (setRows(null), setLocal(null))}>
              Discard changes
            </button>
          ) : null}
        </div>
        <p className="hint">A saved price can be changed but not removed here (a settings change merges into the stored prices); set it to 0 to count that model as free.</p>
        <ErrorText error={local ?? action.error} />
      </form>
    </Card>
  );
}

// ---------------------------------------------------------------------------------------------
// Gateway token and logs.

function ApiKey({ describedBy }: { describedBy: string }) {
  const [key, setKey] = useState('');
  const [saved, setSaved] = useState<string | null>(null);
  const action = useAction();
  const store = (value: string | null) =>
    void action.run(async () => {
      const { stored, backend } = await call('secrets.set', { name: 'openai-api-key', value });
      setKey('');
      setSaved(stored ? `Stored in the ${backend === 'keychain' ? 'OS keychain' : 'protected secrets file'}; it will not be shown again.` : 'The stored key was deleted.');
    });
  return (
    <div className="api-key">
      <label>
        API key
        <input type="password" value={key} onChange={(e) => setKey(e.target.value)} placeholder="sk-… (kept in the keychain, never shown again)" aria-describedby={describedBy} autoComplete="off" data-testid="openai-api-key" />
      </label>
      <div className="actions">
        <button type="button" className="secondary" disabled={!key.trim() || action.busy} onClick={() => store(key.trim())}>
          Store key
        </button>
        <button type="button" className="secondary" disabled={action.busy} onClick={() => store(null)}>
          Delete stored key
        </button>
      </div>
      <p className="hint" id={describedBy}>
        Local servers (vLLM, llama.cpp’s server, LM Studio) usually need no key. <code>PERCH_OPENAI_API_KEY</code>, when set, wins over a stored key.
      </p>
      {saved ? <p role="status">{saved}</p> : null}
      <ErrorText error={action.error} />
    </div>
  );
}

/** Retention and the chat limits, with the last clean-up and a button to run it now. */
function PrivacyCard({ view, onSaved }: { view: View; onSaved: () => void }) {
  const privacy = useQuery('privacy.status', undefined, ['settings.changed']);
  const action = useAction();
  const last = privacy.data?.lastSweep;
  return (
    <Card title="Privacy & limits" testId="settings-privacy">
      <SettingsForm
        view={view}
        onSaved={onSaved}
        submitLabel="Save privacy & limits"
        groups={[
          {
            legend: 'Retention',
            fields: [num('privacy.retentionDays', 'Keep messages for', '0 keeps them forever; a conversation can set its own on the Conversations page', { unit: 'days' })],
          },
          {
            legend: 'Chat limits',
            fields: [
              num('limits.senderBurst', 'Messages a person may send at once', 'Then the rate below; the rest are skipped with one notice'),
              num('limits.senderPerMinute', 'Then per minute, per person'),
              num('limits.maxQueuedMessages', 'Messages waiting for the model, at most', 'More wait their turn and the chat is told once'),
              num('limits.globalPerMinute', 'Messages taken on per minute, everyone together', 'A minute’s worth may come at once; more wait their turn'),
            ],
          },
        ]}
      />
      <p data-testid="retention-status">
        Last clean-up: {last ? <><When at={last.at} /> — {last.messages} message{last.messages === 1 ? '' : 's'}, {last.conversations} conversation{last.conversations === 1 ? '' : 's'} deleted</> : 'not yet'}
        {privacy.data ? <span className="muted"> · next <When at={privacy.data.nextSweepAt} /></span> : null}
      </p>
      <button type="button" className="secondary" disabled={action.busy} onClick={() => void action.run(async () => { await call('privacy.sweep'); await privacy.reload(); })}>
        Clean up now
      </button>
      <ErrorText error={action.error ?? privacy.error} />
    </Card>
  );
}

function DesktopCard() {
  const updates = useQuery('updates.status', undefined, ['update.status']);
  const settings = useQuery('settings.get', undefined, ['settings.changed']);
  const action = useAction();
  const desktop = settings.data?.settings.desktop;
  const u = updates.data;
  const toggle = (key: 'launchAtLogin' | 'autoUpdate', value: boolean) => void action.run(() => call('settings.update', { patch: { desktop: { [key]: value } } }));
  return (
    <Card title="Desktop app" testId="settings-desktop">
      {desktop ? (
        <div className="form">
          <label className="check">
            <input type="checkbox" checked={desktop.launchAtLogin} onChange={(e) => toggle('launchAtLogin', e.target.checked)} /> Start Perch when I log in (to the tray)
          </label>
          <label className="check">
            <input type="checkbox" checked={desktop.autoUpdate} onChange={(e) => toggle('autoUpdate', e.target.checked)} /> Download updates automatically
          </label>
        </div>
      ) : null}
      <p data-testid="update-status">
        Updates: {u ? <Badge state={u.state === 'ready' ? 'ok' : u.state === 'error' ? 'error' : u.state === 'downloading' || u.state === 'checking' ? 'running' : 'stopped'} label={u.state} /> : '…'}{' '}
        {u?.version ? `version ${u.version} ` : ''}
        {u?.percent !== null && u?.percent !== undefined ? `${u.percent}% ` : ''}
        <span className="muted">{u?.detail}</span>
      </p>
      {u?.state === 'downloading' && u.percent !== null ? <progress max={100} value={u.percent} aria-label="Update download" /> : null}
      {u?.state === 'ready' ? (
        <button type="button" disabled={action.busy} onClick={() => void action.run(() => call('updates.install'))}>
          Restart to update
        </button>
      ) : null}
      <ErrorText error={action.error ?? updates.error} />
    </Card>
  );
}

function TokenCard({ status }: { status: Status | null }) {
  const [fresh, setFresh] = useState<{ token: string; sessionsEnded: number } | null>(null);
  const [confirming, setConfirming] = useState(false);
  const action = useAction();
  const source = status?.gatewayToken.source;
  const rotate = () =>
    void action.run(async () => {
      setFresh(await call('auth.rotateToken'));
      setConfirming(false);
    });
  return (
    <Card title="Gateway token" testId="settings-token">
      <p>
        Apps and this dashboard sign in to Perch with the gateway token.{' '}
        {source === 'env' ? (
          <>
            It is set by <code>PERCH_GATEWAY_TOKEN</code> in Perch’s environment: change it there and restart Perch to replace it.
          </>
        ) : source === 'keychain' ? (
          'Perch generated it at first start and keeps it in the OS keychain.'
        ) : source === 'file' ? (
          'Perch generated it at first start and keeps it in a file only you can read (no keychain was found).'
        ) : null}{' '}
        It is never shown here, except once when you replace it.
      </p>
      {source !== 'env' ? (
        <div className="actions">
          {confirming ? (
            <>
              <span>Replace it? Every app and dashboard signed in with the old token, or with a session, is signed out.</span>
              <button type="button" className="danger" disabled={action.busy} onClick={rotate}>
                Replace the token
              </button>
              <button type="button" className="secondary" onClick={() => setConfirming(false)}>
                Keep it
              </button>
            </>
          ) : (
            <button type="button" className="secondary" onClick={() => setConfirming(true)}>
              Replace the token…
            </button>
          )}
        </div>
      ) : null}
      <ErrorText error={action.error} />
      {fresh ? (
        <div className="secret-once" data-testid="token-generated">
          <label>
            The new gateway token (shown this once; {fresh.sessionsEnded} dashboard session{fresh.sessionsEnded === 1 ? '' : 's'} ended)
            <input readOnly value={fresh.token} onFocus={(e) => e.target.select()} spellCheck={false} />
          </label>
          <div className="actions">
            <CopyButton text={fresh.token} label="Copy token" />
            <button type="button" className="secondary" onClick={() => setFresh(null)}>
              Hide
            </button>
          </div>
        </div>
      ) : null}
    </Card>
  );
}

function LogLines() {
  const [level, setLevel] = useState<'error' | 'warn' | 'info' | 'verbose' | 'debug'>('info');
  const logs = useQuery('system.logs', { lines: 200, level });
  return (
    <div className="log-lines">
      <div className="form-row">
        <label>
          Show
          <select value={level} onChange={(e) => setLevel(e.target.value as typeof level)} data-testid="log-level-filter">
            <option value="error">Errors</option>
            <option value="warn">Warnings and errors</option>
            <option value="info">Information and above</option>
            <option value="debug">Everything</option>
          </select>
        </label>
        <button type="button" className="secondary" onClick={() => void logs.reload()}>
          Reload lines
        </button>
      </div>
      <ErrorText error={logs.error} />
      {logs.data?.file ? (
        <div className="actions log-file">
          <span className="muted">One JSON object per line; phone numbers, e-mail addresses and keys are redacted. File:</span>
          <code className="grow" data-testid="log-file">
            {logs.data.file}
          </code>
          <CopyButton text={logs.data.file} label="Copy path" />
        </div>
      ) : null}
      {logs.data && logs.data.items.length === 0 ? <Empty title="No lines at this level" /> : null}
      <pre className="output log-view" data-testid="log-lines">
        {(logs.data?.items ?? [])
          .map((e) => `${e.time.slice(11, 23)} ${e.level.padEnd(7)} ${e.message}${Object.keys(e.fields).length ? ` ${JSON.stringify(e.fields)}` : ''}`)
          .join('\n')}
      </pre>
    </div>
  );
}

function LogsCard({ view, status, onSaved, reloadStatus }: { view: View; status: Status | null; onSaved: () => void; reloadStatus: () => void }) {
  const problems = status ? Object.entries(status.domains).filter(([, d]) => d.status !== 'ok') : [];
  return (
    <Card
      title="Logs"
      testId="settings-logs"
      actions={
        <button type="button" className="secondary" onClick={reloadStatus}>
          Refresh
        </button>
      }
    >
      <LogLines />
      <SettingsForm
        view={view}
        onSaved={onSaved}
        submitLabel="Save log level"
        groups={[
          {
            fields: [
              select('logLevel', 'Write lines of this level and more serious', {
                error: 'Errors',
                warn: 'Warnings',
                info: 'Information',
                verbose: 'Verbose',
                debug: 'Debugging (very detailed)',
              }),
            ],
          },
        ]}
      />
      <h3>Problems now</h3>
      {status ? (
        problems.length === 0 ? (
          <p className="muted">Every part of Perch reports that it is working.</p>
        ) : (
          <ul className="rows" data-testid="log-problems">
            {problems.map(([name, d]) => (
              <li key={name}>
                <Badge state={d.status} />
                <strong>{name}</strong>
                <span className="grow muted">{d.detail ?? d.status}</span>
              </li>
            ))}
          </ul>
        )
      ) : null}
    </Card>
  );
}

// ---------------------------------------------------------------------------------------------
// The page.

const SECTIONS: Array<[string, string]> = [
  ['settings-models', 'Models'],
  ['settings-prompt', 'System prompt'],
  ['settings-approvals', 'Approvals'],
  ['settings-assistant', 'Assistant & memory'],
  ['settings-channels', 'Channels'],
  ['settings-privacy', 'Privacy & limits'],
  ['settings-scheduler', 'Scheduler'],
  ['settings-prices', 'Usage prices'],
  ['settings-gateway', 'Gateway'],
  ['settings-desktop', 'Desktop app'],
  ['settings-token', 'Gateway token'],
  ['settings-logs', 'Logs'],
];

function goTo(testId: string) {
  const section = document.querySelector<HTMLElement>(`[data-testid="${testId}"]`);
  if (!section) return;
  section.setAttribute('tabindex', '-1');
  section.scrollIntoView({ behavior: 'smooth', block: 'start' });
  section.focus({ preventScroll: true });
}

export function SettingsPage() {
  const settings = useQuery('settings.get', undefined, ['settings.changed']);
  const status = useQuery('system.status', undefined, ['settings.changed']);
  const view = settings.data;
  const reload = () => void settings.reload();
  const loading = <p className="muted">{settings.loading ? 'Loading settings…' : null}</p>;

  return (
    <div className="settings-page">
      <section className="card" aria-label="Settings">
        <h1>Settings</h1>
        <p className="muted">A saved change applies at once; nothing needs a restart unless it says so.</p>
        <nav className="settings-toc" aria-label="Settings sections">
          {SECTIONS.map(([id, label]) => (
            <button key={id} type="button" className="secondary" onClick={() => goTo(id)}>
              {label}
            </button>
          ))}
        </nav>
        {view && view.overridden.length > 0 ? (
          <div className="note" data-testid="settings-overridden">
            <strong>Set by environment variables</strong> (read-only here; they win over saved values):
            <ul>
              {view.overridden.map((o) => (
                <li key={o.path}>
                  <code>{o.path}</code> ← <code>{o.variable}</code>
                </li>
              ))}
            </ul>
          </div>
        ) : null}
        <ErrorText error={settings.error} />
      </section>

      {view ? <ModelsCard view={view} status={status.data} onSaved={reload} /> : <Card title="Models" testId="settings-models">{loading}</Card>}
      <PromptCard />
      {view ? <ApprovalsCard view={view} onSaved={reload} /> : <Card title="Approval policy" testId="settings-approvals">{loading}</Card>}
      {view ? (
        <>
          <Card title="Assistant & memory" testId="settings-assistant">
            <SettingsForm
              view={view}
              onSaved={reload}
              submitLabel="Save assistant settings"
              groups={[
                {
                  fields: [
                    num('agent.maxReplyTokens', 'Longest reply', 'The model’s context window may allow less', { unit: 'tokens' }),
                    num('memory.recallLimit', 'Memory chunks recalled per message', '0 turns recall off'),
                    num('memory.vectorWeight', 'Weight of meaning (vector) matches', 'In the fused ranking', { step: 0.1 }),
                    num('memory.keywordWeight', 'Weight of keyword matches', 'In the fused ranking', { step: 0.1 }),
                  ],
                },
              ]}
            />
          </Card>
          <Card title="Channels" testId="settings-channels">
            <p className="muted">
              Who is answered on each channel. Log in and pause channels on the <a href="#/channels">Channels page</a>; strangers asking to pair are listed there too.
            </p>
            <SettingsForm
              view={view}
              onSaved={reload}
              submitLabel="Save channel settings"
              groups={[
                { legend: 'Telegram', fields: [...CHANNEL_FIELDS('telegram'), { kind: 'text', path: 'telegram.apiRoot', label: 'Bot API root', placeholder: 'https://api.telegram.org', help: 'Empty: Telegram’s own' }] },
                {
                  legend: 'WhatsApp',
                  fields: [
                    { kind: 'boolean', path: 'whatsapp.enabled', label: 'WhatsApp is on' },
                    ...CHANNEL_FIELDS('whatsapp'),
                    { kind: 'text', path: 'whatsapp.webSocketUrl', label: 'WebSocket address', placeholder: 'wss://web.whatsapp.com/ws/chat', help: 'Empty: WhatsApp’s own; set for a proxy' },
                  ],
                },
              ]}
            />
          </Card>
          <PrivacyCard view={view} onSaved={reload} />
          <Card title="Scheduler" testId="settings-scheduler">
            <SettingsForm
              view={view}
              onSaved={reload}
              submitLabel="Save scheduler settings"
              groups={[
                {
                  fields: [
                    num('scheduler.maxConcurrentRuns', 'Jobs running at the same time', 'More wait their turn'),
                    num('scheduler.catchUpGraceMinutes', 'Catch up a missed run if at most this late', 'Missed while the computer slept or was off', { unit: 'minutes' }),
                    num('scheduler.deliveryAttempts', 'Delivery attempts before a run fails'),
                    { kind: 'target', path: 'scheduler.failureChat', label: 'Also report failed runs in', help: 'Failures always show in the dashboard chat' },
                  ],
                },
              ]}
            />
          </Card>
          <PricesCard view={view} onSaved={reload} />
          <Card title="Gateway" testId="settings-gateway">
            <SettingsForm
              view={view}
              onSaved={reload}
              submitLabel="Save rate limit"
              groups={[
                {
                  legend: 'Rate limit per connection',
                  fields: [num('gateway.rateLimit.perSecond', 'Requests per second'), num('gateway.rateLimit.burst', 'Burst', 'Requests allowed at once before the limit applies')],
                },
              ]}
            />
          </Card>
        </>
      ) : null}
      <DesktopCard />
      <TokenCard status={status.data} />
      {view ? (
        <LogsCard view={view} status={status.data} onSaved={reload} reloadStatus={() => void status.reload()} />
      ) : (
        <Card title="Logs" testId="settings-logs">
          {loading}
        </Card>
      )}
    </div>
  );
}
