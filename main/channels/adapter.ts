import type { InboundMessage } from './channel-store';

// One interface for every chat network. An adapter only moves text: it reports what arrives and
// sends what it is given; policies, storage, ordering and retries live in the channel manager.

export type ChannelState = 'connecting' | 'connected' | 'paused' | 'logged-out' | 'error' | 'stopped';

/** An adapter reports `error` when its connection broke (the manager restarts it with backoff)
 * and `logged-out` when only the owner can fix it (a new QR code or bot token): no retry then. */
export interface AdapterStatus {
  state: Exclude<ChannelState, 'paused'>;
  detail?: string;
  /** When the adapter tries again by itself (while `connecting`), shown as the next retry. */
  retryAt?: Date;
}

/** Someone pressed a button under an approval request. */
export interface ApprovalAction {
  sender: string;
  approvalId: string;
  decision: 'approve' | 'deny';
  /** Tells the person how it went (and updates the message that held the buttons). */
  settle(outcome: string): Promise<void>;
}

export interface AdapterHooks {
  /**
   * Every inbound message goes here (which stores it before answering). Throws NotStored when it
   * could not be stored (a full disk): the adapter must then get it again later, not drop it.
   */
  inbound(message: InboundMessage): void;
  status(status: AdapterStatus): void;
  action(action: ApprovalAction): void;
  /** A fresh login QR code to show the owner (WhatsApp). */
  qr(qr: string): void;
}

export interface LoginParams {
  token?: string;
}

export interface ChannelAdapter {
  readonly name: string;
  start(hooks: AdapterHooks): Promise<void>;
  stop(): Promise<void>;
  /** Sends one message (already cut to the channel's limit); throws when it could not. */
  send(peer: string, text: string): Promise<void>;
  /** An approval request with Approve / Deny, where the channel has buttons. */
  sendApproval?(peer: string, text: string, approvalId: string): Promise<void>;
  /** Shows "typing…" in the chat for a few seconds. */
  typing?(peer: string): Promise<void>;
  /** Prepares a fresh login (a token to use, or forgetting a refused login); the manager then restarts the adapter. */
  login?(params: LoginParams): Promise<void>;
  /** Unlinks and forgets the login; the adapter is stopped first. */
  logout?(): Promise<void>;
}

/** An inbound message that could not be stored; it was not accepted. */
export class NotStored extends Error {}

// What a chat network sends is not trusted to match its types: a field of the wrong type must not
// lose the message it came with.

/** A text field, or null when it is not a string. */
export const textField = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** A Unix time in seconds as a date, or undefined when it is not a usable one. */
export function secondsToDate(value: unknown): Date | undefined {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) return undefined;
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** `{ sentAt }` when there is a date, else nothing. */
export const withDate = (sentAt: Date | undefined): { sentAt?: Date } => (sentAt ? { sentAt } : {});
