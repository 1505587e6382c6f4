import { z } from 'zod';

// Chat channels as the dashboard and the tray show them: used by methods and events alike.

export const channelNameSchema = z.enum(['telegram', 'whatsapp']);

export const telegramTokenSchema = z.string().regex(/^\d{5,15}:[A-Za-z0-9_-]{20,}$/, 'expected a bot token like 123456789:AAE… (from @BotFather)');

export const pairingCodeSchema = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z0-9]{8}$/, 'expected the 8-character code, e.g. K7QX2MRD');

export const channelViewSchema = z.object({
  channel: z.string(),
  state: z.enum(['connecting', 'connected', 'paused', 'logged-out', 'error', 'stopped']),
  paused: z.boolean(),
  detail: z.string().nullable(),
  /** When the channel tries to connect again after an error (ISO time), if it will. */
  nextRetryAt: z.string().nullable(),
});

/** Who may write to Perch in direct messages: the allowlist only, the allowlist plus strangers
 * the owner let in with a pairing code, anyone, or no one. */
export const dmPolicySchema = z.enum(['allowlist', 'pairing', 'open', 'off']);
/** In groups: never answer, or answer allowed senders when they mention Perch or reply to it. */
export const groupPolicySchema = z.enum(['off', 'mention']);

export const pairingSchema = z.object({
  channel: z.string(),
  code: z.string(),
  sender: z.string(),
  /** What the stranger wrote first, so the owner knows who is asking. */
  firstMessage: z.string(),
  status: z.enum(['pending', 'approved', 'denied', 'expired']),
  createdAt: z.string(),
  expiresAt: z.string(),
});

/** What the tray menu shows: each channel, the pending approvals and the model. */
export const traySnapshotSchema = z.object({
  channels: z.array(channelViewSchema),
  pendingApprovals: z.number().int().nonnegative(),
  model: z.string(),
  /** idle, working (answering), needs attention (an approval waits or a channel is broken), paused (every channel paused). */
  state: z.enum(['idle', 'working', 'attention', 'paused']),
});
