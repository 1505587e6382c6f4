import { create } from 'zustand';
import type { z } from 'zod';
import type { approvalSchema } from '../../../main/contract/approvals';
import { call, listen, messageOf } from './session';

// Approvals as the dashboard keeps them: pending ones (live from approval.* events), the recent
// history, and per request what the owner's decision led to (the command's output or the error).

export type Approval = z.output<typeof approvalSchema>;

interface ApprovalsState {
  pending: Approval[];
  history: Approval[];
  error: string | null;
  /** Per approval id: a decision on its way, or the error it met. */
  deciding: Record<string, 'busy' | { error: string }>;
  load(): Promise<void>;
  decide(id: string, decision: 'approve' | 'deny', remember?: boolean): Promise<void>;
  /** Follows approval events; returns the unsubscribe function. */
  follow(): () => void;
}

const upsert = (list: Approval[], item: Approval) => [item, ...list.filter((a) => a.id !== item.id)];

export const useApprovals = create<ApprovalsState>((set, get) => ({
  pending: [],
  history: [],
  error: null,
  deciding: {},
  async load() {
    try {
      const [pending, history] = await Promise.all([call('approvals.list', { status: 'pending' }), call('approvals.list', { status: 'history', limit: 50 })]);
      set({ pending: pending.items, history: history.items, error: null });
    } catch (error) {
      set({ error: messageOf(error) });
    }
  },
  async decide(id, decision, remember = false) {
    set({ deciding: { ...get().deciding, [id]: 'busy' } });
    try {
      const { approval } = await call('approvals.resolve', { id, decision, remember });
      const { [id]: _done, ...rest } = get().deciding;
      set({ pending: get().pending.filter((a) => a.id !== id), history: upsert(get().history, approval), deciding: rest });
    } catch (error) {
      set({ deciding: { ...get().deciding, [id]: { error: messageOf(error) } } });
    }
  },
  follow() {
    const offs = [
      listen('approval.requested', (approval) => set({ pending: upsert(get().pending, approval) })),
      listen('approval.resolved', (approval) => {
        if (approval.status === 'pending') return;
        set({ pending: get().pending.filter((a) => a.id !== approval.id), history: upsert(get().history, approval) });
      }),
    ];
    return () => offs.forEach((off) => off());
  },
}));
