import { EventEmitter } from 'node:events';
import type { MenuItemConstructorOptions, NativeImage } from 'electron';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTrayTestHooks, type TrayHooks } from '../../electron/test-hooks';
import { TrayController, type TrayDeps } from '../../electron/tray';
import { createClient, type PerchClient } from '../../main/contract/client';
import type { Core } from '../../main/core';
import { createLocalTransport } from '../../main/gateway/local-transport';
import { createSession } from '../../main/gateway/session';
import { startTestCore } from '../helpers/core';

// The test hook the desktop end-to-end test drives the tray with (electron/test-hooks.ts), against
// stand-ins for Electron's Tray and Menu and a real core: off unless PERCH_TEST_HOOKS=1; on, it
// clicks the menu the tray was given, by its labels, only where a person could.

const until = async (check: () => boolean, ms = 5_000) => {
  for (const end = Date.now() + ms; !check() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
};

class StandInTray extends EventEmitter {
  destroyed = false;
  setToolTip() {}
  setContextMenu() {}
  setImage() {}
  destroy() {
    this.destroyed = true;
  }
  isDestroyed() {
    return this.destroyed;
  }
}

// Like Electron's Menu.buildFromTemplate: items with label, type, enabled, submenu and click().
interface StandInItem {
  label: string;
  type: string;
  enabled: boolean;
  submenu?: { items: StandInItem[] };
  click(): void;
}
const build = (template: MenuItemConstructorOptions[]): { items: StandInItem[] } => ({
  items: template.map((t) => ({
    label: t.label ?? '',
    type: t.type ?? 'normal',
    enabled: t.enabled ?? true,
    ...(Array.isArray(t.submenu) ? { submenu: build(t.submenu) } : {}),
    click: () => (t.click as (() => void) | undefined)?.(),
  })),
});
const parts = { Tray: StandInTray as unknown as TrayDeps['Tray'], Menu: { buildFromTemplate: build as unknown as TrayDeps['Menu']['buildFromTemplate'] } };

describe('the tray test hook', () => {
  let core: Core;
  let client: PerchClient;
  beforeAll(async () => {
    core = await startTestCore();
    const session = createSession('ipc', () => ({ perSecond: 1000, burst: 1000 }));
    session.authenticated = true;
    client = createClient(createLocalTransport(core.router, core.bus, session));
  });
  afterAll(async () => {
    await core.stop();
  });

  it('is off without PERCH_TEST_HOOKS=1: the tray gets Electron’s own parts and nothing is exposed', () => {
    const target: { __perch?: TrayHooks } = {};
    expect(withTrayTestHooks(parts, {}, target)).toBe(parts);
    expect(withTrayTestHooks(parts, { PERCH_TEST_HOOKS: 'true' }, target)).toBe(parts);
    expect(target).toEqual({});
  });

  it('with PERCH_TEST_HOOKS=1, reads and clicks the tray’s own menu by its labels, enabled items only', async () => {
    const target: { __perch?: TrayHooks } = {};
    const hooked = withTrayTestHooks(parts, { PERCH_TEST_HOOKS: '1' }, target);
    const hooks = target.__perch!;
    expect(hooks.trayAlive()).toBe(false); // no tray yet
    expect(hooks.menu()).toEqual([]);
    let opened = 0;
    let quit = 0;
    const tray = new TrayController({
      ...hooked,
      nativeImage: { createFromPath: (file: string) => file as unknown as NativeImage },
      client,
      resources: '/res',
      platform: 'linux',
      open: () => void opened++,
      quit: () => void quit++,
      onError: (message) => {
        throw new Error(message);
      },
    });
    expect(hooks.trayAlive()).toBe(true);
    const telegram = () => hooks.menu().find((item) => item.label.startsWith('Telegram:'));
    await until(() => telegram() !== undefined);
    expect(telegram()).toEqual({ label: 'Telegram: not set up', enabled: true, items: [{ label: 'Pause', enabled: true }, { label: 'Open Channels…', enabled: true }] });
    expect(hooks.menu().map((item) => item.label)).not.toContain(''); // separators left out

    hooks.click('Telegram: not set up', 'Pause');
    await until(() => telegram()?.label === 'Telegram: paused');
    expect((await client.call('channels.list')).items.find((c) => c.channel === 'telegram')!.paused).toBe(true);
    expect(() => hooks.click('Pause all')).toThrow('The tray item "Pause all" is disabled'); // nothing left running
    hooks.click('Telegram: paused', 'Resume');
    await until(() => telegram()?.label === 'Telegram: not set up');
    expect((await client.call('channels.list')).items.find((c) => c.channel === 'telegram')!.paused).toBe(false);

    expect(() => hooks.click('Telegram: paused', 'Resume')).toThrow(/No tray item "Telegram: paused"; there are: "Open Perch", .*"Quit Perch"/);
    expect(() => hooks.click('Open Perch', 'Pause')).toThrow('The tray item "Open Perch" has no submenu');
    hooks.click('Open Perch');
    hooks.click('Quit Perch');
    expect([opened, quit]).toEqual([1, 1]);
    tray.destroy();
    expect(hooks.trayAlive()).toBe(false);
  });
});
