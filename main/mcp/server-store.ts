import type { Db } from '../store/database';
import type { Migration } from '../store/migrations';
import { prepared, transactor, type Prepared } from '../store/prepared';
import type { McpRule } from './types';

// MCP servers as configured, and the owner's per-tool rules. Env and header values are secrets:
// the database keeps their names only (the values are in the secret store, see server-secrets.ts).

export const mcpMigrations: Migration[] = [
  {
    domain: 'mcp',
    version: 1,
    name: 'servers and per-tool rules',
    up: (db) =>
      db.exec(`
        CREATE TABLE mcp_servers (
          id TEXT PRIMARY KEY,
          name TEXT NOT NULL UNIQUE COLLATE NOCASE,
          transport TEXT NOT NULL CHECK (transport IN ('stdio', 'http')),
          command TEXT,
          args TEXT NOT NULL DEFAULT '[]',
          cwd TEXT,
          url TEXT,
          env_keys TEXT NOT NULL DEFAULT '[]',
          header_keys TEXT NOT NULL DEFAULT '[]',
          enabled INTEGER NOT NULL DEFAULT 1,
          rule TEXT NOT NULL DEFAULT 'ask' CHECK (rule IN ('allow', 'ask', 'block')),
          contacts INTEGER NOT NULL DEFAULT 0,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL) STRICT;
        CREATE TABLE mcp_tool_rules (
          server_id TEXT NOT NULL REFERENCES mcp_servers (id) ON DELETE CASCADE,
          tool TEXT NOT NULL,
          rule TEXT NOT NULL CHECK (rule IN ('allow', 'ask', 'block')),
          PRIMARY KEY (server_id, tool)) STRICT;
      `),
  },
];

export interface ServerConfig {
  id: string;
  name: string;
  transport: 'stdio' | 'http';
  command: string | null;
  args: string[];
  cwd: string | null;
  url: string | null;
  envKeys: string[];
  headerKeys: string[];
  enabled: boolean;
  rule: McpRule;
  contacts: boolean;
  toolRules: Record<string, McpRule>;
}

export type NewServer = Omit<ServerConfig, 'enabled' | 'rule' | 'contacts' | 'toolRules'>;

interface Row {
  id: string;
  name: string;
  transport: 'stdio' | 'http';
  command: string | null;
  args: string;
  cwd: string | null;
  url: string | null;
  env_keys: string;
  header_keys: string;
  enabled: number;
  rule: McpRule;
  contacts: number;
}

/** A server's id from its name: lower case letters, digits and single dashes (no "__", which namespaces tools). */
export function slugOf(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 32)
    .replace(/-+$/, '');
  return slug || 'server';
}

export class McpServerStore {
  private readonly sql: Prepared;
  readonly transaction: <T>(fn: () => T) => T;

  constructor(db: Db) {
    this.sql = prepared(db);
    this.transaction = transactor(db);
  }

  all(): ServerConfig[] {
    const rows = this.sql('SELECT * FROM mcp_servers ORDER BY created_at, id').all() as Row[];
    return rows.map((row) => this.config(row));
  }

  get(id: string): ServerConfig | undefined {
    const row = this.sql('SELECT * FROM mcp_servers WHERE id = ?').get(id) as Row | undefined;
    return row ? this.config(row) : undefined;
  }

  /** The server already using this name (any case) or this id, if any. */
  clash(name: string, id: string): ServerConfig | undefined {
    const row = this.sql('SELECT * FROM mcp_servers WHERE name = ? COLLATE NOCASE OR id = ?').get(name, id) as Row | undefined;
    return row ? this.config(row) : undefined;
  }

  insert(server: NewServer): ServerConfig {
    const at = new Date().toISOString();
    this.sql(
      `INSERT INTO mcp_servers (id, name, transport, command, args, cwd, url, env_keys, header_keys, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(server.id, server.name, server.transport, server.command, JSON.stringify(server.args), server.cwd, server.url, JSON.stringify(server.envKeys), JSON.stringify(server.headerKeys), at, at);
    return this.get(server.id)!;
  }

  update(id: string, change: Partial<Omit<ServerConfig, 'id' | 'name' | 'transport' | 'toolRules'>>, toolRules: Record<string, McpRule | null> = {}): void {
    this.transaction(() => {
      const current = this.get(id);
      if (!current) return;
      const next = { ...current, ...change };
      this.sql(
        `UPDATE mcp_servers SET command = ?, args = ?, cwd = ?, url = ?, env_keys = ?, header_keys = ?, enabled = ?, rule = ?, contacts = ?, updated_at = ?
         WHERE id = ?`,
      ).run(next.command, JSON.stringify(next.args), next.cwd, next.url, JSON.stringify(next.envKeys), JSON.stringify(next.headerKeys), next.enabled ? 1 : 0, next.rule, next.contacts ? 1 : 0, new Date().toISOString(), id);
      for (const [tool, rule] of Object.entries(toolRules)) {
        if (rule === null) this.sql('DELETE FROM mcp_tool_rules WHERE server_id = ? AND tool = ?').run(id, tool);
        else this.sql('INSERT INTO mcp_tool_rules (server_id, tool, rule) VALUES (?, ?, ?) ON CONFLICT (server_id, tool) DO UPDATE SET rule = excluded.rule').run(id, tool, rule);
      }
    });
  }

  remove(id: string): boolean {
    return this.transaction(() => {
      this.sql('DELETE FROM mcp_tool_rules WHERE server_id = ?').run(id);
      return this.sql('DELETE FROM mcp_servers WHERE id = ?').run(id).changes > 0;
    });
  }

  private config(row: Row): ServerConfig {
    const rules = this.sql('SELECT tool, rule FROM mcp_tool_rules WHERE server_id = ? ORDER BY tool').all(row.id) as Array<{ tool: string; rule: McpRule }>;
    return {
      id: row.id,
      name: row.name,
      transport: row.transport,
      command: row.command,
      args: JSON.parse(row.args) as string[],
      cwd: row.cwd,
      url: row.url,
      envKeys: JSON.parse(row.env_keys) as string[],
      headerKeys: JSON.parse(row.header_keys) as string[],
      enabled: row.enabled === 1,
      rule: row.rule,
      contacts: row.contacts === 1,
      toolRules: Object.fromEntries(rules.map((r) => [r.tool, r.rule])),
    };
  }
}
