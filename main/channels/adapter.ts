import type { InboundMessage } from './channel-store';

// One interface for every chat network. An adapter only moves text: it reports what arrives and
// sends what it is given; policies, storage, ordering and retries live in the channel manager.

export type ChannelState = 'connecting' | 'connected' | 'paused' | 'logged-out' | 'error' | 'stopped';

export interface AdapterStatus {
  state: Exclude<ChannelState, 'paused'>;
  detail?: string;
}

export interface ChannelAdapter {
  readonly name: string;
  /** Starts receiving; every inbound message goes to `inbound` (which stores it before answering). */
  start(inbound: (message: InboundMessage) => void, onStatus: (status: AdapterStatus) => void): Promise<void>;
  stop(): Promise<void>;
  /** Sends one message (already cut to the channel's limit); throws when it could not. */
  send(peer: string, text: string): Promise<void>;
}
