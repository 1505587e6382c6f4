import type { AppUpdater, ProgressInfo, UpdateInfo } from 'electron-updater';
import type { UpdateStatus } from '../main/system/updates';

// Updates from the GitHub release feed (electron-builder's `publish`), downloaded in the background
// and installed on the next restart or when the owner asks; every step is reported to the core,
// which shows it in Settings. Only a packaged app updates itself.

export interface UpdaterDeps {
  autoUpdater: Pick<AppUpdater, 'on' | 'checkForUpdates' | 'quitAndInstall'> & { autoDownload: boolean; autoInstallOnAppQuit: boolean };
  report(status: UpdateStatus, install?: () => void): void;
  packaged: boolean;
  enabled: () => boolean;
  /** How often to look again. */
  everyMs?: number;
}

export function startUpdater({ autoUpdater, report, packaged, enabled, everyMs = 6 * 3_600_000 }: UpdaterDeps): () => void {
  const status = (state: UpdateStatus['state'], extra: Partial<UpdateStatus> = {}): UpdateStatus => ({ state, version: null, percent: null, detail: null, ...extra });
  if (!packaged) {
    report(status('unavailable', { detail: 'Running from source: updates come with the installed app.' }));
    return () => undefined;
  }
  autoUpdater.autoDownload = true;
  autoUpdater.autoInstallOnAppQuit = true;
  autoUpdater.on('checking-for-update', () => report(status('checking')));
  autoUpdater.on('update-not-available', () => report(status('idle', { detail: 'Perch is up to date.' })));
  autoUpdater.on('update-available', (info: UpdateInfo) => report(status('downloading', { version: info.version, percent: 0 })));
  autoUpdater.on('download-progress', (progress: ProgressInfo) => report(status('downloading', { percent: Math.round(progress.percent) })));
  autoUpdater.on('update-downloaded', (info: UpdateInfo) =>
    report(status('ready', { version: info.version, detail: 'Installed when Perch restarts.' }), () => autoUpdater.quitAndInstall(true, true)),
  );
  autoUpdater.on('error', (error: Error) => report(status('error', { detail: `Could not check for updates: ${error.message}` })));
  const check = () => {
    if (!enabled()) return report(status('disabled', { detail: 'Automatic updates are off (Settings → desktop.autoUpdate).' }));
    autoUpdater.checkForUpdates().catch(() => undefined); // reported through the 'error' event
  };
  check();
  const timer = setInterval(check, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
