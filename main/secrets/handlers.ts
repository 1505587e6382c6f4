import type { AuditLog } from '../audit/audit-log';
import { surfaceOf, type Handlers } from '../gateway/router';
import { registerSecret } from '../log/redact';
import type { SecretStore } from './secret-store';

// Secrets entered in the dashboard go straight to the keychain (or the 0600 file where there is
// none) and are never sent back; the audit log notes that one changed, not its value.

export function secretHandlers(secrets: SecretStore, audit: AuditLog, changed: (name: string) => Promise<void>): Handlers {
  return {
    'secrets.set': async ({ name, value }, ctx) => {
      if (value === null) await secrets.delete(name);
      else {
        registerSecret(value);
        await secrets.set(name, value);
      }
      await changed(name);
      audit.append({ actor: 'owner', surface: surfaceOf(ctx), action: value === null ? 'secret.deleted' : 'secret.set', subject: `secret:${name}`, details: {} });
      return { stored: value !== null, backend: secrets.backend };
    },
  };
}
