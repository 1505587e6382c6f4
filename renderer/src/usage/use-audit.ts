import { useCallback, useEffect, useRef, useState } from 'react';
import type { Result } from '../../../main/contract/methods';
import type { Problem } from '../problems';
import { call, listen, problemOf, useSession } from '../stores/session';

// The audit log paged from the newest: loaded on (re)connection, refreshed when approvals come
// and go (unless older pages are being read), and older pages appended on request.

export type AuditRecord = Result<'audit.list'>['items'][number];
export type Verification = Result<'audit.verify'>;

const PAGE = 50;

export function useAudit() {
  const client = useSession((s) => s.client);
  const epoch = useSession((s) => s.epoch);
  const [items, setItems] = useState<AuditRecord[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const ticket = useRef(0);
  const pages = useRef(0);

  const load = useCallback(async (cursor?: string) => {
    const mine = ++ticket.current;
    setBusy(true);
    try {
      const page = await call('audit.list', cursor ? { cursor, limit: PAGE } : { limit: PAGE });
      if (mine !== ticket.current) return;
      pages.current = cursor ? pages.current + 1 : 1;
      setItems((prev) => (cursor ? [...(prev ?? []), ...page.items] : page.items));
      setNext(page.nextCursor);
      setError(null);
    } catch (e) {
      if (mine === ticket.current) setError(problemOf(e));
    } finally {
      if (mine === ticket.current) setBusy(false);
    }
  }, []);

  useEffect(() => {
    if (client) void load();
  }, [client, epoch, load]);

  useEffect(() => {
    if (!client) return;
    const fresh = () => {
      if (pages.current <= 1) void load();
    };
    const offs = [listen('approval.requested', fresh), listen('approval.resolved', fresh)];
    return () => offs.forEach((off) => off());
  }, [client, epoch, load]);

  return { items, next, error, busy, load };
}
