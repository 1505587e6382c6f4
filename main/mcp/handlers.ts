import type { Handlers } from '../gateway/router';
import type { McpService } from './service';

// RPC handlers for MCP servers and their tools; the service gives the errors their sentences.
export function mcpHandlers(mcp: McpService): Handlers {
  return {
    'mcp.servers.list': () => ({ items: mcp.list() }),
    'mcp.servers.add': (params) => mcp.add(params),
    'mcp.servers.import': ({ json }) => mcp.importJson(json),
    'mcp.servers.update': ({ id, patch }) => mcp.update(id, patch),
    'mcp.servers.remove': async ({ id }) => {
      await mcp.remove(id);
      return { removed: true as const };
    },
    'mcp.servers.restart': ({ id }) => mcp.restart(id),
    'mcp.tools.list': ({ server }) => ({ items: mcp.tools(server) }),
  };
}
