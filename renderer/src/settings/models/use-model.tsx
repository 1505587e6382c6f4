import type { SettingsPatch } from '../../../../main/contract/settings';
import { Badge } from '../../components/ui';
import { useAction } from '../../use-query';
import { saveSettings } from '../SettingsForm';
import { overriddenBy, type View } from '../paths';

// Choosing a model with a button: for chat, for embeddings, or as the next fallback. Only the
// one setting chosen is saved; the models form then shows the new value (its draft, if any, is
// dropped because the stored value moved under it).

export type ModelUse = 'chat' | 'embed' | 'fallback';
export type OnUse = (use: ModelUse, spec: string) => void;

export function useModelChoice(view: View, onSaved: () => void) {
  const action = useAction();
  const use: OnUse = (what, spec) =>
    void action.run(async () => {
      const m = view.settings.models;
      const patch: SettingsPatch = what === 'fallback' ? { models: { fallback: [...m.fallback.filter((s) => s !== spec), spec] } } : { models: { [what]: spec } };
      await saveSettings(patch);
      onSaved();
    });
  return { use, busy: action.busy, problem: action.error };
}

export function UseButtons({ spec, view, describedBy, busy, onUse }: { spec: string; view: View; describedBy: string; busy: boolean; onUse: OnUse }) {
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

export function InUse({ spec, view }: { spec: string; view: View }) {
  const m = view.settings.models;
  const uses = [m.chat === spec ? 'chat' : null, m.embed === spec ? 'embeddings' : null, m.fallback.includes(spec) ? `fallback ${m.fallback.indexOf(spec) + 1}` : null].filter(Boolean);
  return uses.length ? <Badge state="ok" label={`in use: ${uses.join(', ')}`} /> : null;
}
