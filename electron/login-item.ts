import fs from 'node:fs';
import path from 'node:path';
import type { App } from 'electron';

// "Launch at login": a login item on macOS and Windows (opened hidden, to the tray); on Linux an
// XDG autostart entry, the one place every desktop looks.

export interface LoginItemDeps {
  app: Pick<App, 'setLoginItemSettings'>;
  platform: NodeJS.Platform;
  /** The program to start: the AppImage when packaged as one, else the executable. */
  executable: string;
  /** $XDG_CONFIG_HOME or ~/.config. */
  configHome: string;
}

export function applyLaunchAtLogin(enabled: boolean, deps: LoginItemDeps): void {
  if (deps.platform !== 'linux') {
    deps.app.setLoginItemSettings({ openAtLogin: enabled, openAsHidden: true, args: ['--hidden'] });
    return;
  }
  const entry = path.join(deps.configHome, 'autostart', 'perch.desktop');
  if (!enabled) {
    fs.rmSync(entry, { force: true });
    return;
  }
  fs.mkdirSync(path.dirname(entry), { recursive: true });
  const quoted = `"${deps.executable.replace(/(["\\`$])/g, '\\$1')}"`;
  fs.writeFileSync(entry, ['[Desktop Entry]', 'Type=Application', 'Name=Perch', 'Comment=Your personal assistant, in the tray', `Exec=${quoted} --hidden`, 'X-GNOME-Autostart-enabled=true', 'Terminal=false', ''].join('\n'));
}
