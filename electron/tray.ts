import path from 'node:path';
import type { Menu as ElectronMenu, MenuItemConstructorOptions, NativeImage, Tray as ElectronTray } from 'electron';
import type { PerchClient } from '../main/contract/client';
import { trayIconName, trayMenu, trayTooltip, type TrayAction, type TrayItem, type TraySnapshot } from './tray-menu';

// The tray icon and its menu, rebuilt from the core's snapshot whenever tray.changed says it
// changed.

export interface TrayDeps {
  Tray: new (image: NativeImage) => ElectronTray;
  Menu: { buildFromTemplate(template: MenuItemConstructorOptions[]): ElectronMenu };
  nativeImage: { createFromPath(file: string): NativeImage };
  client: PerchClient;
  resources: string;
  platform: NodeJS.Platform;
  open(route?: string): void;
  quit(): void;
  onError(message: string): void;
}

export class TrayController {
  private readonly tray: ElectronTray;
  private readonly off: () => void;
  private state: TraySnapshot['state'] | null = null;

  constructor(private readonly deps: TrayDeps) {
    this.tray = new deps.Tray(this.image('idle'));
    this.tray.setToolTip('Perch');
    this.tray.on('click', () => deps.open()); // Windows and most Linux trays: a click opens Perch
    this.off = deps.client.on('tray.changed', (snapshot) => this.apply(snapshot));
    deps.client.call('tray.snapshot').then(
      (snapshot) => this.apply(snapshot),
      (error: Error) => deps.onError(error.message),
    );
  }

  apply(snapshot: TraySnapshot): void {
    if (snapshot.state !== this.state) {
      this.state = snapshot.state;
      this.tray.setImage(this.image(snapshot.state));
    }
    this.tray.setToolTip(trayTooltip(snapshot));
    this.tray.setContextMenu(this.deps.Menu.buildFromTemplate(trayMenu(snapshot).map((item) => this.template(item))));
  }

  destroy(): void {
    this.off();
    this.tray.destroy();
  }

  private image(state: TraySnapshot['state']): NativeImage {
    return this.deps.nativeImage.createFromPath(path.join(this.deps.resources, trayIconName(state, this.deps.platform)));
  }

  private template(item: TrayItem): MenuItemConstructorOptions {
    if (item.separator) return { type: 'separator' };
    const action = item.action;
    return {
      label: item.label,
      enabled: item.enabled ?? true,
      ...(item.items ? { submenu: item.items.map((i) => this.template(i)) } : {}),
      ...(action ? { click: () => this.run(action) } : {}),
    };
  }

  run(action: TrayAction): void {
    const { client, onError } = this.deps;
    const failed = (error: Error) => onError(error.message);
    switch (action.kind) {
      case 'open':
        return this.deps.open(action.route);
      case 'quit':
        return this.deps.quit();
      case 'pause':
        return void client.call('channels.pause', action.channel ? { channel: action.channel } : {}).catch(failed);
      case 'resume':
        return void client.call('channels.resume', action.channel ? { channel: action.channel } : {}).catch(failed);
    }
  }
}
