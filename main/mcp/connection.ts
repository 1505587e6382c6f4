import readline from 'node:readline';
import { Readable } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError, ToolListChangedNotificationSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { flattenResult } from './result-text';
import type { McpCallResult } from './types';

// One live session with one MCP server through the official SDK client: the handshake under a
// deadline, the tool list (every page), calls with a deadline and cancellation. It does not
// restart anything; the supervisor decides what a closed connection means.

export type ConnectionSpec =
  | { transport: 'stdio'; command: string; args: string[]; env: Record<string, string>; cwd: string | null }
  | { transport: 'http'; url: string; headers: Record<string, string> };

export interface ConnectionHooks {
  handshakeMs: number;
  /** Each line the server's process writes to stderr (stdio only). */
  onStderrLine(line: string): void;
  /** The connection ended without close() being called: the process exited, the stream broke. */
  onClosed(reason: string): void;
  /** The server said its tool list changed. */
  onToolsChanged(): void;
}

/** Pages of tools/list followed at most (a server that keeps handing out cursors is stopped here). */
const MAX_PAGES = 100;

const CLIENT_INFO = { name: 'perch', version: '1' };

export class McpConnection {
  private closing = false;

  private constructor(
    private readonly client: Client,
    private readonly transport: StdioClientTransport | StreamableHTTPClientTransport,
  ) {}

  /** The server's process id (stdio), for tests and the log. */
  get pid(): number | null {
    return this.transport instanceof StdioClientTransport ? this.transport.pid : null;
  }

  static async open(spec: ConnectionSpec, hooks: ConnectionHooks): Promise<McpConnection> {
    const transport =
      spec.transport === 'stdio'
        ? new StdioClientTransport({ command: spec.command, args: spec.args, env: spec.env, stderr: 'pipe', ...(spec.cwd ? { cwd: spec.cwd } : {}) })
        : new StreamableHTTPClientTransport(new URL(spec.url), { requestInit: { headers: spec.headers } });
    // The SDK hands out the stderr stream before the process starts, so no early line is lost.
    const stderr = transport instanceof StdioClientTransport ? transport.stderr : null;
    if (stderr instanceof Readable) readline.createInterface({ input: stderr, crlfDelay: Infinity }).on('line', (line) => hooks.onStderrLine(line));
    const client = new Client(CLIENT_INFO, { capabilities: {} });
    const connection = new McpConnection(client, transport);
    let exitedEarly: string | null = null;
    client.onclose = () => {
      if (connection.closing) return;
      connection.closing = true;
      exitedEarly = 'the connection closed';
      hooks.onClosed(spec.transport === 'stdio' ? 'the process exited' : 'the connection closed');
    };
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => hooks.onToolsChanged());
    try {
      await client.connect(transport, { timeout: hooks.handshakeMs });
    } catch (error) {
      connection.closing = true;
      await transport.close().catch(() => undefined);
      throw new Error(handshakeProblem(spec, error, hooks.handshakeMs, exitedEarly), { cause: error });
    }
    return connection;
  }

  /** Every tool, following nextCursor. */
  async listTools(timeoutMs: number): Promise<Tool[]> {
    const tools: Tool[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const result = await this.client.listTools(cursor ? { cursor } : undefined, { timeout: timeoutMs });
      tools.push(...result.tools);
      cursor = result.nextCursor;
      if (!cursor) return tools;
    }
    throw new Error(`the server kept returning more pages of tools after ${MAX_PAGES} pages`);
  }

  async call(name: string, args: Record<string, unknown>, options: { signal: AbortSignal; timeoutMs: number }): Promise<McpCallResult> {
    const result = await this.client.callTool({ name, arguments: args }, undefined, { signal: options.signal, timeout: options.timeoutMs });
    return flattenResult(result);
  }

  async ping(timeoutMs: number): Promise<void> {
    await this.client.ping({ timeout: timeoutMs });
  }

  /** Ends the session; a stdio server gets stdin closed, then SIGTERM, then SIGKILL (the SDK's close). */
  async close(): Promise<void> {
    this.closing = true;
    await this.client.close().catch(() => undefined);
  }
}

/** Why the handshake failed, in a sentence for the owner. */
function handshakeProblem(spec: ConnectionSpec, error: unknown, handshakeMs: number, closed: string | null): string {
  const message = (error as Error).message ?? String(error);
  const code = (error as NodeJS.ErrnoException).code;
  if (spec.transport === 'stdio' && code === 'ENOENT') return `The command "${spec.command}" was not found: check the command (and PATH).`;
  if (spec.transport === 'stdio' && code === 'EACCES') return `The command "${spec.command}" cannot be run (permission denied).`;
  if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
    return `The server did not answer the MCP handshake within ${Math.round(handshakeMs / 1000)} s: is it an MCP server, and does it speak ${spec.transport === 'stdio' ? 'stdio' : 'Streamable HTTP'}?`;
  }
  if (closed || (error instanceof McpError && error.code === ErrorCode.ConnectionClosed)) {
    return spec.transport === 'stdio' ? 'The server process exited during the handshake: see its stderr in the log.' : `The server at ${spec.url} closed the connection during the handshake.`;
  }
  if (spec.transport === 'http') return `Could not reach the MCP server at ${spec.url}: ${message}`;
  return `The MCP handshake failed: ${message}`;
}
