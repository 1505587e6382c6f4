import { useEffect, useState } from 'react';
import { call, messageOf } from '../stores/session';
import { issueText, type Built } from './form-state';
import type { Spec } from './words';

// The next runs of the schedule being built: asked for 300 ms after the last change. The server
// is the judge of what is valid and says why not.

export interface PreviewState {
  kind: Spec['kind'];
  runs: string[] | null;
  error: string | null;
  pending: boolean;
}

export function usePreview(kind: Spec['kind'], built: Built): PreviewState {
  const [state, setState] = useState<PreviewState>({ kind, runs: null, error: null, pending: true });
  const key = JSON.stringify(built);
  useEffect(() => {
    const current = JSON.parse(key) as Built;
    if ('problem' in current) {
      setState({ kind, runs: null, error: current.problem, pending: false });
      return;
    }
    let cancelled = false;
    // While typing, the last answer stays until the next one; another kind of schedule starts afresh.
    setState((s) => (s.kind === kind ? { ...s, pending: true } : { kind, runs: null, error: null, pending: true }));
    const timer = setTimeout(() => {
      call('schedules.preview', { schedule: current.spec, count: 5 }).then(
        ({ runs }) => !cancelled && setState({ kind, runs, error: null, pending: false }),
        (error: unknown) => !cancelled && setState({ kind, runs: null, error: issueText(error) ?? messageOf(error), pending: false }),
      );
    }, 300);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [kind, key]);
  return state;
}
