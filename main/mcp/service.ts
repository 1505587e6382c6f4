import { appError } from '../contract/errors';
import type { McpAddParams, McpPatch, McpServerView } from '../contract/mcp';
import type { EventBus } from '../events/bus';
import type { Logger } from '../log/logger';
import type { SecretStore } from '../secrets/secret-store';
import type { Db } from '../store/database';
import type { DomainHealth } from '../system/health';
import { scrubbedEnv } from '../tools/exec';
import type { ConnectionSpec } from './connection';
import { ImportProblem, parseMcpServersJson } from './import-json';
import { ServerSecrets } from './server-secrets';
import { McpServerStore, slugOf, type ServerConfig } from './server-store';
import { McpSupervisor } from './supervisor';
import { effectiveRule } from './tool-rules';
import type { McpHub, McpRule, McpToolInfo } from './types';

// MCP servers as the owner manages them: configuration in SQLite, env and header values in the
// secret store, each enabled server kept running by the supervisor (which is also the hub the
// agent calls tools through).

export interface McpServiceOptions {
  db: Db;
  secrets: SecretStore;
  bus: EventBus;
  log: Logger;
  /** Test knobs: PERCH_MCP_HANDSHAKE_MS, PERCH_MCP_RESTART_BASE_MS, PERCH_MCP_PING_MS. */
  env?: NodeJS.ProcessEnv;
}

const knob = (value: string | undefined) => (value && Number(value) > 0 ? Number(value) : undefined);

export class McpService {
  readonly hub: McpHub;
  private readonly store: McpServerStore;
  private readonly secrets: ServerSecrets;
  private readonly supervisor: McpSupervisor;
  private readonly log: Logger;

  constructor(private readonly options: McpServiceOptions) {
    const env = options.env ?? {};
    this.log = options.log.child({ scope: 'mcp' });
    this.store = new McpServerStore(options.db);
    this.secrets = new ServerSecrets(options.secrets);
    const restartBase = knob(env.PERCH_MCP_RESTART_BASE_MS);
    this.supervisor = new McpSupervisor({
      log: this.log,
      specOf: (config) => this.specOf(config),
      config: (id) => this.store.get(id),
      onStatus: (id) => {
        const view = this.view(id);
        if (view) options.bus.publish('mcp.server.status', view);
      },
      onToolsChanged: (server) => options.bus.publish('mcp.tools.changed', { server }),
      ...(knob(env.PERCH_MCP_HANDSHAKE_MS) ? { handshakeMs: knob(env.PERCH_MCP_HANDSHAKE_MS) } : {}),
      ...(knob(env.PERCH_MCP_PING_MS) ? { pingEveryMs: knob(env.PERCH_MCP_PING_MS) } : {}),
      ...(restartBase ? { backoff: { baseMs: restartBase, capMs: restartBase * 30, random: Math.random } } : {}),
    });
    this.hub = this.supervisor;
  }

  /** Starts every enabled server (in the background: launch does not wait for them). */
  start(): void {
    for (const config of this.store.all()) if (config.enabled) void this.supervisor.start(config.id);
  }

  stop(): Promise<void> {
    return this.supervisor.stopAll();
  }

  /** A server's stdio process while it runs, and how long its last start took (tests and benches). */
  runtime(id: string): { pid: number | null; startMs: number | null } {
    const { pid, startMs } = this.supervisor.status(id);
    return { pid, startMs };
  }

  health(): DomainHealth {
    const views = this.list();
    if (views.length === 0) return { status: 'ok', detail: 'no MCP server set up' };
    const troubled = views.filter((v) => v.state === 'failed' || v.state === 'restarting');
    const summary = views.map((v) => `${v.name}: ${v.state}${v.state === 'ready' ? ` (${v.toolCount} tools)` : ''}`).join(', ');
    if (troubled.length === 0) return { status: 'ok', detail: summary };
    return { status: 'degraded', detail: `${summary}. ${troubled.map((v) => `${v.name}: ${v.detail ?? v.state}`).join(' ')}` };
  }

  list(): McpServerView[] {
    return this.store.all().map((config) => this.viewOf(config));
  }

  async add(params: McpAddParams): Promise<McpServerView> {
    const config = await this.insert(params);
    void this.supervisor.start(config.id);
    return this.viewOf(config);
  }

