import { randomInt } from 'node:crypto';
import type { z } from 'zod';
import type { dmPolicySchema, groupPolicySchema } from '../contract/channels';
import type { InboundMessage } from './channel-store';

// Who Perch answers on a channel. The owner (the first allowFrom entry) and the allowlist are
// answered in direct messages unless DMs are off; under `pairing` a stranger may ask for a code the
// owner approves; under `open` anyone is answered. In groups (off by default) only senders who
// would be answered in a DM, and only when they mention Perch or reply to it. Strangers never reach
// the model.

export interface ChannelPolicy {
  allowFrom: string[];
  dmPolicy: z.output<typeof dmPolicySchema>;
  groupPolicy: z.output<typeof groupPolicySchema>;
  pairingTtlMinutes: number;
}

export type Admission =
  /** Goes to the agent. */
  | 'answer'
  /** A stranger under the pairing policy: may be offered a code. */
  | 'pair'
  /** Stored, never answered. */
  | 'ignore';

export function admit(message: InboundMessage, policy: ChannelPolicy, paired: (sender: string) => boolean): Admission {
  const known = policy.allowFrom.includes(message.sender) || paired(message.sender);
  if (message.group) {
    if (policy.groupPolicy === 'off' || !message.addressed) return 'ignore';
    return known || policy.dmPolicy === 'open' ? 'answer' : 'ignore';
  }
  switch (policy.dmPolicy) {
    case 'off':
      return 'ignore';
    case 'open':
      return 'answer';
    case 'pairing':
      return known ? 'answer' : 'pair';
    case 'allowlist':
      return known ? 'answer' : 'ignore';
  }
}

/** Whether this sender is the channel's owner (who alone decides approvals). */
export const isOwner = (policy: ChannelPolicy, sender: string): boolean => policy.allowFrom[0] === sender;

/** The owner only in their own direct chat: in a group, others read the answers. */
export const roleOf = (policy: ChannelPolicy, message: Pick<InboundMessage, 'sender' | 'group'>): 'owner' | 'contact' =>
  !message.group && isOwner(policy, message.sender) ? 'owner' : 'contact';

/** Letters and digits that cannot be mistaken for one another when read aloud or retyped. */
const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

export const newPairingCode = (): string => Array.from({ length: 8 }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join('');

/** At most this many codes wait per channel: a crowd of strangers cannot fill the database. */
export const MAX_PENDING_PAIRINGS = 50;

export const pairingOffer = (code: string, ttlMinutes: number): string =>
  `Hi! I'm Perch, a personal assistant, and I only talk to people my owner knows. To ask for access, send my owner this code: ${code}\n(It expires in ${ttlMinutes} minutes.)`;

export const PAIRING_WELCOME = "You're in: my owner approved your code. Send me your message again.";

/** "approve k3x9mq" / "deny k3x9mq", as the owner answers an approval offer on channels without buttons. */
export function approvalReply(text: string): { decision: 'approve' | 'deny'; approvalId: string } | null {
  const match = /^\s*(approve|deny)\s+([a-z0-9]{6})\s*$/i.exec(text);
  return match ? { decision: match[1]!.toLowerCase() as 'approve' | 'deny', approvalId: match[2]!.toLowerCase() } : null;
}
