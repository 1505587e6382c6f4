import type { z } from 'zod';
import type { updateStatusSchema } from '../contract/events';
import type { EventBus } from '../events/bus';
import type { Handlers } from '../gateway/router';
import type { Logger } from '../log/logger';

// The update state, which only the desktop shell can know (it runs electron-updater): the shell
// reports it here and provides the restart; the dashboard reads it and asks for the restart.

export type UpdateStatus = z.output<typeof updateStatusSchema>;

export class Updates {
  private status: UpdateStatus = { state: 'unavailable', version: null, percent: null, detail: 'Updates come with the desktop app.' };
  private installer: (() => void) | null = null;

  constructor(private readonly bus: EventBus) {}

  /** The shell's report (and, once, how to restart into a downloaded update). */
  report(status: UpdateStatus, install?: () => void): void {
    this.status = status;
    if (install) this.installer = install;
    this.bus.publish('update.status', status);
  }

  current(): UpdateStatus {
    return this.status;
  }

  install(): boolean {
    if (this.status.state !== 'ready' || !this.installer) return false;
    this.installer();
    return true;
  }
}

export function updateHandlers(updates: Updates, log: Logger): Handlers {
  return {
    'updates.status': () => updates.current(),
    'updates.install': () => ({ restarting: updates.install() }),
    'system.report': ({ level, message, source }) => {
      log[level]('the dashboard reported a problem', { message, ...(source ? { source } : {}) });
      return { logged: true };
    },
  };
}
