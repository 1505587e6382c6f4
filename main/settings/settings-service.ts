import { appError } from '../contract/errors';
import { settingsSchema, type Settings, type SettingsPatch, type SettingsSection } from '../contract/settings';
import type { Logger } from '../log/logger';
import type { Db } from '../store/database';
import type { Migration } from '../store/migrations';

// Settings are stored one row per top-level section (JSON), validated on the way in and on the
// way out, and overlaid by environment variables, which always win and are reported as such.

export const settingsMigrations: Migration[] = [
  {
    domain: 'settings',
    version: 1,
    name: 'settings sections',
    up: (db) =>
      db.exec(`CREATE TABLE settings (
        section TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at TEXT NOT NULL) STRICT`),
  },
];

/** A stored row Perch could not use as it is (its defaults apply until the section is set again). */
export interface UnreadableSetting {
  section: string;
  detail: string;
}

export interface SettingsView {
  settings: Settings;
  overridden: Array<{ path: string; variable: string }>;
}

export class SettingsService {
  private stored: Record<string, unknown> = {};
  private effective: Settings;
  private unreadableRows: UnreadableSetting[] = [];

  constructor(
    private readonly db: Db,
    private readonly overrides: SettingsPatch,
    private readonly overridden: Array<{ path: string; variable: string }>,
    private readonly log: Logger,
  ) {
    this.stored = this.load();
    this.effective = this.compose(this.stored);
  }

  view(): SettingsView {
    return { settings: this.effective, overridden: this.overridden };
  }

  get(): Settings {
    return this.effective;
  }

  /** Stored rows read at start that could not be used as they are (health reports them). */
  unreadable(): UnreadableSetting[] {
    return this.unreadableRows;
  }

  /** Applies a patch; nothing is stored unless the whole result is valid. Returns changed paths. */
  update(patch: SettingsPatch): { view: SettingsView; changed: string[] } {
    const nextStored = merge(this.stored, patch as Record<string, unknown>);
    const check = settingsSchema.safeParse(nextStored);
    if (!check.success) {
      const issue = check.error.issues[0]!;
      throw appError('invalid_setting', `Invalid setting ${issue.path.join('.')}: ${issue.message}`, {
        issues: check.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      });
    }
    const sections = Object.keys(patch) as SettingsSection[];
    const upsert = this.db.prepare(
      'INSERT INTO settings (section, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (section) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
    );
    const now = new Date().toISOString();
    this.db.transaction(() => {
      for (const section of sections) upsert.run(section, JSON.stringify(check.data[section]), now);
    })();
    const before = this.effective;
    this.unreadableRows = this.unreadableRows.filter((u) => !sections.includes(u.section as SettingsSection));
    this.stored = { ...this.stored, ...Object.fromEntries(sections.map((s) => [s, check.data[s]])) };
    this.effective = this.compose(this.stored);
    return { view: this.view(), changed: diffPaths(before, this.effective) };
  }

  private load(): Record<string, unknown> {
    const rows = this.db.prepare('SELECT section, value FROM settings').all() as Array<{ section: string; value: string }>;
    const stored: Record<string, unknown> = {};
    // The row stays untouched (nothing is lost); the defaults apply until the section is set again.
    const unreadable = (section: string, detail: string) => {
      this.unreadableRows.push({ section, detail });
      this.log.warn('ignoring an unreadable stored setting; using its default', { section, detail });
    };
    for (const row of rows) {
      const schema = settingsSchema.shape[row.section as SettingsSection];
      if (!schema) {
        // A section from another version of Perch: kept, unused, and not a fault of these settings.
        this.log.info('a stored settings section this version does not use is left alone', { section: row.section });
        continue;
      }
      let value: unknown;
      try {
        value = JSON.parse(row.value);
      } catch {
        // Not "absent": the section's prefault would quietly turn undefined into its defaults.
        unreadable(row.section, 'not valid JSON');
        continue;
      }
      const parsed = schema.safeParse(value);
      if (parsed.success) {
        stored[row.section] = parsed.data;
        continue;
      }
      // Only the fields that fail fall back to their defaults; the readable ones beside them are kept.
      const bad = new Set(parsed.error.issues.map((i) => (i.path.length > 0 ? String(i.path[0]) : '')));
      const rest = isPlainObject(value) && !bad.has('') ? schema.safeParse(Object.fromEntries(Object.entries(value).filter(([key]) => !bad.has(key)))) : null;
      if (rest?.success) stored[row.section] = rest.data;
      const fields = rest?.success ? [...bad].map((key) => `${row.section}.${key}`).join(', ') : 'the whole section';
      unreadable(row.section, `${fields}: ${parsed.error.issues[0]!.message}`);
    }
    return stored;
  }

  private compose(stored: Record<string, unknown>): Settings {
    const overlay = merge(stored, this.overrides as Record<string, unknown>);
    return settingsSchema.parse(overlay);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep merge of plain objects; arrays and scalars in the patch replace what was there. */
function merge(target: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    const current = out[key];
    out[key] = isPlainObject(value) && isPlainObject(current) ? merge(current, value) : structuredClone(value);
  }
  return out;
}

function diffPaths(a: unknown, b: unknown, prefix = ''): string[] {
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((k) => diffPaths(a[k], b[k], prefix ? `${prefix}.${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [prefix];
}
