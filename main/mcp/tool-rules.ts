import type { McpRule, McpServerRules, McpToolInfo } from './types';

// What happens when the agent calls an MCP tool: run it (allow), ask the owner first (ask) or
// refuse (block). The owner's rules win over the server's own annotations, which are only hints
// from a program Perch does not control: so a hint can make a tool ask, never make it run alone.

/**
 * In order: a server set to block blocks every tool (its off switch, whatever a tool's own rule
 * says); then the tool's own rule, if the owner set one; then a tool that says it only reads
 * (readOnlyHint, and not also destructiveHint) follows a server rule of allow, if the owner chose
 * it (`explicitServerRule`); everything else (destructive, unannotated, or a read-only tool of a
 * server left at its default) asks.
 */
export function effectiveRule(tool: Pick<McpToolInfo, 'name' | 'annotations'>, server: Pick<McpServerRules, 'rule' | 'toolRules'>, explicitServerRule: boolean): McpRule {
  if (server.rule === 'block') return 'block';
  const own = Object.hasOwn(server.toolRules, tool.name) ? server.toolRules[tool.name] : undefined;
  if (own) return own;
  const readOnly = tool.annotations.readOnlyHint === true && tool.annotations.destructiveHint !== true;
  if (readOnly && server.rule === 'allow' && explicitServerRule) return 'allow';
  return 'ask';
}

/** One line for the approval card about what the tool says of itself (it may not be true). */
export function riskOfTool(tool: Pick<McpToolInfo, 'server' | 'annotations'>): { note: string; level: 'high' | 'caution' } {
  const a = tool.annotations;
  const lines: string[] = [];
  if (a.destructiveHint === true) lines.push('Destructive: the server says this tool may delete or overwrite things');
  else if (a.readOnlyHint === true) lines.push('Read-only, says the server: it claims not to change anything (not checked by Perch)');
  else lines.push('Unannotated: the server does not say whether this tool changes anything; assume it may');
  if (a.openWorldHint === true) lines.push('Open world: it may reach the internet or other outside systems');
  lines.push(`From MCP server ${tool.server}: read the full arguments before approving`);
  return { note: lines.join('\n'), level: a.destructiveHint === true ? 'high' : 'caution' };
}
