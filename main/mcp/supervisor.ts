import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../log/logger';
import { redactText } from '../log/redact';
import { backoffMs, type Backoff } from '../system/backoff';
import { McpConnection, type ConnectionSpec } from './connection';
import type { ServerConfig } from './server-store';
import type { McpCallResult, McpHub, McpServerRules, McpToolInfo } from './types';

// Keeps every enabled MCP server running: starts it, lists its tools, and when a server that was
// ready goes away (its process died, its HTTP endpoint stopped answering) tries again with capped
// exponential backoff. A server that cannot even start (no such command, no handshake) is marked
// failed with the reason and left alone until the owner restarts or changes it.

export type ServerState = 'starting' | 'ready' | 'failed' | 'restarting' | 'stopped';

export interface ServerStatus {
  state: ServerState;
  detail: string | null;
  nextRetryAt: string | null;
  tools: McpToolInfo[];
  /** The stdio process's id while it runs. */
  pid: number | null;
  /** How long the last successful start took (handshake and tool list), in ms. */
  startMs: number | null;
}

export interface SupervisorOptions {
  log: Logger;
  /** The spec to connect with (secrets read from the store, env merged over the safe one). */
  specOf(config: ServerConfig): Promise<ConnectionSpec>;
  /** The current configuration of a server (its rules can change while it runs). */
  config(id: string): ServerConfig | undefined;
  onStatus(id: string): void;
  onToolsChanged(id: string): void;
  handshakeMs?: number;
  callTimeoutMs?: number;
  backoff?: Backoff;
  /** Attempts to bring a server back before it is marked failed. */
  maxRestarts?: number;
  /** How often an HTTP server is pinged to notice it went away (stdio servers are noticed by their exit). */
  pingEveryMs?: number;
}

interface Entry {
  id: string;
  status: ServerStatus;
  conn: McpConnection | null;
  /** Bumped on every start and stop: callbacks of an older connection are ignored. */
  generation: number;
  failures: number;
  readyAt: number;
  timer: NodeJS.Timeout | null;
  pinger: NodeJS.Timeout | null;
  stderr: { windowStart: number; lines: number };
}

const DEFAULT_HANDSHAKE_MS = 15_000;
const DEFAULT_CALL_MS = 60_000;
const LIST_TOOLS_MS = 30_000;
/** A server that stayed up this long starts its backoff from the beginning when it dies again. */
const STABLE_MS = 60_000;
/** stderr lines logged per server per minute; the rest are counted and dropped. */
const STDERR_LINES_PER_MINUTE = 120;

export class McpSupervisor implements McpHub {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<() => void>();
  private readonly handshakeMs: number;
  private readonly callTimeoutMs: number;
  private readonly backoff: Backoff;
  private readonly maxRestarts: number;
  private stopped = false;

  constructor(private readonly options: SupervisorOptions) {
    this.handshakeMs = options.handshakeMs ?? DEFAULT_HANDSHAKE_MS;
    this.callTimeoutMs = options.callTimeoutMs ?? DEFAULT_CALL_MS;
    this.backoff = options.backoff ?? { baseMs: 1_000, capMs: 60_000, random: Math.random };
    this.maxRestarts = options.maxRestarts ?? 10;
  }

  status(id: string): ServerStatus {
    return this.entries.get(id)?.status ?? { state: 'stopped', detail: null, nextRetryAt: null, tools: [], pid: null, startMs: null };
  }

  /** Starts (or restarts) a server now, whatever it was doing. */
  async start(id: string): Promise<void> {
    if (this.stopped) return;
    const entry = await this.halt(id);
    entry.failures = 0;
    await this.connect(entry, 'starting');
  }

  /** Stops a server (disabled, removed, or Perch is shutting down). */
  async stop(id: string, detail: string | null = null): Promise<void> {
    const entry = await this.halt(id);
    this.set(entry, { state: 'stopped', detail, nextRetryAt: null });
  }

  forget(id: string): void {
    this.entries.delete(id);
  }

