import { Ollama, type Message } from 'ollama';
import type { ToolCall } from '../../agent/conversation-store';
import { ModelError, type ChatProvider, type ChatRequest, type ChatResponse, type ChatTurn, type ToolDefinition } from '../provider';
import { estimatePromptTokens, estimateTokens } from './estimate';
import { ToolSupport } from './tool-support';

// A model served by Ollama: native /api/chat with NDJSON streaming and tools.

export { OLLAMA_DEFAULT_URL } from '../model-catalog';
const MAX_CONTEXT = 8192;
/** The first check of the server; one that is up answers it in milliseconds. */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * fetch that also stops when `signal` does. Ollama's client takes no signal for a streamed call
 * until the response has begun, so a server that accepts and never answers would otherwise hold
 * the call past its deadline.
 */
const fetchUntil =
  (signal: AbortSignal): typeof fetch =>
  (input, init) =>
    fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal });

export class OllamaProvider implements ChatProvider {
  readonly kind = 'ollama' as const;
  private readonly tools = new ToolSupport();

  private constructor(
    readonly model: string,
    private readonly url: string,
    private readonly window: number,
  ) {}

  /** Checks the server and the model (a clear error beats a failure on the first message). */
  static async connect(model: string, url: string): Promise<OllamaProvider> {
    const client = new Ollama({ host: url, fetch: fetchUntil(AbortSignal.timeout(CONNECT_TIMEOUT_MS)) });
    let info: Awaited<ReturnType<Ollama['show']>>;
    try {
      info = await client.show({ model });
    } catch (error) {
      const message = (error as Error).name === 'TimeoutError' ? `no answer in ${CONNECT_TIMEOUT_MS / 1000} s` : (error as Error).message;
      if (/not found/i.test(message)) throw new ModelError(`Ollama at ${url} has no model "${model}". Run: ollama pull ${model}`, 'model_unavailable');
      throw new ModelError(`Cannot reach Ollama at ${url}: ${message}`, 'model_unavailable');
    }
    const modelInfo = (info.model_info ?? {}) as unknown as Record<string, unknown>;
    const trained = Object.entries(modelInfo).find(([key]) => key.endsWith('.context_length'))?.[1];
    return new OllamaProvider(model, url, Math.min(typeof trained === 'number' ? trained : 4096, MAX_CONTEXT));
  }

  get toolsSupported(): boolean {
    return this.tools.supported;
  }

  async contextSize(): Promise<number> {
    return this.window;
  }

  async countTokens(text: string): Promise<number> {
    return estimateTokens(text);
  }

  async promptTokens(turns: ChatTurn[], tools: ToolDefinition[]): Promise<number> {
    return estimatePromptTokens(turns, tools);
  }

  async chat(request: ChatRequest): Promise<ChatResponse> {
    // A client per call, bound to the call's deadline from the first byte sent.
    const client = new Ollama({ host: this.url, fetch: fetchUntil(request.signal) });
    let stream;
    try {
      stream = await this.tools.call(request.tools.length > 0, (withTools) =>
        client.chat({
          model: this.model,
          messages: toMessages(request.turns),
          ...(withTools
            ? { tools: request.tools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters as never } })) }
            : {}),
          stream: true,
          options: { num_predict: request.maxTokens, num_ctx: this.window },
        }),
      );
    } catch (error) {
      if (request.signal.aborted) throw new ModelError(`Ollama did not answer in time (${this.model})`, 'model_unavailable');
      throw new ModelError(`Ollama failed: ${(error as Error).message}`, 'model_unavailable');
    }
    const onAbort = () => stream.abort();
    request.signal.addEventListener('abort', onAbort, { once: true });
    let text = '';
    const toolCalls: ToolCall[] = [];
    let tokensIn = 0;
    let tokensOut = 0;
    try {
      for await (const part of stream) {
        if (part.message?.content) {
          text += part.message.content;
          request.onText?.(part.message.content);
        }
        for (const call of part.message?.tool_calls ?? []) {
          toolCalls.push({ id: `call_${toolCalls.length}_${Date.now().toString(36)}`, name: call.function.name, args: call.function.arguments });
        }
        if (part.done) {
          tokensIn = part.prompt_eval_count ?? 0;
          tokensOut = part.eval_count ?? 0;
        }
      }
    } catch (error) {
      if (request.signal.aborted) throw new ModelError(`Ollama did not answer in time (${this.model})`, 'model_unavailable');
      throw new ModelError(`Ollama failed while answering: ${(error as Error).message}`, 'model_unavailable');
    } finally {
      request.signal.removeEventListener('abort', onAbort);
    }
    return { text, toolCalls, tokensIn, tokensOut };
  }

  async close(): Promise<void> {}
}

function toMessages(turns: ChatTurn[]): Message[] {
  return turns.map((t): Message => {
    if (t.role === 'tool') return { role: 'tool', content: t.text, ...(t.toolName ? { tool_name: t.toolName } : {}) };
    if (t.role === 'assistant' && t.toolCalls?.length) {
      return { role: 'assistant', content: t.text, tool_calls: t.toolCalls.map((c) => ({ function: { name: c.name, arguments: (c.args ?? {}) as Record<string, unknown> } })) };
    }
    return { role: t.role, content: t.text };
  });
}
