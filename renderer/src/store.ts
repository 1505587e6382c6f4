import { create } from 'zustand';
import type { Result } from '../../main/contract/methods';
import { connect, takeLoginCode, type Connection } from './connection';

type Status = Result<'system.status'>;

interface DashboardState {
  connection: 'connecting' | 'authenticating' | 'open' | 'closed';
  detail: string | null;
  status: Status | null;
  statusError: string | null;
  start(token?: string): void;
  refresh(): Promise<void>;
}

let current: Connection | null = null;

export const useDashboard = create<DashboardState>((set, get) => ({
  connection: 'connecting',
  detail: null,
  status: null,
  statusError: null,
  start(token) {
    current?.close();
    current = connect({
      ...(token ? { token } : {}),
      loginCode: takeLoginCode(),
      onState: (state, detail) => {
        set({ connection: state, detail: detail ?? null });
        if (state === 'open') void get().refresh();
      },
    });
  },
  async refresh() {
    if (!current) return;
    try {
      set({ status: await current.client.call('system.status'), statusError: null });
    } catch (error) {
      set({ statusError: (error as Error).message });
    }
  },
}));