  async stopAll(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.entries.keys()].map((id) => this.stop(id)));
  }

  // --- McpHub ----------------------------------------------------------------------------

  tools(): McpToolInfo[] {
    return [...this.entries.values()].filter((e) => e.status.state === 'ready').flatMap((e) => e.status.tools);
  }

  server(id: string): McpServerRules | undefined {
    const config = this.options.config(id);
    return config ? { id, rule: config.rule, contacts: config.contacts, toolRules: config.toolRules } : undefined;
  }

  onToolsChanged(cb: () => void): () => void {
    this.listeners.add(cb);
    return () => void this.listeners.delete(cb);
  }

  async call(qualifiedName: string, args: Record<string, unknown>, opts: { signal: AbortSignal; timeoutMs?: number }): Promise<McpCallResult> {
    const split = qualifiedName.indexOf('__');
    const id = split > 0 ? qualifiedName.slice(0, split) : '';
    const name = qualifiedName.slice(split + 2);
    const entry = this.entries.get(id);
    const label = this.options.config(id)?.name ?? id;
    if (!entry || split <= 0) throw new Error(`No MCP server has the tool ${qualifiedName}.`);
    if (entry.status.state !== 'ready' || !entry.conn) {
      throw new Error(`The MCP server "${label}" is not ready (${entry.status.state}${entry.status.detail ? `: ${entry.status.detail}` : ''}).`);
    }
    if (!entry.status.tools.some((t) => t.name === name)) throw new Error(`The MCP server "${label}" has no tool named ${name}.`);
    const timeoutMs = opts.timeoutMs ?? this.callTimeoutMs;
    try {
      return await entry.conn.call(name, args, { signal: opts.signal, timeoutMs });
    } catch (error) {
      if (opts.signal.aborted) throw new Error(`The call to ${name} on "${label}" was cancelled.`, { cause: error });
      const message = (error as Error).message ?? String(error);
      if (/timed out/i.test(message)) throw new Error(`The tool ${name} on "${label}" did not answer within ${Math.round(timeoutMs / 1000)} s; the call was cancelled.`, { cause: error });
      throw new Error(`The tool ${name} on "${label}" failed: ${message}`, { cause: error });
    }
  }

  // --- inside ----------------------------------------------------------------------------

  private entry(id: string): Entry {
    let entry = this.entries.get(id);
    if (!entry) {
      entry = { id, status: this.status(id), conn: null, generation: 0, failures: 0, readyAt: 0, timer: null, pinger: null, stderr: { windowStart: 0, lines: 0 } };
      this.entries.set(id, entry);
    }
    return entry;
  }

  /** Ends whatever the server is doing (a pending retry, a live connection). */
  private async halt(id: string): Promise<Entry> {
    const entry = this.entry(id);
    entry.generation++;
    if (entry.timer) clearTimeout(entry.timer);
    if (entry.pinger) clearInterval(entry.pinger);
    entry.timer = entry.pinger = null;
    const conn = entry.conn;
    entry.conn = null;
    const hadTools = entry.status.tools.length > 0;
    entry.status = { ...entry.status, tools: [], pid: null };
    if (hadTools) this.toolsChanged(id);
    if (conn) await conn.close();
    return entry;
  }

  private async connect(entry: Entry, state: 'starting' | 'restarting'): Promise<void> {
    const config = this.options.config(entry.id);
    if (!config) return;
    const generation = ++entry.generation;
    const current = () => generation === entry.generation && !this.stopped;
    this.set(entry, { state, detail: state === 'restarting' ? entry.status.detail : null, nextRetryAt: null });
    const started = performance.now();
    let conn: McpConnection | null = null;
    try {
      const spec = await this.options.specOf(config);
      conn = await McpConnection.open(spec, {
        handshakeMs: this.handshakeMs,
        onStderrLine: (line) => this.stderrLine(entry, config.name, line),
        onClosed: (reason) => {
          if (current()) this.lost(entry, config.name, `It stopped unexpectedly (${reason}).`);
        },
        onToolsChanged: () => {
          if (current()) void this.relist(entry, generation);
        },
      });
      if (!current()) {
        await conn.close();
        return;
      }
      entry.conn = conn;
      const tools = await conn.listTools(LIST_TOOLS_MS);
      if (!current()) return;
      const startMs = Math.round(performance.now() - started);
      entry.readyAt = Date.now();
      entry.status = { ...entry.status, tools: tools.map((t) => toolInfo(entry.id, t)), pid: conn.pid, startMs };
      this.set(entry, { state: 'ready', detail: null, nextRetryAt: null });
      this.toolsChanged(entry.id);
      if (spec.transport === 'http') this.watch(entry, conn, generation, config.name);
      this.options.log.info('mcp server ready', { server: entry.id, tools: tools.length, ms: startMs, pid: conn.pid });
    } catch (error) {
      if (!current()) return;
      entry.conn = null;
      if (conn) await conn.close();
      const reason = (error as Error).message ?? String(error);
      this.options.log.warn('mcp server did not start', { server: entry.id, reason });
      if (state === 'starting') this.set(entry, { state: 'failed', detail: reason, nextRetryAt: null });
      else this.retry(entry, reason);
    }
  }

  /** A server that was ready went away: try again after a backoff. */
  private lost(entry: Entry, name: string, reason: string): void {
    this.options.log.warn('mcp server stopped unexpectedly; restarting', { server: entry.id, name, reason });
    entry.conn = null;
    if (entry.pinger) clearInterval(entry.pinger);
    entry.pinger = null;
    if (Date.now() - entry.readyAt > STABLE_MS) entry.failures = 0;
    entry.generation++;
    entry.status = { ...entry.status, tools: [], pid: null };
    this.toolsChanged(entry.id);
    this.retry(entry, reason);
  }

  /** An HTTP session has no process to exit: a ping that fails says the server went away. */
  private watch(entry: Entry, conn: McpConnection, generation: number, name: string): void {
    const everyMs = this.options.pingEveryMs ?? 30_000;
    entry.pinger = setInterval(() => {
      conn.ping(Math.min(everyMs, 10_000)).catch((error: Error) => {
        if (generation !== entry.generation || this.stopped) return;
        if (entry.pinger) clearInterval(entry.pinger);
        entry.pinger = null;
        void conn.close();
        this.lost(entry, name, `It stopped answering (${error.message}).`);
      });
    }, everyMs);
    entry.pinger.unref();
  }

  private retry(entry: Entry, reason: string): void {
    entry.failures++;
    if (entry.failures > this.maxRestarts) {
      this.set(entry, { state: 'failed', detail: `${reason} Gave up after ${this.maxRestarts} attempts to restart it: use Restart once it is fixed.`, nextRetryAt: null });
      return;
    }
    const waitMs = backoffMs(entry.failures, this.backoff);
    const at = new Date(Date.now() + waitMs);
    this.set(entry, { state: 'restarting', detail: `${reason} Trying again at ${at.toLocaleTimeString()}.`, nextRetryAt: at.toISOString() });
    const generation = entry.generation;
    entry.timer = setTimeout(() => {
      entry.timer = null;
      if (generation === entry.generation && !this.stopped) void this.connect(entry, 'restarting');
    }, waitMs);
    entry.timer.unref();
  }

  private async relist(entry: Entry, generation: number): Promise<void> {
    try {
      const tools = await entry.conn?.listTools(LIST_TOOLS_MS);
      if (!tools || generation !== entry.generation) return;
      entry.status = { ...entry.status, tools: tools.map((t) => toolInfo(entry.id, t)) };
      this.options.onStatus(entry.id);
      this.toolsChanged(entry.id);
    } catch (error) {
      this.options.log.warn('mcp server tools could not be listed again', { server: entry.id, reason: (error as Error).message });
    }
  }

  private stderrLine(entry: Entry, name: string, line: string): void {
    const now = Date.now();
    const window = entry.stderr;
    if (now - window.windowStart > 60_000) {
      if (window.lines > STDERR_LINES_PER_MINUTE) this.options.log.info('mcp server stderr lines dropped', { server: entry.id, dropped: window.lines - STDERR_LINES_PER_MINUTE });
      window.windowStart = now;
      window.lines = 0;
    }
    if (++window.lines > STDERR_LINES_PER_MINUTE || !line.trim()) return;
    this.options.log.info('mcp server stderr', { server: entry.id, name, line: redactText(line.slice(0, 2_000)) });
  }

  private set(entry: Entry, change: Pick<ServerStatus, 'state' | 'detail' | 'nextRetryAt'>): void {
    entry.status = { ...entry.status, ...change };
    this.options.onStatus(entry.id);
  }

  private toolsChanged(id: string): void {
    this.options.onToolsChanged(id);
    for (const listener of this.listeners) {
      try {
        listener();
      } catch (error) {
        this.options.log.error('an MCP tools listener failed', { error: (error as Error).message });
      }
    }
  }
}

function toolInfo(server: string, tool: Tool): McpToolInfo {
  const a = tool.annotations ?? {};
  const title = tool.title ?? a.title;
  return {
    server,
    name: tool.name,
    qualifiedName: `${server}__${tool.name}`,
    ...(title ? { title } : {}),
    description: tool.description ?? '',
    inputSchema: tool.inputSchema as Record<string, unknown>,
    annotations: {
      ...(a.readOnlyHint !== undefined ? { readOnlyHint: a.readOnlyHint } : {}),
      ...(a.destructiveHint !== undefined ? { destructiveHint: a.destructiveHint } : {}),
      ...(a.idempotentHint !== undefined ? { idempotentHint: a.idempotentHint } : {}),
      ...(a.openWorldHint !== undefined ? { openWorldHint: a.openWorldHint } : {}),
    },
  };
}
