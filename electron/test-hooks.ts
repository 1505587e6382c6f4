import type { Menu, MenuItem, NativeImage, Tray } from 'electron';
import type { TrayDeps } from './tray';

// For the desktop end-to-end test (test/e2e/desktop-app.test.ts) only, and only when the app is
// started with PERCH_TEST_HOOKS=1: the tray and its menu are drawn by the OS and Electron cannot
// read a context menu back, so the test reaches them through globalThis.__perch (Playwright's
// electronApp.evaluate runs in this process). The menu it clicks is the real Electron Menu the
// tray was given. Without the variable the tray's parts pass through untouched.

export interface MenuEntry {
  label: string;
  enabled: boolean;
  items?: MenuEntry[];
}

export interface TrayHooks {
  /** Whether the tray icon exists (created and not destroyed). */
  trayAlive(): boolean;
  /** The tray menu as a person sees it (separators left out), submenus nested. */
  menu(): MenuEntry[];
  /** Clicks the item these labels lead to (e.g. 'Telegram: paused', 'Resume'); like a person, only an enabled one. */
  click(...labels: string[]): void;
}

type TrayParts = Pick<TrayDeps, 'Tray' | 'Menu'>;

export function withTrayTestHooks(parts: TrayParts, env: NodeJS.ProcessEnv = process.env, target: { __perch?: TrayHooks } = globalThis as { __perch?: TrayHooks }): TrayParts {
  if (env.PERCH_TEST_HOOKS !== '1') return parts;
  let tray: Tray | null = null;
  // TrayController builds one menu per snapshot, and only for the tray: the last one is the tray's.
  let menu: Menu | null = null;
  class RecordingTray {
    constructor(image: NativeImage) {
      tray = new parts.Tray(image);
      return tray; // `new` gives the real Tray
    }
  }
  target.__perch = {
    trayAlive: () => tray !== null && !tray.isDestroyed(),
    menu: () => entries(menu?.items ?? []),
    click: (...labels) => {
      const item = find(menu?.items ?? [], labels);
      if (!item.enabled) throw new Error(`The tray item "${labels.join(' › ')}" is disabled`);
      item.click();
    },
  };
  return {
    Tray: RecordingTray as unknown as TrayParts['Tray'],
    Menu: { buildFromTemplate: (template) => (menu = parts.Menu.buildFromTemplate(template)) },
  };
}

const shown = (items: MenuItem[]) => items.filter((item) => item.type !== 'separator');

function entries(items: MenuItem[]): MenuEntry[] {
  return shown(items).map((item) => ({ label: item.label, enabled: item.enabled, ...(item.submenu ? { items: entries(item.submenu.items) } : {}) }));
}

function find(items: MenuItem[], labels: string[]): MenuItem {
  const [label, ...rest] = labels;
  const item = shown(items).find((i) => i.label === label);
  if (!item) throw new Error(`No tray item "${label}"; there are: ${shown(items).map((i) => `"${i.label}"`).join(', ') || 'none'}`);
  if (rest.length === 0) return item;
  if (!item.submenu) throw new Error(`The tray item "${label}" has no submenu`);
  return find(item.submenu.items, rest);
}
