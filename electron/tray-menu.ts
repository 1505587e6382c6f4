import type { z } from 'zod';
import type { traySnapshotSchema } from '../main/contract/channels';

// The tray menu as data, built from the core's snapshot: Open Perch, the approvals waiting (opens
// the Approvals page), one line per channel with its state and Pause / Resume, Pause all / Resume
// all, the model, Quit. Kept free of Electron so it can be checked on its own.

export type TraySnapshot = z.output<typeof traySnapshotSchema>;

export type TrayAction = { kind: 'open'; route?: string } | { kind: 'pause' | 'resume'; channel?: string } | { kind: 'quit' };

export interface TrayItem {
  label: string;
  enabled?: boolean;
  separator?: true;
  action?: TrayAction;
  /** A submenu (a channel's Pause / Resume). */
  items?: TrayItem[];
}

const STATE_WORDS: Record<string, string> = {
  connected: 'connected',
  connecting: 'connecting…',
  paused: 'paused',
  'logged-out': 'logged out',
  error: 'not connected',
  stopped: 'not set up',
};

const TOOLTIPS: Record<TraySnapshot['state'], string> = {
  idle: 'Perch',
  working: 'Perch — working…',
  attention: 'Perch — needs your attention',
  paused: 'Perch — all channels paused',
};

export function trayTooltip(snapshot: TraySnapshot): string {
  return snapshot.pendingApprovals > 0 ? `Perch — ${snapshot.pendingApprovals} approval${snapshot.pendingApprovals === 1 ? '' : 's'} waiting` : TOOLTIPS[snapshot.state];
}

export function trayMenu(snapshot: TraySnapshot): TrayItem[] {
  const separator: TrayItem = { label: '', separator: true };
  const approvals: TrayItem =
    snapshot.pendingApprovals > 0
      ? { label: `${snapshot.pendingApprovals} approval${snapshot.pendingApprovals === 1 ? '' : 's'} waiting…`, action: { kind: 'open', route: 'approvals' } }
      : { label: 'No approvals waiting', enabled: false };
  const channels: TrayItem[] = snapshot.channels.map((c) => ({
    label: `${c.channel[0]!.toUpperCase()}${c.channel.slice(1)}: ${c.paused ? 'paused' : (STATE_WORDS[c.state] ?? c.state)}`,
    items: [
      c.paused ? { label: 'Resume', action: { kind: 'resume', channel: c.channel } } : { label: 'Pause', action: { kind: 'pause', channel: c.channel } },
      { label: 'Open Channels…', action: { kind: 'open', route: 'channels' } },
    ],
  }));
  const anyRunning = snapshot.channels.some((c) => !c.paused);
  const anyPaused = snapshot.channels.some((c) => c.paused);
  return [
    { label: 'Open Perch', action: { kind: 'open' } },
    approvals,
    separator,
    ...(channels.length ? channels : [{ label: 'No chat channels set up', enabled: false }]),
    ...(channels.length
      ? [
          { label: 'Pause all', enabled: anyRunning, action: { kind: 'pause' } } as TrayItem,
          { label: 'Resume all', enabled: anyPaused, action: { kind: 'resume' } } as TrayItem,
        ]
      : []),
    separator,
    { label: `Model: ${snapshot.model}`, enabled: false },
    separator,
    { label: 'Quit Perch', action: { kind: 'quit' } },
  ];
}

/** The icon file for a state (template images on macOS: black with alpha, tinted by the system). */
export function trayIconName(state: TraySnapshot['state'], platform: NodeJS.Platform): string {
  return platform === 'darwin' ? `tray-${state}Template.png` : `tray-${state}.png`;
}
