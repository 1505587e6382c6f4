import type { SecretStore } from '../secrets/secret-store';

// Env and header values of MCP servers live in the secret store under mcp:<id>:env:<KEY> and
// mcp:<id>:header:<Name>; the database lists the names. Reading one registers it with the log's
// redaction (the secret store does that), so a server echoing it on stderr is scrubbed too.

type Kind = 'env' | 'header';

const nameOf = (id: string, kind: Kind, key: string) => `mcp:${id}:${kind}:${key}`;

export class ServerSecrets {
  constructor(private readonly secrets: SecretStore) {}

  async write(id: string, kind: Kind, values: Record<string, string>): Promise<void> {
    for (const [key, value] of Object.entries(values)) await this.secrets.set(nameOf(id, kind, key), value);
  }

  async read(id: string, kind: Kind, keys: string[]): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const key of keys) {
      const value = await this.secrets.get(nameOf(id, kind, key));
      if (value === null) throw new Error(`The ${kind === 'env' ? 'environment variable' : 'header'} ${key} has no value in the secret store (set it again in Settings → Tools).`);
      out[key] = value;
    }
    return out;
  }

  async forget(id: string, kind: Kind, keys: string[]): Promise<void> {
    for (const key of keys) await this.secrets.delete(nameOf(id, kind, key));
  }
}
