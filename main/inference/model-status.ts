import type { Settings } from '../contract/settings';
import type { EventBus } from '../events/bus';
import type { Logger } from '../log/logger';
import type { ModelManager } from './model-manager';

// Whether the chat model works, for the dashboard's first-run setup: it loads the configured
// model through the ModelManager (the same load a chat uses, so the chat is then quick), reports
// "loading" meanwhile, and keeps the answer until the model settings change. A failure is checked
// again after a while (an Ollama that was not running may be now).

export type ChatModelState = { configured: string | null; state: 'none' | 'loading' | 'ready' | 'error'; detail: string | null };

const RECHECK_ERROR_AFTER_MS = 15_000;

export const NO_CHAT_MODEL_DETAIL = 'No chat model yet: download a recommended model, choose a .gguf file, or connect Ollama or an OpenAI-compatible service.';

export class ChatModelStatus {
  private current: { spec: string; state: ChatModelState; at: number } | null = null;
  private generation = 0;

  constructor(
    private readonly settings: () => Settings,
    private readonly models: ModelManager,
    bus: EventBus,
    private readonly log: Logger,
  ) {
    bus.subscribe((event, payload) => {
      if (event !== 'settings.changed') return;
      const { changed } = payload as { changed: string[] };
      if (!changed.some((p) => p.startsWith('models.chat') || p.startsWith('models.fallback'))) return;
      this.current = null;
      this.generation++;
      if (this.settings().models.chat) this.get(); // start loading now: the setup screen asks next
    });
  }

  get(): ChatModelState {
    const spec = this.settings().models.chat;
    if (!spec) return { configured: null, state: 'none', detail: NO_CHAT_MODEL_DETAIL };
    const known = this.current;
    if (known?.spec === spec && !(known.state.state === 'error' && Date.now() - known.at > RECHECK_ERROR_AFTER_MS)) return known.state;
    const loading: ChatModelState = { configured: spec, state: 'loading', detail: `Loading ${shortName(spec)}…` };
    this.current = { spec, state: loading, at: Date.now() };
    const generation = ++this.generation;
    const started = Date.now();
    this.models.chatProvider().then(
      (provider) => {
        if (generation !== this.generation) return;
        this.log.info('chat model ready', { model: spec, ms: Date.now() - started });
        this.current = { spec, state: { configured: spec, state: 'ready', detail: `Ready: answering with ${provider.kind === 'llama' ? shortName(spec) : `${provider.model} (${provider.kind === 'ollama' ? 'Ollama' : 'OpenAI-compatible'})`}.` }, at: Date.now() };
      },
      (error: Error) => {
        if (generation !== this.generation) return;
        this.log.warn('chat model does not work', { model: spec, error: error.message });
        this.current = { spec, state: { configured: spec, state: 'error', detail: sentence(error.message) }, at: Date.now() };
      },
    );
    return loading;
  }
}

/** A model spec as people know it: the file name, or the model name. */
function shortName(spec: string): string {
  const rest = spec.slice(spec.indexOf(':') + 1);
  if (spec.startsWith('llama:')) return rest.split(/[/\\]/).pop() ?? rest;
  return rest.split('@')[0] ?? rest;
}

function sentence(message: string): string {
  const text = message.replace(/^No model could answer: /, '');
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
