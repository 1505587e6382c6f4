import type { ToolCall } from '../agent/conversation-store';

// What the agent needs from a model, whichever runs it: node-llama-cpp in process, Ollama, or an
// OpenAI-compatible endpoint.

export interface ChatTurn {
  role: 'system' | 'user' | 'assistant' | 'tool';
  text: string;
  toolCalls?: ToolCall[];
  /** For role 'tool': the call this result answers, and the tool's name. */
  toolCallId?: string;
  toolName?: string;
}

export interface ToolDefinition {
  name: string;
  description: string;
  /** JSON Schema of the arguments. */
  parameters: Record<string, unknown>;
}

export interface ChatRequest {
  turns: ChatTurn[];
  tools: ToolDefinition[];
  maxTokens: number;
  signal: AbortSignal;
  /** When the whole call must be done (ms since the epoch), if known: a failover chain shares it among its models. */
  deadline?: number;
  onText?: (chunk: string) => void;
}

export interface ChatResponse {
  text: string;
  toolCalls: ToolCall[];
  tokensIn: number;
  tokensOut: number;
  /** Which model answered, when it was not necessarily the one asked (a fallback chain). */
  answeredBy?: { kind: ChatProvider['kind']; model: string };
}

export interface ChatProvider {
  readonly kind: 'llama' | 'ollama' | 'openai';
  readonly model: string;
  /** False once the model has refused tools: it then answers without them. */
  readonly toolsSupported: boolean;
  /** The model's context window in tokens. */
  contextSize(): Promise<number>;
  /** Tokens in a text, with the model's own tokenizer where there is one. */
  countTokens(text: string): Promise<number>;
  /** Tokens of the whole prompt as the model will see it (template and tool documentation included). */
  promptTokens(turns: ChatTurn[], tools: ToolDefinition[]): Promise<number>;
  chat(request: ChatRequest): Promise<ChatResponse>;
  close(): Promise<void>;
}

/** A problem with the configured model that the owner can fix (shown as is). */
export class ModelError extends Error {
  constructor(
    message: string,
    readonly code: 'no_model' | 'model_unavailable',
  ) {
    super(message);
    this.name = 'ModelError';
  }
}

/** What a person sees when they chat before any model is set up. */
export const NO_MODEL_MESSAGE =
  'No model is set up yet. Choose one in Setup (download a recommended model, pick a .gguf file, or connect Ollama or an ' +
  'OpenAI-compatible endpoint), then send your message again.';

/** The same for people running Perch as a server: said in the log and the terminal, not in the chat. */
export const NO_MODEL_SERVER_HINT =
  'no chat model: set one up in the dashboard, or set PERCH_MODEL to llama:/path/to/model.gguf, ollama:NAME@http://127.0.0.1:11434 or openai:NAME@BASE_URL';

/** Turns texts into vectors, for memory search. */
export interface EmbeddingProvider {
  readonly kind: 'llama' | 'ollama' | 'openai';
  readonly model: string;
  embed(texts: string[], signal?: AbortSignal): Promise<number[][]>;
  close(): Promise<void>;
}

export const NO_EMBED_MODEL_MESSAGE =
  'No embedding model is configured, so memory search is keyword-only. Set PERCH_EMBED_MODEL (same forms as PERCH_MODEL) or download one from Settings.';
