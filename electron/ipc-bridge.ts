import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { RpcError } from '../main/contract/errors';
import { eventNames } from '../main/contract/events';
import type { EventBus } from '../main/events/bus';
import { createLocalTransport } from '../main/gateway/local-transport';
import type { Router } from '../main/gateway/router';
import { createSession } from '../main/gateway/session';
import { IPC_CALL, IPC_EVENT } from './ipc-channels';

// One invoke channel into the same router as the gateway (same validation, same rate limit) and
// one event channel out. Only Perch's own window, showing Perch's own page, may call.

export interface BridgeDeps {
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>;
  router: Router;
  bus: EventBus;
  rateLimit: () => { perSecond: number; burst: number };
  /** The dashboard window's contents, when it exists. */
  window: () => WebContents | null;
}

export type Reply = { result: unknown } | { error: { code: number; message: string; data?: unknown } };

export function bridgeIpc(deps: BridgeDeps): () => void {
  const session = createSession('ipc', deps.rateLimit);
  session.authenticated = true;
  session.authVia = 'ipc';
  const transport = createLocalTransport(deps.router, deps.bus, session);
  const detach = eventNames.map((event) => transport.on(event, (payload) => deps.window()?.send(IPC_EVENT, event, payload)));
  deps.ipcMain.handle(IPC_CALL, async (event: IpcMainInvokeEvent, method: unknown, params: unknown): Promise<Reply> => {
    const window = deps.window();
    if (!window || event.sender !== window || !event.senderFrame?.url.startsWith('file://')) {
      return { error: { code: -32001, message: 'IPC caller is not the Perch window', data: { code: 'unauthorized' } } };
    }
    if (typeof method !== 'string') return { error: { code: -32600, message: 'Invalid request: the method must be a string' } };
    try {
      return { result: await transport.request(method, params) };
    } catch (error) {
      return { error: error instanceof RpcError ? error.toJSON() : { code: -32603, message: 'Internal error' } };
    }
  });
  return () => {
    deps.ipcMain.removeHandler(IPC_CALL);
    for (const off of detach) off();
    transport.close();
  };
}
