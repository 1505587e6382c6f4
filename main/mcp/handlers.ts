import type { Handlers } from '../gateway/router';

// RPC handlers for MCP servers (first cut: nothing set up yet; the supervisor fills these in).
export function mcpHandlers(): Handlers {
  const none = (id: string): never => {
    throw new Error(`No MCP server with id ${id}.`);
  };
  return {
    'mcp.servers.list': () => ({ items: [] }),
    'mcp.servers.add': () => {
      throw new Error('MCP servers cannot be added yet.');
    },
    'mcp.servers.import': () => ({ added: [], skipped: [] }),
    'mcp.servers.update': ({ id }) => none(id),
    'mcp.servers.remove': ({ id }) => none(id),
    'mcp.servers.restart': ({ id }) => none(id),
    'mcp.tools.list': () => ({ items: [] }),
  };
}
