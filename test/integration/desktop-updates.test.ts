import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { applyLaunchAtLogin } from '../../electron/login-item';
import { startUpdater } from '../../electron/updater';
import { EventBus } from '../../main/events/bus';
import { Updates, type UpdateStatus } from '../../main/system/updates';
import { tempDataDir } from '../helpers/data-dir';

// Launch at login (a login item on macOS/Windows, an XDG autostart entry on Linux) and updates
// from the release feed, reported to the core and installed when the owner asks.

describe('launch at login', () => {
  it('writes and removes the Linux autostart entry, and sets the login item elsewhere', () => {
    const configHome = tempDataDir();
    const app = { setLoginItemSettings: vi.fn() };
    applyLaunchAtLogin(true, { app, platform: 'linux', executable: '/opt/Perch/Perch "beta".AppImage', configHome });
    const entry = fs.readFileSync(path.join(configHome, 'autostart', 'perch.desktop'), 'utf8');
    expect(entry).toContain('[Desktop Entry]');
    expect(entry).toContain('Exec="/opt/Perch/Perch \\"beta\\".AppImage" --hidden');
    applyLaunchAtLogin(false, { app, platform: 'linux', executable: 'x', configHome });
    expect(fs.existsSync(path.join(configHome, 'autostart', 'perch.desktop'))).toBe(false);
    applyLaunchAtLogin(true, { app, platform: 'darwin', executable: 'x', configHome });
    applyLaunchAtLogin(false, { app, platform: 'win32', executable: 'x', configHome });
    expect(app.setLoginItemSettings.mock.calls).toEqual([
      [{ openAtLogin: true, openAsHidden: true, args: ['--hidden'] }],
      [{ openAtLogin: false, openAsHidden: true, args: ['--hidden'] }],
    ]);
    expect(app.setLoginItemSettings).toHaveBeenCalledTimes(2);
  });
});

describe('updates', () => {
  afterEach(() => vi.useRealTimers());

  const updater = () =>
    Object.assign(new EventEmitter(), {
      autoDownload: false,
      autoInstallOnAppQuit: false,
      checkForUpdates: vi.fn(async () => null),
      quitAndInstall: vi.fn(),
    });

  it('reports checking, downloading with progress and ready, and restarts into it only when asked', async () => {
    vi.useFakeTimers();
    const bus = new EventBus();
    const seen: UpdateStatus[] = [];
    bus.subscribe((event, payload) => event === 'update.status' && seen.push(payload as UpdateStatus));
    const updates = new Updates(bus);
    expect(updates.install()).toBe(false); // nothing to install
    const auto = updater();
    const stop = startUpdater({ autoUpdater: auto as never, report: (s, install) => updates.report(s, install), packaged: true, enabled: () => true, everyMs: 60_000 });
    expect(auto.autoDownload).toBe(true);
    expect(auto.checkForUpdates).toHaveBeenCalledTimes(1);
    auto.emit('checking-for-update');
    auto.emit('update-available', { version: '0.2.0' });
    auto.emit('download-progress', { percent: 41.6 });
    expect(updates.current()).toMatchObject({ state: 'downloading', percent: 42 });
    expect(updates.install()).toBe(false); // not ready yet
    auto.emit('update-downloaded', { version: '0.2.0' });
    expect(updates.current()).toEqual({ state: 'ready', version: '0.2.0', percent: null, detail: 'Installed when Perch restarts.' });
    expect(seen.map((s) => s.state)).toEqual(['checking', 'downloading', 'downloading', 'ready']);
    expect(updates.install()).toBe(true);
    expect(auto.quitAndInstall).toHaveBeenCalledWith(true, true);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(auto.checkForUpdates).toHaveBeenCalledTimes(2); // and looks again later
    auto.emit('error', new Error('net::ERR_INTERNET_DISCONNECTED'));
    expect(updates.current()).toMatchObject({ state: 'error', detail: 'Could not check for updates: net::ERR_INTERNET_DISCONNECTED' });
    stop();
  });

  it('does nothing from source or when turned off, and says why', () => {
    const updates = new Updates(new EventBus());
    const auto = updater();
    startUpdater({ autoUpdater: auto as never, report: (s) => updates.report(s), packaged: false, enabled: () => true })();
    expect(updates.current()).toMatchObject({ state: 'unavailable', detail: expect.stringContaining('Running from source') });
    startUpdater({ autoUpdater: auto as never, report: (s) => updates.report(s), packaged: true, enabled: () => false })();
    expect(updates.current()).toMatchObject({ state: 'disabled' });
    expect(auto.checkForUpdates).not.toHaveBeenCalled();
  });
});
