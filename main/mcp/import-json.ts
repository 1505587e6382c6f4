import { mcpAddSchema, type McpAddParams } from '../contract/mcp';

// The standard mcpServers JSON (Claude Desktop, LM Studio, Cursor): {"mcpServers": {name:
// {command, args, env} | {url, headers}}}. Every entry is checked before anything is added; the
// first bad one is reported by name with the reason, so an import is all or nothing.

export class ImportProblem extends Error {}

const describe = (issues: Array<{ path: PropertyKey[]; message: string }>) =>
  issues.map((i) => (i.path.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message)).join('; ');

export function parseMcpServersJson(json: string): McpAddParams[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new ImportProblem(`This is not valid JSON (${(error as Error).message}). Paste the whole file, starting with {"mcpServers": …}.`);
  }
  const root = parsed as { mcpServers?: unknown } | null;
  const servers = root && typeof root === 'object' && !Array.isArray(root) ? root.mcpServers : undefined;
  if (!servers || typeof servers !== 'object' || Array.isArray(servers)) {
    throw new ImportProblem('Expected an object with "mcpServers": {"name": {"command": …} or {"url": …}}.');
  }
  const entries = Object.entries(servers as Record<string, unknown>);
  if (entries.length === 0) throw new ImportProblem('"mcpServers" is empty: there is nothing to import.');
  if (entries.length > 50) throw new ImportProblem(`"mcpServers" lists ${entries.length} servers; import at most 50 at a time.`);
  return entries.map(([name, value]) => entryOf(name, value));
}

function entryOf(name: string, value: unknown): McpAddParams {
  const fail = (why: string) => new ImportProblem(`Server "${name}": ${why}`);
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw fail('expected an object with "command" or "url".');
  const { type, command, args, env, url, headers, cwd, ...rest } = value as Record<string, unknown>;
  // Fields other apps keep for themselves (disabled, autoApprove, timeout…) are not an error.
  void rest;
  if (type === 'sse') throw fail('the old HTTP+SSE transport is not supported; use the server\'s Streamable HTTP address.');
  let candidate: Record<string, unknown>;
  if (command !== undefined) {
    if (url !== undefined) throw fail('give either "command" (stdio) or "url" (Streamable HTTP), not both.');
    candidate = { name, transport: 'stdio', command, ...(args !== undefined ? { args } : {}), ...(env !== undefined ? { env } : {}), ...(cwd !== undefined ? { cwd } : {}) };
  } else if (url !== undefined) {
    candidate = { name, transport: 'http', url, ...(headers !== undefined ? { headers } : {}) };
  } else {
    throw fail('it has neither "command" (stdio) nor "url" (Streamable HTTP).');
  }
  const result = mcpAddSchema.safeParse(candidate);
  if (!result.success) throw fail(describe(result.error.issues));
  return result.data;
}
