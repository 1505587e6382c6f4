import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Credentials, LOGIN_CODE_TTL_MS } from '../../main/auth/credentials';
import { allMigrations, VERSION } from '../../main/core';
import { openDatabase } from '../../main/store/database';
import { migrate } from '../../main/store/migrations';
import { tempDataDir } from '../helpers/data-dir';

const TOKEN = 'the-gateway-token-0123456789abcdef';

function setup() {
  const file = path.join(tempDataDir(), 'perch.db');
  const db = openDatabase(file);
  migrate(db, file, allMigrations, VERSION);
  let now = 1_000_000;
  const credentials = new Credentials(db, TOKEN, () => now);
  return { db, credentials, advance: (ms: number) => (now += ms) };
}

describe('credentials', () => {
  it('accepts the token and refuses anything else', () => {
    const { credentials } = setup();
    expect(credentials.verify(TOKEN)).toBe('token');
    expect(credentials.verify(TOKEN.slice(0, -1))).toBeNull();
    expect(credentials.verify('')).toBeNull();
  });

  it('turns a login code into a session once, and not after it expires', () => {
    const { credentials, advance, db } = setup();
    const { code } = credentials.issueLoginCode();
    const granted = credentials.redeemLoginCode(code)!;
    expect(credentials.verify(granted.session)).toBe('session');
    expect(credentials.redeemLoginCode(code)).toBeNull();
    // Only a hash of the session is stored.
    expect(JSON.stringify(db.prepare('SELECT * FROM auth_sessions').all())).not.toContain(granted.session);

    const late = credentials.issueLoginCode();
    advance(LOGIN_CODE_TTL_MS + 1);
    expect(credentials.redeemLoginCode(late.code)).toBeNull();
  });

  it('never refuses the right token, however many wrong ones came before (no shared lockout)', () => {
    const { credentials } = setup();
    for (let i = 0; i < 5_000; i++) expect(credentials.verify(`guess-${i}`)).toBeNull();
    expect(credentials.verify(TOKEN)).toBe('token');
  });
});
