import { z } from 'zod';

// A chat channel as the dashboard and the tray show it: used by methods and events alike.

export const channelViewSchema = z.object({
  channel: z.string(),
  state: z.enum(['connecting', 'connected', 'paused', 'logged-out', 'error', 'stopped']),
  paused: z.boolean(),
  detail: z.string().nullable(),
});
