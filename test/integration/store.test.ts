import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allMigrations, VERSION } from '../../main/core';
import { closeDatabase, openDatabase } from '../../main/store/database';
import { acquireInstanceLock, AlreadyRunningError } from '../../main/store/instance-lock';
import { currentVersions, migrate, NewerDatabaseError, type Migration } from '../../main/store/migrations';
import { tempDataDir } from '../helpers/data-dir';

const dbFile = () => path.join(tempDataDir(), 'perch.db');

describe('database', () => {
  it('opens in WAL mode with foreign keys, a busy timeout and sqlite-vec', () => {
    const db = openDatabase(dbFile());
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    db.exec('CREATE VIRTUAL TABLE v USING vec0(embedding float[3])');
    db.prepare('INSERT INTO v (rowid, embedding) VALUES (1, ?)').run(new Float32Array([1, 0, 0]));
    db.prepare('INSERT INTO v (rowid, embedding) VALUES (2, ?)').run(new Float32Array([0, 1, 0]));
    const nearest = db.prepare('SELECT rowid FROM v WHERE embedding MATCH ? ORDER BY distance LIMIT 1').get(new Float32Array([0.1, 0.9, 0])) as { rowid: number };
    expect(nearest.rowid).toBe(2);
    closeDatabase(db);
  });

  it('refuses a corrupt file with a clear error naming it', () => {
    const file = dbFile();
    fs.writeFileSync(file, 'this is not a database, just some text that is long enough'.repeat(100));
    expect(() => openDatabase(file)).toThrow(new RegExp(`cannot open the database ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: file is not a database`));
  });

  it('checkpoints the WAL on close', () => {
    const file = dbFile();
    const db = openDatabase(file);
    db.exec('CREATE TABLE t (x)');
    db.prepare('INSERT INTO t VALUES (?)').run('hello');
    expect(fs.statSync(`${file}-wal`).size).toBeGreaterThan(0);
    closeDatabase(db);
    expect(fs.existsSync(`${file}-wal`) ? fs.statSync(`${file}-wal`).size : 0).toBe(0);
  });
});

describe('migrations', () => {
  const notesV1: Migration = { domain: 'notes', version: 1, name: 'notes', up: (db) => db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)') };
  const notesV2: Migration = {
    domain: 'notes',
    version: 2,
    name: 'note titles',
    up: (db) => {
      db.exec("ALTER TABLE notes ADD COLUMN title TEXT NOT NULL DEFAULT ''");
      db.exec("UPDATE notes SET title = substr(body, 1, 5)");
    },
  };

  it('applies every domain migration once and records it', () => {
    const file = dbFile();
    const db = openDatabase(file);
    const first = migrate(db, file, allMigrations, VERSION);
    expect(first.applied.map((m) => `${m.domain}@${m.version}`)).toEqual(['settings@1', 'auth@1', 'agent@1', 'agent@2', 'agent@3', 'audit@1', 'audit@2', 'approvals@1', 'approvals@2', 'approvals@3', 'memory@1', 'channels@1', 'channels@2', 'scheduler@1', 'privacy@1', 'mcp@1']);
    expect(migrate(db, file, allMigrations, VERSION).applied).toEqual([]);
    expect(currentVersions(db)).toEqual({ settings: 1, auth: 1, agent: 3, audit: 2, approvals: 3, memory: 1, channels: 2, scheduler: 1, privacy: 1, mcp: 1 });
    closeDatabase(db);
  });

  it('migrates an older database forward and keeps its data', () => {
    const file = dbFile();
    let db = openDatabase(file);
    migrate(db, file, [...allMigrations, notesV1], '0.0.1');
    db.prepare('INSERT INTO notes (body) VALUES (?)').run('hello world');
    db.prepare("INSERT INTO settings (section, value, updated_at) VALUES ('logLevel', '\"debug\"', 'then')").run();
    closeDatabase(db);

    db = openDatabase(file);
    const report = migrate(db, file, [...allMigrations, notesV1, notesV2], VERSION);
    expect(report.applied).toEqual([{ domain: 'notes', version: 2, name: 'note titles' }]);
    expect(db.prepare('SELECT body, title FROM notes').get()).toEqual({ body: 'hello world', title: 'hello' });
    expect(db.prepare("SELECT value FROM settings WHERE section = 'logLevel'").get()).toEqual({ value: '"debug"' });
    closeDatabase(db);
  });

  it('rolls a failing migration back completely', () => {
    const file = dbFile();
    const db = openDatabase(file);
    const broken: Migration = {
      domain: 'notes',
      version: 1,
      name: 'half done',
      up: (d) => {
        d.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY)');
        throw new Error('disk on fire');
      },
    };
    expect(() => migrate(db, file, [...allMigrations, broken], VERSION)).toThrow('disk on fire');
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'notes'").get()).toBeUndefined();
    expect(currentVersions(db).notes).toBeUndefined();
    expect(currentVersions(db).settings).toBe(1); // earlier, successful migrations stay
    closeDatabase(db);
  });

  it('refuses a database written by a newer Perch with a clear message', () => {
    const file = dbFile();
    let db = openDatabase(file);
    migrate(db, file, [...allMigrations, notesV1, notesV2], '9.9.9');
    closeDatabase(db);
    db = openDatabase(file);
    expect(() => migrate(db, file, [...allMigrations, notesV1], VERSION)).toThrow(NewerDatabaseError);
    expect(() => migrate(db, file, [...allMigrations, notesV1], VERSION)).toThrow(
      /written by a newer Perch \(Perch 9\.9\.9\): its "notes" schema is version 2, this version knows up to 1\. Update Perch/,
    );
    expect(db.prepare('SELECT count(*) AS n FROM notes').get()).toEqual({ n: 0 }); // untouched
    closeDatabase(db);
  });

  it('rejects a migration list with gaps', () => {
    const file = dbFile();
    const db = openDatabase(file);
    expect(() => migrate(db, file, [notesV2], VERSION)).toThrow(/notes v2 "note titles" should be v1/);
    closeDatabase(db);
  });
});

describe('instance lock', () => {
  it('lets one process hold a data dir and names the holder to the second', () => {
    const dir = tempDataDir();
    const lock = acquireInstanceLock(dir);
    expect(() => acquireInstanceLock(dir)).toThrow(AlreadyRunningError);
    expect(() => acquireInstanceLock(dir)).toThrow(`Another Perch (pid ${process.pid}) is already running with the data directory ${dir}`);
    lock.release();
    acquireInstanceLock(dir).release();
  });

  it('is released by the operating system when the holder is killed', async () => {
    const dir = tempDataDir();
    const holder = spawn(
      process.execPath,
      ['-e', `require(${JSON.stringify(require.resolve('better-sqlite3'))}); const D=require(${JSON.stringify(require.resolve('better-sqlite3'))}); const db=new D(${JSON.stringify(path.join(dir, 'perch.lock'))}); db.pragma('locking_mode=EXCLUSIVE'); db.exec('BEGIN EXCLUSIVE'); console.log('locked'); setInterval(()=>{},1000)`],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve) => holder.stdout!.once('data', () => resolve()));
    expect(() => acquireInstanceLock(dir)).toThrow(AlreadyRunningError);
    holder.kill('SIGKILL');
    await new Promise((resolve) => holder.once('exit', resolve));
    acquireInstanceLock(dir).release();
  });
});
