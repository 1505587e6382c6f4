import type { RpcSocket } from './rpc-socket';

/** Starts tools.invoke exec without waiting, and returns the approval it raised and the pending reply. */
export async function requestExec(ws: RpcSocket, args: Record<string, unknown>) {
  const seen = ws.frames.length;
  const reply = ws.request('tools.invoke', { name: 'exec', args }, 30_000);
  const requested = await ws.waitFor((f) => f.method === 'approval.requested' && ws.frames.indexOf(f) >= seen && f.params.command === args.command);
  return { approval: requested.params, reply };
}