  async importJson(json: string): Promise<{ added: string[]; skipped: Array<{ name: string; reason: string }> }> {
    let entries: McpAddParams[];
    try {
      entries = parseMcpServersJson(json);
    } catch (error) {
      if (error instanceof ImportProblem) throw appError('invalid_mcp_server', error.message);
      throw error;
    }
    const skipped: Array<{ name: string; reason: string }> = [];
    const fresh: McpAddParams[] = [];
    const ids = new Set<string>();
    for (const entry of entries) {
      const existing = this.store.clash(entry.name, slugOf(entry.name));
      if (existing) skipped.push({ name: entry.name, reason: `a server named "${existing.name}" is already set up` });
      else if (ids.has(slugOf(entry.name))) throw appError('invalid_mcp_server', `Server "${entry.name}": its name is the same as another one in this file (as id "${slugOf(entry.name)}"); rename one.`);
      else {
        ids.add(slugOf(entry.name));
        fresh.push(entry);
      }
    }
    // Secrets first, rows in one transaction: a failure leaves neither (nothing half-imported).
    const written: ServerConfig[] = [];
    for (const entry of fresh) await this.writeSecrets(slugOf(entry.name), entry);
    try {
      this.store.transaction(() => {
        for (const entry of fresh) written.push(this.store.insert(this.rowOf(entry)));
      });
    } catch (error) {
      for (const entry of fresh) await this.dropSecrets(slugOf(entry.name), entry);
      throw error;
    }
    for (const config of written) void this.supervisor.start(config.id);
    this.log.info('mcp servers imported', { added: written.map((c) => c.id), skipped: skipped.length });
    return { added: written.map((c) => c.name), skipped };
  }

  async update(id: string, patch: McpPatch): Promise<McpServerView> {
    const config = this.existing(id);
    const stdioOnly = (['command', 'args', 'env', 'cwd'] as const).filter((k) => patch[k] !== undefined);
    const httpOnly = (['url', 'headers'] as const).filter((k) => patch[k] !== undefined);
    if (config.transport === 'http' && stdioOnly.length) throw appError('invalid_mcp_server', `"${config.name}" is reached over HTTP: ${stdioOnly.join(', ')} apply to stdio servers only.`);
    if (config.transport === 'stdio' && httpOnly.length) throw appError('invalid_mcp_server', `"${config.name}" runs over stdio: ${httpOnly.join(', ')} apply to HTTP servers only.`);
    const envKeys = await this.merge(id, 'env', config.envKeys, patch.env);
    const headerKeys = await this.merge(id, 'header', config.headerKeys, patch.headers);
    this.store.update(
      id,
      {
        ...(patch.command !== undefined ? { command: patch.command } : {}),
        ...(patch.args !== undefined ? { args: patch.args } : {}),
        ...(patch.cwd !== undefined ? { cwd: patch.cwd } : {}),
        ...(patch.url !== undefined ? { url: patch.url } : {}),
        ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
        ...(patch.rule !== undefined ? { rule: patch.rule } : {}),
        ...(patch.contacts !== undefined ? { contacts: patch.contacts } : {}),
        envKeys,
        headerKeys,
      },
      patch.tools ?? {},
    );
    const next = this.existing(id);
    const reconnect = stdioOnly.length > 0 || httpOnly.length > 0;
    if (!next.enabled && config.enabled) await this.supervisor.stop(id, 'Turned off.');
    else if (next.enabled && (!config.enabled || reconnect)) void this.supervisor.start(id);
    else this.options.bus.publish('mcp.server.status', this.viewOf(next));
    if (patch.tools !== undefined || patch.rule !== undefined) this.options.bus.publish('mcp.tools.changed', { server: id });
    return this.viewOf(next);
  }

  async remove(id: string): Promise<void> {
    const config = this.existing(id);
    await this.supervisor.stop(id);
    this.supervisor.forget(id);
    this.store.remove(id);
    await this.secrets.forget(id, 'env', config.envKeys);
    await this.secrets.forget(id, 'header', config.headerKeys);
    this.options.bus.publish('mcp.tools.changed', { server: id });
    this.log.info('mcp server removed', { server: id });
  }

  async restart(id: string): Promise<McpServerView> {
    const config = this.existing(id);
    if (!config.enabled) throw appError('invalid_mcp_server', `"${config.name}" is turned off: turn it on to start it.`);
    void this.supervisor.start(id);
    await Promise.resolve();
    return this.viewOf(config);
  }

