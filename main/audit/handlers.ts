import type { Handlers } from '../gateway/router';
import type { AuditLog } from './audit-log';

export function auditHandlers(audit: AuditLog): Handlers {
  return {
    'audit.list': ({ cursor, limit }) => audit.list(cursor, limit),
    'audit.verify': () => audit.verify(),
  };
}
