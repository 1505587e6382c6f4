import { z } from 'zod';
import type { ToolDefinition } from '../inference/provider';

// Tools the agent (and tools.invoke) can run. Each has a zod schema for its arguments, a
// description for the model and a danger flag (dangerous tools go through the approval gate).
// Errors come back as text so the model can read them; nothing here throws at the caller.

export interface ToolContext {
  conversationId: string | null;
  signal: AbortSignal;
}

export interface Tool<S extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  schema: S;
  danger: boolean;
  timeoutMs: number;
  run(args: z.output<S>, ctx: ToolContext): Promise<string>;
}

export type ToolOutcome = { ok: true; output: string } | { ok: false; error: string };

export const defineTool = <S extends z.ZodType>(tool: Tool<S>): Tool => tool as unknown as Tool;

export class ToolRegistry {
  private readonly tools = new Map<string, Tool>();
  private defs: ToolDefinition[] | null = null;

  add(tool: Tool): void {
    if (this.tools.has(tool.name)) throw new Error(`two tools named ${tool.name}`);
    this.tools.set(tool.name, tool);
    this.defs = null;
  }

  get(name: string): Tool | undefined {
    return this.tools.get(name);
  }

  /** What the model is told about the tools (built once: it goes out with every message). */
  definitions(): ToolDefinition[] {
    this.defs ??= [...this.tools.values()].map((t) => ({
      name: t.name,
      description: t.description,
      parameters: z.toJSONSchema(t.schema) as Record<string, unknown>,
    }));
    return this.defs;
  }

  /** Validates and runs a call exactly as the agent does, with the tool's timeout. */
  async invoke(name: string, rawArgs: unknown, ctx: Omit<ToolContext, 'signal'>): Promise<ToolOutcome> {
    const tool = this.tools.get(name);
    if (!tool) return { ok: false, error: `Unknown tool "${name}". Available: ${[...this.tools.keys()].join(', ')}` };
    const parsed = tool.schema.safeParse(rawArgs ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return { ok: false, error: `Invalid arguments for ${name}: ${issue.path.join('.') || '(arguments)'}: ${issue.message}` };
    }
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    try {
      const output = await Promise.race([
        tool.run(parsed.data, { ...ctx, signal: controller.signal }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            controller.abort();
            reject(new Error(`${name} timed out after ${tool.timeoutMs} ms`));
          }, tool.timeoutMs);
        }),
      ]);
      return { ok: true, output };
    } catch (error) {
      return { ok: false, error: `${name} failed: ${(error as Error).message}` };
    } finally {
      clearTimeout(timer);
    }
  }
}
