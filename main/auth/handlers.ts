import { appError } from '../contract/errors';
import type { Handlers } from '../gateway/router';
import type { Credentials } from './credentials';

/** After this many bad credentials on one connection, the gateway closes it. */
export const MAX_BAD_CREDENTIALS = 5;

const tooMany = () => appError('unauthorized', 'Too many invalid credentials on this connection', { attemptsLeft: 0 });

export function authHandlers(credentials: Credentials): Handlers {
  return {
    'auth.token': ({ token }, { session, log }) => {
      // Past the limit nothing is checked any more (even a right guess), also inside one batch.
      if (session.badCredentials >= MAX_BAD_CREDENTIALS) throw tooMany();
      const via = credentials.verify(token);
      if (!via) {
        session.badCredentials += 1;
        log.warn('bad gateway credential', { conn: session.id, attempts: session.badCredentials });
        throw appError('unauthorized', 'Invalid token', { attemptsLeft: Math.max(0, MAX_BAD_CREDENTIALS - session.badCredentials) });
      }
      session.authenticated = true;
      session.authVia = via;
      return { authenticated: true, via };
    },
    'auth.login': ({ code }, { session, log }) => {
      if (session.badCredentials >= MAX_BAD_CREDENTIALS) throw tooMany();
      const granted = credentials.redeemLoginCode(code);
      if (!granted) {
        session.badCredentials += 1;
        log.warn('invalid or used dashboard login code', { conn: session.id });
        throw appError('login_code_invalid', 'This login link is invalid, expired or already used. Restart Perch for a new link, or sign in with the gateway token.');
      }
      session.authenticated = true;
      session.authVia = 'session';
      return { session: granted.session, expiresAt: new Date(granted.expiresAt).toISOString() };
    },
  };
}
