import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Migration } from '../store/migrations';
import type { Db } from '../store/database';
import type { SecretStore } from '../secrets/secret-store';
import { registerSecret } from '../log/redact';

// Who may use the gateway: holders of the gateway token, and dashboard sessions obtained by
// exchanging a one-time login code (so the token itself never travels in a URL).

export const GATEWAY_TOKEN_SECRET = 'gateway-token';
export const LOGIN_CODE_TTL_MS = 10 * 60_000;
export const SESSION_TTL_MS = 30 * 24 * 3600_000;

export const authMigrations: Migration[] = [
  {
    domain: 'auth',
    version: 1,
    name: 'dashboard sessions',
    up: (db) =>
      db.exec(`CREATE TABLE auth_sessions (
        token_hash TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        expires_at INTEGER NOT NULL) STRICT`),
  },
];

export type TokenSource = 'env' | 'keychain' | 'file';

export async function resolveGatewayToken(fromEnv: string | null, secrets: SecretStore): Promise<{ token: string; source: TokenSource }> {
  if (fromEnv) {
    registerSecret(fromEnv);
    return { token: fromEnv, source: 'env' };
  }
  let token = await secrets.get(GATEWAY_TOKEN_SECRET);
  if (!token) {
    token = randomBytes(32).toString('base64url');
    await secrets.set(GATEWAY_TOKEN_SECRET, token);
  }
  return { token, source: secrets.backend };
}

const sha256 = (value: string) => createHash('sha256').update(value).digest();

export class Credentials {
  private tokenHash: Buffer;
  private readonly codes = new Map<string, number>();
  private findSession: ReturnType<Db['prepare']> | undefined;

  constructor(
    private readonly db: Db,
    gatewayToken: string,
    private readonly now: () => number = Date.now,
  ) {
    this.tokenHash = sha256(gatewayToken);
  }

  /**
   * 'token' or 'session' when the credential is valid, else null. Timing-safe for the token.
   * Every check is made: a shared lockout would let any local process lock the owner out with
   * wrong guesses, and the token (32 random bytes, or ≥ 24 characters from the environment)
   * cannot be guessed anyway. Guessing is bounded per connection instead (the gateway closes a
   * connection after a few bad ones, and its sign-in lane limits what it may send).
   */
  verify(credential: string): 'token' | 'session' | null {
    const hash = sha256(credential);
    if (timingSafeEqual(hash, this.tokenHash)) return 'token';
    // Prepared once: a flood of wrong tokens runs this for each one.
    this.findSession ??= this.db.prepare('SELECT expires_at FROM auth_sessions WHERE token_hash = ?');
    const row = this.findSession.get(hash.toString('hex')) as { expires_at: number } | undefined;
    if (row && row.expires_at > this.now()) return 'session';
    return null;
  }

  /** A new gateway token: the old one stops working, every dashboard session ends and login links not yet used
   * stop working too (one printed before the rotation would otherwise still open a session). Returns how many sessions ended. */
  replaceToken(token: string): number {
    this.tokenHash = sha256(token);
    this.codes.clear();
    return this.db.prepare('DELETE FROM auth_sessions').run().changes;
  }

  /** A single-use login code for the dashboard link printed at start. */
  issueLoginCode(): { code: string; expiresAt: number } {
    this.pruneCodes();
    const code = randomBytes(18).toString('base64url');
    const expiresAt = this.now() + LOGIN_CODE_TTL_MS;
    this.codes.set(code, expiresAt);
    return { code, expiresAt };
  }

  /** Consumes a login code (first use wins) and opens a persisted session. */
  redeemLoginCode(code: string): { session: string; expiresAt: number } | null {
    const expiresAt = this.codes.get(code);
    if (expiresAt === undefined) return null;
    this.codes.delete(code);
    if (expiresAt <= this.now()) return null;
    const session = randomBytes(32).toString('base64url');
    const sessionExpires = this.now() + SESSION_TTL_MS;
    this.db
      .prepare('INSERT INTO auth_sessions (token_hash, created_at, expires_at) VALUES (?, ?, ?)')
      .run(sha256(session).toString('hex'), new Date(this.now()).toISOString(), sessionExpires);
    this.db.prepare('DELETE FROM auth_sessions WHERE expires_at <= ?').run(this.now());
    return { session, expiresAt: sessionExpires };
  }

  private pruneCodes(): void {
    for (const [code, expiresAt] of this.codes) if (expiresAt <= this.now()) this.codes.delete(code);
  }
}
