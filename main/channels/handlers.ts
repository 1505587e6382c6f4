import { appError } from '../contract/errors';
import type { Handlers } from '../gateway/router';
import { UnknownChannel, type ChannelManager } from './channel-manager';

export function channelHandlers(manager: ChannelManager): Handlers {
  const guard = <T>(run: () => T): T => {
    try {
      return run();
    } catch (error) {
      if (error instanceof UnknownChannel) throw appError('not_found', error.message);
      throw error;
    }
  };
  return {
    'channels.list': () => ({ items: manager.list() }),
    'channels.pause': ({ channel }) => ({ items: guard(() => manager.pause(channel)) }),
    'channels.resume': ({ channel }) => ({ items: guard(() => manager.resume(channel)) }),
  };
}
