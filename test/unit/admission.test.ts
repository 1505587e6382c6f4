import { describe, expect, it } from 'vitest';
import { admit, approvalReply, newPairingCode, type ChannelPolicy } from '../../main/channels/admission';

// Who Perch answers, for every DM and group policy.

const policy = (dmPolicy: ChannelPolicy['dmPolicy'], groupPolicy: ChannelPolicy['groupPolicy'] = 'off'): ChannelPolicy => ({ allowFrom: ['owner', 'friend'], dmPolicy, groupPolicy, pairingTtlMinutes: 60 });
const dm = (sender: string) => ({ channel: 'telegram', providerId: '1', peer: sender, sender, text: 'hi' });
const group = (sender: string, addressed: boolean) => ({ ...dm(sender), peer: '-100', group: true, addressed });
const pairedOnly = (sender: string) => sender === 'paired';

describe('admission', () => {
  it('decides direct messages by the DM policy', () => {
    const table = (['allowlist', 'pairing', 'open', 'off'] as const).map((p) => [p, ['owner', 'friend', 'paired', 'stranger'].map((s) => admit(dm(s), policy(p), pairedOnly))]);
    expect(Object.fromEntries(table)).toEqual({
      allowlist: ['answer', 'answer', 'answer', 'ignore'],
      pairing: ['answer', 'answer', 'answer', 'pair'],
      open: ['answer', 'answer', 'answer', 'answer'],
      off: ['ignore', 'ignore', 'ignore', 'ignore'],
    });
  });

  it('answers in groups only when on, only when addressed, and only known senders (or anyone when DMs are open)', () => {
    expect(admit(group('owner', true), policy('allowlist', 'off'), pairedOnly)).toBe('ignore');
    expect(admit(group('owner', false), policy('allowlist', 'mention'), pairedOnly)).toBe('ignore');
    expect(admit(group('owner', true), policy('allowlist', 'mention'), pairedOnly)).toBe('answer');
    expect(admit(group('paired', true), policy('allowlist', 'mention'), pairedOnly)).toBe('answer');
    expect(admit(group('stranger', true), policy('pairing', 'mention'), pairedOnly)).toBe('ignore'); // no codes in groups
    expect(admit(group('stranger', true), policy('open', 'mention'), pairedOnly)).toBe('answer');
  });

  it('reads "approve ID" / "deny ID" replies, and nothing else', () => {
    expect(approvalReply('approve k3x9mq')).toEqual({ decision: 'approve', approvalId: 'k3x9mq' });
    expect(approvalReply('  DENY K3X9MQ ')).toEqual({ decision: 'deny', approvalId: 'k3x9mq' });
    expect(approvalReply('please approve k3x9mq')).toBeNull();
    expect(approvalReply('approve k3x9mq now')).toBeNull();
    expect(approvalReply('approve')).toBeNull();
  });

  it('makes 8-character codes without look-alike characters', () => {
    const codes = new Set(Array.from({ length: 500 }, newPairingCode));
    expect(codes.size).toBe(500);
    for (const code of codes) expect(code).toMatch(/^[A-HJ-NP-Z2-9]{8}$/);
  });
});
