import { Card, Empty, ErrorText } from '../components/ui';
import { useQuery } from '../use-query';
import { AddServerForm } from './AddServerForm';
import { ImportForm } from './ImportForm';
import { ServerCard } from './ServerCard';
import './tools.css';

// Tools from MCP servers: each server with its state and its tools' rules, then a form to add
// one and the mcpServers JSON import. The lists follow the servers' status events.

export function ToolsPage() {
  const servers = useQuery('mcp.servers.list', undefined, ['mcp.server.status']);
  const tools = useQuery('mcp.tools.list', {}, ['mcp.tools.changed', 'mcp.server.status']);
  const items = servers.data?.items ?? [];
  const reload = () => {
    void servers.reload();
    void tools.reload();
  };
  return (
    <div className="mcp-page">
      <Card title="MCP servers" testId="mcp-servers">
        <p className="muted">
          Servers that speak the Model Context Protocol give the assistant more tools: files, search, calendars and more. Perch starts them, restarts them when they stop, and asks you before a tool runs unless you allow it below.
        </p>
        {servers.data && items.length === 0 ? <Empty title="No servers yet">Add one with the form below, or import the mcpServers JSON from another app.</Empty> : null}
        <ErrorText error={servers.error ?? tools.error} />
      </Card>
      {items.map((server) => (
        <ServerCard key={server.id} server={server} tools={(tools.data?.items ?? []).filter((t) => t.server === server.id)} onChanged={reload} />
      ))}
      <AddServerForm onAdded={reload} />
      <ImportForm onImported={reload} />
    </div>
  );
}
