import { appError, RpcError, StandardErrors } from '../contract/errors';
import type { Handlers } from '../gateway/router';
import { PairingClosed, UnknownChannel, UnknownPairing, type ChannelManager } from './channel-manager';
import { MissingToken } from './telegram-adapter';

export function channelHandlers(manager: ChannelManager): Handlers {
  const guard = async <T>(run: () => T | Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      if (error instanceof UnknownChannel || error instanceof UnknownPairing) throw appError('not_found', error.message);
      if (error instanceof PairingClosed) throw appError('already_resolved', error.message);
      if (error instanceof MissingToken) throw new RpcError(StandardErrors.INVALID_PARAMS, error.message);
      throw error;
    }
  };
  return {
    'channels.list': () => ({ items: manager.list() }),
    'channels.pause': ({ channel }) => guard(() => ({ items: manager.pause(channel) })),
    'channels.resume': ({ channel }) => guard(() => ({ items: manager.resume(channel) })),
    'channels.login': ({ channel, token }) => guard(async () => ({ item: await manager.login(channel, token ? { token } : {}) })),
    'channels.logout': ({ channel }) => guard(async () => ({ item: await manager.logout(channel) })),
    'channels.pairings.list': ({ status }) => ({ items: manager.pairings(status) }),
    'channels.pairings.approve': ({ channel, code }) => guard(() => ({ item: manager.decidePairing(channel, code, 'approved') })),
    'channels.pairings.deny': ({ channel, code }) => guard(() => ({ item: manager.decidePairing(channel, code, 'denied') })),
  };
}
