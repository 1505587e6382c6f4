import { plural } from '../words';
import type { Conversation } from '../stores/chat';

// What the chat shows instead of internal strings: relative times, short model names, channel names.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "just now", "2 min ago", "3 h ago", "yesterday", then a local date. */
export function relativeTime(iso: string, now = Date.now()): string {
  const at = new Date(iso);
  const ago = now - at.getTime();
  if (Number.isNaN(ago)) return '';
  if (ago < 45_000) return 'just now';
  if (ago < HOUR) return `${Math.max(1, Math.round(ago / MINUTE))} min ago`;
  if (ago < 12 * HOUR) return `${Math.round(ago / HOUR)} h ago`;
  const today = new Date(now);
  const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
  if (at >= yesterday && ago < 2 * DAY) return at.toDateString() === today.toDateString() ? at.toLocaleTimeString(undefined, { timeStyle: 'short' }) : 'yesterday';
  const sameYear = at.getFullYear() === today.getFullYear();
  return at.toLocaleDateString(undefined, sameYear ? { month: 'short', day: 'numeric' } : { dateStyle: 'medium' });
}

/** The full local date and time, for a tooltip. */
export const localTime = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: 'full', timeStyle: 'short' });

/** A model's short name: a file's name without folder or .gguf, an endpoint's model as it is. */
export function modelLabel(model: string | null): string | null {
  if (!model) return null;
  const base = model.split(/[\\/]/).pop() ?? model;
  const name = base.replace(/\.gguf$/i, '').replace(/@.*$/, '');
  return name.length > 32 ? `${name.slice(0, 31)}…` : name;
}

const CHANNELS: Record<string, string> = { telegram: 'Telegram', whatsapp: 'WhatsApp', schedule: 'Scheduled' };

/** The channel's name for a badge, or null for the owner's own dashboard chats. */
export const channelLabel = (channel: string): string | null => (channel === 'dashboard' ? null : (CHANNELS[channel] ?? channel.charAt(0).toUpperCase() + channel.slice(1)));

export const titleOf = (c: Conversation): string => c.title.trim() || (channelLabel(c.channel) ? `${channelLabel(c.channel)} chat` : 'New conversation');

/** A count of characters, as people read it ("2,097,152 characters"). */
export const charactersOf = (count: number): string => plural(count, 'character');
