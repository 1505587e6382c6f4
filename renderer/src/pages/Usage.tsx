// Moved to renderer/src/usage/; kept so the shell's import path still works.
export { UsagePage } from '../usage/UsagePage';
