import { plural } from '../words';

// Words for people on the Overview, Approvals and Channels pages: a channel's state detail as a
// sentence (the raw error kept for Details), where an approval came from, and health names.

export interface Said {
  text: string;
  details: string | null;
}

const CHANNEL_NAMES: Record<string, string> = { telegram: 'Telegram', whatsapp: 'WhatsApp', dashboard: 'the dashboard', desktop: 'the desktop app' };

export const channelName = (channel: string | null | undefined) => (channel ? (CHANNEL_NAMES[channel] ?? channel) : 'a chat');

/** A channel's status detail: sentences as they are; a raw network error becomes what to do. */
export function channelDetail(channel: string, detail: string | null): Said | null {
  if (!detail) return null;
  const name = channelName(channel);
  const retrying = /;\s*retrying$/.test(detail);
  const core = detail.replace(/;\s*retrying$/, '');
  const offline = /^cannot reach (?:WhatsApp|the Telegram Bot API): this computer seems to be offline \((.*)\)$/i.exec(core);
  if (offline) {
    return { text: `Cannot reach ${name}: this computer seems to be offline. Check its internet connection; Perch keeps trying by itself.`, details: offline[1] ?? core };
  }
  const unreachable = /^cannot reach (?:WhatsApp|the Telegram Bot API)\b[:\s(]*(.*?)\)?$/i.exec(core);
  if (unreachable) {
    return { text: `Perch cannot reach ${name} right now. Check this computer's internet connection; Perch keeps trying by itself.`, details: unreachable[1] || core };
  }
  if (/E[A-Z]{4,}|Error\b|\bat \S+:\d+|[{}[\]]/.test(core)) {
    return { text: `${name} reported a problem${retrying ? '; Perch tries again by itself' : ''}. Log in again if it persists.`, details: core };
  }
  const sentence = /[.!?]$/.test(core) ? core : `${core}.`;
  return { text: retrying ? `${sentence} Perch tries again by itself.` : sentence, details: null };
}

/** Where a command waiting for approval came from. */
export function approvalOrigin(approval: { conversationId: string | null; channel: string | null }): string {
  if (approval.conversationId) return `asked in a chat on ${channelName(approval.channel ?? 'dashboard')}`;
  if (approval.channel && approval.channel !== 'rpc' && CHANNEL_NAMES[approval.channel]) return `asked from ${channelName(approval.channel)}`;
  return 'asked from the dashboard or a script';
}

/** Who decided: the surface named for people. */
export function decidedByText(decidedBy: string | null): string {
  if (!decidedBy) return '';
  if (decidedBy === 'policy') return 'by a rule';
  if (decidedBy === 'timeout' || decidedBy === 'expired') return 'nobody answered in time';
  return `from ${channelName(decidedBy)}`;
}

const HEALTH_NAMES: Record<string, string> = {
  store: 'Database',
  settings: 'Settings',
  secrets: 'Secrets',
  inference: 'Chat model',
  audit: 'Audit log',
  privacy: 'Privacy clean-up',
  channels: 'Channels',
  scheduler: 'Schedules',
  memory: 'Memory',
  gateway: 'Connections',
};

export const healthName = (domain: string) => HEALTH_NAMES[domain] ?? domain.charAt(0).toUpperCase() + domain.slice(1);

export const HEALTH_WORDS = { ok: 'Working', degraded: 'Needs attention', down: 'Not working' } as const;

export const modeName = (mode: 'headless' | 'desktop') => (mode === 'desktop' ? 'Desktop app' : 'Server (dashboard in a browser)');

export function uptimeText(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'less than a minute';
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  const part = (n: number, unit: string) => (n ? plural(n, unit) : null);
  return [part(days, 'day'), part(hours, 'hour'), days ? null : part(mins, 'minute')].filter(Boolean).join(' ');
}
