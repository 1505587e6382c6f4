import path from 'node:path';
import type { ChatHistoryItem, ChatModelFunctionCall, ChatModelFunctions, Llama, LlamaChat, LlamaContext, LlamaModel } from 'node-llama-cpp';
import type { ToolCall } from '../../agent/conversation-store';
import { checkGgufFile, pickThreads } from './gguf-file';

export { pickThreads };
import { ModelError, type ChatProvider, type ChatRequest, type ChatResponse, type ChatTurn, type ToolDefinition } from '../provider';

// node-llama-cpp in process: one model, one context, one sequence; calls are serialized on it.

const MAX_CONTEXT = 8192;

export class LlamaProvider implements ChatProvider {
  /** node-llama-cpp drives tool calls with its chat wrapper's syntax and a grammar: any model can. */
  readonly toolsSupported = true;
  readonly kind = 'llama' as const;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly model: string,
    private readonly llama: Llama,
    private readonly loaded: LlamaModel,
    private readonly context: LlamaContext,
    private readonly session: LlamaChat,
  ) {}

  static async load(file: string): Promise<LlamaProvider> {
    await checkGgufFile(file);
    const { getLlama, LlamaChat, LlamaLogLevel } = await import('node-llama-cpp');
    const threads = pickThreads();
    // Prebuilt CPU binaries only: never download or compile anything at run time.
    const llama = await getLlama({ gpu: false, build: 'never', skipDownload: true, usePrebuiltBinaries: true, logLevel: LlamaLogLevel.error, maxThreads: threads });
    let loaded: LlamaModel | undefined;
    try {
      loaded = await llama.loadModel({ modelPath: file });
      const context = await loaded.createContext({ contextSize: Math.min(loaded.trainContextSize, MAX_CONTEXT), threads });
      const session = new LlamaChat({ contextSequence: context.getSequence() });
      return new LlamaProvider(path.basename(file), llama, loaded, context, session);
    } catch (error) {
      await loaded?.dispose();
      await llama.dispose();
      if (error instanceof ModelError) throw error;
      throw new ModelError(`Cannot load ${file}: ${(error as Error).message}`, 'model_unavailable');
    }
  }

  async contextSize(): Promise<number> {
    return this.context.contextSize;
  }

  async countTokens(text: string): Promise<number> {
    return this.loaded.tokenize(text).length;
  }

  /** The prompt exactly as the model will read it: its chat template and tool documentation. */
  renderPrompt(turns: ChatTurn[], tools: ToolDefinition[]) {
    return this.session.chatWrapper.generateContextState({
      chatHistory: toHistory(turns),
      ...(tools.length > 0 ? { availableFunctions: toFunctions(tools) } : {}),
    }).contextText;
  }

  async promptTokens(turns: ChatTurn[], tools: ToolDefinition[]): Promise<number> {
    return this.renderPrompt(turns, tools).tokenize(this.loaded.tokenizer).length;
  }

  chat(request: ChatRequest): Promise<ChatResponse> {
    const run = this.queue.then(() => this.generate(request));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async generate(request: ChatRequest): Promise<ChatResponse> {
    let tokensOut = 0;
    let result;
    try {
      result = await this.session.generateResponse(toHistory(request.turns), {
        ...(request.tools.length > 0 ? { functions: toFunctions(request.tools) } : {}),
        maxTokens: request.maxTokens,
        signal: request.signal,
        onTextChunk: request.onText,
        onToken: (tokens) => (tokensOut += tokens.length),
      });
    } catch (error) {
      throw new ModelError(`The local model ${this.model} failed to answer: ${(error as Error).message}`, 'model_unavailable');
    }
    const sequenceTokens = this.session.sequence.contextTokens.length;
    const toolCalls: ToolCall[] = (result.functionCalls ?? []).map((call, i) => ({
      id: `call_${Date.now().toString(36)}_${i}`,
      name: call.functionName,
      args: call.params,
    }));
    return { text: result.response, toolCalls, tokensIn: Math.max(0, sequenceTokens - tokensOut), tokensOut };
  }

  async close(): Promise<void> {
    await this.queue;
    this.session.dispose();
    await this.context.dispose();
    await this.loaded.dispose();
    await this.llama.dispose();
  }
}

/** Our turns as node-llama-cpp history: tool results ride on the model turn that asked for them. */
export function toHistory(turns: ChatTurn[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = [];
  for (let i = 0; i < turns.length; i++) {
    const turn = turns[i]!;
    if (turn.role === 'system') history.push({ type: 'system', text: turn.text });
    else if (turn.role === 'user') history.push({ type: 'user', text: turn.text });
    else if (turn.role === 'assistant') {
      const response: Array<string | ChatModelFunctionCall> = turn.text ? [turn.text] : [];
      for (const call of turn.toolCalls ?? []) {
        const answer = turns.slice(i + 1).find((t) => t.role === 'tool' && t.toolCallId === call.id);
        response.push({ type: 'functionCall', name: call.name, params: call.args, result: answer?.text ?? '(no result)' });
      }
      history.push({ type: 'model', response });
    }
    // role 'tool' is folded into the preceding assistant turn above
  }
  return history;
}

function toFunctions(tools: ToolDefinition[]): ChatModelFunctions {
  return Object.fromEntries(tools.map((t) => [t.name, { description: t.description, params: jsonSchemaForGrammar(t.parameters) }]));
}

/** node-llama-cpp builds a grammar from a JSON-Schema subset: drop the annotations it does not know. */
function jsonSchemaForGrammar(schema: Record<string, unknown>): never {
  const { $schema: _ignored, ...rest } = schema;
  return rest as never;
}
