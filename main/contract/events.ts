import { z } from 'zod';
import { approvalSchema } from './approvals';
import { channelViewSchema, pairingSchema, traySnapshotSchema } from './channels';
import { mcpServerViewSchema } from './mcp';
import { scheduleFiredSchema } from './schedules';
import { settingsSchema } from './settings';

// Every server event and its payload. Delivered as JSON-RPC notifications
// ({"jsonrpc":"2.0","method":<event>,"params":<payload>}) to connections that subscribed.

/** The desktop app's updates: idle, checking, available (downloading), ready to install, or why not. */
export const updateStatusSchema = z.object({
  state: z.enum(['unavailable', 'disabled', 'idle', 'checking', 'downloading', 'ready', 'error']),
  version: z.string().nullable(),
  percent: z.number().min(0).max(100).nullable(),
  detail: z.string().nullable(),
});

export const events = {
  /** A model download's progress; the last event has done: true, or an error. */
  'model.progress': z.object({
    id: z.string(),
    /** The model's name, for people (also in the offline error). */
    name: z.string(),
    file: z.string(),
    /** Paused by the owner (or by shutting down): models.download resumes it. */
    paused: z.boolean().optional(),
    receivedBytes: z.number().nonnegative(),
    totalBytes: z.number().nonnegative().nullable(),
    done: z.boolean(),
    error: z.string().optional(),
  }),
  /** A piece of the reply being generated (dashboard chat and any live conversation view). */
  'agent.delta': z.object({ conversationId: z.string(), text: z.string() }),
  /** Vectors being (re)computed for the memory index; search works meanwhile. */
  'memory.progress': z.object({ embedded: z.number().int().nonnegative(), total: z.number().int().nonnegative(), done: z.boolean() }),
  /** A channel connected, paused, lost its connection… */
  'channel.status': channelViewSchema,
  /** A fresh WhatsApp login QR code (render it; a new one replaces the last until it is scanned). */
  'channel.qr': z.object({ channel: z.string(), qr: z.string() }),
  /** A stranger asked to pair, or a pairing was decided or expired. */
  'channel.pairing': pairingSchema,
  /** The tray's state changed (a channel, the approvals waiting, the model, working or idle). */
  'tray.changed': traySnapshotSchema,
  /** The desktop app's update state changed. */
  'update.status': updateStatusSchema,
  /** A scheduled job ran (or was missed, or will retry its delivery, or failed for good). */
  'schedule.fired': scheduleFiredSchema,
  /** A command waits for the owner's decision. */
  'approval.requested': approvalSchema,
  /** An approval was decided, expired, or its command finished running. */
  'approval.resolved': approvalSchema,
  /** An MCP server started, became ready, failed, is restarting or stopped. */
  'mcp.server.status': mcpServerViewSchema,
  /** A server's tool list changed (listed again, the server stopped or was removed). */
  'mcp.tools.changed': z.object({ server: z.string() }),
  'settings.changed': z.object({
    settings: settingsSchema,
    changed: z.array(z.string()),
  }),
} as const;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.output<Events[E]>;

export const eventNames = Object.keys(events) as [EventName, ...EventName[]];
export const eventNameSchema = z.enum(eventNames);
