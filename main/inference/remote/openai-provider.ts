import OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { ToolCall } from '../../agent/conversation-store';
import { ModelError, type ChatProvider, type ChatRequest, type ChatResponse, type ChatTurn, type ToolDefinition } from '../provider';
import { estimatePromptTokens, estimateTokens } from './estimate';
import { ToolSupport } from './tool-support';

// Any OpenAI-compatible endpoint (OpenAI, LM Studio, vLLM, llama.cpp server…): chat completions
// with SSE streaming and tools.

/** What we assume when the server does not say; most served models hold at least this. */
const ASSUMED_CONTEXT = 8192;

export class OpenAIProvider implements ChatProvider {
  readonly kind = 'openai' as const;
  private readonly client: OpenAI;
  private readonly tools = new ToolSupport();

  constructor(
    readonly model: string,
    private readonly baseURL: string,
    apiKey: string | null,
  ) {
    // Local servers need no key, but the client insists on one.
    this.client = new OpenAI({ baseURL, apiKey: apiKey ?? 'not-needed', maxRetries: 0 });
  }

  get toolsSupported(): boolean {
    return this.tools.supported;
  }

  async contextSize(): Promise<number> {
    return ASSUMED_CONTEXT;
  }

  async countTokens(text: string): Promise<number> {
    return estimateTokens(text);
  }

  async promptTokens(turns: ChatTurn[], tools: ToolDefinition[]): Promise<number> {
    return estimatePromptTokens(turns, tools);
  }

  async chat(request: ChatRequest): Promise<ChatResponse> {
    const calls = new Map<number, { id: string; name: string; args: string }>();
    let text = '';
    let tokensIn = 0;
    let tokensOut = 0;
    try {
      const stream = await this.tools.call(request.tools.length > 0, (withTools) =>
        this.client.chat.completions.create(
          {
            model: this.model,
            messages: toMessages(request.turns),
            ...(withTools
              ? { tools: request.tools.map((t) => ({ type: 'function' as const, function: { name: t.name, description: t.description, parameters: t.parameters } })) }
              : {}),
            max_tokens: request.maxTokens,
            stream: true,
            stream_options: { include_usage: true },
          },
          { signal: request.signal },
        ),
      );
      for await (const chunk of stream) {
        const delta = chunk.choices[0]?.delta;
        if (delta?.content) {
          text += delta.content;
          request.onText?.(delta.content);
        }
        for (const part of delta?.tool_calls ?? []) {
          const call = calls.get(part.index) ?? { id: part.id ?? `call_${part.index}`, name: '', args: '' };
          call.name += part.function?.name ?? '';
          call.args += part.function?.arguments ?? '';
          calls.set(part.index, call);
        }
        if (chunk.usage) {
          tokensIn = chunk.usage.prompt_tokens;
          tokensOut = chunk.usage.completion_tokens;
        }
      }
    } catch (error) {
      if (request.signal.aborted) throw new ModelError(`${this.baseURL} did not answer in time (${this.model})`, 'model_unavailable');
      throw new ModelError(`The model endpoint ${this.baseURL} failed: ${(error as Error).message}`, 'model_unavailable');
    }
    const toolCalls: ToolCall[] = [...calls.values()].map((c) => ({ id: c.id, name: c.name, args: parseArgs(c.args) }));
    return { text, toolCalls, tokensIn, tokensOut };
  }

  async close(): Promise<void> {}
}

/** Arguments arrive as a JSON string; unparseable ones go to the tool's validation as they are. */
function parseArgs(raw: string): unknown {
  try {
    return raw ? JSON.parse(raw) : {};
  } catch {
    return raw;
  }
}

function toMessages(turns: ChatTurn[]): ChatCompletionMessageParam[] {
  return turns.map((t): ChatCompletionMessageParam => {
    if (t.role === 'tool') return { role: 'tool', content: t.text, tool_call_id: t.toolCallId ?? '' };
    if (t.role === 'assistant') {
      return {
        role: 'assistant',
        content: t.text,
        ...(t.toolCalls?.length
          ? { tool_calls: t.toolCalls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: JSON.stringify(c.args ?? {}) } })) }
          : {}),
      };
    }
    return { role: t.role, content: t.text };
  });
}
