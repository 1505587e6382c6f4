import type { z } from 'zod';
import type { channelViewSchema, traySnapshotSchema } from '../contract/channels';
import type { EventBus } from '../events/bus';

// What the tray menu needs, in one typed snapshot, and `tray.changed` whenever it changes: the
// desktop shell rebuilds its menu and icon from this without knowing the domains behind it.

export type TraySnapshot = z.output<typeof traySnapshotSchema>;

export interface TraySources {
  channels(): z.output<typeof channelViewSchema>[];
  pendingApprovals(): number;
  model(): string | null;
  /** An answer is being worked on. */
  working(): boolean;
}

/** Events after which the snapshot may have changed (the agent's activity is reported by calling changed()). */
const INPUTS = new Set(['channel.status', 'approval.requested', 'approval.resolved', 'settings.changed']);

export class Tray {
  private last = '';

  constructor(
    private readonly sources: TraySources,
    private readonly bus: EventBus,
  ) {
    bus.subscribe((event) => {
      if (INPUTS.has(event)) this.changed();
    });
  }

  snapshot(): TraySnapshot {
    const channels = this.sources.channels();
    const pendingApprovals = this.sources.pendingApprovals();
    const broken = channels.some((c) => c.state === 'error' || c.state === 'logged-out');
    const state =
      pendingApprovals > 0 || broken ? 'attention' : this.sources.working() ? 'working' : channels.length > 0 && channels.every((c) => c.paused) ? 'paused' : 'idle';
    return { channels, pendingApprovals, model: this.sources.model() ?? 'no model set', state };
  }

  /** Publishes the snapshot if it differs from the last one published. */
  changed(): void {
    const snapshot = this.snapshot();
    const key = JSON.stringify(snapshot);
    if (key === this.last) return;
    this.last = key;
    this.bus.publish('tray.changed', snapshot);
  }
}
