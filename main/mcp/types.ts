// What the MCP connection half (supervisor, hub) offers the rest of Perch: the agent's tool bridge
// and the approval wiring read tools and call them through McpHub, never through the SDK directly.

export type McpRule = 'allow' | 'ask' | 'block';

export interface McpToolAnnotations {
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

export interface McpToolInfo {
  /** The server's id (a slug of its name). */
  server: string;
  /** The tool's name as the server gives it. */
  name: string;
  /** `${server}__${name}`: how the tool is namespaced for the agent. */
  qualifiedName: string;
  title?: string;
  description: string;
  inputSchema: Record<string, unknown>;
  annotations: McpToolAnnotations;
}

/** A tool's result flattened to text (untrusted: it comes from the server). */
export interface McpCallResult {
  text: string;
  isError: boolean;
}

/** The rules of one server as the owner set them. */
export interface McpServerRules {
  id: string;
  /** The server's default for its tools. */
  rule: McpRule;
  /** Whether contacts' conversations (not only the owner's) get this server's tools. */
  contacts: boolean;
  /** Per-tool rules by the tool's own (unqualified) name. */
  toolRules: Record<string, McpRule>;
}

export interface McpHub {
  /** Tools of servers that are ready. */
  tools(): McpToolInfo[];
  /** Throws a clear Error if the server is not ready, the tool unknown, or the deadline passes. */
  call(qualifiedName: string, args: Record<string, unknown>, opts: { signal: AbortSignal; timeoutMs?: number }): Promise<McpCallResult>;
  /** Called when any server's tool list changes (or a server becomes ready or stops); returns an unsubscribe. */
  onToolsChanged(cb: () => void): () => void;
  server(id: string): McpServerRules | undefined;
}
