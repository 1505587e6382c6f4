import { MODEL_SPEC_EXAMPLE } from '../../../../main/contract/settings';
import { Badge, Card, ErrorText } from '../../components/ui';
import { useQuery } from '../../use-query';
import type { Field } from '../fields';
import type { View } from '../paths';
import { SettingsForm } from '../SettingsForm';
import { LocalModels } from './LocalModels';
import { ModelDownloads } from './ModelDownloads';
import { OllamaModels } from './OllamaModels';
import { OpenAIEndpoint } from './OpenAIEndpoint';
import { useModelChoice } from './use-model';

// Models: whether the chat model works, the model settings typed in, then the ways to choose
// one with a button: files on this computer, recommended downloads, a local Ollama, an
// OpenAI-compatible endpoint.

const FIELDS: Field[] = [
  {
    kind: 'text',
    path: 'models.chat',
    label: 'Chat model',
    placeholder: `e.g. ${MODEL_SPEC_EXAMPLE}`,
    help: 'llama:/path/model.gguf, ollama:NAME@http://host:port or openai:NAME@BASE_URL',
    wide: true,
    required: 'Enter a chat model, or choose one below: saving it empty would leave Perch without a model.',
  },
  { kind: 'text', path: 'models.embed', label: 'Embedding model', placeholder: 'e.g. ollama:nomic-embed-text@http://127.0.0.1:11434', help: 'Without one, memory search uses keywords only', wide: true },
  { kind: 'list', path: 'models.fallback', label: 'Fallback models (one per line, tried in order)', placeholder: 'e.g. ollama:qwen2.5:1.5b@http://127.0.0.1:11434', help: 'Used when the chat model fails; at most 5' },
];

function ModelState() {
  const status = useQuery('models.status', undefined, ['settings.changed']);
  const s = status.data;
  if (!s || s.state === 'ready') return null;
  if (s.state === 'loading')
    return (
      <p className="note" role="status" data-testid="model-status">
        <Badge state="running" label="loading" /> The chat model is loading; the chat answers once it is ready.
      </p>
    );
  if (s.state === 'none')
    return (
      <p className="note" data-testid="model-status">
        <Badge state="paused" label="no model" /> No chat model is set yet. Choose one below; until then the other pages show the setup screen.
      </p>
    );
  return (
    <div className="note" data-testid="model-status">
      <ErrorText error={{ text: `The chat model does not work${s.detail ? `: ${s.detail.replace(/\.?$/, '.')}` : '.'} Choose another below, or fix it and save.`, details: s.configured, field: 'models.chat' }} />
    </div>
  );
}

export function ModelsSection({ view, onSaved }: { view: View; onSaved: () => void }) {
  const models = useQuery('models.list', undefined, ['settings.changed']);
  const choice = useModelChoice(view, onSaved);
  const list = models.data;
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
      <ModelState />
      <SettingsForm view={view} onSaved={onSaved} submitLabel="Save models" testId="models-form" groups={[{ fields: FIELDS }]} />
      <div aria-live="polite">
        <ErrorText error={choice.problem} />
      </div>

      <h3>Model files on this computer</h3>
      <ErrorText error={models.error} />
      {list ? <LocalModels list={list} view={view} busy={choice.busy} onUse={choice.use} /> : <p className="muted">{models.loading ? 'Looking for models…' : null}</p>}

      <h3>Recommended downloads</h3>
      <ModelDownloads dir={list?.dir ?? null} view={view} busy={choice.busy} onUse={choice.use} onFinished={models.reload} />

      <h3>Ollama</h3>
      {list ? <OllamaModels list={list} view={view} busy={choice.busy} onUse={choice.use} /> : null}

      <h3>OpenAI-compatible endpoint</h3>
      <OpenAIEndpoint view={view} busy={choice.busy} onUse={choice.use} />
    </Card>
  );
}
