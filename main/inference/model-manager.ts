import type { Settings } from '../contract/settings';
import type { Logger } from '../log/logger';
import { ChainProvider, DEFAULT_BREAKER, FailoverChain, type BreakerOptions, type ModelObserver } from './failover';
import { createEmbedder } from './embedders';
import { ModelError, NO_EMBED_MODEL_MESSAGE, NO_MODEL_MESSAGE, type ChatProvider, type EmbeddingProvider } from './provider';
import { splitSpec } from './remote/estimate';

export interface ModelSecrets {
  /** The key for OpenAI-compatible endpoints (environment or keychain), if any. */
  openaiApiKey(): Promise<string | null>;
}

// Turns the configured models (the chat model, then its fallbacks) into one provider for the
// agent: a failover chain with a circuit breaker per model. Loads are serialized, and changing the
// setting closes the old chain (unloading its models) before the new one loads.

export interface ModelStatus {
  configured: string | null;
  loaded: string | null;
  error: string | null;
}

export class ModelManager {
  private current: { key: string; chain: FailoverChain; leader: ChatProvider | null } | null = null;
  private lastError: string | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly settings: () => Settings,
    private readonly log: Logger,
    private readonly secrets: ModelSecrets,
    private readonly breaker: BreakerOptions = DEFAULT_BREAKER,
    private readonly observer?: ModelObserver,
  ) {}

  /** The provider for the configured models; throws ModelError (none set) or AllModelsFailed. */
  chatProvider(): Promise<ChatProvider> {
    const next = this.queue.then(() => this.ensure());
    this.queue = next.catch(() => undefined);
    return next;
  }

  private offerText: string | null = null;

  /** A suggestion shown while no model is configured (e.g. a detected local Ollama). */
  offer(text: string): void {
    this.offerText = text;
  }

  offered(): string | null {
    return this.offerText;
  }

  status(): ModelStatus {
    const leader = this.current?.leader;
    const loaded = leader ? `${leader.kind}:${leader.model}${leader.toolsSupported ? '' : ' (no tool support)'}` : null;
    return { configured: this.settings().models.chat, loaded, error: this.lastError };
  }

  private embedding: { spec: string; provider: EmbeddingProvider } | null = null;

  /** The configured embedding model; throws ModelError when there is none or it cannot load. */
  embedder(): Promise<EmbeddingProvider> {
    const next = this.queue.then(async () => {
      const spec = this.settings().models.embed;
      if (this.embedding?.spec === spec) return this.embedding.provider;
      await this.embedding?.provider.close();
      this.embedding = null;
      if (!spec) throw new ModelError(NO_EMBED_MODEL_MESSAGE, 'no_model');
      const provider = await createEmbedder(spec, () => this.secrets.openaiApiKey());
      this.embedding = { spec, provider };
      return provider;
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** A new API key: the models that use one are set up again on next use. */
  keyChanged(): Promise<void> {
    const next = this.queue.then(async () => {
      if (this.current?.key.includes('"openai:')) {
        await this.current.chain.close();
        this.current = null;
      }
      if (this.embedding?.spec.startsWith('openai:')) {
        await this.embedding.provider.close();
        this.embedding = null;
      }
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    await this.queue;
    await this.current?.chain.close();
    await this.embedding?.provider.close();
    this.current = null;
    this.embedding = null;
  }

  private async ensure(): Promise<ChatProvider> {
    const { chat, fallback } = this.settings().models;
    const specs = chat ? [chat, ...fallback] : [];
    const key = JSON.stringify(specs);
    if (this.current?.key !== key) {
      if (this.current) {
        this.log.info('models changed; unloading the previous ones');
        await this.current.chain.close();
        this.current = null;
      }
      if (!chat) {
        this.lastError = null;
        throw new ModelError(NO_MODEL_MESSAGE, 'no_model');
      }
      const chain = new FailoverChain(specs, (spec) => createProvider(spec, this.secrets), this.breaker, this.log, (reasons) => {
        this.lastError = reasons ? reasons.join('; ') : null;
      }, this.observer);
      this.current = { key, chain, leader: null };
    }
    const leader = await this.current!.chain.lead();
    this.current!.leader = leader;
    return new ChainProvider(this.current!.chain, leader);
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
