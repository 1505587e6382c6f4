import { useCallback, useEffect, useRef, useState } from 'react';
import type { EventName } from '../../main/contract/events';
import type { MethodName, ParamsIn, Result } from '../../main/contract/methods';
import { call, listen, problemOf, useSession, type Problem } from './stores/session';

// A page's view of one method: loaded on (re)connection, reloaded when one of the given events
// arrives, with the error kept where the page shows it.

export interface Query<T> {
  data: T | null;
  error: Problem | null;
  loading: boolean;
  reload(): Promise<void>;
}

export function useQuery<M extends MethodName>(method: M, params: ParamsIn<M> | undefined, events: EventName[] = []): Query<Result<M>> {
  const epoch = useSession((s) => s.epoch);
  const client = useSession((s) => s.client);
  const [state, setState] = useState<{ data: Result<M> | null; error: Problem | null; loading: boolean }>({ data: null, error: null, loading: true });
  const key = JSON.stringify(params ?? {});
  const latest = useRef(0);
  const reload = useCallback(async () => {
    const ticket = ++latest.current;
    try {
      const data = await (call as (m: M, p?: unknown) => Promise<Result<M>>)(method, JSON.parse(key));
      if (ticket === latest.current) setState({ data, error: null, loading: false });
    } catch (error) {
      if (ticket === latest.current) setState((s) => ({ ...s, error: problemOf(error), loading: false }));
    }
  }, [method, key]);
  useEffect(() => {
    if (client) void reload();
  }, [client, epoch, reload]);
  const eventKey = events.join(',');
  useEffect(() => {
    if (!client || !eventKey) return;
    const offs = eventKey.split(',').map((event) => listen(event as EventName, () => void reload()));
    return () => offs.forEach((off) => off());
  }, [client, eventKey, reload]);
  return { ...state, reload };
}

/** Runs an action, keeping its error for the place that shows it. */
export function useAction(): { busy: boolean; error: Problem | null; run(action: () => Promise<unknown>): Promise<boolean>; clear(): void } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Problem | null>(null);
  const run = useCallback(async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
      return true;
    } catch (e) {
      setError(problemOf(e));
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run, clear: () => setError(null) };
}
