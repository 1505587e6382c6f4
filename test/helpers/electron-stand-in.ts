// Electron's binary cannot run here: tests mock the module with this. Each name reads from
// `current`, which a test fills with its stand-ins (read when the module under test uses them):
//   const electron = vi.hoisted(() => ({ current: {} as Record<string, unknown> }));
//   vi.mock('electron', async () => (await import('../helpers/electron-stand-in')).electronStandIn(electron));

const NAMES = ['app', 'BrowserWindow', 'contextBridge', 'ipcMain', 'ipcRenderer', 'Menu', 'nativeImage', 'Notification', 'session', 'shell', 'Tray'];

export function electronStandIn(electron: { current: Record<string, unknown> }): Record<string, unknown> {
  const mod: Record<string, unknown> = {};
  for (const key of NAMES) Object.defineProperty(mod, key, { enumerable: true, get: () => electron.current[key] });
  return mod;
}
