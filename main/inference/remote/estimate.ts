import type { ChatTurn, ToolDefinition } from '../provider';

// Remote servers expose no tokenizer. Three characters per token over-counts English (about four)
// and most code, so a context fitted with this estimate fits the real one.
export const estimateTokens = (text: string): number => Math.ceil(text.length / 3);

export const estimatePromptTokens = (turns: ChatTurn[], tools: ToolDefinition[]): number =>
  turns.reduce((sum, t) => sum + estimateTokens(t.text) + estimateTokens(JSON.stringify(t.toolCalls ?? '')) + 8, 0) +
  estimateTokens(JSON.stringify(tools));

/** `NAME@URL` → name and base URL (the URL may be absent for Ollama's default). */
export function splitSpec(rest: string, defaultUrl?: string): { name: string; url: string } {
  const at = rest.indexOf('@');
  const name = at < 0 ? rest : rest.slice(0, at);
  const url = at < 0 ? defaultUrl : rest.slice(at + 1);
  if (!url) throw new Error(`expected NAME@URL, got ${rest}`);
  return { name, url: url.replace(/\/+$/, '') };
}
