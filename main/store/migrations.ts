import type { Db } from './database';

// Forward-only, versioned migrations. Each domain owns its tables and numbers its own
// migrations 1, 2, 3…; every migration runs in its own transaction together with the row that
// records it, so a crash mid-migration leaves the previous version intact.

export interface Migration {
  domain: string;
  version: number;
  name: string;
  up: (db: Db) => void;
}

export class NewerDatabaseError extends Error {
  constructor(file: string, domain: string, found: number, known: number, writtenBy: string | undefined) {
    super(
      `The database ${file} was written by a newer Perch${writtenBy ? ` (${writtenBy})` : ''}: ` +
        `its "${domain}" schema is version ${found}, this version knows up to ${known}. ` +
        'Update Perch, or point PERCH_DATA_DIR at another directory.',
    );
    this.name = 'NewerDatabaseError';
  }
}

export interface MigrationReport {
  applied: Array<{ domain: string; version: number; name: string }>;
  versions: Record<string, number>;
}

export function migrate(db: Db, file: string, migrations: Migration[], appVersion: string): MigrationReport {
  validate(migrations);
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    domain TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL, applied_at TEXT NOT NULL,
    PRIMARY KEY (domain, version)) STRICT`);

  // Refuse a newer database before writing anything to it.
  const current = currentVersions(db);
  const known = new Map<string, number>();
  for (const m of migrations) known.set(m.domain, Math.max(known.get(m.domain) ?? 0, m.version));
  for (const [domain, version] of Object.entries(current)) {
    const knownVersion = known.get(domain) ?? 0;
    if (version > knownVersion) throw new NewerDatabaseError(file, domain, version, knownVersion, writtenBy(db));
  }
  db.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT');

  const record = db.prepare('INSERT INTO schema_migrations (domain, version, name, applied_at) VALUES (?, ?, ?, ?)');
  const applied: MigrationReport['applied'] = [];
  for (const m of migrations) {
    if (m.version <= (current[m.domain] ?? 0)) continue;
    db.transaction(() => {
      m.up(db);
      record.run(m.domain, m.version, m.name, new Date().toISOString());
    })();
    applied.push({ domain: m.domain, version: m.version, name: m.name });
  }
  db.prepare("INSERT INTO meta (key, value) VALUES ('written_by', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(
    `Perch ${appVersion}`,
  );
  return { applied, versions: currentVersions(db) };
}

export function currentVersions(db: Db): Record<string, number> {
  const rows = db.prepare('SELECT domain, max(version) AS version FROM schema_migrations GROUP BY domain').all() as Array<{
    domain: string;
    version: number;
  }>;
  return Object.fromEntries(rows.map((r) => [r.domain, r.version]));
}

function writtenBy(db: Db): string | undefined {
  const hasMeta = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
  if (!hasMeta) return undefined;
  return (db.prepare("SELECT value FROM meta WHERE key = 'written_by'").get() as { value: string } | undefined)?.value;
}

function validate(migrations: Migration[]): void {
  const next = new Map<string, number>();
  for (const m of migrations) {
    const expected = (next.get(m.domain) ?? 0) + 1;
    if (m.version !== expected) {
      throw new Error(`migration list is broken: ${m.domain} v${m.version} "${m.name}" should be v${expected}`);
    }
    next.set(m.domain, m.version);
  }
}
