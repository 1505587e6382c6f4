import type { EventBus } from '../events/bus';
import type { Handlers } from '../gateway/router';
import type { SettingsService } from './settings-service';

export function settingsHandlers(settings: SettingsService, bus: EventBus): Handlers {
  return {
    'settings.get': () => settings.view(),
    'settings.update': ({ patch }, { log }) => {
      const { view, changed } = settings.update(patch);
      if (changed.length > 0) {
        log.info('settings changed', { changed });
        bus.publish('settings.changed', { settings: view.settings, changed });
      }
      return view;
    },
  };
}