  tools(server?: string): Array<McpToolInfo & { rule: McpRule | null; effective: McpRule }> {
    if (server !== undefined) this.existing(server);
    const configs = new Map(this.store.all().map((c) => [c.id, c]));
    return this.supervisor
      .tools()
      .filter((t) => server === undefined || t.server === server)
      .flatMap((tool) => {
        const config = configs.get(tool.server);
        if (!config) return [];
        const rules = { rule: config.rule, toolRules: config.toolRules };
        return [{ ...tool, rule: config.toolRules[tool.name] ?? null, effective: effectiveRule(tool, rules, true) }];
      });
  }

  // --- inside ----------------------------------------------------------------------------

  private existing(id: string): ServerConfig {
    const config = this.store.get(id);
    if (!config) throw appError('not_found', `No MCP server with id ${id}: see mcp.servers.list.`);
    return config;
  }

  private async insert(params: McpAddParams): Promise<ServerConfig> {
    const id = slugOf(params.name);
    const existing = this.store.clash(params.name, id);
    if (existing) throw appError('invalid_mcp_server', `A server named "${existing.name}" is already set up (id ${existing.id}): choose another name, or change that one.`);
    await this.writeSecrets(id, params);
    try {
      const config = this.store.insert(this.rowOf(params));
      this.log.info('mcp server added', { server: id, transport: params.transport });
      return config;
    } catch (error) {
      await this.dropSecrets(id, params);
      throw error;
    }
  }

  private rowOf(params: McpAddParams) {
    const id = slugOf(params.name);
    return params.transport === 'stdio'
      ? { id, name: params.name, transport: 'stdio' as const, command: params.command, args: params.args ?? [], cwd: params.cwd ?? null, url: null, envKeys: Object.keys(params.env ?? {}), headerKeys: [] }
      : { id, name: params.name, transport: 'http' as const, command: null, args: [], cwd: null, url: params.url, envKeys: [], headerKeys: Object.keys(params.headers ?? {}) };
  }

  private async writeSecrets(id: string, params: McpAddParams): Promise<void> {
    if (params.transport === 'stdio') await this.secrets.write(id, 'env', params.env ?? {});
    else await this.secrets.write(id, 'header', params.headers ?? {});
  }

  private async dropSecrets(id: string, params: McpAddParams): Promise<void> {
    if (params.transport === 'stdio') await this.secrets.forget(id, 'env', Object.keys(params.env ?? {}));
    else await this.secrets.forget(id, 'header', Object.keys(params.headers ?? {}));
  }

  /** Applies an env or headers patch (a value sets, null removes) to the secret store; the names that remain. */
  private async merge(id: string, kind: 'env' | 'header', keys: string[], patch: Record<string, string | null> | undefined): Promise<string[]> {
    if (!patch) return keys;
    const set = Object.fromEntries(Object.entries(patch).filter((e): e is [string, string] => e[1] !== null));
    const removed = Object.keys(patch).filter((k) => patch[k] === null);
    await this.secrets.write(id, kind, set);
    await this.secrets.forget(id, kind, removed.filter((k) => keys.includes(k)));
    return [...new Set([...keys, ...Object.keys(set)])].filter((k) => !removed.includes(k));
  }

  private async specOf(config: ServerConfig): Promise<ConnectionSpec> {
    if (config.transport === 'http') {
      return { transport: 'http', url: config.url ?? '', headers: await this.secrets.read(config.id, 'header', config.headerKeys) };
    }
    // Only what programs need from Perch's environment (no tokens or keys), then the server's own.
    const env = Object.fromEntries(Object.entries(scrubbedEnv()).filter((e): e is [string, string] => typeof e[1] === 'string'));
    return { transport: 'stdio', command: config.command ?? '', args: config.args, cwd: config.cwd, env: { ...env, ...(await this.secrets.read(config.id, 'env', config.envKeys)) } };
  }

  private view(id: string): McpServerView | undefined {
    const config = this.store.get(id);
    return config ? this.viewOf(config) : undefined;
  }

  private viewOf(config: ServerConfig): McpServerView {
    const status = this.supervisor.status(config.id);
    const disabled = !config.enabled && status.state === 'stopped';
    return {
      id: config.id,
      name: config.name,
      transport: config.transport,
      ...(config.transport === 'stdio' ? { command: config.command ?? '', args: config.args, ...(config.cwd ? { cwd: config.cwd } : {}) } : { url: config.url ?? '' }),
      envKeys: config.envKeys,
      headerKeys: config.headerKeys,
      enabled: config.enabled,
      rule: config.rule,
      contacts: config.contacts,
      state: status.state,
      detail: disabled ? 'Turned off.' : status.detail,
      nextRetryAt: status.nextRetryAt,
      toolCount: status.state === 'ready' ? status.tools.length : 0,
    };
  }
}
