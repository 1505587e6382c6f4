import { randomBytes } from 'node:crypto';
import type { AuditLog } from '../audit/audit-log';
import { appError } from '../contract/errors';
import { LogThrottle } from '../gateway/log-throttle';
import { surfaceOf, type Handlers } from '../gateway/router';
import { registerSecret } from '../log/redact';
import type { SecretStore } from '../secrets/secret-store';
import { GATEWAY_TOKEN_SECRET, type Credentials, type TokenSource } from './credentials';

/** After this many bad credentials on one connection, the gateway closes it. */
export const MAX_BAD_CREDENTIALS = 5;

/** Said where a link cannot be used: how to get a new one without a restart. */
export const LOGIN_LINK_REFUSED =
  'This sign-in link is invalid, expired or already used. Open a new one: run `npm run login-link` where Perch runs (or paste the gateway token).';

const tooMany = () => appError('unauthorized', 'Too many invalid credentials on this connection', { attemptsLeft: 0 });

export function authHandlers(credentials: Credentials): Handlers {
  const warnings = new LogThrottle();
  return {
    'auth.token': ({ token }, ctx) => {
      const { session } = ctx;
      // Past the limit nothing is checked any more (even a right guess), also inside one batch.
      if (session.badCredentials >= MAX_BAD_CREDENTIALS) throw tooMany();
      const via = credentials.verify(token);
      if (!via) {
        session.badCredentials += 1;
        const throttled = warnings.pass('token');
        if (throttled) ctx.log.warn('bad gateway credential', { conn: session.id, attempts: session.badCredentials, ...throttled });
        throw appError('unauthorized', 'Invalid token', { attemptsLeft: Math.max(0, MAX_BAD_CREDENTIALS - session.badCredentials) });
      }
      session.authenticated = true;
      session.authVia = via;
      return { authenticated: true, via };
    },
    'auth.login': ({ code }, ctx) => {
      const { session } = ctx;
      if (session.badCredentials >= MAX_BAD_CREDENTIALS) throw tooMany();
      const granted = credentials.redeemLoginCode(code);
      if (!granted) {
        session.badCredentials += 1;
        const throttled = warnings.pass('login');
        if (throttled) ctx.log.warn('invalid or used dashboard login code', { conn: session.id, ...throttled });
        throw appError('login_code_invalid', LOGIN_LINK_REFUSED);
      }
      session.authenticated = true;
      session.authVia = 'session';
      return { session: granted.session, expiresAt: new Date(granted.expiresAt).toISOString() };
    },
  };
}

/** A new one-time dashboard link on request (`npm run login-link`), so an expired one needs no restart.
 * Only a signed-in caller gets one: the router refuses this method before sign-in. */
export function loginLinkHandlers(credentials: Credentials, dashboardUrl: () => string): Handlers {
  return {
    'auth.loginLink': (_params, ctx) => {
      const { code, expiresAt } = credentials.issueLoginCode();
      ctx.log.info('issued a dashboard login link', { conn: ctx.session.id });
      return { url: `${dashboardUrl()}#login=${code}`, expiresAt: new Date(expiresAt).toISOString() };
    },
  };
}

export interface RotationDeps {
  credentials: Credentials;
  secrets: SecretStore;
  tokenSource: TokenSource;
  audit: AuditLog;
}

/** A new gateway token, shown once: the old one and every dashboard session stop working, and the
 * connections signed in with them are closed (all but the one asking, which gets the new token). */
export function rotationHandlers({ credentials, secrets, tokenSource, audit }: RotationDeps): Handlers {
  return {
    'auth.rotateToken': async (_params, ctx) => {
      if (tokenSource === 'env') throw appError('invalid_setting', 'The gateway token comes from PERCH_GATEWAY_TOKEN: change it there and restart Perch.');
      const token = randomBytes(32).toString('base64url');
      await secrets.set(GATEWAY_TOKEN_SECRET, token);
      registerSecret(token);
      const sessionsEnded = credentials.replaceToken(token);
      // Connections already signed in with the old token or a session are closed too.
      const connectionsClosed = ctx.endCredentialSessions();
      audit.append({ actor: 'owner', surface: surfaceOf(ctx), action: 'gateway.token.rotated', subject: 'gateway', details: { sessionsEnded, connectionsClosed } });
      ctx.log.info('gateway token replaced', { sessionsEnded, connectionsClosed });
      return { token, sessionsEnded };
    },
  };
}
