// The two IPC channels between the preload and the main process.
export const IPC_CALL = 'perch:call';
export const IPC_EVENT = 'perch:event';
