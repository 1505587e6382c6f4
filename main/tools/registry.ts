import { z } from 'zod';
import { checkInput } from '../contract/validate';
import type { ToolDefinition } from '../inference/provider';

// Tools the agent (and tools.invoke) can run. Each has a zod schema for its arguments, a
// description for the model and a danger flag: a dangerous tool runs only through the approval
// gate. Errors come back as text so the model can read them; nothing here throws at the caller.

export interface ToolContext {
  conversationId: string | null;
  signal: AbortSignal;
}

/** Where a call comes from: the conversation (and its channel) or a direct RPC. */
export interface CallOrigin {
  conversationId: string | null;
  channel?: string | null;
}

/** A tool's result: text for the model, with an exit code when the tool has one. */
export type ToolResult = string | { output: string; exitCode: number | null };

export interface Tool<S extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  schema: S;
  danger: boolean;
  /** Offered in a contact's conversation too (default: the owner's only). */
  forContacts?: boolean;
  timeoutMs: number;
  /** The arguments' JSON Schema as given (an MCP server's); default: derived from `schema`. */
  parameters?: Record<string, unknown>;
  /** Set for a tool of an MCP server: the gate asks, runs or refuses by the owner's rules for it. */
  mcp?: McpCallee;
  run(args: z.output<S>, ctx: ToolContext): Promise<ToolResult>;
}

export interface McpCallee {
  server: string;
  /** The tool's own name on its server. */
  tool: string;
  /** The owner's rule for it now (it can change between calls). */
  rule(): 'allow' | 'ask' | 'block';
  /** What the tool says of itself, for the approval card. */
  risk: { note: string; level: 'high' | 'caution' };
}

/** Tools that come and go (an MCP server's): listed again after the registry is told they changed. */
export interface ToolSource {
  tools(): Tool[];
}

export type ToolOutcome = { ok: true; output: string; exitCode?: number | null } | { ok: false; error: string };

/** Decides whether a dangerous call may run, runs it at most once when it may, and says what happened. */
export interface DangerGate {
  run(call: { tool: Tool; args: unknown; origin: CallOrigin }): Promise<ToolOutcome>;
}

export const defineTool = <S extends z.ZodType>(tool: Tool<S>): Tool => tool as unknown as Tool;

export class ToolRegistry {
  private readonly fixed = new Map<string, Tool>();
  private readonly sources: ToolSource[] = [];
  private all: Map<string, Tool> | null = null;
  private defs: ToolDefinition[] | null = null;
  private gate: DangerGate | null = null;

  add(tool: Tool): void {
    if (this.fixed.has(tool.name)) throw new Error(`two tools named ${tool.name}`);
    this.fixed.set(tool.name, tool);
    this.changed();
  }

  /** Adds tools listed by `source`; call `changed()` whenever its list changes. */
  addSource(source: ToolSource): void {
    this.sources.push(source);
    this.changed();
  }

  /** Forgets the cached list and definitions (a source's tools changed). */
  changed(): void {
    this.all = null;
    this.defs = null;
  }

  /** The fixed tools, then the sources' (a source's tool never shadows a fixed one). */
  private get tools(): Map<string, Tool> {
    if (!this.all) {
      this.all = new Map(this.fixed);
      for (const source of this.sources) for (const tool of source.tools()) if (!this.all.has(tool.name)) this.all.set(tool.name, tool);
    }
    return this.all;
  }

  get(name: string): Tool | undefined {
    return this.tools.get(name);
  }

  /** Dangerous tools refuse to run until a gate is set. */
  setGate(gate: DangerGate): void {
    this.gate = gate;
  }

  /** What the model is told about the tools (built once: it goes out with every message). */
  definitions(): ToolDefinition[] {
    this.defs ??= [...this.tools.values()].map((t) => ({
      name: t.name,
      description: t.description,
      parameters: t.parameters ?? (z.toJSONSchema(t.schema) as Record<string, unknown>),
    }));
    return this.defs;
  }

  /** The tools a contact's conversation may use (the rest are the owner's). */
  forContacts(): string[] {
    return [...this.tools.values()].filter((t) => t.forContacts).map((t) => t.name);
  }

  /** Validates a call exactly as the agent does; a dangerous one goes through the gate. */
  async invoke(name: string, rawArgs: unknown, origin: CallOrigin): Promise<ToolOutcome> {
    const tool = this.tools.get(name);
    if (!tool) return { ok: false, error: `Unknown tool "${name}". Available: ${[...this.tools.keys()].join(', ')}` };
    const parsed = this.parse(tool, rawArgs);
    if (!parsed.ok) return parsed;
    if (!tool.danger) return this.execute(tool, parsed.args, origin);
    if (!this.gate) return { ok: false, error: `${name} needs the approval gate, which is not running. Nothing was run.` };
    return this.gate.run({ tool, args: parsed.args, origin });
  }

  parse(tool: Tool, rawArgs: unknown): { ok: true; args: unknown } | { ok: false; error: string } {
    const parsed = checkInput(tool.schema, rawArgs ?? {});
    if (parsed.success) return { ok: true, args: parsed.data };
    const issue = parsed.issues[0]!;
    return { ok: false, error: `Invalid arguments for ${tool.name}: ${issue.path.join('.') || '(arguments)'}: ${issue.message}` };
  }

  /** Runs validated arguments with the tool's timeout. No gate: callers decide (the gate itself). */
  async execute(tool: Tool, args: unknown, origin: CallOrigin): Promise<ToolOutcome> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        tool.run(args, { conversationId: origin.conversationId, signal: controller.signal }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            controller.abort();
            reject(new Error(`${tool.name} timed out after ${tool.timeoutMs} ms`));
          }, tool.timeoutMs);
        }),
      ]);
      return typeof result === 'string' ? { ok: true, output: result } : { ok: true, ...result };
    } catch (error) {
      return { ok: false, error: `${tool.name} failed: ${(error as Error).message}` };
    } finally {
      clearTimeout(timer);
    }
  }
}
