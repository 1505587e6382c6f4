import { contextBridge, ipcRenderer } from 'electron';
import { IPC_CALL, IPC_EVENT } from '../electron/ipc-channels';

// The only surface the dashboard gets inside Electron: call(method, params) and
// on(event, callback) → unsubscribe. Everything else stays in the main process.

interface Reply {
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

contextBridge.exposeInMainWorld('perch', {
  async call(method: string, params?: unknown): Promise<unknown> {
    const reply = (await ipcRenderer.invoke(IPC_CALL, method, params ?? {})) as Reply;
    if (reply.error) throw Object.assign(new Error(reply.error.message), reply.error);
    return reply.result;
  },
  on(event: string, callback: (payload: unknown) => void): () => void {
    const listener = (_e: unknown, name: string, payload: unknown) => {
      if (name === event) callback(payload);
    };
    ipcRenderer.on(IPC_EVENT, listener);
    return () => void ipcRenderer.removeListener(IPC_EVENT, listener);
  },
});
