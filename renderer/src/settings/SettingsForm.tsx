import { useId, useState, type FormEvent } from 'react';
import type { SettingsPatch } from '../../../main/contract/settings';
import { ErrorText } from '../components/ui';
import type { Problem } from '../problems';
import { call } from '../stores/session';
import { problemsFor } from './field-problems';
import { FieldInput } from './FieldInput';
import { fromDraft, toDraft, type Draft, type Field, type FieldGroup } from './fields';
import { overriddenBy, same, setAt, valueAt, type SettingPath, type Target, type View } from './paths';

// The generic form: fields of any section, saved together as one patch of what changed. A draft
// remembers the value it was started from; when that value changes under it (a model chosen with
// "Use for chat", or a change from another window), the new value wins and the draft is dropped,
// so Save can never send an old draft over a newer choice. A refused save keeps every draft.

export function saveSettings(patch: SettingsPatch): Promise<View> {
  return call('settings.update', { patch });
}

interface Edit {
  draft: Draft;
  /** The stored value (as JSON) when editing began. */
  base: string;
}

export function SettingsForm({ view, groups, onSaved, submitLabel = 'Save', testId }: { view: View; groups: FieldGroup[]; onSaved: () => void; submitLabel?: string; testId?: string }) {
  const formId = useId();
  const [edits, setEdits] = useState<Partial<Record<SettingPath, Edit>>>({});
  const [fieldProblems, setFieldProblems] = useState<Partial<Record<SettingPath, Problem>>>({});
  const [formProblem, setFormProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);

  const fields = groups.flatMap((g) => g.fields);
  const stored = (f: Field) => valueAt(view.settings, f.path);
  /** A draft still about the value shown (not overtaken by a newer stored value). */
  const live = (f: Field): Edit | undefined => {
    const e = edits[f.path];
    return e && e.base === JSON.stringify(stored(f) ?? null) ? e : undefined;
  };
  const draftOf = (f: Field) => live(f)?.draft ?? toDraft(f, stored(f));
  const changed = fields.filter((f) => live(f) && !overriddenBy(view, f.path) && !same(live(f)!.draft, toDraft(f, stored(f))));
  const anyDraft = fields.some((f) => live(f));

  const edit = (f: Field, draft: Draft) => {
    const base = live(f)?.base ?? JSON.stringify(stored(f) ?? null);
    setEdits((e) => ({ ...e, [f.path]: { draft, base } }));
    setSaved(false);
    setFieldProblems((p) => ({ ...p, [f.path]: undefined }));
    setFormProblem(null);
  };

  const discard = () => {
    setEdits({});
    setFieldProblems({});
    setFormProblem(null);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const patch: Record<string, unknown> = {};
    const local: Partial<Record<SettingPath, Problem>> = {};
    let clearTarget = false;
    for (const f of changed) {
      const parsed = fromDraft(f, live(f)!.draft);
      if ('error' in parsed) local[f.path] = { text: parsed.error, details: null, field: f.path };
      else {
        setAt(patch, f.path, parsed.value);
        // A patch merges objects, so a chat's peer left out would stay: clear the old target first.
        const before = stored(f) as Target | null;
        if (f.kind === 'target' && before?.peer && parsed.value && !(parsed.value as Target).peer) clearTarget = true;
      }
    }
    setFieldProblems(local);
    if (Object.keys(local).length > 0) {
      setFormProblem(null);
      return;
    }
    setBusy(true);
    setFormProblem(null);
    try {
      if (clearTarget) await saveSettings({ scheduler: { failureChat: null } });
      await saveSettings(patch as SettingsPatch);
      setEdits({});
      setSaved(true);
      onSaved();
    } catch (error) {
      const { byField, form } = problemsFor(error, fields.map((f) => f.path));
      setFieldProblems(byField);
      setFormProblem(form);
    } finally {
      setBusy(false);
    }
  };

  // A problem is about a draft: once a newer stored value replaced the draft, it is gone too.
  const problemOf = (f: Field) => (live(f) ? (fieldProblems[f.path] ?? null) : null);
  const toFix = fields.filter((f) => problemOf(f)).length;
  const status = saved ? 'Saved.' : toFix > 0 ? `Not saved: ${toFix === 1 ? 'one value needs' : `${toFix} values need`} fixing (shown beside ${toFix === 1 ? 'it' : 'them'}).` : changed.length > 0 ? `${changed.length} unsaved change${changed.length === 1 ? '' : 's'}` : '';

  return (
    <form className="settings-form" onSubmit={(e) => void submit(e)} noValidate data-testid={testId}>
      {groups.map((group, i) => {
        const body = (
          <div className="settings-grid">
            {group.fields.map((f) => (
              <FieldInput key={f.path} id={`${formId}-${f.path}`} field={f} draft={draftOf(f)} variable={overriddenBy(view, f.path)} problem={problemOf(f)} onChange={(d) => edit(f, d)} />
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
      <div className="actions settings-form-actions">
        <button type="submit" disabled={busy || changed.length === 0}>
          {busy ? 'Saving…' : submitLabel}
        </button>
        {anyDraft ? (
          <button type="button" className="secondary" disabled={busy} onClick={discard}>
            Discard changes
          </button>
        ) : null}
        <span className="muted" role="status">
          {status}
        </span>
      </div>
      <ErrorText error={formProblem} />
    </form>
  );
}
