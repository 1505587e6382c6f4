import type { Settings } from '../contract/settings';
import type { Logger } from '../log/logger';
import { ModelError, NO_MODEL_MESSAGE, type ChatProvider } from './provider';
import { splitSpec } from './remote/estimate';

export interface ModelSecrets {
  /** The key for OpenAI-compatible endpoints (environment or keychain), if any. */
  openaiApiKey(): Promise<string | null>;
}

// Turns the configured model spec into a provider. One local model is loaded at a time: loads
// are serialized, and switching the setting unloads the old model before the new one loads.

export interface ModelStatus {
  configured: string | null;
  loaded: string | null;
  error: string | null;
}

export class ModelManager {
  private current: { spec: string; provider: ChatProvider } | null = null;
  private lastError: string | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly settings: () => Settings,
    private readonly log: Logger,
    private readonly secrets: ModelSecrets,
  ) {}

  /** The provider for the configured chat model, loading (or switching to) it when needed. */
  chatProvider(): Promise<ChatProvider> {
    const next = this.queue.then(() => this.ensure(this.settings().models.chat));
    this.queue = next.catch(() => undefined);
    return next;
  }

  status(): ModelStatus {
    return { configured: this.settings().models.chat, loaded: this.current ? `${this.current.provider.kind}:${this.current.provider.model}` : null, error: this.lastError };
  }

  async close(): Promise<void> {
    await this.queue;
    await this.current?.provider.close();
    this.current = null;
  }

  private async ensure(spec: string | null): Promise<ChatProvider> {
    if (this.current?.spec === spec) return this.current.provider;
    if (this.current) {
      this.log.info('unloading model', { model: this.current.provider.model });
      await this.current.provider.close();
      this.current = null;
    }
    if (!spec) {
      this.lastError = NO_MODEL_MESSAGE;
      throw new ModelError(NO_MODEL_MESSAGE, 'no_model');
    }
    try {
      const provider = await createProvider(spec, this.secrets);
      this.current = { spec, provider };
      this.lastError = null;
      this.log.info('model ready', { model: `${provider.kind}:${provider.model}` });
      return provider;
    } catch (error) {
      this.lastError = (error as Error).message;
      this.log.warn('model unavailable', { spec, error: this.lastError });
      throw error instanceof ModelError ? error : new ModelError(`The model ${spec} is unavailable: ${this.lastError}`, 'model_unavailable');
    }
  }
}

async function createProvider(spec: string, secrets: ModelSecrets): Promise<ChatProvider> {
  const at = spec.indexOf(':');
  const kind = spec.slice(0, at);
  const rest = spec.slice(at + 1);
  if (kind === 'llama') {
    const { LlamaProvider } = await import('./llama/llama-provider');
    return LlamaProvider.load(rest);
  }
  if (kind === 'ollama') {
    const { OllamaProvider, OLLAMA_DEFAULT_URL } = await import('./remote/ollama-provider');
    const { name, url } = splitSpec(rest, OLLAMA_DEFAULT_URL);
    return OllamaProvider.connect(name, url);
  }
  if (kind === 'openai') {
    const { OpenAIProvider } = await import('./remote/openai-provider');
    const { name, url } = splitSpec(rest);
    return new OpenAIProvider(name, url, await secrets.openaiApiKey());
  }
  throw new ModelError(`Unknown model kind "${kind}"; use llama:, ollama: or openai:.`, 'model_unavailable');
}
