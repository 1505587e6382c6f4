import type { Db } from '../store/database';

// The triggers that make audit_log append-only. Someone with the file can drop them (the keyed
// chain and the head still show what they then do); at start any missing or altered one is put back.
// INSERT OR REPLACE deletes the row it replaces without firing DELETE triggers, so inserts are
// refused unless they add exactly the next seq.

export const AUDIT_TRIGGERS: Record<string, string> = {
  audit_log_no_update: `CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
          BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END`,
  audit_log_no_delete: `CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
          BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END`,
  audit_log_append_only: `CREATE TRIGGER audit_log_append_only BEFORE INSERT ON audit_log
          WHEN NEW.seq IS NOT (SELECT IFNULL(MAX(seq), 0) + 1 FROM audit_log)
          BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: rows are only added at the end'); END`,
};

const normal = (sql: string) => sql.replace(/\s+/g, ' ').trim();

export interface TriggerRepair {
  missing: string[];
  altered: string[];
}

/** Puts back every audit trigger that is missing or differs from its definition. */
export function repairAuditTriggers(db: Db): TriggerRepair {
  const found = new Map(
    (db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'").all() as Array<{ name: string; sql: string }>).map((t) => [t.name, t.sql]),
  );
  const repair: TriggerRepair = { missing: [], altered: [] };
  db.transaction(() => {
    for (const [name, sql] of Object.entries(AUDIT_TRIGGERS)) {
      const current = found.get(name);
      if (current !== undefined && normal(current) === normal(sql)) continue;
      (current === undefined ? repair.missing : repair.altered).push(name);
      if (current !== undefined) db.exec(`DROP TRIGGER ${name}`);
      db.exec(sql);
    }
  })();
  return repair;
}
