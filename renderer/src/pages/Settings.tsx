// Moved to renderer/src/settings/; kept so the shell's import path still works.
export { SettingsPage } from '../settings/SettingsPage';
